/**
 * The one thinning rule of the reports (stated on every page that uses it):
 *
 *   n records, at most `max` wanted: k = ceil((n - 1) / (max - 1));
 *   keep record i when i % k === 0, when i === n - 1, or when `keep(record)` says so.
 *
 * The first and the last record are always kept (the initial network and where the run ended,
 * a divergence included), and records the caller marks (evaluations) survive whatever k is.
 */

/** Records per layer series in a per-layer chart, so a chart holds ~6000 points whatever the depth. */
export function layerBudget(layerCount: number): number {
  return Math.max(60, Math.min(300, Math.floor(6000 / Math.max(1, layerCount))));
}

/** Records in a scalar (loss, accuracy) chart. */
export const SCALAR_BUDGET = 1000;

/** Histogram columns per layer panel. */
export const HISTOGRAM_BUDGET = 40;

export interface Thinned<T> {
  readonly items: readonly T[];
  /** The stride k (1 when nothing was dropped). */
  readonly stride: number;
  readonly total: number;
}

export function downsample<T>(items: readonly T[], max: number, keep?: (item: T) => boolean): Thinned<T> {
  const n = items.length;
  if (n <= max || max < 2) return { items, stride: 1, total: n };
  const k = Math.ceil((n - 1) / (max - 1));
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    if (i % k === 0 || i === n - 1 || (keep !== undefined && keep(items[i]))) out.push(items[i]);
  }
  return { items: out, stride: k, total: n };
}
