/**
 * `gradflow run <config...>`: the flags turned into config overrides and a shard, every input
 * checked before anything is written (exit 2), the shard's plan made (src/shard/plan.ts), the
 * cells trained (src/train/run.ts), then the reports of the folders written.
 */
import { resolve } from 'node:path';
import * as msg from '../messages.js';
import { MAX_THREADS } from '../net/kernels-threads.js';
import { OutputError } from '../results/write.js';
import { planShards } from '../shard/plan.js';
import { parseShard, ShardSpecError, type Shard } from '../shard/spec.js';
import { LockError } from '../train/lock.js';
import { InputError, cellCostOf, prepare, runPrepared, type PreparedExperiment, type ShardRun } from '../train/run.js';
import type { BesideRun } from '../watch/command.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PIPE_CLOSED, type ExitCode, type Io } from './io.js';

export interface RunCommandOptions {
  readonly config: readonly string[];
  readonly out: string;
  readonly set: readonly string[];
  readonly quiet: boolean;
  /** Write report.html files (`--no-report` turns them off). */
  readonly report: boolean;
  readonly workers: number;
  /** `--threads N`: model.threads. */
  readonly threads?: number;
  /** `--shard I/N` or `auto`. */
  readonly shard?: string;
  readonly resume?: boolean;
  /** `--init-from FILE`, relative to the current folder. */
  readonly initFrom?: string;
  /** `--save-weights 0,100,1000`. */
  readonly saveWeights?: string;
  /** `--watch`: serve the live view beside the run (and after it, until Ctrl-C). */
  readonly watch?: boolean;
  readonly port?: string;
  readonly host?: string;
}

/** The `--set` overrides the flags add, or the message of a bad flag. */
function flagOverrides(o: RunCommandOptions): { sets: string[] } | { error: string } {
  const sets = [...o.set];
  if (o.threads !== undefined) {
    if (!Number.isInteger(o.threads) || o.threads < 1 || o.threads > MAX_THREADS) {
      return { error: msg.badFlag('--threads', o.threads, `an integer from 1 to ${MAX_THREADS}`) };
    }
    sets.push(`model.threads=${o.threads}`);
  }
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

/** Each experiment's cells in shards of about equal cost. */
function shardRun(shard: Shard, experiments: readonly PreparedExperiment[]): ShardRun {
  const plans = new Map(experiments.map((exp) => {
    const cells = exp.cells.map((pc) => ({ id: pc.cell.id, overrides: pc.cell.overrides, configHash: pc.hash, cost: cellCostOf(pc) }));
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
    experiments = prepare(o.config, { out: o.out, set: flags.sets, workers: o.workers });
  } catch (err) {
    if (err instanceof ShardSpecError) io.fail([err.message]);
    else if (err instanceof InputError) io.fail(err.messages);
    else throw err;
    return EXIT_BAD_INPUT;
  }
  let beside: BesideRun | null = null;
  if (o.watch === true) {
    const { startBesideRun } = await import('../watch/command.js');
    beside = await startBesideRun(experiments.length === 1 ? experiments[0].dir : o.out, { port: o.port, host: o.host }, io);
    if (beside === null) return EXIT_BAD_INPUT;
  }
  const code = await trainAndReport(o, io, experiments, flags.sets, shard);
  if (beside !== null) await beside.untilStopped();
  return code;
}

async function trainAndReport(o: RunCommandOptions, io: Io, experiments: PreparedExperiment[], sets: readonly string[], shard: Shard | null): Promise<ExitCode> {
  const abort = new AbortController();
  const unwatch = io.onStdoutClosed(() => abort.abort());
  let result;
  try {
    result = await runPrepared(experiments, {
      out: o.out, set: sets, quiet: o.quiet, reports: o.report, log: io.log, warn: (line) => io.fail([line]),
      workers: o.workers, shard: shard === null ? null : shardRun(shard, experiments), resume: o.resume, abort: abort.signal,
      onCellWritten: async (cellDir, log) => {
        const { writeReports } = await import('../report/write.js');
        await writeReports({ cells: [cellDir], experiments: [] }, (dir, err) => log(msg.reportFailed(dir, err)));
      },
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
