/**
 * Small pure functions over what runs write (summary.json points, metric records): the numbers
 * the claims read, and `Measure` builders that compare one number with one threshold. Nothing
 * here reads files or knows a claim.
 *
 * Layer indexing follows DESIGN.md: layer 0 is the first hidden layer, layer `depth` the output
 * layer; "hidden" means layers 0 .. depth - 1.
 */
import { quantile as sortedQuantile } from '../results/stats.js';
import type { LayerRecord, MetricRecord, Summary, SummaryPoint } from '../results/types.js';
import type { Measure } from './types.js';

/** The `initial` or `final` block of summary.json: the recorder's own type. */
export type Point = Omit<SummaryPoint, 'epoch'>;

/** summary.initial / summary.final (read by src/results), or null when the summary lacks it. */
export function pointOf(summary: Summary | null, which: 'initial' | 'final'): Point | null {
  return summary?.[which] ?? null;
}

/** The hidden layers 0 .. depth - 1 of a record or point, in order. */
export function hidden(layers: readonly LayerRecord[], depth: number): LayerRecord[] {
  return layers.filter((l) => l.layer < depth).sort((a, b) => a.layer - b.layer);
}

/** Mean of f over the layers where it is a finite number; null when there is none. */
export function meanOver(layers: readonly LayerRecord[], f: (l: LayerRecord) => number | undefined): number | null {
  let s = 0;
  let n = 0;
  for (const l of layers) {
    const v = f(l);
    if (v !== undefined && Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n > 0 ? s / n : null;
}

/**
 * log10(||dL/dz|| of the first hidden layer / that of the last), over hidden layers: negative
 * when the back-propagated signal shrinks toward the input. Null with fewer than two layers or a
 * non-positive norm.
 */
export function log10DeltaRatio(hiddenLayers: readonly LayerRecord[]): number | null {
  if (hiddenLayers.length < 2) return null;
  const first = hiddenLayers[0].deltaNorm;
  const last = hiddenLayers[hiddenLayers.length - 1].deltaNorm;
  if (!(first > 0) || !(last > 0) || !Number.isFinite(first) || !Number.isFinite(last)) return null;
  return Math.log10(first / last);
}

/** Share of adjacent hidden pairs (l, l + 1) with ||dL/dz_l|| < ||dL/dz_l+1||: 1 when it shrinks at every step toward the input. */
export function shrinkShare(hiddenLayers: readonly LayerRecord[]): number | null {
  if (hiddenLayers.length < 2) return null;
  let shrink = 0;
  for (let i = 0; i + 1 < hiddenLayers.length; i++) if (hiddenLayers[i].deltaNorm < hiddenLayers[i + 1].deltaNorm) shrink++;
  return shrink / (hiddenLayers.length - 1);
}

/** Ratio of a layer field of the last hidden layer to the first (actRms: the blow-up factor). */
export function lastOverFirst(hiddenLayers: readonly LayerRecord[], f: (l: LayerRecord) => number | undefined): number | null {
  if (hiddenLayers.length < 2) return null;
  const a = f(hiddenLayers[0]);
  const b = f(hiddenLayers[hiddenLayers.length - 1]);
  if (a === undefined || b === undefined || !(a > 0) || !Number.isFinite(b)) return null;
  return b / a;
}

/** Mean recorded batch loss over a run (the area under the loss curve per step); null without records. */
export function meanLoss(records: readonly MetricRecord[]): number | null {
  const xs = records.map((r) => r.loss).filter((x) => Number.isFinite(x));
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** The q-quantile (0..1) by linear interpolation between order statistics; null for no data. */
export function quantile(xs: readonly number[], q: number): number | null {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return v.length === 0 ? null : sortedQuantile(v, Math.min(1, Math.max(0, q)));
}

export function median(xs: readonly number[]): number | null {
  return quantile(xs, 0.5);
}

export function mean(xs: readonly number[]): number | null {
  const v = xs.filter((x) => Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/** Short number text for thresholds and values: 4 significant digits, exponent when tiny or huge. */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(4)));
}

/** value <= limit. */
export function atMost(label: string, value: number | null, limit: number): Measure {
  return { label, value, threshold: `<= ${fmtNum(limit)}`, pass: value === null ? null : value <= limit };
}

/** value >= limit. */
export function atLeast(label: string, value: number | null, limit: number): Measure {
  return { label, value, threshold: `>= ${fmtNum(limit)}`, pass: value === null ? null : value >= limit };
}

/** lo <= value <= hi. */
export function within(label: string, value: number | null, lo: number, hi: number): Measure {
  return { label, value, threshold: `in [${fmtNum(lo)}, ${fmtNum(hi)}]`, pass: value === null ? null : value >= lo && value <= hi };
}

/** value outside [lo, hi]. */
export function outside(label: string, value: number | null, lo: number, hi: number): Measure {
  return { label, value, threshold: `outside [${fmtNum(lo)}, ${fmtNum(hi)}]`, pass: value === null ? null : value < lo || value > hi };
}

/** A yes/no fact that must hold. */
export function holds(label: string, value: boolean | null, what = 'true'): Measure {
  return { label, value, threshold: what, pass: value };
}
