/**
 * `gradflow run`: validate every config and every cell first (bad input writes nothing), then
 * train the cells, keeping `results/<name>/index.json` current, and render the reports.
 */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from '../config/load.js';
import { expandCells, checkAgainstData, type Cell } from '../config/expand.js';
import type { ResolvedConfig } from '../config/schema.js';
import type { Dataset } from '../data/index.js';
import type { RunIndex, RunStatus, Summary } from '../metrics/types.js';
import * as msg from '../messages.js';
import { writeJsonAtomic } from './io.js';
import { loadCellData, totalSteps, type Progress } from './trainer.js';
import { ProgressLine } from './progress.js';
import { InlineExecutor, WorkerPool, type Executor } from './pool.js';

export interface RunOptions {
  readonly out: string;
  readonly set: readonly string[];
  readonly quiet: boolean;
  /** Build report.html files after training (off in tests that only need numbers). */
  readonly reports: boolean;
  readonly log: (line: string) => void;
  /** Cells trained at once, each on its own worker thread when > 1. */
  readonly workers: number;
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
}

interface PreparedExperiment {
  readonly config: ResolvedConfig;
  readonly baseDir: string;
  readonly dir: string;
  readonly cells: readonly PreparedCell[];
}

/**
 * Loads, validates and expands each config and loads each cell's data (cached per distinct
 * data config), so that every input error is found before anything is written.
 */
export function prepare(paths: readonly string[], opts: Pick<RunOptions, 'out' | 'set'>): PreparedExperiment[] {
  const out: PreparedExperiment[] = [];
  const errors: string[] = [];
  for (const path of paths) {
    let loaded;
    try {
      loaded = loadConfig(path, { set: opts.set });
    } catch (err) {
      errors.push(...messagesOf(err));
      continue;
    }
    const { config, baseDir } = loaded;
    let cells: Cell[];
    try {
      cells = expandCells(config);
    } catch (err) {
      errors.push(...messagesOf(err));
      continue;
    }
    const dataCache = new Map<string, Dataset>();
    const prepared: PreparedCell[] = [];
    for (const cell of cells) {
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
      if (problems.length) {
        errors.push(...problems.map((p) => (cells.length > 1 ? `${cell.id}: ${p}` : p)));
        continue;
      }
      prepared.push({ cell, data, steps: totalSteps(cell.config, data.nTrain) });
    }
    out.push({ config, baseDir, dir: join(opts.out, config.name), cells: prepared });
  }
  if (errors.length) throw new InputError(errors);
  return out;
}

function messagesOf(err: unknown): string[] {
  if (err && typeof err === 'object' && 'messages' in err && Array.isArray((err as { messages: unknown }).messages)) {
    return (err as { messages: string[] }).messages;
  }
  if (err instanceof Error && (err.name === 'DataError' || err.name === 'WeightsError')) return [err.message];
  throw err;
}

/** Runs prepared experiments; resolves to the overall outcome. */
export async function runPrepared(experiments: readonly PreparedExperiment[], opts: RunOptions): Promise<'ok' | 'failed' | 'interrupted'> {
  let outcome: 'ok' | 'failed' | 'interrupted' = 'ok';
  const totalCells = experiments.reduce((n, e) => n + e.cells.length, 0);
  const workers = Math.max(1, Math.min(opts.workers, totalCells));
  const executor: Executor = workers > 1 ? new WorkerPool(workers) : new InlineExecutor();
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    executor.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (const exp of experiments) {
      mkdirSync(exp.dir, { recursive: true });
      const statuses = new Map<string, RunStatus | 'pending' | 'running'>(exp.cells.map((c) => [c.cell.id, 'pending']));
      const writeIndex = (): void => {
        const index: RunIndex = {
          experiment: exp.config.name,
          cells: exp.cells.map((c) => ({ id: c.cell.id, path: c.cell.id, overrides: c.cell.overrides, status: statuses.get(c.cell.id)! })),
        };
        writeJsonAtomic(join(exp.dir, 'index.json'), index);
      };
      writeIndex();
      const progress = new ProgressLine(opts.quiet);
      const runOne = async (pc: PreparedCell, i: number): Promise<void> => {
        const cellDir = join(exp.dir, pc.cell.id);
        const label = `${exp.config.name}/${pc.cell.id}`;
        if (interrupted) return;
        statuses.set(pc.cell.id, 'running');
        writeIndex();
        let summary: Summary;
        try {
          summary = await executor.run(
            { index: i, config: pc.cell.config, dir: cellDir, baseDir: exp.baseDir, data: pc.data },
            (p: Progress) => progress.update(`[${i + 1}/${exp.cells.length}] ${label}`, p),
          );
        } catch (err) {
          progress.clear();
          statuses.set(pc.cell.id, 'failed');
          writeIndex();
          outcome = 'failed';
          opts.log(msg.cellFailed(label, err));
          return;
        }
        progress.clear();
        statuses.set(pc.cell.id, summary.status);
        writeIndex();
        if (summary.status === 'interrupted') outcome = 'interrupted';
        else if (summary.status !== 'ok' && outcome === 'ok') outcome = 'failed';
        if (opts.reports) await writeCellReport(cellDir, opts.log);
        if (!opts.quiet) opts.log(msg.cellFinished(label, summary, relative(process.cwd(), cellDir) || '.'));
      };
      // `workers` runners pull cells in order, so at most that many train at once.
      let next = 0;
      const runner = async (): Promise<void> => {
        while (next < exp.cells.length) {
          const i = next++;
          await runOne(exp.cells[i], i);
        }
      };
      await Promise.all(Array.from({ length: workers }, runner));
      if (opts.reports && exp.cells.length > 0) await writeExperimentReport(exp.dir, opts.log);
      if (interrupted) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await executor.close();
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
