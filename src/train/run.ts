/**
 * Running experiments: validate every config and every cell first (bad input writes nothing),
 * then train the cells, keeping `results/<name>/index.json` current and, at the end, writing
 * `sweep-summary.json`. The caller renders the reports of the folders the run returns.
 *
 * With a shard (`--shard I/N`) only the cells the plan gives shard I train (the caller makes
 * the plan, src/shard/plan.ts), the index goes to `index.shard-I-of-N.json` with the plan of the
 * whole experiment, and the sweep summary is left to `gradflow merge`. With `resume` (the
 * default for a shard, `--resume` otherwise) a cell already finished with the same config hash
 * (src/results/cell-state.ts) is skipped; any other cell's old files are removed before it trains.
 *
 * Outcome: 'failed' (exit 1) when a cell failed or, without a shard, diverged — also a skipped
 * one, so a resumed run ends as an uninterrupted one would. A shard counts a divergence as a
 * result, so that a scheduler does not retry a shard whose cells all finished.
 */
import { availableParallelism, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { expandCells, checkAgainstData, configHash, type Cell } from '../config/expand.js';
import type { ResolvedConfig } from '../config/schema.js';
import { normOf } from '../config/model.js';
import type { Dataset } from '../data/index.js';
import * as msg from '../messages.js';
import { cellState, clearCellFiles } from '../results/cell-state.js';
import { INDEX_FILE, shardIndexFile } from '../results/layout.js';
import { writeSweepSummary } from '../results/sweep.js';
import type { CellStatus, PlanEntry, RunIndex, RunStatus, Shard, ShardIndex, Summary } from '../results/types.js';
import { makeDir, OutputError, outputError, writeJsonAtomic } from '../results/write.js';
import { acquireLock, lockFile } from './lock.js';
import { dataShapeOf, impliedRunProblem, loadedRunProblem, loadedShape, memoryLimit, memoryProblem, runMemoryLimit } from './memory.js';
import { ACTIVATIONS } from '../net/activations.js';
import { mlpLayerSpecs } from '../net/mlp.js';
import { checkWeightsFile } from '../net/safetensors.js';
import { loadCellData, totalSteps, type Progress } from './trainer.js';
import { ProgressLine } from './progress.js';
import { outputProblem } from '../results/place.js';
import { cellCost } from '../shard/partition.js';
import { CellError, InlineExecutor, WorkerPool, type Executor } from './pool.js';
import type { ActivationName } from '../net/activations.js';

export interface RunOptions {
  readonly out: string;
  readonly set: readonly string[];
  readonly quiet: boolean;
  /**
   * Reports will be rendered (off in tests that only need numbers): write each experiment's
   * sweep-summary.json, which the sweep report reads, and list the folders in the result.
   */
  readonly reports: boolean;
  readonly log: (line: string) => void;
  /** Cells trained at once, each on its own worker thread when > 1. */
  readonly workers: number;
  /** Run only one shard of each experiment's cells (null or absent: all of them). */
  readonly shard?: ShardRun | null;
  /** Skip cells finished with the same config hash (default: true with a shard, else false). */
  readonly resume?: boolean;
  /** Stops the run like SIGINT when aborted, also when aborted before (the CLI aborts when its stdout is closed). */
  readonly abort?: AbortSignal;
  /** Where errors of the run itself go (default: `log`). */
  readonly warn?: (line: string) => void;
  /**
   * Called with each finished cell's folder as it finishes (with `reports` on), before its line
   * is printed: the CLI renders its report there, so a long sweep's reports appear as it goes.
   * Without it the folder is listed in the result instead.
   */
  readonly onCellWritten?: (cellDir: string, log: (line: string) => void) => Promise<void>;
  /** The relative cost of training a cell: with several workers the costliest start first (default cellCostOf). */
  readonly cost?: (cell: PreparedCell) => number;
}

/** The relative cost of training a cell (src/shard/partition.ts): shards balance it, workers take the costliest first. */
export function cellCostOf(pc: PreparedCell): number {
  const m = pc.cell.config.model;
  return cellCost({
    inputDim: pc.data.inputDim,
    outputDim: pc.data.outputDim,
    depth: m.depth,
    width: m.width,
    activation: m.activation.name,
    steps: pc.steps,
    batch: Math.min(pc.cell.config.train.batchSize, pc.data.nTrain),
  });
}

/** Shard `shard` of each experiment's plan. */
export interface ShardRun {
  readonly shard: Shard;
  /** Each experiment's plan, by experiment name: every cell with its shard (src/shard/plan.ts). */
  readonly plans: ReadonlyMap<string, readonly PlanEntry[]>;
}

export type RunOutcome = 'ok' | 'failed' | 'interrupted';

/** What a run did, and the folders whose reports are due. */
export interface RunResult {
  readonly outcome: RunOutcome;
  /** Cell folders that finished training (in any status), in the order they finished. */
  readonly cells: readonly string[];
  /** Experiment folders whose sweep-summary.json was written. */
  readonly experiments: readonly string[];
}

/** Bad input: the messages name the field, the value and what is allowed (exit 2). */
export class InputError extends Error {
  constructor(readonly messages: readonly string[]) {
    super(messages.join('\n'));
  }
}

export interface PreparedCell {
  readonly cell: Cell;
  readonly data: Dataset;
  readonly steps: number;
  /** configHash of the cell's resolved config. */
  readonly hash: string;
}

export interface PreparedExperiment {
  readonly config: ResolvedConfig;
  readonly baseDir: string;
  readonly dir: string;
  readonly cells: readonly PreparedCell[];
}

/** What `prepare` needs besides the configs. */
export interface PrepareOptions extends Pick<RunOptions, 'out' | 'set'> {
  /** Cells that will train at once (`--workers`; default 1), for the memory check of the whole run. */
  readonly workers?: number;
  /** This machine's memory in bytes (default os.totalmem()), for the memory checks. */
  readonly machine?: number;
}

/** A config loaded and expanded into cells, before any data is loaded. */
interface Expanded {
  readonly config: ResolvedConfig;
  readonly baseDir: string;
  readonly cells: readonly Cell[];
}

/** The data sets a run keeps, by data config, seed and folder: a data set asked for twice is loaded once and shared. */
type DataCache = Map<string, Dataset>;

const dataKey = (cell: Cell, baseDir: string): string => JSON.stringify([cell.config.data, cell.config.seed, baseDir]);

/**
 * Loads, validates and expands each config and loads each cell's data (one data set per data
 * config and seed, shared by every cell and experiment that asks for it), so that every input
 * error is found before anything is written: a bad config, an `--out` that cannot be a folder,
 * two configs of one name, a cell too large for memory (checked before its data or model is
 * allocated, and again on the loaded data), a whole run too large for memory (its data sets and
 * its cells training at once: checked from the configs before any data set is drawn, and again
 * once they are loaded), and an `initFrom` weights file that does not fit the model.
 */
export function prepare(paths: readonly string[], opts: PrepareOptions): PreparedExperiment[] {
  const errors: string[] = [];
  const machine = opts.machine ?? totalmem();
  const limit = memoryLimit(machine);
  const runLimit = runMemoryLimit(machine);
  const workers = opts.workers ?? 1;
  const expanded: Expanded[] = [];
  const byName = new Map<string, string[]>();
  for (const path of paths) {
    try {
      const { config, baseDir } = loadConfig(path, { set: opts.set });
      byName.set(config.name, [...(byName.get(config.name) ?? []), path]);
      expanded.push({ config, baseDir, cells: expandCells(config) });
    } catch (err) {
      errors.push(...messagesOf(err));
    }
  }
  const duplicates = [...byName].filter(([, files]) => files.length > 1).map(([name, files]) => msg.duplicateExperiment(name, files));
  // The whole run from the configs alone: a run too large is refused before a row is drawn.
  const implied = impliedRunProblem(expanded.flatMap((e) => e.cells.map((cell) => ({ config: cell.config, key: dataKey(cell, e.baseDir) }))), workers, runLimit, limit.bytes);
  if (implied !== null) throw new InputError([...errors, ...duplicates, implied]);
  const dataCache: DataCache = new Map();
  const out = expanded.map((exp): PreparedExperiment => ({
    config: exp.config,
    baseDir: exp.baseDir,
    dir: join(opts.out, exp.config.name),
    cells: prepareCells(exp, dataCache, limit, errors),
  }));
  errors.push(...duplicates);
  if (errors.length === 0) {
    const problem = loadedRunProblem([...dataCache.values()], out.flatMap((e) => e.cells.map((pc) => ({ config: pc.cell.config, data: pc.data }))), workers, runLimit);
    if (problem !== null) errors.push(problem);
  }
  if (errors.length === 0) {
    for (const exp of out) {
      const problem = outputProblem(opts.out, exp.dir);
      if (problem !== null && !errors.includes(problem)) errors.push(problem);
    }
  }
  if (errors.length) throw new InputError(errors);
  return out;
}

/** Checks and loads the data of each cell of `exp`; the problems go to `errors`, the cells that pass are returned. */
function prepareCells(exp: Expanded, dataCache: DataCache, limit: ReturnType<typeof memoryLimit>, errors: string[]): PreparedCell[] {
  const { cells, baseDir } = exp;
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
    const key = dataKey(cell, baseDir);
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
    if (cell.config.model.initFrom !== null && late === null && !initFromFits(cell.config, data, baseDir, weightsChecked, errors)) bad = true;
    if (bad) continue;
    prepared.push({ cell, data, steps: totalSteps(cell.config, data.nTrain), hash: configHash(cell.config) });
  }
  return prepared;
}

/**
 * Whether the cell's `model.initFrom` weights file fits its model. A file's problem goes into
 * `errors` once, however many cells share it (`checked`: file + model shape -> problem or null).
 */
function initFromFits(config: ResolvedConfig, data: Dataset, baseDir: string, checked: Map<string, string | null>, errors: string[]): boolean {
  const m = config.model;
  const file = resolve(baseDir, m.initFrom ?? '');
  const specs = mlpLayerSpecs({ inputDim: data.inputDim, outputDim: data.outputDim, depth: m.depth, width: m.width, activation: m.activation.name as ActivationName, maxRows: 1, norm: normOf(m) });
  const key = JSON.stringify([file, specs.map((l) => [l.fanIn, l.fanOut, l.activation, l.norm ?? null])]);
  if (!checked.has(key)) {
    let problem: string | null = null;
    try {
      checkWeightsFile(file, {
        layers: specs.map((l) => ({ index: l.index, fanIn: l.fanIn, fanOut: l.fanOut, prelu: ACTIVATIONS[l.activation].learned, norm: l.norm ?? null })),
        depth: m.depth,
        activation: m.activation.name,
      });
    } catch (err) {
      problem = messagesOf(err).join('; ');
    }
    checked.set(key, problem);
    if (problem !== null) errors.push(`model.initFrom: ${problem}`);
  }
  return checked.get(key) === null;
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
    let plan: readonly PlanEntry[] | null = null;
    if (opts.shard) {
      const { shard, plans } = opts.shard;
      plan = plans.get(exp.config.name) ?? [];
      const mineIds = new Set(plan.filter((e) => e.shard === shard.index).map((e) => e.id));
      cells = exp.cells.filter((c) => mineIds.has(c.cell.id));
      if (!opts.quiet) {
        const total = plan.reduce((t, e) => t + e.cost, 0);
        const mine = plan.reduce((t, e) => t + (mineIds.has(e.id) ? e.cost : 0), 0);
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
 * Runs prepared experiments; resolves to the overall outcome and the folders written. Takes
 * each experiment folder's lock first (src/train/lock.ts): throws `LockError` when another run
 * holds one, and `OutputError` when a folder cannot be created, before anything else is written.
 */
export async function runPrepared(experiments: readonly PreparedExperiment[], opts: RunOptions): Promise<RunResult> {
  // From before its first lock (and its first folder): a signal that came between the locks and
  // the training would otherwise end the process on the spot.
  return stopOnSignals(async (abort) => {
    const releases: (() => void)[] = [];
    try {
      for (const exp of experiments) {
        const scope = { config: configHash(exp.config), shards: opts.shard?.shard.count ?? null };
        releases.push(acquireLock(lockFile(exp.dir, opts.shard?.shard ?? null), scope));
      }
      return await runLocked(experiments, { ...opts, abort });
    } finally {
      for (const release of releases) release();
    }
  }, opts.abort);
}

/**
 * Runs `work` with a signal that SIGINT, SIGTERM or `parent` aborts (already aborted when parent
 * is): while it runs, the process listens for both, so neither ends it on the spot.
 */
export async function stopOnSignals<T>(work: (abort: AbortSignal) => Promise<T>, parent?: AbortSignal): Promise<T> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  parent?.addEventListener('abort', onSignal);
  if (parent?.aborted === true) stop.abort();
  try {
    return await work(stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    parent?.removeEventListener('abort', onSignal);
  }
}

/** The run itself, its locks held; `opts.abort` (SIGINT, SIGTERM or the caller's) stops it, also when it came before. */
async function runLocked(experiments: readonly PreparedExperiment[], opts: RunOptions): Promise<RunResult> {
  const shard = opts.shard?.shard ?? null;
  const jobs = planJobs(experiments, opts, opts.resume ?? shard !== null);
  const totalCells = jobs.reduce((n, j) => n + j.cells.length - j.skipped.size, 0);
  const workers = Math.max(1, Math.min(opts.workers, totalCells));
  // model.threads: each cell's kernel threads; more threads than cores only take turns.
  const threads = Math.max(1, ...jobs.flatMap((j) => j.cells.map((c) => c.cell.config.model.threads)));
  const cores = availableParallelism();
  if (threads > 1 && workers * threads > cores) (opts.warn ?? opts.log)(msg.oversubscribed(workers, threads, cores));
  const session = new RunSession(opts, shard, workers > 1 ? new WorkerPool(workers) : new InlineExecutor(), workers);
  const onAbort = (): void => session.interrupt();
  opts.abort?.addEventListener('abort', onAbort);
  if (opts.abort?.aborted === true) session.interrupt();
  try {
    for (const job of jobs) {
      await session.runExperiment(job);
      if (session.stopped) break;
    }
  } finally {
    opts.abort?.removeEventListener('abort', onAbort);
    await session.executor.close();
  }
  return session.result();
}

/** The state of one run over its experiments: the executor, the outcome so far, what was written. */
class RunSession {
  private outcome: RunOutcome = 'ok';
  private interrupted = false;
  /** The first write that failed: the run stops, since every later write would fail too. */
  private fatal: OutputError | null = null;
  private readonly cells: string[] = [];
  private readonly experiments: string[] = [];

  constructor(
    private readonly opts: RunOptions,
    private readonly shard: Shard | null,
    readonly executor: Executor,
    private readonly workers: number,
  ) {}

  get stopped(): boolean {
    return this.interrupted || this.fatal !== null;
  }

  interrupt(): void {
    this.interrupted = true;
    this.executor.stop();
  }

  result(): RunResult {
    const written = { cells: this.cells, experiments: this.experiments };
    if (this.fatal !== null) {
      (this.opts.warn ?? this.opts.log)(msg.outputFailed(this.fatal.message));
      return { outcome: 'failed', ...written };
    }
    return { outcome: this.interrupted ? 'interrupted' : this.outcome, ...written };
  }

  private onOutputError(err: unknown, path: string): void {
    if (this.fatal === null) {
      this.fatal = err instanceof OutputError ? err : outputError(path, err);
      this.executor.stop();
    }
  }

  /** Runs a write of the run's own files (index, sweep summary); a failure stops the run. */
  private guard(path: string, write: () => void): void {
    try {
      write();
    } catch (err) {
      this.onOutputError(err, path);
    }
  }

  /** Trains the job's cells that are not skipped, `workers` at once, keeping its index current. */
  async runExperiment(job: ExperimentJob): Promise<void> {
    const { exp, cells, skipped } = job;
    this.guard(exp.dir, () => makeDir(exp.dir));
    const statuses = new Map<string, CellStatus>(cells.map((c) => [c.cell.id, skipped.get(c.cell.id) ?? 'pending']));
    const writeIndex = this.indexWriter(job, statuses);
    writeIndex(true);
    const todo = cells.filter((c) => !skipped.has(c.cell.id));
    const progress = new ProgressLine(this.opts.quiet);
    // `workers` runners pull cells, so at most that many train at once: in order on one, the
    // costliest first on several (so the run does not end waiting on one long cell).
    const queue = todo.map((_, i) => i);
    const cost = this.opts.cost ?? cellCostOf;
    if (this.workers > 1) {
      const costs = todo.map(cost);
      queue.sort((a, b) => costs[b] - costs[a] || a - b);
    }
    let next = 0;
    const runner = async (): Promise<void> => {
      while (next < queue.length) {
        const i = queue[next++];
        await this.runCell(exp, todo[i], i, todo.length, { statuses, writeIndex, progress });
      }
    };
    await Promise.all(Array.from({ length: this.workers }, runner));
    writeIndex(true);
    // Unsharded, a skipped cell that diverged counts as it did when it ran (exit 1, as before);
    // in a shard a divergence is a result, not a failure, so a job array does not retry it.
    if (this.shard === null) for (const status of skipped.values()) if (status !== 'ok' && this.outcome === 'ok') this.outcome = 'failed';
    // The sweep summary of a shard is merge's job: it alone sees every cell.
    if (this.shard === null && this.opts.reports && cells.length > 0 && this.fatal === null) {
      const outcomes = cells.map((c) => ({ id: c.cell.id, overrides: c.cell.overrides, status: statuses.get(c.cell.id)!, seed: c.cell.config.seed }));
      this.guard(exp.dir, () => writeSweepSummary(exp.dir, exp.config.name, outcomes));
      if (this.fatal === null) this.experiments.push(exp.dir);
    }
  }

  /** Writes the experiment's index.json, or its shard index (at most once a second unless forced). */
  private indexWriter(job: ExperimentJob, statuses: ReadonlyMap<string, CellStatus>): (force?: boolean) => void {
    const { exp, cells, plan } = job;
    const entries = (): RunIndex['cells'] =>
      cells.map((c) => ({ id: c.cell.id, path: c.cell.id, overrides: c.cell.overrides, status: statuses.get(c.cell.id)! }));
    const shard = this.shard;
    let lastWrite = -Infinity;
    return (force = false): void => {
      if (shard === null) {
        const index: RunIndex = { experiment: exp.config.name, cells: entries() };
        this.guard(exp.dir, () => writeJsonAtomic(join(exp.dir, INDEX_FILE), index));
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
      this.guard(exp.dir, () => writeJsonAtomic(join(exp.dir, shardIndexFile(shard)), index));
    };
  }

  /** Trains cell `i` of `count` (its old files removed first) and records its status. */
  private async runCell(
    exp: PreparedExperiment,
    pc: PreparedCell,
    i: number,
    count: number,
    index: { readonly statuses: Map<string, CellStatus>; readonly writeIndex: (force?: boolean) => void; readonly progress: ProgressLine },
  ): Promise<void> {
    const cellDir = join(exp.dir, pc.cell.id);
    const label = `${exp.config.name}/${pc.cell.id}`;
    if (this.stopped) return;
    index.statuses.set(pc.cell.id, 'running');
    index.writeIndex();
    let summary: Summary;
    try {
      // A rerun replaces the old files: nothing stale (histograms, weights, summary) survives.
      try {
        clearCellFiles(cellDir);
      } catch (err) {
        throw outputError(cellDir, err);
      }
      summary = await this.executor.run(
        { index: i, config: pc.cell.config, dir: cellDir, baseDir: exp.baseDir, data: pc.data },
        (p: Progress) => index.progress.update(pc.cell.id, `[${i + 1}/${count}] ${label}`, p),
      );
    } catch (err) {
      index.progress.done(pc.cell.id);
      index.statuses.set(pc.cell.id, 'failed');
      this.outcome = 'failed';
      if (err instanceof OutputError || (err instanceof CellError && err.originalName === 'OutputError')) this.onOutputError(err, cellDir);
      index.writeIndex();
      index.progress.print(() => this.opts.log(msg.cellFailed(label, err)));
      return;
    }
    index.progress.done(pc.cell.id);
    index.statuses.set(pc.cell.id, summary.status);
    index.writeIndex();
    if (summary.status === 'interrupted') this.outcome = 'interrupted';
    else if (summary.status !== 'ok' && !(summary.status === 'diverged' && this.shard !== null) && this.outcome === 'ok') this.outcome = 'failed';
    if (this.opts.reports && this.fatal === null) {
      const log = (line: string): void => index.progress.print(() => this.opts.log(line));
      if (this.opts.onCellWritten !== undefined) await this.opts.onCellWritten(cellDir, log);
      else this.cells.push(cellDir);
    }
    if (!this.opts.quiet) index.progress.print(() => this.opts.log(msg.cellFinished(label, summary, relative(process.cwd(), cellDir) || '.')));
  }
}
