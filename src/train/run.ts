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
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { expandCells, checkAgainstData, configHash, type Cell } from '../config/expand.js';
import type { ResolvedConfig } from '../config/schema.js';
import type { Dataset } from '../data/index.js';
import * as msg from '../messages.js';
import { cellState, clearCellFiles } from '../results/cell-state.js';
import { INDEX_FILE, shardIndexFile } from '../results/layout.js';
import { writeSweepSummary } from '../results/sweep.js';
import type { CellStatus, PlanEntry, RunIndex, RunStatus, Shard, ShardIndex, Summary } from '../results/types.js';
import { makeDir, OutputError, outputError, writeJsonAtomic } from '../results/write.js';
import { acquireLock, lockFile } from './lock.js';
import { dataShapeOf, loadedShape, memoryLimit, memoryProblem } from './memory.js';
import { ACTIVATIONS } from '../net/activations.js';
import { mlpLayerSpecs } from '../net/mlp.js';
import { checkWeightsFile } from '../net/safetensors.js';
import { loadCellData, totalSteps, type Progress } from './trainer.js';
import { ProgressLine } from './progress.js';
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
  /** Stops the run like SIGINT when aborted (the CLI aborts when its stdout is closed). */
  readonly abort?: AbortSignal;
  /** Where errors of the run itself go (default: `log`). */
  readonly warn?: (line: string) => void;
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
      if (cell.config.model.initFrom !== null && late === null && !initFromFits(cell.config, data, baseDir, weightsChecked, errors)) bad = true;
      if (bad) continue;
      prepared.push({ cell, data, steps: totalSteps(cell.config, data.nTrain), hash: configHash(cell.config) });
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
 * Whether the cell's `model.initFrom` weights file fits its model. A file's problem goes into
 * `errors` once, however many cells share it (`checked`: file + model shape -> problem or null).
 */
function initFromFits(config: ResolvedConfig, data: Dataset, baseDir: string, checked: Map<string, string | null>, errors: string[]): boolean {
  const m = config.model;
  const file = resolve(baseDir, m.initFrom ?? '');
  const specs = mlpLayerSpecs({ inputDim: data.inputDim, outputDim: data.outputDim, depth: m.depth, width: m.width, activation: m.activation.name as ActivationName, maxRows: 1 });
  const key = JSON.stringify([file, specs.map((l) => [l.fanIn, l.fanOut, l.activation])]);
  if (!checked.has(key)) {
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
    checked.set(key, problem);
    if (problem !== null) errors.push(`model.initFrom: ${problem}`);
  }
  return checked.get(key) === null;
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
  const releases: (() => void)[] = [];
  try {
    for (const exp of experiments) releases.push(acquireLock(lockFile(exp.dir, opts.shard?.shard ?? null)));
    return await runLocked(experiments, opts);
  } finally {
    for (const release of releases) release();
  }
}

async function runLocked(experiments: readonly PreparedExperiment[], opts: RunOptions): Promise<RunResult> {
  const shard = opts.shard?.shard ?? null;
  const jobs = planJobs(experiments, opts, opts.resume ?? shard !== null);
  const totalCells = jobs.reduce((n, j) => n + j.cells.length - j.skipped.size, 0);
  const workers = Math.max(1, Math.min(opts.workers, totalCells));
  const session = new RunSession(opts, shard, workers > 1 ? new WorkerPool(workers) : new InlineExecutor(), workers);
  const onSignal = (): void => session.interrupt();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  opts.abort?.addEventListener('abort', onSignal);
  try {
    for (const job of jobs) {
      await session.runExperiment(job);
      if (session.stopped) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    opts.abort?.removeEventListener('abort', onSignal);
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
    // `workers` runners pull cells in order, so at most that many train at once.
    let next = 0;
    const runner = async (): Promise<void> => {
      while (next < todo.length) {
        const i = next++;
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
        (p: Progress) => index.progress.update(`[${i + 1}/${count}] ${label}`, p),
      );
    } catch (err) {
      index.progress.clear();
      index.statuses.set(pc.cell.id, 'failed');
      this.outcome = 'failed';
      if (err instanceof OutputError || (err instanceof CellError && err.originalName === 'OutputError')) this.onOutputError(err, cellDir);
      index.writeIndex();
      this.opts.log(msg.cellFailed(label, err));
      return;
    }
    index.progress.clear();
    index.statuses.set(pc.cell.id, summary.status);
    index.writeIndex();
    if (summary.status === 'interrupted') this.outcome = 'interrupted';
    else if (summary.status !== 'ok' && !(summary.status === 'diverged' && this.shard !== null) && this.outcome === 'ok') this.outcome = 'failed';
    if (this.opts.reports && this.fatal === null) this.cells.push(cellDir);
    if (!this.opts.quiet) this.opts.log(msg.cellFinished(label, summary, relative(process.cwd(), cellDir) || '.'));
  }
}
