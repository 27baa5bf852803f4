/**
 * The statistics of an empirical verdict: a 95% interval of the effect over evaluation seeds and
 * the three outcomes it decides.
 *
 *   t interval       mean ± t(0.975, n - 1) · s / √n over the per-seed effects (Student; exact
 *                    when the per-seed effects are normal, and wider than a bootstrap at n = 5)
 *   median interval  [x_(k), x_(n-k+1)], the largest k with 2 P(Bin(n, 1/2) <= k - 1) <= 0.05:
 *                    distribution-free, coverage >= 95% (timing rounds, whose tails are long)
 *
 * Outcome, for an effect claimed to lie above a threshold τ (mirror for "below"):
 *   reproduced      lo > τ  (the whole interval beyond the threshold)
 *   not reproduced  hi < τ  (the interval excludes the claimed effect)
 *   inconclusive    otherwise
 */
import { quantile as sortedQuantile } from '../results/stats.js';

/** ln Γ(x), x > 0 (Lanczos, g = 7, n = 9; relative error < 1e-15). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0];
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on tCdf to 1e-12). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  let lo = -1e4;
  let hi = 1e4;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Interval {
  /** The point estimate: the mean (t) or the median (median). */
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
  readonly method: IntervalMethod;
}

export type IntervalMethod = 't' | 'median';

const T975 = new Map<number, number>();
/** t(0.975, df), computed once per df. */
function t975(df: number): number {
  let t = T975.get(df);
  if (t === undefined) {
    t = tQuantile(0.975, df);
    T975.set(df, t);
  }
  return t;
}

/** Student-t 95% interval of the mean; n = 1 gives an unbounded interval, n = 0 null. */
export function tInterval(xs: readonly number[]): Interval | null {
  const n = xs.length;
  if (n === 0 || xs.some((x) => !Number.isFinite(x))) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { value: mean, lo: -Infinity, hi: Infinity, n, method: 't' };
  const s2 = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  const half = t975(n - 1) * Math.sqrt(s2 / n);
  return { value: mean, lo: mean - half, hi: mean + half, n, method: 't' };
}

/** P(Bin(n, 1/2) <= k). */
export function binomialHalfCdf(k: number, n: number): number {
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) - n * Math.LN2);
  return Math.min(1, sum);
}

/** Distribution-free interval of the median, coverage >= 95%; unbounded below n = 6. */
export function medianInterval(xs: readonly number[]): Interval | null {
  const v = [...xs].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0 || n !== xs.length) return null;
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  let k = 0;
  while (k + 1 <= n / 2 && 2 * binomialHalfCdf(k, n) <= 0.05) k++;
  if (k === 0) return { value: median, lo: -Infinity, hi: Infinity, n, method: 'median' };
  return { value: median, lo: v[k - 1], hi: v[n - k], n, method: 'median' };
}

export type Direction = 'above' | 'below';

/** The outcome the interval decides against a threshold in the claimed direction. */
export function outcomeOf(iv: Pick<Interval, 'lo' | 'hi'>, direction: Direction, threshold: number): 'reproduced' | 'not reproduced' | 'inconclusive' {
  if (Number.isNaN(iv.lo) || Number.isNaN(iv.hi)) return 'inconclusive';
  const beyond = direction === 'above' ? iv.lo > threshold : iv.hi < threshold;
  const short = direction === 'above' ? iv.hi < threshold : iv.lo > threshold;
  return beyond ? 'reproduced' : short ? 'not reproduced' : 'inconclusive';
}

export function mean(xs: readonly number[]): number | null {
  const v = xs.filter((x) => Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/** The q-quantile (0..1) of the finite values (src/results/stats.ts, linear interpolation); null for none. */
export function quantile(xs: readonly number[], q: number): number | null {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return v.length === 0 ? null : sortedQuantile(v, Math.min(1, Math.max(0, q)));
}

export function median(xs: readonly number[]): number | null {
  return quantile(xs, 0.5);
}
