/**
 * Fixed-bin histograms. The edges of a (layer, quantity) pair are chosen once, at the first
 * histogram record of a run, and never change, so the records of a run stack into a
 * layer x step (or step x bin) heat map.
 *
 * Every bin is half-open [edges[i], edges[i+1]) except the last, which is closed (numpy's rule).
 * Values below edges[0] (and -Infinity) count in `under`, above the last edge (and +Infinity) in
 * `over`, NaN in `nan`; so sum(counts) + under + over + nan = number of values, always.
 *
 * Two kinds of edges:
 *  - linear (z and a): `bins` equal bins over [lo, hi], see `linearEdgesFor`.
 *  - symmetric log (dL/dW and dL/dz, whose magnitudes span many decades): `perDecade` bins per
 *    decade on each side, from +-10^minExp to +-10^maxExp, and one zero bin
 *    [-10^minExp, 10^minExp) in the middle that holds exact zeros and anything smaller.
 *    Defaults minExp = -12, maxExp = 2, perDecade = 2: 28 + 1 + 28 = 57 bins.
 */
import type { Range } from '../net/activations.js';
import { isFloatArray, type FloatArray, type Kernels } from '../net/tensor.js';
import type { Histogram } from './types.js';

type Numeric = FloatArray | ArrayLike<number>;

export interface BinSpec {
  readonly kind: 'linear' | 'symlog';
  /** Strictly increasing, length = number of bins + 1. */
  readonly edges: readonly number[];
  /** linear: lo, 1 / bin width; symlog: minExp, perDecade, number of bins per side. */
  readonly lo: number;
  readonly invWidth: number;
  readonly minExp: number;
  readonly perDecade: number;
  readonly side: number;
}

/** `bins` equal bins over [lo, hi]. */
export function linearBins(lo: number, hi: number, bins: number): BinSpec {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError(`linearBins: need finite lo < hi, got [${lo}, ${hi}]`);
  if (!(bins >= 1) || !Number.isInteger(bins)) throw new RangeError(`linearBins: bins must be a positive integer, got ${bins}`);
  const edges: number[] = [];
  const w = (hi - lo) / bins;
  for (let i = 0; i <= bins; i++) edges.push(i === bins ? hi : lo + i * w);
  return { kind: 'linear', edges, lo, invWidth: 1 / w, minExp: 0, perDecade: 0, side: 0 };
}

/**
 * Symmetric log bins: edges -10^maxExp, ..., -10^minExp, 10^minExp, ..., 10^maxExp with
 * `perDecade` bins per decade on each side (edge k on the positive side is 10^(minExp + k/perDecade)).
 */
export function symlogBins(minExp = -12, maxExp = 2, perDecade = 2): BinSpec {
  if (!(maxExp > minExp) || !Number.isInteger(minExp) || !Number.isInteger(maxExp)) {
    throw new RangeError(`symlogBins: need integers minExp < maxExp, got ${minExp}, ${maxExp}`);
  }
  if (!(perDecade >= 1) || !Number.isInteger(perDecade)) throw new RangeError(`symlogBins: perDecade must be a positive integer, got ${perDecade}`);
  const side = (maxExp - minExp) * perDecade;
  const pos: number[] = [];
  for (let k = 0; k <= side; k++) {
    // Whole decades parsed from text ('1e-12') are the doubles nearest 10^x; 10 ** x can be an ulp off.
    pos.push(k % perDecade === 0 ? Number(`1e${minExp + k / perDecade}`) : 10 ** (minExp + k / perDecade));
  }
  const edges = [...pos.map((v) => -v).reverse(), ...pos];
  return { kind: 'symlog', edges, lo: edges[0], invWidth: 0, minExp, perDecade, side };
}

/** Index of the bin that holds v, -1 under, -2 over, -3 NaN. */
export function binIndex(spec: BinSpec, v: number): number {
  const e = spec.edges;
  const last = e.length - 1;
  if (v !== v) return -3;
  if (v < e[0]) return -1;
  if (v > e[last]) return -2;
  let i: number;
  if (spec.kind === 'linear') {
    i = Math.floor((v - spec.lo) * spec.invWidth);
  } else {
    const av = v < 0 ? -v : v;
    const small = e[spec.side + 1];
    if (av < small) {
      i = spec.side; // the zero bin
    } else {
      // k = position of |v| among the positive edges, from log10.
      const k = Math.floor((Math.log10(av) - spec.minExp) * spec.perDecade);
      // Positive side bin spec.side + 1 + k; negative side mirrors it (bins are left-closed, so
      // -10^x itself belongs to the bin on its right; the edge correction below settles it).
      i = v > 0 ? spec.side + 1 + k : spec.side - 1 - k;
    }
  }
  // Round-off in the floor/log can put v one bin off; correct against the exact edges.
  if (i < 0) i = 0;
  if (i > last - 1) i = last - 1;
  while (i > 0 && v < e[i]) i--;
  while (i < last - 1 && v >= e[i + 1]) i++;
  return i;
}

/** Counts of a histogram being filled; edges live in the spec. */
export interface Counts {
  readonly counts: Float64Array;
  under: number;
  over: number;
  nan: number;
}

export function emptyCounts(spec: BinSpec): Counts {
  return { counts: new Float64Array(spec.edges.length - 1), under: 0, over: 0, nan: 0 };
}

export function resetCounts(c: Counts): void {
  c.counts.fill(0);
  c.under = 0;
  c.over = 0;
  c.nan = 0;
}

/**
 * Adds x[0 .. n) to c (no allocation). The hot path of the histograms: a loop per bin kind
 * with the bin arithmetic inline (a call to binIndex per value cost ~100 ns); the result is
 * the same as binIndex's, which the tests check. A kernel with `binCounts` (the wasm one, for
 * its own float32 buffers) counts in its memory instead: the same counts.
 */
export function accumulate(spec: BinSpec, c: Counts, x: Numeric, n: number = x.length, kernels: Kernels | null = null): void {
  if (n > 0 && kernels?.binCounts !== undefined && isFloatArray(x)) {
    const bins = spec.edges.length - 1;
    if (binScratch.length < bins + 3) binScratch = new Int32Array(bins + 3);
    if (kernels.binCounts(x, n, spec, binScratch)) {
      for (let i = 0; i < bins; i++) c.counts[i] += binScratch[i];
      c.under += binScratch[bins];
      c.over += binScratch[bins + 1];
      c.nan += binScratch[bins + 2];
      return;
    }
  }
  if (spec.kind === 'linear') accumulateLinear(spec, c, x, n);
  else accumulateSymlog(spec, c, x, n);
}

/** A kernel's counts (Kernels.binCounts), grown to the largest histogram seen. */
let binScratch = new Int32Array(64);

function accumulateLinear(spec: BinSpec, c: Counts, x: Numeric, n: number): void {
  const counts = c.counts;
  const e = spec.edges;
  const last = e.length - 1;
  const lo = e[0];
  const hi = e[last];
  const invWidth = spec.invWidth;
  for (let j = 0; j < n; j++) {
    const v = x[j];
    if (v >= lo && v <= hi) {
      let i = Math.floor((v - lo) * invWidth);
      if (i > last - 1) i = last - 1;
      // Round-off in the product can put v one bin off; settle it against the exact edges.
      while (i > 0 && v < e[i]) i--;
      while (i < last - 1 && v >= e[i + 1]) i++;
      counts[i]++;
    } else if (v < lo) c.under++;
    else if (v > hi) c.over++;
    else c.nan++;
  }
}

function accumulateSymlog(spec: BinSpec, c: Counts, x: Numeric, n: number): void {
  const counts = c.counts;
  const e = spec.edges;
  const last = e.length - 1;
  const lo = e[0];
  const hi = e[last];
  const side = spec.side;
  const small = e[side + 1];
  const minExp = spec.minExp;
  const perDecade = spec.perDecade;
  for (let j = 0; j < n; j++) {
    const v = x[j];
    if (v >= lo && v <= hi) {
      const av = v < 0 ? -v : v;
      let i: number;
      if (av < small) i = side;
      else {
        const k = Math.floor((Math.log10(av) - minExp) * perDecade);
        i = v > 0 ? side + 1 + k : side - 1 - k;
        if (i < 0) i = 0;
        if (i > last - 1) i = last - 1;
        while (i > 0 && v < e[i]) i--;
        while (i < last - 1 && v >= e[i + 1]) i++;
      }
      counts[i]++;
    } else if (v < lo) c.under++;
    else if (v > hi) c.over++;
    else c.nan++;
  }
}

/** The JSON form (types.ts `Histogram`); `nan` only when some value was NaN. */
export function toHistogram(spec: BinSpec, c: Counts): Histogram {
  const h: { edges: number[]; counts: number[]; under: number; over: number; nan?: number } = {
    edges: spec.edges.slice(),
    counts: Array.from(c.counts),
    under: c.under,
    over: c.over,
  };
  if (c.nan > 0) h.nan = c.nan;
  return h;
}

/** One-shot: the histogram of x[0 .. n) with the given bins. */
export function histogram(spec: BinSpec, x: Numeric, n: number = x.length): Histogram {
  const c = emptyCounts(spec);
  accumulate(spec, c, x, n);
  return toHistogram(spec, c);
}

/** 1, 2 or 5 times a power of ten, the smallest such value >= x (x > 0). */
export function niceCeil(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) {
    if (m * p >= x * (1 - 1e-12)) return m * p;
  }
  return 10 * p;
}

/** How far beyond the step-0 spread the linear bins reach, in step-0 rms units. */
export const SPREAD_RMS = 5;

/**
 * Linear edges for z or a, from the activation's output range where it is bounded and from the
 * spread at step 0 where it is not:
 *  - both ends of `range` finite (sigmoid, tanh, relu6, softsign): exactly [range.lo, range.hi];
 *  - only the low end finite (relu, elu, selu, gelu, silu, crelu): [range.lo, L];
 *  - neither (identity, leaky_relu, prelu, and every z): [-L, L];
 * with L = niceCeil(5 * rms of the step-0 values) (1 when they are all 0 or not finite), and at
 * least the finite end + a little when L would not exceed it. Values that later grow beyond L
 * land in `over`/`under`, which is itself the sign of blow-up.
 */
export function linearEdgesFor(range: Range | null, step0Rms: number, bins: number): BinSpec {
  const L = niceCeil(SPREAD_RMS * step0Rms);
  if (range !== null && Number.isFinite(range.lo) && Number.isFinite(range.hi)) return linearBins(range.lo, range.hi, bins);
  if (range !== null && Number.isFinite(range.lo)) return linearBins(range.lo, L > range.lo ? L : range.lo + 1, bins);
  return linearBins(-L, L, bins);
}
