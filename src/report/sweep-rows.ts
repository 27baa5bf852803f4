/**
 * The rows of the sweep's curve, profile and heat-map charts, reduced from each cell's records
 * and theory block: one value per (cell, x) first, then one row per (line, x), where a line is a
 * cell, a group of seeds or a (colour, panel) group as the sweep's shape says (sweep-shape.ts).
 * A line of several cells is drawn at the median, with the band from the 25th to the 75th
 * percentile (linear interpolation between order statistics, n = 1 gives a zero-width band).
 */
import type { MetricRecord } from '../metrics/types.js';
import { lengthsOf, theoryOf } from './blocks.js';
import { downsample } from './downsample.js';
import type { RunData } from './read.js';
import type { SweepShape } from './sweep-shape.js';
import { depthOf, jnum, spans } from './specs/common.js';
import { AXIS, SERIES } from './text.js';

/** Points per line in the curve charts (after aggregation; first and last always kept)... */
export const CURVE_POINTS = 120;
/** ...and fewer when a chart would hold more than about this many points (never below 20 a line). */
const CURVE_TOTAL = 12_000;

/** Heat maps are drawn for sweeps of at most this many cells. */
export const MAX_HEATMAPS = 12;

/** Rects in all heat maps together, about: each cell keeps HEAT_RECTS / (cells x layers) records (20 to 100). */
const HEAT_RECTS = 12_000;

/** TensorBoard's default smoothing weight. */
export const SMOOTHING = 0.6;

type Fields = Readonly<Record<string, string>>;

/** One value of one cell at one x (step or layer); `fields` say which chart, column and line style. */
export interface Point {
  readonly fields: Fields;
  readonly x: number;
  readonly value: number;
}

/** One drawn point of a line: the cell's value (n = 1, no band) or the median and quartiles of its cells. */
export type LineRow = Record<string, string | number | null>;

/** q-th quantile (0..1) of sorted values, linear between order statistics. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 1) return sorted[0];
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]);
}

/**
 * Points of every cell (in the shape's cell order) -> rows per line and x:
 * `{line, series, panel, ...fields, [xField]: x, n, value, lo, hi}`; lo and hi are null when
 * the shape draws one line per cell. Each line keeps at most `budget` x values (downsample.ts).
 */
export function lineRows(shape: SweepShape, pointsPerCell: readonly (readonly Point[])[], xField: string, budget = Infinity): LineRow[] {
  const lines = new Map<string, { place: SweepShape['places'][number]; fields: Fields; xs: Map<number, number[]> }>();
  pointsPerCell.forEach((points, i) => {
    const place = shape.places[i];
    for (const p of points) {
      const key = JSON.stringify([place.line, place.panel, p.fields]);
      let line = lines.get(key);
      if (line === undefined) lines.set(key, (line = { place, fields: p.fields, xs: new Map() }));
      const at = line.xs.get(p.x);
      if (at) at.push(p.value);
      else line.xs.set(p.x, [p.value]);
    }
  });
  const band = shape.mode !== 'cells';
  const rows: LineRow[] = [];
  for (const { place, fields, xs } of lines.values()) {
    const order = [...xs.keys()].sort((a, b) => a - b);
    for (const x of downsample(order, budget).items) {
      const v = xs.get(x)!.sort((a, b) => a - b);
      rows.push({
        line: place.line, series: place.series, panel: place.panel, ...fields, [xField]: x, n: v.length,
        value: jnum(band ? quantile(v, 0.5) : v[0]),
        lo: band ? jnum(quantile(v, 0.25)) : null,
        hi: band ? jnum(quantile(v, 0.75)) : null,
      });
    }
  }
  return rows;
}

/** TensorBoard's smoothing: exponential moving average, debiased; non-finite values are skipped. */
export function smooth(values: readonly { x: number; value: number }[], weight = SMOOTHING): { x: number; value: number }[] {
  let last = 0;
  let debias = 0;
  const out: { x: number; value: number }[] = [];
  for (const p of values) {
    if (!Number.isFinite(p.value)) continue;
    last = last * weight + (1 - weight) * p.value;
    debias = debias * weight + (1 - weight);
    out.push({ x: p.x, value: last / debias });
  }
  return out;
}

type RecordKey = 'loss' | 'testLoss' | 'trainLoss' | 'testAcc' | 'trainAcc';

const series = (records: readonly MetricRecord[], key: RecordKey): { x: number; value: number }[] =>
  records.flatMap((r) => (r[key] !== undefined && Number.isFinite(r[key]) ? [{ x: r.step, value: r[key]! }] : []));

const has = (runs: readonly RunData[], key: RecordKey): boolean =>
  runs.some((run) => run.records.some((r) => r[key] !== undefined && Number.isFinite(r[key])));

/** Mean deadFraction over the hidden layers of each record that has one. */
function deadMean(records: readonly MetricRecord[]): { x: number; value: number }[] {
  const depth = depthOf(records);
  const out: { x: number; value: number }[] = [];
  for (const r of records) {
    const v = r.layers.filter((l) => l.layer < depth && l.deadFraction !== undefined && Number.isFinite(l.deadFraction)).map((l) => l.deadFraction!);
    if (v.length) out.push({ x: r.step, value: v.reduce((s, d) => s + d, 0) / v.length });
  }
  return out;
}

/** The metrics a curve chart can draw, each a label (the y title) and the values of one run. */
export interface CurveMetric {
  readonly label: string;
  /** The value can only be positive and may span decades (a loss): a log axis when it does. */
  readonly positive: boolean;
  /** Fixed [0, 1] axis (fractions). */
  readonly unit: boolean;
  readonly values: (records: readonly MetricRecord[]) => { x: number; value: number }[];
}

/**
 * Training curves the runs support: smoothed batch loss; test loss (else the evaluation loss on
 * the training set); test accuracy (else training accuracy) for classifiers.
 */
export function trainingMetrics(runs: readonly RunData[]): CurveMetric[] {
  const out: CurveMetric[] = [];
  if (has(runs, 'loss')) out.push({ label: AXIS.lossSmoothed, positive: true, unit: false, values: (r) => smooth(series(r, 'loss')) });
  if (has(runs, 'testLoss')) out.push({ label: AXIS.testLoss, positive: true, unit: false, values: (r) => series(r, 'testLoss') });
  else if (has(runs, 'trainLoss')) out.push({ label: AXIS.evalLoss, positive: true, unit: false, values: (r) => series(r, 'trainLoss') });
  if (has(runs, 'testAcc')) out.push({ label: AXIS.testAcc, positive: false, unit: true, values: (r) => series(r, 'testAcc') });
  else if (has(runs, 'trainAcc')) out.push({ label: AXIS.trainAccEval, positive: false, unit: true, values: (r) => series(r, 'trainAcc') });
  return out;
}

/** The dead-fraction curve (mean over hidden layers), when some run records deadFraction. */
export function deadMetric(runs: readonly RunData[]): CurveMetric | null {
  return runs.some((run) => deadMean(run.records).length > 0)
    ? { label: AXIS.deadMean, positive: false, unit: true, values: deadMean }
    : null;
}

/** Points per line of a curve chart with `lines` lines in each of `metrics` rows. */
export function curveBudget(lines: number, metrics: number): number {
  return Math.max(20, Math.min(CURVE_POINTS, Math.floor(CURVE_TOTAL / Math.max(1, lines * metrics))));
}

/** Rows of a curve chart: `metric` names the row, x is `step`. */
export function curveRows(shape: SweepShape, runs: readonly RunData[], metrics: readonly CurveMetric[]): LineRow[] {
  const points = runs.map((run) => metrics.flatMap((m) => m.values(run.records).map((p) => ({ fields: { metric: m.label }, ...p }))));
  const lines = new Set(shape.places.map((p) => p.line)).size;
  return lineRows(shape, points, 'step', curveBudget(lines, metrics.length));
}

/**
 * The last record whose every layer has a finite `key` (the end of training; for a run that
 * diverged, the last record before it did), or null.
 */
export function lastFinite(records: readonly MetricRecord[], key: 'gradNorm' | 'deltaNorm' | 'deadFraction'): MetricRecord | null {
  const depth = depthOf(records);
  for (let i = records.length - 1; i >= 0; i--) {
    const layers = records[i].layers.filter((l) => key !== 'deadFraction' || l.layer < depth);
    if (layers.length && layers.every((l) => l[key] !== undefined && Number.isFinite(l[key]))) return records[i];
  }
  return null;
}

/** The mean-field numbers a profile needs (summary.theory, read by blocks.ts). */
export interface ProfileTheory {
  /** chi_1 at q*, used where chi1PerLayer does not cover every layer. */
  readonly chi1: number | null;
  /** chi_1(q_l): the factor of ||dL/dz||^2 from layer l+1 to layer l. */
  readonly chi1PerLayer: readonly number[] | null;
  /** q_l, the pre-activation variance of layer l, and sigma_b^2 (needed for ||dL/dW||). */
  readonly lengths: { readonly qPerLayer: readonly number[]; readonly sigmaB2: number } | null;
}

/**
 * Mean-field profile of a norm at initialisation, anchored at the last hidden layer's
 * measured value, pred(depth - 1) = anchor, toward the input:
 *
 *   ||dL/dz_l||:  pred(l) = pred(l + 1) sqrt(chi_1(q_l)),                          l = depth-2 .. 0
 *   ||dL/dW_l|| = ||dL/dz_l^T h_{l-1}|| ~ ||dL/dz_l|| ||h_{l-1}||, E[h_{l-1}^2] = (q_l - sigma_b^2) / sigma_w^2:
 *                 pred(l) = pred(l + 1) sqrt(chi_1(q_l) (q_l - sigma_b^2) / (q_{l+1} - sigma_b^2)),  l = depth-2 .. 1
 *
 * (layer 0's input is the data, whose scale the theory block does not give). Without q_l the
 * weight-gradient profile is not drawn: sqrt(chi_1) alone is wrong wherever q_l is not at its
 * fixed point (relu at sigma_w^2 = 1 halves q_l per layer and keeps ||dL/dW|| flat).
 * [] when a number is missing or not positive.
 */
export function meanFieldProfile(key: 'gradNorm' | 'deltaNorm', anchor: number, depth: number, t: ProfileTheory): { layer: number; value: number }[] {
  const perLayer = t.chi1PerLayer !== null && t.chi1PerLayer.length >= depth - 1 ? t.chi1PerLayer : null;
  const chi = (l: number): number => (perLayer ? perLayer[l] : t.chi1 ?? NaN);
  const q = t.lengths?.qPerLayer ?? [];
  const b2 = t.lengths?.sigmaB2 ?? 0;
  const lowest = key === 'deltaNorm' ? 0 : 1;
  if (!(anchor > 0) || !Number.isFinite(anchor) || depth < 2) return [];
  if (key === 'gradNorm' && q.length < depth) return [];
  const out = [{ layer: depth - 1, value: anchor }];
  let g = anchor;
  for (let l = depth - 2; l >= lowest; l--) {
    const factor = key === 'deltaNorm' ? chi(l) : (chi(l) * (q[l] - b2)) / (q[l + 1] - b2);
    if (!(factor > 0) || !Number.isFinite(factor)) return [];
    g *= Math.sqrt(factor);
    out.push({ layer: l, value: g });
  }
  return out.reverse();
}

const layerPoints = (r: MetricRecord | null, key: 'gradNorm' | 'deltaNorm', fields: Fields): Point[] =>
  (r?.layers ?? []).filter((l) => Number.isFinite(l[key]) && l[key] > 0).map((l) => ({ fields, x: l.layer, value: l[key] }));

/**
 * Rows of one profile chart (`key` = gradNorm or deltaNorm) against `layer`: measured at step 0
 * and at the end (`when`), and the mean-field prediction at step 0 (`kind`: measured, predicted,
 * or predicted with an assumption of the theory not met).
 */
export function profileRows(shape: SweepShape, runs: readonly RunData[], key: 'gradNorm' | 'deltaNorm'): LineRow[] {
  const points = runs.map((run) => {
    const first = run.records[0] ?? null;
    const out = [
      ...layerPoints(first, key, { when: SERIES.atInit, kind: SERIES.measured }),
      ...layerPoints(lastFinite(run.records, key), key, { when: SERIES.atEnd, kind: SERIES.measured }),
    ];
    const theory = theoryOf(run.summary);
    const depth = depthOf(run.records);
    const anchor = first?.layers.find((l) => l.layer === depth - 1)?.[key];
    if (theory !== null && anchor !== undefined) {
      const kind = theory.applies ? SERIES.predicted : SERIES.predictedCaveat;
      const t = { chi1: theory.chi1, chi1PerLayer: theory.chi1PerLayer, lengths: lengthsOf(run.summary) };
      for (const p of meanFieldProfile(key, anchor, depth, t)) out.push({ fields: { when: SERIES.atInit, kind }, x: p.layer, value: p.value });
    }
    return out;
  });
  return lineRows(shape, points, 'layer');
}

/** Cells with a norm of exactly 0 in some layer at step 0 or at the end (a log axis cannot show them). */
export function zeroNormCells(runs: readonly RunData[], key: 'gradNorm' | 'deltaNorm'): number {
  return runs.filter((run) => [run.records[0] ?? null, lastFinite(run.records, key)].some((r) => r?.layers.some((l) => l[key] === 0))).length;
}

/** Rows of the end-of-training fractions chart: dead and saturated fraction per hidden layer (`quantity`). */
export function fractionRows(shape: SweepShape, runs: readonly RunData[]): LineRow[] {
  const points = runs.map((run) => {
    const depth = depthOf(run.records);
    const end = lastFinite(run.records, 'deadFraction');
    const out: Point[] = [];
    for (const l of end?.layers ?? []) {
      if (l.layer >= depth) continue;
      if (l.deadFraction !== undefined && Number.isFinite(l.deadFraction)) out.push({ fields: { quantity: SERIES.dead }, x: l.layer, value: l.deadFraction });
      if (l.saturatedFraction !== undefined && Number.isFinite(l.saturatedFraction)) out.push({ fields: { quantity: SERIES.saturated }, x: l.layer, value: l.saturatedFraction });
    }
    return out;
  });
  return lineRows(shape, points, 'layer');
}

/** One rect of a heat map: cell, layer, [step, s1), gradNorm (null when not finite). */
export interface HeatRow {
  readonly cell: string;
  readonly series: string;
  readonly step: number;
  readonly s1: number;
  readonly layer: number;
  readonly gradNorm: number | null;
}

/** Records kept per cell so that all heat maps together hold about HEAT_RECTS rects. */
export function heatBudget(cells: number, layers: number): number {
  return Math.max(20, Math.min(100, Math.floor(HEAT_RECTS / Math.max(1, cells * layers))));
}

/** Rows of the heat-map multiples: every cell's records thinned to heatBudget. */
export function heatRows(shape: SweepShape, runs: readonly RunData[]): HeatRow[] {
  const layers = Math.max(1, ...runs.map((r) => depthOf(r.records) + 1));
  const budget = heatBudget(runs.length, layers);
  return runs.flatMap((run, i) => {
    const kept = downsample(run.records, budget).items;
    const sp = spans(kept.map((r) => r.step));
    return kept.flatMap((r, k) => r.layers.map((l) => ({
      cell: shape.places[i].cell, series: shape.places[i].series, step: r.step, s1: sp[k].s1, layer: l.layer, gradNorm: jnum(l.gradNorm),
    })));
  });
}
