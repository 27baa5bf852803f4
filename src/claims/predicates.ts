/**
 * Small pure functions over what runs write (summary points, metric records): the per-layer
 * numbers the claims read, and `Measure` builders that compare one number with one threshold.
 * Nothing here reads files or knows a claim.
 *
 * Layer indexing follows DESIGN.md: layer 0 is the first hidden layer, layer `depth` the output
 * layer; "hidden" means layers 0 .. depth - 1.
 */
import type { LayerRecord } from '../results/types.js';
import type { Cell } from './runs.js';
import type { Measure } from './types.js';

export type Which = 'initial' | 'final';
export const WHICH: readonly Which[] = ['initial', 'final'];

/** The hidden layers 0 .. depth - 1 of a record or point, in order. */
export function hidden(layers: readonly LayerRecord[], depth: number): LayerRecord[] {
  return layers.filter((l) => l.layer < depth).sort((a, b) => a.layer - b.layer);
}

/** The hidden layers of a cell's summary point (empty when the summary lacks it). */
export function layersAt(c: Cell, w: Which): LayerRecord[] {
  const p = c.summary?.[w];
  return p ? hidden(p.layers, c.depth) : [];
}

/** A number of a cell's summary point, or null. */
export function pointValue(c: Cell, w: Which, key: 'deadFraction' | 'actGrowth' | 'vanishing' | 'deltaGrowth' | 'deadUnits'): number | null {
  const v = c.summary?.[w]?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
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
 * log10(||dL/dz|| of the first hidden layer / that of the last): negative when the
 * back-propagated signal shrinks toward the input. Null with fewer than two layers or a
 * non-positive norm.
 */
export function log10DeltaRatio(hiddenLayers: readonly LayerRecord[]): number | null {
  if (hiddenLayers.length < 2) return null;
  const first = hiddenLayers[0].deltaNorm;
  const last = hiddenLayers[hiddenLayers.length - 1].deltaNorm;
  if (!(first > 0) || !(last > 0) || !Number.isFinite(first) || !Number.isFinite(last)) return null;
  return Math.log10(first / last);
}

/** Share of adjacent hidden pairs (l, l + 1) with ||dL/dz_l|| < ||dL/dz_l+1||. */
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

/** Short number text: 4 significant digits, exponent when tiny or huge. */
export function fmtNum(x: number | null | undefined): string {
  if (x === null || x === undefined) return 'n/a';
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

/** A yes/no fact that must hold. */
export function holds(label: string, value: boolean | null, what = 'true'): Measure {
  return { label, value, threshold: what, pass: value };
}
