/**
 * Pure reducers over typed arrays: the arithmetic behind every per-layer metric. Nothing here
 * knows about layers or training; the recorder feeds it the engine's buffers.
 *
 * Sums are accumulated in float64 whatever the buffer's type (a float32 sum of 10^5 squares
 * loses ~3 digits). Standard deviations are population ones (divide by n, not n - 1), so that
 * rms^2 = mean^2 + std^2 exactly; for the ratios gradflow reports (grad:data) the choice
 * cancels.
 */
import { isFloatArray, type FloatArray, type Kernels } from '../net/tensor.js';

type Numeric = FloatArray | ArrayLike<number>;

/** sum_i x[i]^2 over x[off .. off + n), in float64. Non-finite iff some x[i] is (or it overflows). */
export function sumSquares(x: Numeric, n: number = x.length, off = 0): number {
  let s = 0;
  for (let i = off, end = off + n; i < end; i++) {
    const v = x[i];
    s += v * v;
  }
  return s;
}

/** ||x||_2 (Frobenius norm for a matrix stored flat). */
export function norm(x: Numeric, n: number = x.length, off = 0): number {
  return Math.sqrt(sumSquares(x, n, off));
}

/** ||a - b||_2 over the first n entries, in float64: the size of an optimizer step. */
export function diffNorm(a: Numeric, b: Numeric, n: number = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return Math.sqrt(s);
}

/**
 * ||after - before|| / ||before|| over the first n entries, one pass: the update:data ratio of
 * an optimizer step. Infinity when `before` is all zeros and the step is not; 0 when both are.
 */
export function relativeChange(after: Numeric, before: Numeric, n: number = after.length): number {
  let sd = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    const v = before[i];
    const d = after[i] - v;
    sd += d * d;
    sb += v * v;
  }
  if (sb > 0) return Math.sqrt(sd / sb);
  return sd > 0 ? Infinity : 0;
}

/** Summary statistics of a buffer; std is the population standard deviation. */
export interface Stats {
  mean: number;
  std: number;
  rms: number;
  maxAbs: number;
}

export function emptyStats(): Stats {
  return { mean: 0, std: 0, rms: 0, maxAbs: 0 };
}

/**
 * mean = sum x / n, std = sqrt(sum (x - mean)^2 / n), rms = sqrt(sum x^2 / n), maxAbs = max |x|
 * over x[0 .. n), in one pass. The sums are taken around a shift K = x[0]:
 * mean = K + sum (x-K) / n, var = sum (x-K)^2 / n - (sum (x-K) / n)^2, rms = sqrt(mean^2 + var),
 * which keeps the digits of std when |mean| >> std, as a two-pass algorithm would.
 * Writes into `out` (no allocation) and returns it; n = 0 gives zeros. A NaN anywhere makes
 * every field NaN. A kernel with `shiftedSums` (the wasm one, for its own float32 buffers)
 * takes the sums in the same order: the same doubles, faster.
 */
export function stats(x: Numeric, n: number = x.length, out: Stats = emptyStats(), kernels: Kernels | null = null): Stats {
  if (n === 0) {
    out.mean = out.std = out.rms = out.maxAbs = 0;
    return out;
  }
  const k = x[0];
  let sk = 0;
  let sk2 = 0;
  let m = 0;
  if (kernels?.shiftedSums !== undefined && isFloatArray(x) && kernels.shiftedSums(x, n, SUMS)) {
    sk = SUMS[0];
    sk2 = SUMS[1];
    m = SUMS[2];
  } else {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const d = v - k;
      sk += d;
      sk2 += d * d;
      const av = v < 0 ? -v : v;
      // A NaN is taken and then kept (no comparison with NaN is true), so the max cannot hide it.
      if (av > m || av !== av) m = av;
    }
  }
  const dm = sk / n;
  const mean = k + dm;
  const variance = sk2 / n - dm * dm;
  const v = variance > 0 ? variance : variance === variance ? 0 : NaN;
  out.mean = mean;
  out.std = Math.sqrt(v);
  // rms^2 = mean^2 + var exactly; from the shifted sums it keeps its digits either way.
  out.rms = Math.sqrt(mean * mean + v);
  out.maxAbs = m;
  return out;
}

/** The kernel's shifted sums (stats), written here by Kernels.shiftedSums. */
const SUMS = new Float64Array(3);
/** The kernel's derivative counts (derivativeCounts). */
const DCOUNTS = new Int32Array(3);

/** Population standard deviation of x[0 .. n). */
export function std(x: Numeric, n: number = x.length): number {
  if (n === 0) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const mean = s / n;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    c += d * d;
  }
  return Math.sqrt(c / n);
}

/** Counts over a derivative buffer, see `derivativeCounts`. */
export interface DerivativeCounts {
  /** (example, unit) pairs whose derivative is exactly 0. */
  zeroPairs: number;
  /** (example, unit) pairs whose |derivative| is below the saturation threshold. */
  saturatedPairs: number;
  /** Units whose derivative is exactly 0 on every example. */
  deadUnits: number;
  /** rows * units. */
  pairs: number;
}

export function emptyDerivativeCounts(): DerivativeCounts {
  return { zeroPairs: 0, saturatedPairs: 0, deadUnits: 0, pairs: 0 };
}

/**
 * Sparsity, saturation and death from d = f'(z) on a batch.
 *
 * d: [rows, units * widthFactor] (the activation's `derivative` output, a's shape). A unit j of
 * the layer (a column of z) owns the widthFactor columns j, units + j, ... of d (CReLU: its
 * relu(z) and relu(-z) halves). Per (example r, unit j), with g = max_k |d[r, k*units + j]|
 * (the largest gain through which dz[r, j] receives gradient):
 *   zero       g == 0             (the unit passes no gradient back for this example)
 *   saturated  g < threshold      (threshold = 5% of the activation's max |f'|, see docs)
 *   dead unit  g == 0 for every r
 * `deadMask[j]` is set to 1 for dead units and 0 otherwise (length >= units). `zerosPerUnit`
 * is scratch of length >= units. NaN derivatives count as neither zero nor saturated. One
 * row-major pass, no allocation; a kernel with `derivativeCounts` counts the same in its memory.
 */
export function derivativeCounts(
  d: Numeric,
  rows: number,
  units: number,
  widthFactor: number,
  threshold: number,
  deadMask: Uint8Array,
  zerosPerUnit: Int32Array,
  out: DerivativeCounts = emptyDerivativeCounts(),
  kernels: Kernels | null = null,
): DerivativeCounts {
  out.pairs = rows * units;
  if (rows > 0 && units > 0 && kernels?.derivativeCounts !== undefined && isFloatArray(d) &&
    kernels.derivativeCounts(d, rows, units, widthFactor, threshold, deadMask, DCOUNTS)) {
    out.zeroPairs = DCOUNTS[0];
    out.saturatedPairs = DCOUNTS[1];
    out.deadUnits = DCOUNTS[2];
    return out;
  }
  const cols = units * widthFactor;
  let zeroPairs = 0;
  let saturatedPairs = 0;
  zerosPerUnit.fill(0, 0, units);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < units; j++) {
      let g = 0;
      for (let k = 0; k < widthFactor; k++) {
        const v = d[base + k * units + j];
        const av = v < 0 ? -v : v;
        if (av > g || av !== av) g = av;
      }
      if (g === 0) {
        zeroPairs++;
        zerosPerUnit[j]++;
      }
      if (g < threshold) saturatedPairs++;
    }
  }
  let deadUnits = 0;
  for (let j = 0; j < units; j++) {
    const dead = rows > 0 && zerosPerUnit[j] === rows;
    if (dead) deadUnits++;
    deadMask[j] = dead ? 1 : 0;
  }
  out.zeroPairs = zeroPairs;
  out.saturatedPairs = saturatedPairs;
  out.deadUnits = deadUnits;
  out.pairs = rows * units;
  return out;
}

/**
 * Least-squares slope of y against x over the points where both are finite:
 *   slope = sum (x - xbar)(y - ybar) / sum (x - xbar)^2.
 * null when fewer than two usable points (or all x equal).
 */
export function lsSlope(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = Math.min(x.length, y.length);
  let count = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      count++;
      sx += x[i];
      sy += y[i];
    }
  }
  if (count < 2) return null;
  const mx = sx / count;
  const my = sy / count;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      const dx = x[i] - mx;
      sxy += dx * (y[i] - my);
      sxx += dx * dx;
    }
  }
  return sxx > 0 ? sxy / sxx : null;
}

/**
 * Per-step growth factor of a positive sequence, fitted: exp(slope of ln v[i] against i) over
 * v[0 .. n). A sequence v[i] = c g^i gives exactly g. Entries that are 0, negative or not finite
 * are left out of the fit (their log is not finite); null when fewer than two remain.
 */
export function growthFactor(v: ArrayLike<number>, n: number = v.length): number | null {
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = i;
    ys[i] = v[i] > 0 ? Math.log(v[i]) : NaN;
  }
  const s = lsSlope(xs, ys);
  return s === null ? null : Math.exp(s);
}

/** Index of the first entry of x[0 .. n) that is NaN or infinite, or -1. */
export function firstNonFinite(x: Numeric, n: number = x.length): number {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    // v - v is 0 for finite v and NaN for NaN and +-Infinity; cheaper than Number.isFinite.
    if (v - v !== 0) return i;
  }
  return -1;
}

/** True when every entry of x[0 .. n) is finite: one pass, no branch per entry. */
export function allFinite(x: Numeric, n: number = x.length): boolean {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += x[i] - x[i];
  return acc === 0;
}

/** Arithmetic mean of x[0 .. n) (0 for n = 0). */
export function mean(x: Numeric, n: number = x.length): number {
  if (n === 0) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  return s / n;
}
