/**
 * The runs behind the claims: train the claim configs (each once, however many claims read it)
 * through the ordinary run machinery (`prepare` + `runPrepared`, cells in parallel on worker
 * threads), then read every cell back from disk. Checks see runs only through `Evidence`, i.e.
 * through the files a run wrote, like any report does.
 */
import { join, relative, resolve } from 'node:path';
import * as msg from '../messages.js';
import { writeReports } from '../report/write.js';
import { INDEX_FILE } from '../results/layout.js';
import { cellFolder } from '../results/names.js';
import { readRunIndex } from '../results/read-index.js';
import { readRun, type RunData } from '../results/read-run.js';
import { isObject } from '../results/read.js';
import type { Summary } from '../results/types.js';
import { prepare, runPrepared } from '../train/run.js';
import * as text from './text.js';

/** One trained cell as the checks see it. */
export interface CellEvidence {
  /** `<config name>/<cell id>`. */
  readonly ref: string;
  readonly experiment: string;
  readonly id: string;
  /** The cell folder (absolute). */
  readonly dir: string;
  /** The folder of the cell's config file: relative paths in the config start here. */
  readonly baseDir: string;
  readonly run: RunData;
  readonly summary: Summary | null;
  /** model.depth, model.activation.name and model.dtype of the resolved config. */
  readonly depth: number;
  readonly activation: string;
  readonly dtype: string;
  readonly seed: number;
}

/** Cells by reference; a missing cell is an error the claim turns into "inconclusive". */
export class Evidence {
  constructor(private readonly cells: ReadonlyMap<string, CellEvidence>) {}

  get(ref: string): CellEvidence {
    const c = this.cells.get(ref);
    if (c === undefined) throw new MissingEvidenceError(ref);
    return c;
  }

  /** Every cell of the named experiments (the claim's configs), in run order. */
  of(experiments: readonly string[]): CellEvidence[] {
    return [...this.cells.values()].filter((c) => experiments.includes(c.experiment));
  }

  get size(): number {
    return this.cells.size;
  }
}

export class MissingEvidenceError extends Error {
  override readonly name = 'MissingEvidenceError';
  constructor(readonly ref: string) {
    super(text.missingCell(ref));
  }
}

/** What runExperiments trained. */
export interface Trained {
  readonly outcome: 'ok' | 'failed' | 'interrupted';
  readonly experiments: readonly { readonly name: string; readonly dir: string; readonly baseDir: string }[];
}

/**
 * Trains every config in `paths` (absolute) into `runsDir/<name>/<cell>`, with `workers` cells at
 * once, and writes each cell's and each experiment's report.html when `reports` is true.
 */
export async function runExperiments(
  paths: readonly string[],
  opts: {
    readonly runsDir: string;
    readonly workers: number;
    readonly reports: boolean;
    readonly log: (line: string) => void;
    /** Called once the configs are validated, with the number of cells about to train. */
    readonly announce?: (cells: number) => void;
  },
): Promise<Trained> {
  const experiments = prepare(paths, { out: opts.runsDir, set: [], workers: opts.workers });
  opts.announce?.(experiments.reduce((n, e) => n + e.cells.length, 0));
  const result = await runPrepared(experiments, {
    out: opts.runsDir,
    set: [],
    quiet: false,
    reports: opts.reports,
    log: opts.log,
    workers: opts.workers,
  });
  if (opts.reports) await writeReports(result, (dir, err) => opts.log(msg.reportFailed(dir, err)));
  const { outcome } = result;
  return { outcome, experiments: experiments.map((e) => ({ name: e.config.name, dir: resolve(e.dir), baseDir: e.baseDir })) };
}

/** Reads every cell listed in each experiment's index.json (histograms included). */
export async function readEvidence(experiments: Trained['experiments']): Promise<Evidence> {
  const cells = new Map<string, CellEvidence>();
  for (const exp of experiments) {
    const index = readRunIndex(exp.dir);
    for (const [i, entry] of (index?.cells ?? []).entries()) {
      const dir = cellFolder(exp.dir, entry.path, join(exp.dir, INDEX_FILE), `cells[${i}].path`);
      const run = readRun(dir);
      const model = isObject(run.config) && isObject(run.config.model) ? run.config.model : {};
      const activation = isObject(model.activation) && typeof model.activation.name === 'string' ? model.activation.name : '';
      const ref = `${exp.name}/${entry.id}`;
      cells.set(ref, {
        ref,
        experiment: exp.name,
        id: entry.id,
        dir,
        baseDir: exp.baseDir,
        run,
        summary: run.summary,
        depth: typeof model.depth === 'number' ? model.depth : NaN,
        activation,
        dtype: typeof model.dtype === 'string' ? model.dtype : '',
        seed: isObject(run.config) && typeof run.config.seed === 'number' ? run.config.seed : NaN,
      });
    }
  }
  return new Evidence(cells);
}

/** Link from a page in `fromDir` to a cell's report.html, URL-encoded per segment. */
export function reportHref(fromDir: string, cellDir: string): string {
  return relative(fromDir, join(cellDir, 'report.html')).split(/[\\/]/).map(encodeURIComponent).join('/');
}
