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
 * `ResultsFileError`. Every read is bounded (read-file.ts): a file over its size, not a regular
 * file, or holding more values than a reader keeps is refused (`refused`, which `orNull` passes
 * on); an ndjson line over MAX_LINE_BYTES is skipped and counted.
 */
import { join } from 'node:path';
import { isPlainObject as isObject } from '../config/paths.js';
import * as msg from '../messages.js';
import { CONFIG_FILE, HISTOGRAMS_FILE, METRICS_FILE } from './layout.js';
import { MAX_LINE_BYTES, readJson, ResultsFileError, scanNdjsonFile, scanNdjsonText, type Json, type NdjsonScan } from './read-file.js';
import type { Histogram, HistogramRecord, LayerRecord, MetricRecord } from './types.js';

export { deeperThan, MAX_JSON_FILE_BYTES, MAX_LINE_BYTES, MAX_NDJSON_BYTES, readJson, readText, ResultsFileError, type Json } from './read-file.js';
export type JsonObject = { [k: string]: Json };

/**
 * Most values a reader keeps from one ndjson file, a measure of the memory its records take: a
 * number (a record's field, a histogram bin) is one value, and every object of a record costs
 * OBJECT_VALUES more (its header and shape). Real records at the file limit (MAX_NDJSON_BYTES)
 * hold about 62 million (metrics) and 170 million (histograms); a file written to make the
 * reader expand a few bytes into an object or a number meets these first.
 */
export const MAX_METRICS_VALUES = 96_000_000;
export const MAX_HISTOGRAM_VALUES = 192_000_000;
/** What one object of a record costs, in values (a 6-field layer entry takes about 150 bytes of heap). */
const OBJECT_VALUES = 10;

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

/**
 * `read` with every ResultsFileError turned into null, for readers that show what they can; a
 * refused file (over its limit, not a regular file, a path leading outside) is thrown on.
 */
export function orNull<T>(read: () => T | null): T | null {
  try {
    return read();
  } catch (err) {
    if (err instanceof ResultsFileError && !err.refused) return null;
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
  /** Complete lines longer than the line limit, skipped unread. */
  readonly long: number;
}

/**
 * Splits NDJSON text into parsed complete lines. Only text up to the last '\n' counts: what
 * follows it is a line still being written, skipped and flagged as `partial`.
 */
export function parseNdjson(text: string, lineLimit = MAX_LINE_BYTES): NdjsonItems {
  const items: unknown[] = [];
  const scan = scanNdjsonText(text, (v) => {
    items.push(v);
    return true;
  }, lineLimit);
  return { items, ...scan };
}

/**
 * Reads the ndjson file `path` (chunked, see read-file.ts) into what `convert` makes of each
 * line (null: not a record, counted bad), `weigh` giving the values each keeps in memory.
 * Throws a refused ResultsFileError once the file's records hold more than `budget` values.
 */
export function readNdjsonRecords<T>(path: string, convert: (v: Json) => T | null, weigh: (r: T) => number, budget: number): { records: T[]; scan: NdjsonScan } {
  const records: T[] = [];
  let held = 0;
  const scan = scanNdjsonFile(path, (v) => {
    const r = convert(v);
    if (r === null) return false;
    held += weigh(r);
    if (held > budget) throw new ResultsFileError(path, msg.readTooManyValues(budget), true);
    records.push(r);
    return true;
  });
  return { records, scan: scan ?? { partial: false, bad: 0, long: 0 } };
}

/** Per-layer numbers of a record, besides `layer`: every LayerRecord field, the one list of them. */
export const LAYER_FIELDS = [
  'gradNorm', 'biasGradNorm', 'deltaNorm', 'weightNorm', 'updateRatio', 'gradDataRatio', 'actMean',
  'actStd', 'actRms', 'actMaxAbs', 'preactMean', 'preactStd', 'zeroFraction', 'deadFraction',
  'saturatedFraction', 'revivedCount', 'preluSlope',
  // A model with a norm or residual connections (src/metrics/remedies.ts).
  'gammaGradNorm', 'betaGradNorm', 'gammaUpdateRatio', 'betaUpdateRatio', 'gammaMean', 'betaMean', 'normMean', 'normStd',
  'hiddenRms', 'branchRms', 'skipRms', 'branchRatio',
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
  /** Complete lines longer than MAX_LINE_BYTES, skipped unread. */
  readonly longLines: number;
}

/** Values a metric record keeps: its own fields and every layer's, each object counted too. */
export function metricWeight(r: MetricRecord): number {
  let n = OBJECT_VALUES + Object.keys(r).length;
  for (const l of r.layers) n += OBJECT_VALUES + Object.keys(l).length;
  return n;
}

/**
 * <cell>/metrics.ndjson: no records when missing; an incomplete last line is skipped and
 * flagged, lines over MAX_LINE_BYTES are skipped and counted; throws a refused ResultsFileError
 * for a file over MAX_NDJSON_BYTES or holding more than MAX_METRICS_VALUES values.
 */
export function readMetrics(cellDir: string): MetricsFile {
  const { records, scan } = readNdjsonRecords(join(cellDir, METRICS_FILE), toMetricRecord, metricWeight, MAX_METRICS_VALUES);
  records.sort((a, b) => a.step - b.step);
  return { records, partialLine: scan.partial, badLines: scan.bad, longLines: scan.long };
}

/** Values a histogram record keeps: the bins of every layer's four histograms, each object counted too. */
export function histogramWeight(r: HistogramRecord): number {
  let n = OBJECT_VALUES;
  for (const l of r.layers) {
    n += OBJECT_VALUES;
    for (const h of [l.z, l.a, l.dW, l.dz]) n += OBJECT_VALUES + h.edges.length + h.counts.length;
  }
  return n;
}

/**
 * <cell>/histograms.ndjson, by step: empty when missing; lines that are not a record, lines over
 * MAX_LINE_BYTES and an incomplete last line are skipped; throws a refused ResultsFileError for a
 * file over MAX_NDJSON_BYTES or holding more than MAX_HISTOGRAM_VALUES values.
 */
export function readHistograms(cellDir: string): HistogramRecord[] {
  const { records } = readNdjsonRecords(join(cellDir, HISTOGRAMS_FILE), toHistogramRecord, histogramWeight, MAX_HISTOGRAM_VALUES);
  return records.sort((a, b) => a.step - b.step);
}
