/**
 * `gradflow run`: validate every config and every cell first (bad input writes nothing), then
 * train the cells, keeping `results/<name>/index.json` current, and render the reports.
 *
 * With a shard (`--shard I/N`) only the cells of shard I of the cost-balanced partition
 * (src/shard/partition.ts) train, the index goes to `index.shard-I-of-N.json` with the plan of
 * the whole experiment, and the sweep report is left to `gradflow merge`. With `resume` (the
 * default for a shard, `--resume` otherwise) a cell already finished with the same config hash
 * (src/shard/resume.ts) is skipped; any other cell's old files are removed before it trains.
 *
 * Outcome: 'failed' (exit 1) when a cell failed or, without a shard, diverged — also a skipped
 * one, so a resumed run ends as an uninterrupted one would. A shard counts a divergence as a
 * result, so that a scheduler does not retry a shard whose cells all finished.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { expandCells, checkAgainstData, configHash, type Cell } from '../config/expand.js';
import type { ResolvedConfig } from '../config/schema.js';
import type { Dataset } from '../data/index.js';
import type { RunIndex, RunStatus, Summary } from '../metrics/types.js';
import * as msg from '../messages.js';
import { makeDir, OutputError, outputError, writeJsonAtomic } from './io.js';
import { acquireLock, lockFile } from './lock.js';
import { dataShapeOf, loadedShape, memoryLimit, memoryProblem } from './memory.js';
import { ACTIVATIONS } from '../net/activations.js';
import { mlpLayerSpecs } from '../net/mlp.js';
import { checkWeightsFile } from '../net/safetensors.js';
import { loadCellData, totalSteps, type Progress } from './trainer.js';
import { ProgressLine } from './progress.js';
import { CellError, InlineExecutor, WorkerPool, type Executor } from './pool.js';
import type { ActivationName } from '../net/activations.js';
import { writeSweepSummary } from '../shard/aggregate.js';
import { assignShards, cellCost } from '../shard/partition.js';
import type { PlanEntry, ShardIndex } from '../shard/plan.js';
import { cellState, clearCellFiles } from '../shard/resume.js';
import { shardIndexFile, type Shard } from '../shard/spec.js';

export interface RunOptions {
  readonly out: string;
  readonly set: readonly string[];
  readonly quiet: boolean;
  /** Build report.html files after training (off in tests that only need numbers). */
  readonly reports: boolean;
  readonly log: (line: string) => void;
  /** Cells trained at once, each on its own worker thread when > 1. */
  readonly workers: number;
  /** Run only this shard of each experiment's cells (null or absent: all of them). */
  readonly shard?: Shard | null;
  /** Skip cells finished with the same config hash (default: true with a shard, else false). */
  readonly resume?: boolean;
  /** Stops the run like SIGINT when aborted (the CLI aborts when its stdout is closed). */
  readonly abort?: AbortSignal;
  /** Where errors of the run itself go (default: `log`). */
  readonly warn?: (line: string) => void;
}


export class InputError extends Error {
  constructor(readonly messages: readonly string[]) {
    super(messages.join('\n'));
  }
}

interface PreparedCell {
  readonly cell: Cell;
  readonly data: Dataset;
  readonly steps: number;
  /** configHash of the cell's resolved config. */
  readonly hash: string;
  /** Estimated cost for sharding: parameters x (steps + 1) x batch. */
  readonly cost: number;
}

interface PreparedExperiment {
  readonly config: ResolvedConfig;
  readonly baseDir: string;
  readonly dir: string;
  readonly cells: readonly PreparedCell[];
}

/**
 * Loads, validates and expands each config and loads each cell's data (cached per distinct
 * data config), so that every input error is found before anything is written: a bad config,
 * an `--out` that cannot be a folder, two configs of one name, a cell too large for memory
 * (checked before its data or model is allocated, and again on the loaded data), and an
 * `initFrom` weights file that does not fit the model.
 */
export function prepare(paths: readonly string[], opts: Pick<RunOptions, 'out' | 'set'>): PreparedExperiment[] {
  const out: PreparedExperiment[] = [];
  const errors: string[] = [];
  const limit = memoryLimit();
  const byName = new Map<string, string[]>();
  for (const path of paths) {
    let loaded;
    try {
      loaded = loadConfig(path, { set: opts.set });
    } catch (err) {
      errors.push(...messagesOf(err));
      continue;
    }
    const { config, baseDir } = loaded;
    byName.set(config.name, [...(byName.get(config.name) ?? []), path]);
    let cells: Cell[];
    try {
      cells = expandCells(config);
    } catch (err) {
      errors.push(...messagesOf(err));
      continue;
    }
    const dataCache = new Map<string, Dataset>();
    /** initFrom file + model shape -> the file's problem, or null when it fits. */
    const weightsChecked = new Map<string, string | null>();
    const prepared: PreparedCell[] = [];
    const inCell = (cell: Cell, p: string): string => (cells.length > 1 ? `${cell.id}: ${p}` : p);
    for (const cell of cells) {
      // The size the config implies, before a single row or weight is allocated.
      const implied = dataShapeOf(cell.config.data);
      const early = implied === null ? null : memoryProblem(cell.config, implied, limit);
      if (early !== null) {
        errors.push(inCell(cell, early));
        continue;
      }
      const key = JSON.stringify([cell.config.data, cell.config.seed]);
      let data = dataCache.get(key);
      try {
        if (!data) {
          data = loadCellData(cell.config, baseDir);
          dataCache.set(key, data);
        }
      } catch (err) {
        errors.push(...messagesOf(err));
        break;
      }
      const problems = checkAgainstData(cell.config, data.nTrain, data.task);
      const late = memoryProblem(cell.config, loadedShape(data), limit);
      if (late !== null) problems.push(late);
      let bad = problems.length > 0;
      if (bad) errors.push(...problems.map((p) => inCell(cell, p)));
      const m = cell.config.model;
      if (m.initFrom !== null && late === null) {
        const file = resolve(baseDir, m.initFrom);
        const specs = mlpLayerSpecs({ inputDim: data.inputDim, outputDim: data.outputDim, depth: m.depth, width: m.width, activation: m.activation.name as ActivationName, maxRows: 1 });
        const wkey = JSON.stringify([file, specs.map((l) => [l.fanIn, l.fanOut, l.activation])]);
        if (!weightsChecked.has(wkey)) {
          let problem: string | null = null;
          try {
            checkWeightsFile(file, {
              layers: specs.map((l) => ({ index: l.index, fanIn: l.fanIn, fanOut: l.fanOut, prelu: ACTIVATIONS[l.activation].learned })),
              depth: m.depth,
              activation: m.activation.name,
            });
          } catch (err) {
            problem = messagesOf(err).join('; ');
          }
          weightsChecked.set(wkey, problem);
          // The same file's problem once, not once per cell.
          if (problem !== null) errors.push(`model.initFrom: ${problem}`);
        }
        if (weightsChecked.get(wkey) !== null) bad = true;
      }
      if (bad) continue;
      const steps = totalSteps(cell.config, data.nTrain);
      const cost = cellCost({
        inputDim: data.inputDim,
        outputDim: data.outputDim,
        depth: m.depth,
        width: m.width,
        activation: m.activation.name as ActivationName,
        steps,
        batch: Math.min(cell.config.train.batchSize, data.nTrain),
      });
      prepared.push({ cell, data, steps, hash: configHash(cell.config), cost });
    }
    out.push({ config, baseDir, dir: join(opts.out, config.name), cells: prepared });
  }
  for (const [name, files] of byName) if (files.length > 1) errors.push(msg.duplicateExperiment(name, files));
  if (errors.length === 0) {
    for (const exp of out) {
      const problem = outputProblem(opts.out, exp.dir);
      if (problem !== null && !errors.includes(problem)) errors.push(problem);
    }
  }
  if (errors.length) throw new InputError(errors);
  return out;
}

/**
 * Why `expDir` (inside `--out`) cannot be created and written, or null: the nearest part of
 * it that exists must be a folder this process may write into.
 */
function outputProblem(out: string, expDir: string): string | null {
  let p = resolve(expDir);
  for (;;) {
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch (err) {
      // ENOTDIR: a file further up is in the way; the walk up finds it.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTDIR') return msg.outputUnusable(out, p, `cannot be reached (${code ?? 'error'})`);
    }
    if (st !== undefined) {
      if (!st.isDirectory()) return msg.outputUnusable(out, p, 'is a file, not a folder');
      try {
        accessSync(p, constants.W_OK | constants.X_OK);
      } catch (err) {
        return msg.outputUnusable(out, p, `is a folder this user cannot write (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      return null;
    }
    const parent = dirname(p);
    if (parent === p) return null;
    p = parent;
  }
}

function messagesOf(err: unknown): string[] {
  if (err && typeof err === 'object' && 'messages' in err && Array.isArray((err as { messages: unknown }).messages)) {
    return (err as { messages: string[] }).messages;
  }
  if (err instanceof Error && (err.name === 'DataError' || err.name === 'WeightsError')) return [err.message];
  throw err;
}

/** What one experiment of a run does: its cells of this shard, and which of them are skipped. */
interface ExperimentJob {
  readonly exp: PreparedExperiment;
  /** The cells this process owns (all of them without a shard), in index order. */
  readonly cells: readonly PreparedCell[];
  /** Cells already finished with the same config, and their status. */
  readonly skipped: ReadonlyMap<string, RunStatus>;
  readonly plan: readonly PlanEntry[] | null;
}

/** Picks each experiment's cells of `shard` and the finished ones to skip, logging both. */
function planJobs(experiments: readonly PreparedExperiment[], opts: RunOptions, resume: boolean): ExperimentJob[] {
  return experiments.map((exp) => {
    let cells: readonly PreparedCell[] = exp.cells;
    let plan: PlanEntry[] | null = null;
    if (opts.shard) {
      const shard = opts.shard;
      const assigned = assignShards(exp.cells, (c) => c.cell.id, (c) => c.cost, shard.count);
      plan = assigned.map(({ item, shard: s }) => ({ id: item.cell.id, overrides: item.cell.overrides, configHash: item.hash, cost: item.cost, shard: s }));
      cells = assigned.filter((a) => a.shard === shard.index).map((a) => a.item);
      if (!opts.quiet) {
        const total = exp.cells.reduce((t, c) => t + c.cost, 0);
        const mine = cells.reduce((t, c) => t + c.cost, 0);
        opts.log(msg.shardCells(exp.config.name, shard, cells.length, exp.cells.length, total > 0 ? mine / total : 0));
      }
    }
    const skipped = new Map<string, RunStatus>();
    if (resume) {
      for (const pc of cells) {
        const label = `${exp.config.name}/${pc.cell.id}`;
        const state = cellState(join(exp.dir, pc.cell.id), pc.hash);
        if (state.kind === 'finished') {
          skipped.set(pc.cell.id, state.status);
          if (!opts.quiet) opts.log(msg.cellSkipped(label, state.status));
        } else if (state.kind === 'changed' && !opts.quiet) {
          opts.log(msg.cellConfigChanged(label, state.status));
        }
      }
      if (!opts.quiet && skipped.size > 0) opts.log(msg.skippedCount(exp.config.name, skipped.size, cells.length));
    }
    return { exp, cells, skipped, plan };
  });
}

/** Shortest time between two rewrites of a shard's index file (it holds the whole plan). */
const SHARD_INDEX_EVERY_MS = 1000;

/**
 * Runs prepared experiments; resolves to the overall outcome. Takes each experiment folder's
 * lock first (src/train/lock.ts): throws `LockError` when another run holds one, and
 * `OutputError` when a folder cannot be created, before anything else is written.
 */
export async function runPrepared(experiments: readonly PreparedExperiment[], opts: RunOptions): Promise<'ok' | 'failed' | 'interrupted'> {
  const releases: (() => void)[] = [];
  try {
    for (const exp of experiments) releases.push(acquireLock(lockFile(exp.dir, opts.shard ?? null)));
    return await runLocked(experiments, opts);
  } finally {
    for (const release of releases) release();
  }
}

async function runLocked(experiments: readonly PreparedExperiment[], opts: RunOptions): Promise<'ok' | 'failed' | 'interrupted'> {
  let outcome: 'ok' | 'failed' | 'interrupted' = 'ok';
  const shard = opts.shard ?? null;
  const warn = opts.warn ?? opts.log;
  const jobs = planJobs(experiments, opts, opts.resume ?? shard !== null);
  const totalCells = jobs.reduce((n, j) => n + j.cells.length - j.skipped.size, 0);
  const workers = Math.max(1, Math.min(opts.workers, totalCells));
  // model.threads: each cell's kernel threads; more threads than cores only take turns.
  const threads = Math.max(1, ...jobs.flatMap((j) => j.cells.map((c) => c.cell.config.model.threads)));
  if (threads > 1 && workers * threads > availableParallelism()) warn(msg.oversubscribed(workers, threads, availableParallelism()));
  const executor: Executor = workers > 1 ? new WorkerPool(workers) : new InlineExecutor();
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    executor.stop();
  };
  /** The first write that failed: the run stops, since every later write would fail too. */
  let fatal: OutputError | null = null;
  const onOutputError = (err: unknown, path: string): void => {
    if (fatal === null) {
      fatal = err instanceof OutputError ? err : outputError(path, err);
      executor.stop();
    }
  };
  /** Runs a write of the run's own files (index, sweep summary); a failure stops the run. */
  const guard = (path: string, write: () => void): void => {
    try {
      write();
    } catch (err) {
      onOutputError(err, path);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  opts.abort?.addEventListener('abort', onSignal);
  try {
    for (const { exp, cells, skipped, plan } of jobs) {
      guard(exp.dir, () => makeDir(exp.dir));
      const statuses = new Map<string, RunStatus | 'pending' | 'running'>(cells.map((c) => [c.cell.id, skipped.get(c.cell.id) ?? 'pending']));
      const entries = (): RunIndex['cells'] =>
        cells.map((c) => ({ id: c.cell.id, path: c.cell.id, overrides: c.cell.overrides, status: statuses.get(c.cell.id)! }));
      let lastWrite = -Infinity;
      const writeIndex = (force = false): void => {
        if (shard === null) {
          const index: RunIndex = { experiment: exp.config.name, cells: entries() };
          guard(exp.dir, () => writeJsonAtomic(join(exp.dir, 'index.json'), index));
          return;
        }
        // A shard's index holds the whole plan: rewrite it at most once a second, and at the end.
        const now = Date.now();
        if (!force && now - lastWrite < SHARD_INDEX_EVERY_MS) return;
        lastWrite = now;
        const index: ShardIndex = {
          experiment: exp.config.name,
          shard: { index: shard.index, count: shard.count, source: shard.source },
          cells: entries(),
          plan: plan ?? [],
        };
        guard(exp.dir, () => writeJsonAtomic(join(exp.dir, shardIndexFile(shard)), index));
      };
      writeIndex(true);
      const todo = cells.filter((c) => !skipped.has(c.cell.id));
      const progress = new ProgressLine(opts.quiet);
      const runOne = async (pc: PreparedCell, i: number): Promise<void> => {
        const cellDir = join(exp.dir, pc.cell.id);
        const label = `${exp.config.name}/${pc.cell.id}`;
        if (interrupted || fatal !== null) return;
        statuses.set(pc.cell.id, 'running');
        writeIndex();
        let summary: Summary;
        try {
          // A rerun replaces the old files: nothing stale (histograms, weights, summary) survives.
          try {
            clearCellFiles(cellDir);
          } catch (err) {
            throw outputError(cellDir, err);
          }
          summary = await executor.run(
            { index: i, config: pc.cell.config, dir: cellDir, baseDir: exp.baseDir, data: pc.data },
            (p: Progress) => progress.update(`[${i + 1}/${todo.length}] ${label}`, p),
          );
        } catch (err) {
          progress.clear();
          statuses.set(pc.cell.id, 'failed');
          outcome = 'failed';
          if (err instanceof OutputError || (err instanceof CellError && err.originalName === 'OutputError')) onOutputError(err, cellDir);
          writeIndex();
          opts.log(msg.cellFailed(label, err));
          return;
        }
        progress.clear();
        statuses.set(pc.cell.id, summary.status);
        writeIndex();
        if (summary.status === 'interrupted') outcome = 'interrupted';
        else if (summary.status !== 'ok' && !(summary.status === 'diverged' && shard !== null) && outcome === 'ok') outcome = 'failed';
        if (opts.reports && fatal === null) await writeCellReport(cellDir, opts.log);
        if (!opts.quiet) opts.log(msg.cellFinished(label, summary, relative(process.cwd(), cellDir) || '.'));
      };
      // `workers` runners pull cells, so at most that many train at once: in order on one, the
      // costliest first on several (so the run does not end waiting on one long cell).
      const queue = todo.map((_, i) => i);
      if (workers > 1) queue.sort((a, b) => todo[b].cost - todo[a].cost || a - b);
      let next = 0;
      const runner = async (): Promise<void> => {
        while (next < queue.length) {
          const i = queue[next++];
          await runOne(todo[i], i);
        }
      };
      await Promise.all(Array.from({ length: workers }, runner));
      writeIndex(true);
      // Unsharded, a skipped cell that diverged counts as it did when it ran (exit 1, as before);
      // in a shard a divergence is a result, not a failure, so a job array does not retry it.
      if (shard === null) for (const status of skipped.values()) if (status !== 'ok' && outcome === 'ok') outcome = 'failed';
      // The sweep summary and report of a shard are merge's job: it alone sees every cell.
      if (shard === null && opts.reports && cells.length > 0 && fatal === null) {
        guard(exp.dir, () => writeSweepSummary(exp.dir, exp.config.name, cells.map((c) => ({ id: c.cell.id, overrides: c.cell.overrides, status: statuses.get(c.cell.id)!, seed: c.cell.config.seed }))));
        if (fatal === null) await writeExperimentReport(exp.dir, opts.log);
      }
      if (interrupted || fatal !== null) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    opts.abort?.removeEventListener('abort', onSignal);
    await executor.close();
  }
  if (fatal !== null) {
    warn(msg.outputFailed((fatal as OutputError).message));
    return 'failed';
  }
  return interrupted ? 'interrupted' : outcome;
}

async function writeCellReport(cellDir: string, log: (line: string) => void): Promise<void> {
  try {
    const { writeRunReport } = await import('../report/index.js');
    await writeRunReport(cellDir);
  } catch (err) {
    log(msg.reportFailed(cellDir, err));
  }
}

async function writeExperimentReport(expDir: string, log: (line: string) => void): Promise<void> {
  try {
    const { writeSweepReport } = await import('../report/index.js');
    await writeSweepReport(expDir);
  } catch (err) {
    log(msg.reportFailed(expDir, err));
  }
}
