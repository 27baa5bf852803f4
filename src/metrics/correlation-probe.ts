/**
 * The measured side of the correlation map (Poole et al. 2016; Schoenholz et al. 2017): how the
 * correlation of two inputs' pre-activations changes layer by layer, and over how many layers
 * it approaches its fixed point c*.
 *
 * For a pair (a, b) of probe rows and hidden layer l, with z_l: [rows, units] the cached
 * pre-activations of a forward pass of the probe batch,
 *
 *   c_l(a, b) = <z_l^a, z_l^b> / (||z_l^a|| ||z_l^b||)      (uncentred, over the units,
 *                                                            the mean-field q_ab / sqrt(q_aa q_bb))
 *
 * averaged over the fixed pairs (0, 1), (2, 3), ... of the probe batch, with its standard error
 * over the pairs. The decay length is fitted to ln |c_l - c*| = a - l / xi by least squares over
 * the layers from 0 up to (not including) the first where |c_l - c*| is within two standard
 * errors of 0 or below 1e-5 (float32 round-off of a correlation near 1): past that point the
 * measured deviation is noise. A decay length longer than 20 times the fitted span (the deviation
 * changed by less than 5% over it) is not measured: null, as the theory's xi_c is at chi_c = 1.
 */
import type { Dense } from '../net/dense.js';
import { lsSlope } from './reducers.js';

/** Pairs of probe rows used (at most). */
export const CORRELATION_PAIRS = 64;
/** Deviations from c* below this are round-off, not signal. */
export const CORRELATION_FLOOR = 1e-5;
/** A fitted decay length above this many times the fitted layers (a change under 5%) is reported as null. */
export const MAX_XI_PER_LAYER = 20;

export interface MeasuredCorrelation {
  readonly pairs: number;
  /** Mean over pairs of c_l, per hidden layer l = 0 .. depth-1 (null where undefined). */
  readonly perLayer: readonly (number | null)[];
  /** Standard error of that mean over the pairs (null with fewer than 2 pairs). */
  readonly stdErr: readonly (number | null)[];
}

/** Mean pair correlation of z per hidden layer from the caches of the last forward pass over `rows` rows. */
export function measureCorrelation(hidden: readonly Dense[], rows: number, maxPairs = CORRELATION_PAIRS): MeasuredCorrelation {
  const pairs = Math.min(maxPairs, rows >> 1);
  const perLayer: (number | null)[] = [];
  const stdErr: (number | null)[] = [];
  for (const l of hidden) {
    const units = l.fanOut;
    const z = l.z;
    let sum = 0;
    let sum2 = 0;
    let count = 0;
    for (let p = 0; p < pairs; p++) {
      const a = 2 * p * units;
      const b = a + units;
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let j = 0; j < units; j++) {
        const x = z[a + j];
        const y = z[b + j];
        ab += x * y;
        aa += x * x;
        bb += y * y;
      }
      const c = ab / Math.sqrt(aa * bb);
      if (!Number.isFinite(c)) continue;
      sum += c;
      sum2 += c * c;
      count++;
    }
    const mean = count > 0 ? sum / count : null;
    perLayer.push(mean);
    stdErr.push(mean !== null && count > 1 ? Math.sqrt(Math.max(0, (sum2 / count - mean * mean) / (count - 1))) : null);
  }
  return { pairs, perLayer, stdErr };
}

export interface DecayFit {
  /** -1 / slope of ln |c_l - c*| against l; null when it does not decay or too few layers. */
  readonly xi: number | null;
  /** Layers 0 .. layers-1 entered the fit. */
  readonly layers: number;
}

/**
 * The decay length of |c_l - c*| (see the module comment for which layers enter). `stdErr` may
 * be null (a theory curve: no noise). Needs 3 layers or more.
 */
export function fitDecayLength(c: readonly (number | null)[], stdErr: readonly (number | null)[] | null, cStar: number): DecayFit {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let l = 0; l < c.length; l++) {
    const v = c[l];
    if (v === null || !Number.isFinite(v)) break;
    const dev = Math.abs(v - cStar);
    const se = stdErr?.[l] ?? 0;
    if (!(dev > CORRELATION_FLOOR) || dev <= 2 * se) break;
    xs.push(l);
    ys.push(Math.log(dev));
  }
  if (xs.length < 3) return { xi: null, layers: xs.length };
  const slope = lsSlope(xs, ys);
  const xi = slope !== null && slope < 0 ? -1 / slope : null;
  // A decay too slow to see over the fitted layers is not a measurement of its length.
  return { xi: xi !== null && xi <= MAX_XI_PER_LAYER * (xs.length - 1) ? xi : null, layers: xs.length };
}
