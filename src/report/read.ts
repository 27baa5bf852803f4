/**
 * What the reports read, through src/results (the one reader of each file): a cell folder
 * (`readRun`), an experiment folder with its cells and sweep summary (`readSweep`), and the short
 * facts of a resolved config for a page's header (`runInfo`). Reports never touch a live run:
 * they read what is on disk, a partial last line skipped.
 */
import { join, relative, resolve, sep } from 'node:path';
import { INDEX_FILE, REPORT_FILE } from '../results/layout.js';
import { cellFolder } from '../results/names.js';
import { readRunIndex, readSweepSummary } from '../results/read-index.js';
import { readRun, type RunData } from '../results/read-run.js';
import { finite, isObject, orNull, type Json, type JsonObject } from '../results/read.js';
import type { SweepSummary } from '../results/types.js';

export { readRun, type RunData } from '../results/read-run.js';
export type { Json, JsonObject } from '../results/read.js';

export interface SweepCell {
  readonly id: string;
  /** Link to the cell's report.html, relative to the experiment folder, URL-encoded. */
  readonly href: string;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly status: string;
  readonly run: RunData;
}

export interface SweepData {
  readonly dir: string;
  readonly experiment: string;
  readonly cells: readonly SweepCell[];
  /** sweep-summary.json (aggregates over seeds), or null when the folder has none. */
  readonly summary: SweepSummary | null;
}

/**
 * index.json, every cell it lists (histograms are not read) and sweep-summary.json; an index or
 * sweep summary that is missing or cannot be read gives no cells or no summary. An index naming
 * a cell path outside the experiment folder (or a file over its read limit) is refused: its
 * ResultsFileError is thrown.
 */
export function readSweep(expDir: string): SweepData {
  const index = orNull(() => readRunIndex(expDir));
  const cells: SweepCell[] = (index?.cells ?? []).map((c, i) => {
    const abs = cellFolder(expDir, c.path, join(expDir, INDEX_FILE), `cells[${i}].path`);
    const hrefPath = relative(resolve(expDir), abs).split(sep).map(encodeURIComponent).join('/');
    return {
      id: c.id,
      href: `${hrefPath === '' ? '.' : hrefPath}/${REPORT_FILE}`,
      overrides: c.overrides,
      status: c.status,
      run: readRun(abs, { histograms: false }),
    };
  });
  return { dir: expDir, experiment: index?.experiment ?? '', cells, summary: orNull(() => readSweepSummary(expDir)) };
}

/** The short facts of a resolved config the header and the sweep table show. */
export interface RunInfo {
  readonly name: string;
  readonly description: string;
  readonly data: string | null;
  readonly depth: number | null;
  readonly width: number | null;
  readonly activation: string | null;
  /** Canonical activation name alone (for grouping). */
  readonly activationName: string | null;
  readonly init: string | null;
  readonly initName: string | null;
  readonly optimizer: string | null;
  readonly lr: number | null;
  readonly steps: number | null;
  readonly epochs: number | null;
  readonly batchSize: number | null;
  readonly seed: number | null;
  readonly loss: string | null;
}

/** "name" or "name (k=v, ...)" for a registry choice given as a name or a {name, ...params} object. */
export function choiceLabel(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (!isObject(v) || typeof v.name !== 'string') return null;
  const params = Object.entries(v)
    .filter(([k, p]) => k !== 'name' && (typeof p === 'number' || typeof p === 'boolean' || typeof p === 'string'))
    .map(([k, p]) => `${k}=${String(p)}`);
  return params.length ? `${v.name} (${params.join(', ')})` : v.name;
}

function choiceName(v: unknown): string | null {
  if (typeof v === 'string') return v;
  return isObject(v) && typeof v.name === 'string' ? v.name : null;
}

export function runInfo(config: JsonObject | null): RunInfo {
  const c = config ?? {};
  const sub = (k: string): JsonObject => (isObject(c[k]) ? (c[k] as JsonObject) : {});
  const data = sub('data');
  const model = sub('model');
  const train = sub('train');
  const dataLabel = typeof data.kind === 'string'
    ? [
        data.kind,
        typeof data.samples === 'number' ? `${data.samples} samples` : null,
        typeof data.classes === 'number' ? `${data.classes} classes` : null,
      ].filter((s) => s !== null).join(', ')
    : null;
  return {
    name: typeof c.name === 'string' ? c.name : '',
    description: typeof c.description === 'string' ? c.description : '',
    data: dataLabel,
    depth: finite(model.depth),
    width: finite(model.width),
    activation: choiceLabel(model.activation),
    activationName: choiceName(model.activation),
    init: choiceLabel(model.init),
    initName: choiceName(model.init),
    optimizer: choiceLabel(train.optimizer),
    lr: finite(train.lr),
    steps: finite(train.steps),
    epochs: finite(train.epochs),
    batchSize: finite(train.batchSize),
    seed: finite(c.seed),
    loss: typeof train.loss === 'string' ? train.loss : null,
  };
}

