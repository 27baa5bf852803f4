/**
 * Reading a run's files back, defensively: whatever is on disk (a run still writing, a killed
 * run, an older version's files, a hand-edited file) becomes the typed shapes of types.ts or a
 * clear `ResultsFileError` naming the file and what is wrong with it.
 *
 *   <cell>/config.json        JSON object (any shape: fields are read by whoever needs them)
 *   <cell>/metrics.ndjson     MetricRecord per complete line; an incomplete last line is skipped
 *   <cell>/histograms.ndjson  HistogramRecord per complete line (optional file)
 *   <cell>/summary.json       Summary (read-summary.ts)
 *   <exp>/index.json, index.shard-I-of-N.json, sweep-summary.json   (read-index.ts)
 *
 * Non-finite numbers reach the files as null (JSON has no NaN); they are read back as NaN so
 * that the record types hold and every consumer tests `Number.isFinite`.
 *
 * Convention of the `read*` functions: a missing file gives null (or an empty list for the
 * streams); a file that is there but is not JSON, or not the expected shape, throws
 * `ResultsFileError`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPlainObject as isObject } from '../config/paths.js';
import * as msg from '../messages.js';
import { CONFIG_FILE, HISTOGRAMS_FILE, METRICS_FILE } from './layout.js';
import type { Histogram, HistogramRecord, LayerRecord, MetricRecord } from './types.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** A file of a run's output that is there but unusable (not JSON, or not the expected shape). */
export class ResultsFileError extends Error {
  override readonly name = 'ResultsFileError';

  constructor(readonly path: string, readonly reason: string) {
    super(msg.cannotRead(path, reason));
  }
}

/** A JSON object (not null, not an array): the project's one test for it, from src/config. */
export { isPlainObject as isObject } from '../config/paths.js';

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

/** The strings of a list (or a single string as a list of one). */
export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

/** The text of `path`, or null when it does not exist; other failures throw ResultsFileError. */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
    if (code === 'ENOENT') return null;
    throw new ResultsFileError(path, err instanceof Error ? err.message : String(err));
  }
}

/** The parsed JSON of `path`, or undefined when it does not exist; throws when it is not JSON. */
export function readJson(path: string): Json | undefined {
  const text = readText(path);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new ResultsFileError(path, `not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `read` with every ResultsFileError turned into null: for readers that show what they can. */
export function orNull<T>(read: () => T | null): T | null {
  try {
    return read();
  } catch (err) {
    if (err instanceof ResultsFileError) return null;
    throw err;
  }
}

/** <cell>/config.json: null when missing; throws when it is not a JSON object. */
export function readConfig(cellDir: string): JsonObject | null {
  const path = join(cellDir, CONFIG_FILE);
  const v = readJson(path);
  if (v === undefined) return null;
  if (!isObject(v)) throw new ResultsFileError(path, 'expected a JSON object (the resolved config)');
  return v;
}

export interface NdjsonItems {
  /** The parsed complete lines. */
  readonly items: unknown[];
  /** The text ended in an incomplete line (a run was writing it); it was skipped. */
  readonly partial: boolean;
  /** Complete lines that were not JSON. */
  readonly bad: number;
}

/**
 * Splits NDJSON text into parsed complete lines. Only text up to the last '\n' counts: what
 * follows it is a line still being written, skipped and flagged as `partial`.
 */
export function parseNdjson(text: string): NdjsonItems {
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

/** Per-layer numbers of a record, besides `layer`: every LayerRecord field, the one list of them. */
export const LAYER_FIELDS = [
  'gradNorm', 'biasGradNorm', 'deltaNorm', 'weightNorm', 'updateRatio', 'gradDataRatio', 'actMean',
  'actStd', 'actRms', 'actMaxAbs', 'preactMean', 'preactStd', 'zeroFraction', 'deadFraction',
  'saturatedFraction', 'revivedCount', 'preluSlope',
] as const satisfies readonly (keyof LayerRecord)[];
export type LayerField = (typeof LAYER_FIELDS)[number];

/** Fields every LayerRecord has; absent ones read as NaN. */
const LAYER_REQUIRED = ['gradNorm', 'biasGradNorm', 'deltaNorm', 'weightNorm', 'updateRatio'] as const satisfies readonly (keyof LayerRecord)[];

const RECORD_FIELDS = [
  'trainAcc', 'testAcc', 'trainLoss', 'testLoss', 'vanishing', 'deltaGrowth', 'actGrowth',
] as const satisfies readonly (keyof MetricRecord)[];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One entry of a record's `layers` as a LayerRecord, or null without a numeric `layer`. */
export function toLayerRecord(v: unknown): LayerRecord | null {
  if (!isObject(v) || typeof v.layer !== 'number') return null;
  const out: Mutable<LayerRecord> = { layer: v.layer, gradNorm: NaN, biasGradNorm: NaN, deltaNorm: NaN, weightNorm: NaN, updateRatio: NaN };
  for (const k of LAYER_FIELDS) {
    const n = toNum(v[k]);
    if (n !== undefined) out[k] = n;
    else if (!(LAYER_REQUIRED as readonly string[]).includes(k)) delete out[k];
  }
  return out;
}

/** The well-formed entries of a `layers` list. */
export function toLayerRecords(v: unknown): LayerRecord[] {
  if (!Array.isArray(v)) return [];
  return v.map(toLayerRecord).filter((l): l is LayerRecord => l !== null);
}

/** A metrics line as a MetricRecord, or null when it is not one (no numeric step or no layers). */
export function toMetricRecord(v: unknown): MetricRecord | null {
  if (!isObject(v) || typeof v.step !== 'number' || !Array.isArray(v.layers)) return null;
  const out: Mutable<MetricRecord> = { step: v.step, epoch: toNum(v.epoch) ?? 0, loss: toNum(v.loss) ?? NaN, layers: [] };
  for (const k of RECORD_FIELDS) {
    const n = toNum(v[k]);
    if (n !== undefined) out[k] = n;
  }
  out.layers = toLayerRecords(v.layers);
  return out;
}

/** A histogram with edges one longer than counts, or null. */
export function toHistogram(v: unknown): Histogram | null {
  if (!isObject(v) || !Array.isArray(v.edges) || !Array.isArray(v.counts)) return null;
  const edges = v.edges.map((e) => toNum(e) ?? NaN);
  const counts = v.counts.map((c) => toNum(c) ?? NaN);
  if (edges.length !== counts.length + 1) return null;
  const under = finite(v.under);
  const over = finite(v.over);
  return { edges, counts, ...(under !== null ? { under } : {}), ...(over !== null ? { over } : {}) };
}

/**
 * A histograms line as a HistogramRecord, or null (no numeric step or no layers); a layer is
 * kept when its four histograms (z, a, dW, dz) are well formed, as the recorder writes them.
 */
export function toHistogramRecord(v: unknown): HistogramRecord | null {
  if (!isObject(v) || typeof v.step !== 'number' || !Array.isArray(v.layers)) return null;
  const layers: HistogramRecord['layers'][number][] = [];
  for (const l of v.layers) {
    if (!isObject(l) || typeof l.layer !== 'number') continue;
    const [z, a, dW, dz] = [toHistogram(l.z), toHistogram(l.a), toHistogram(l.dW), toHistogram(l.dz)];
    if (z && a && dW && dz) layers.push({ layer: l.layer, z, a, dW, dz });
  }
  return { step: v.step, layers };
}

export interface MetricsFile {
  /** The records of the complete lines, by step. */
  readonly records: readonly MetricRecord[];
  /** The file ended in an incomplete line (a run was writing it). */
  readonly partialLine: boolean;
  /** Complete lines that were not a record. */
  readonly badLines: number;
}

/** <cell>/metrics.ndjson: no records when missing; an incomplete last line is skipped and flagged. */
export function readMetrics(cellDir: string): MetricsFile {
  const parsed = parseNdjson(readText(join(cellDir, METRICS_FILE)) ?? '');
  const records: MetricRecord[] = [];
  let bad = parsed.bad;
  for (const item of parsed.items) {
    const r = toMetricRecord(item);
    if (r) records.push(r);
    else bad++;
  }
  records.sort((a, b) => a.step - b.step);
  return { records, partialLine: parsed.partial, badLines: bad };
}

/**
 * <cell>/histograms.ndjson, by step: empty when missing; lines that are not a record and an
 * incomplete last line are skipped.
 */
export function readHistograms(cellDir: string): HistogramRecord[] {
  const text = readText(join(cellDir, HISTOGRAMS_FILE));
  if (text === null) return [];
  const out: HistogramRecord[] = [];
  for (const item of parseNdjson(text).items) {
    const h = toHistogramRecord(item);
    if (h) out.push(h);
  }
  return out.sort((a, b) => a.step - b.step);
}
