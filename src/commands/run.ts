/**
 * `gradflow run <config...>`: the flags turned into config overrides and a shard, every input
 * checked before anything is written (exit 2), the shard's plan made (src/shard/plan.ts), the
 * cells trained (src/train/run.ts), then the reports of the folders written.
 */
import { resolve } from 'node:path';
import * as msg from '../messages.js';
import { OutputError } from '../results/write.js';
import { cellCost } from '../shard/partition.js';
import { planShards } from '../shard/plan.js';
import { parseShard, ShardSpecError, type Shard } from '../shard/spec.js';
import { LockError } from '../train/lock.js';
import { InputError, prepare, runPrepared, type PreparedExperiment, type ShardRun } from '../train/run.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PIPE_CLOSED, type ExitCode, type Io } from './io.js';

export interface RunCommandOptions {
  readonly config: readonly string[];
  readonly out: string;
  readonly set: readonly string[];
  readonly quiet: boolean;
  /** Write report.html files (`--no-report` turns them off). */
  readonly report: boolean;
  readonly workers: number;
  /** `--shard I/N` or `auto`. */
  readonly shard?: string;
  readonly resume?: boolean;
  /** `--init-from FILE`, relative to the current folder. */
  readonly initFrom?: string;
  /** `--save-weights 0,100,1000`. */
  readonly saveWeights?: string;
}

/** The `--set` overrides the flags add, or the message of a bad flag. */
function flagOverrides(o: RunCommandOptions): { sets: string[] } | { error: string } {
  const sets = [...o.set];
  if (o.initFrom !== undefined) {
    if (o.initFrom.trim() === '') return { error: msg.badFlag('--init-from', o.initFrom, 'a safetensors file') };
    // The flag is relative to where the command runs; model.initFrom to the config file.
    sets.push(`model.initFrom=${JSON.stringify(resolve(o.initFrom))}`);
  }
  if (o.saveWeights !== undefined) {
    const text = o.saveWeights.trim();
    const steps = text === '' ? [] : text.split(',').map((t) => t.trim());
    if (!steps.every((t) => /^\d+$/.test(t) && Number.isSafeInteger(Number(t)))) {
      return { error: msg.badFlag('--save-weights', o.saveWeights, 'a comma-separated list of steps (integers >= 0), e.g. 0,100,1000') };
    }
    sets.push(`train.saveWeights=${JSON.stringify(steps.map(Number))}`);
  }
  return { sets };
}

/** Each experiment's cells in shards of about equal cost (src/shard/partition.ts). */
function shardRun(shard: Shard, experiments: readonly PreparedExperiment[]): ShardRun {
  const plans = new Map(experiments.map((exp) => {
    const cells = exp.cells.map((pc) => {
      const m = pc.cell.config.model;
      const cost = cellCost({
        inputDim: pc.data.inputDim,
        outputDim: pc.data.outputDim,
        depth: m.depth,
        width: m.width,
        activation: m.activation.name,
        steps: pc.steps,
        batch: Math.min(pc.cell.config.train.batchSize, pc.data.nTrain),
      });
      return { id: pc.cell.id, overrides: pc.cell.overrides, configHash: pc.hash, cost };
    });
    return [exp.config.name, planShards(cells, shard.count)] as const;
  }));
  return { shard, plans };
}

export async function runCommand(o: RunCommandOptions, io: Io): Promise<ExitCode> {
  if (!Number.isInteger(o.workers) || o.workers < 1) {
    io.fail([msg.badFlag('--workers', o.workers, 'an integer >= 1')]);
    return EXIT_BAD_INPUT;
  }
  const flags = flagOverrides(o);
  if ('error' in flags) {
    io.fail([flags.error]);
    return EXIT_BAD_INPUT;
  }
  let shard: Shard | null = null;
  let experiments: PreparedExperiment[];
  try {
    if (o.shard !== undefined) shard = parseShard(o.shard, process.env);
    experiments = prepare(o.config, { out: o.out, set: flags.sets });
  } catch (err) {
    if (err instanceof ShardSpecError) io.fail([err.message]);
    else if (err instanceof InputError) io.fail(err.messages);
    else throw err;
    return EXIT_BAD_INPUT;
  }
  const abort = new AbortController();
  const unwatch = io.onStdoutClosed(() => abort.abort());
  let result;
  try {
    result = await runPrepared(experiments, {
      out: o.out, set: flags.sets, quiet: o.quiet, reports: o.report, log: io.log, warn: (line) => io.fail([line]),
      workers: o.workers, shard: shard === null ? null : shardRun(shard, experiments), resume: o.resume, abort: abort.signal,
    });
  } catch (err) {
    // Another run holds the experiment folder, or the folder cannot be made: nothing trained.
    if (!(err instanceof LockError || err instanceof OutputError)) throw err;
    io.fail([err.message]);
    return EXIT_FAILED;
  } finally {
    unwatch();
  }
  if (o.report) {
    // Loaded only when reports are due: it brings Vega in.
    const { writeReports } = await import('../report/write.js');
    await writeReports(result, (dir, err) => io.log(msg.reportFailed(dir, err)));
  }
  if (result.outcome === 'interrupted' && abort.signal.aborted) return EXIT_PIPE_CLOSED;
  if (result.outcome === 'interrupted') io.fail([msg.interrupted()]);
  return result.outcome === 'ok' ? EXIT_OK : result.outcome === 'interrupted' ? EXIT_INTERRUPTED : EXIT_FAILED;
}
