/**
 * Reads what a run left on disk; reports never touch a live run.
 *
 *   <cell>/config.json        resolved config (any shape is tolerated; fields read defensively)
 *   <cell>/metrics.ndjson     MetricRecord per complete line; a partial last line is skipped
 *   <cell>/histograms.ndjson  HistogramRecord per line (optional)
 *   <cell>/summary.json       Summary (absent while the run is going or after a kill)
 *   <exp>/index.json          RunIndex listing the cells
 *   <exp>/sweep-summary.json  SweepSummary: aggregates over seeds (optional)
 *
 * Non-finite numbers reach the files as null (JSON has no NaN); they are read back as NaN so
 * that the record types hold and every consumer tests `Number.isFinite`.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { HistogramRecord, LayerRecord, MetricRecord, RunIndex, RunStatus, Summary } from '../metrics/types.js';
import { REMEDY_LAYER_FIELDS } from '../metrics/remedies.js';
import {
  AGGREGATED_METRICS, AGGREGATED_PROPORTIONS, SWEEP_SUMMARY_FILE,
  type GroupSummary, type NumericAggregate, type Proportion, type SweepSummary,
} from '../shard/aggregate.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface RunData {
  readonly dir: string;
  /** config.json, or null when missing or unreadable. */
  readonly config: JsonObject | null;
  readonly records: readonly MetricRecord[];
  readonly histograms: readonly HistogramRecord[];
  readonly summary: Summary | null;
  /** The file ended in an incomplete line (a run was writing it). */
  readonly partialLine: boolean;
  /** Complete lines that were not a record. */
  readonly badLines: number;
}

export interface ReadOptions {
  /** Read histograms.ndjson too (default true; sweeps skip it). */
  readonly histograms?: boolean;
}

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A finite or non-finite number from JSON: numbers as is, null and "NaN"/"Infinity" as NaN/±Inf. */
export function toNum(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === null) return NaN;
  if (typeof v === 'string' && /^[-+]?(NaN|Infinity)$/.test(v)) return Number(v);
  return undefined;
}

/** Finite number or null. */
export function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Splits NDJSON text into parsed complete lines. Only text up to the last '\n' counts: what
 * follows it is a line still being written, skipped and flagged as `partial`.
 */
export function parseNdjson(text: string): { items: unknown[]; partial: boolean; bad: number } {
  const end = text.lastIndexOf('\n');
  const partial = text.slice(end + 1).trim().length > 0;
  const items: unknown[] = [];
  let bad = 0;
  if (end < 0) return { items, partial, bad };
  for (const line of text.slice(0, end).split('\n')) {
    const t = line.trim();
    if (!t) continue;
    try {
      items.push(JSON.parse(t));
    } catch {
      bad++;
    }
  }
  return { items, partial, bad };
}

const LAYER_NUMERIC = [
  'gradNorm', 'biasGradNorm', 'deltaNorm', 'weightNorm', 'updateRatio', 'gradDataRatio', 'actMean',
  'actStd', 'actRms', 'actMaxAbs', 'preactMean', 'preactStd', 'zeroFraction', 'deadFraction',
  'saturatedFraction', 'revivedCount', 'preluSlope', ...REMEDY_LAYER_FIELDS,
] as const;
const RECORD_NUMERIC = [
  'epoch', 'loss', 'trainAcc', 'testAcc', 'trainLoss', 'testLoss', 'vanishing', 'deltaGrowth', 'actGrowth',
] as const;

function numericFields(src: JsonObject, keys: readonly string[], out: Record<string, unknown>): void {
  for (const k of keys) {
    const v = toNum(src[k]);
    if (v !== undefined) out[k] = v;
  }
}

/** A metrics line as a MetricRecord, or null when it is not one (no numeric step or no layers). */
export function toMetricRecord(v: unknown): MetricRecord | null {
  if (!isObject(v) || typeof v.step !== 'number' || !Array.isArray(v.layers)) return null;
  const rec: Record<string, unknown> = { step: v.step, epoch: 0, loss: NaN };
  numericFields(v, RECORD_NUMERIC, rec);
  const layers: LayerRecord[] = [];
  for (const l of v.layers) {
    if (!isObject(l) || typeof l.layer !== 'number') continue;
    const out: Record<string, unknown> = {
      layer: l.layer, gradNorm: NaN, biasGradNorm: NaN, deltaNorm: NaN, weightNorm: NaN, updateRatio: NaN,
    };
    numericFields(l, LAYER_NUMERIC, out);
    layers.push(out as unknown as LayerRecord);
  }
  rec.layers = layers;
  return rec as unknown as MetricRecord;
}

function toHistogram(v: unknown): { edges: number[]; counts: number[]; under?: number; over?: number } | null {
  if (!isObject(v) || !Array.isArray(v.edges) || !Array.isArray(v.counts)) return null;
  const edges = v.edges.map((e) => toNum(e) ?? NaN);
  const counts = v.counts.map((c) => toNum(c) ?? NaN);
  if (edges.length !== counts.length + 1) return null;
  const under = finite(v.under);
  const over = finite(v.over);
  return { edges, counts, ...(under !== null ? { under } : {}), ...(over !== null ? { over } : {}) };
}

/** A histograms line, keeping per layer whichever of z, a, dW, dz are well formed. */
export function toHistogramRecord(v: unknown): HistogramRecord | null {
  if (!isObject(v) || typeof v.step !== 'number' || !Array.isArray(v.layers)) return null;
  const layers = [];
  for (const l of v.layers) {
    if (!isObject(l) || typeof l.layer !== 'number') continue;
    const entry: Record<string, unknown> = { layer: l.layer };
    for (const k of ['z', 'a', 'dW', 'dz']) {
      const h = toHistogram(l[k]);
      if (h) entry[k] = h;
    }
    layers.push(entry);
  }
  return { step: v.step, layers } as unknown as HistogramRecord;
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function readJson(path: string): Promise<Json | undefined> {
  const text = await readText(path);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

const STATUSES: readonly RunStatus[] = ['ok', 'diverged', 'interrupted', 'failed'];

/** summary.json as a Summary, numbers defaulted to NaN/null so optional blocks stay optional. */
export function toSummary(v: unknown): Summary | null {
  if (!isObject(v)) return null;
  const status = STATUSES.includes(v.status as RunStatus) ? (v.status as RunStatus) : 'failed';
  const n = (k: string): number => finite(v[k]) ?? NaN;
  const nn = (k: string): number | null => finite(v[k]);
  return {
    ...v,
    status,
    steps: n('steps'),
    epochs: n('epochs'),
    finalLoss: nn('finalLoss'),
    trainAcc: nn('trainAcc'),
    testAcc: nn('testAcc'),
    trainLoss: nn('trainLoss'),
    testLoss: nn('testLoss'),
    timeSec: n('timeSec'),
    stepsPerSec: n('stepsPerSec'),
    params: n('params'),
    kernel: typeof v.kernel === 'string' ? v.kernel : '',
  } as Summary;
}

/** Everything a cell folder holds. Missing files give empty/null fields, never an error. */
export async function readRun(dir: string, options: ReadOptions = {}): Promise<RunData> {
  const configJson = await readJson(resolve(dir, 'config.json'));
  const metricsText = (await readText(resolve(dir, 'metrics.ndjson'))) ?? '';
  const metrics = parseNdjson(metricsText);
  const records: MetricRecord[] = [];
  let bad = metrics.bad;
  for (const item of metrics.items) {
    const r = toMetricRecord(item);
    if (r) records.push(r);
    else bad++;
  }
  records.sort((a, b) => a.step - b.step);
  const histograms: HistogramRecord[] = [];
  if (options.histograms !== false) {
    const text = await readText(resolve(dir, 'histograms.ndjson'));
    if (text !== null) {
      for (const item of parseNdjson(text).items) {
        const h = toHistogramRecord(item);
        if (h) histograms.push(h);
      }
      histograms.sort((a, b) => a.step - b.step);
    }
  }
  return {
    dir,
    config: isObject(configJson) ? configJson : null,
    records,
    histograms,
    summary: toSummary(await readJson(resolve(dir, 'summary.json'))),
    partialLine: metrics.partial,
    badLines: bad,
  };
}

export interface SweepCell {
  readonly id: string;
  /** Link to the cell's report.html, relative to the experiment folder, URL-encoded. */
  readonly href: string;
  readonly overrides: Readonly<Record<string, Json>>;
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

/** index.json, every cell it lists (histograms are not read) and sweep-summary.json. */
export async function readSweep(expDir: string): Promise<SweepData> {
  const raw = await readJson(resolve(expDir, 'index.json'));
  const index: Partial<RunIndex> = isObject(raw) ? (raw as Partial<RunIndex>) : {};
  const cells: SweepCell[] = [];
  for (const c of Array.isArray(index.cells) ? index.cells : []) {
    if (!isObject(c as unknown)) continue;
    const id = typeof c.id === 'string' ? c.id : String(cells.length);
    const rel = typeof c.path === 'string' && c.path !== '' ? c.path : id;
    const abs = isAbsolute(rel) ? rel : resolve(expDir, rel);
    const hrefPath = relative(resolve(expDir), abs).split(sep).map(encodeURIComponent).join('/');
    cells.push({
      id,
      href: `${hrefPath === '' ? '.' : hrefPath}/report.html`,
      overrides: isObject(c.overrides as unknown) ? (c.overrides as Record<string, Json>) : {},
      status: typeof c.status === 'string' ? c.status : 'pending',
      run: await readRun(abs, { histograms: false }),
    });
  }
  return {
    dir: expDir,
    experiment: typeof index.experiment === 'string' ? index.experiment : '',
    cells,
    summary: await readSweepSummary(expDir),
  };
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
export function choiceLabel(v: Json | undefined): string | null {
  if (typeof v === 'string') return v;
  if (!isObject(v) || typeof v.name !== 'string') return null;
  const params = Object.entries(v)
    .filter(([k, p]) => k !== 'name' && (typeof p === 'number' || typeof p === 'boolean' || typeof p === 'string'))
    .map(([k, p]) => `${k}=${String(p)}`);
  return params.length ? `${v.name} (${params.join(', ')})` : v.name;
}

function choiceName(v: Json | undefined): string | null {
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

function toAggregate(v: unknown): NumericAggregate {
  const o = isObject(v) ? v : {};
  return {
    n: finite(o.n) ?? 0, mean: finite(o.mean), std: finite(o.std), min: finite(o.min),
    p5: finite(o.p5), p50: finite(o.p50), p95: finite(o.p95), max: finite(o.max),
  };
}

function toProportion(v: unknown): Proportion {
  const o = isObject(v) ? v : {};
  return { k: finite(o.k) ?? 0, n: finite(o.n) ?? 0, p: finite(o.p), lo: finite(o.lo), hi: finite(o.hi) };
}

/** One group of sweep-summary.json, every metric and proportion present (empty when absent), or null. */
export function toGroupSummary(v: unknown): GroupSummary | null {
  if (!isObject(v) || typeof v.group !== 'string' || finite(v.n) === null) return null;
  const metrics = isObject(v.metrics) ? v.metrics : {};
  const proportions = isObject(v.proportions) ? v.proportions : {};
  return {
    group: v.group,
    overrides: isObject(v.overrides) ? v.overrides : {},
    n: finite(v.n)!,
    seeds: Array.isArray(v.seeds) ? v.seeds.map((s) => finite(s)) : [],
    metrics: Object.fromEntries(AGGREGATED_METRICS.map((m) => [m, toAggregate(metrics[m])])) as GroupSummary['metrics'],
    proportions: Object.fromEntries(AGGREGATED_PROPORTIONS.map((p) => [p, toProportion(proportions[p])])) as GroupSummary['proportions'],
  };
}

/**
 * <expDir>/sweep-summary.json (written by `run` and `merge`, src/shard/aggregate.ts), read
 * defensively: null when absent or not an object with a `groups` list; groups that are not
 * understood are skipped.
 */
export async function readSweepSummary(expDir: string): Promise<SweepSummary | null> {
  const raw = await readJson(resolve(expDir, SWEEP_SUMMARY_FILE));
  if (!isObject(raw) || !Array.isArray(raw.groups)) return null;
  return {
    experiment: typeof raw.experiment === 'string' ? raw.experiment : '',
    cells: finite(raw.cells) ?? 0,
    groupedBy: typeof raw.groupedBy === 'string' ? raw.groupedBy : '',
    confidence: finite(raw.confidence) ?? 0.95,
    quantiles: typeof raw.quantiles === 'string' ? raw.quantiles : '',
    groups: raw.groups.map(toGroupSummary).filter((g): g is GroupSummary => g !== null),
  };
}
