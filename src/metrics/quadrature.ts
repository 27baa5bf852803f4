/**
 * Expectations over a Gaussian, as the mean-field theory evaluates them: Gauss-Hermite rules in
 * their probabilists' form (weight e^{-x^2/2}, normalised so the weights sum to 1), computed
 * here, and graded Gauss-Legendre panels split at an integrand's kinks where Hermite converges
 * slowly (`expectNormal` picks).
 */

export interface Quadrature {
  /** Nodes x_i, ascending. */
  readonly nodes: Float64Array;
  /** Weights w_i, sum 1: E[f(z)] ~ sum_i w_i f(x_i) for z ~ N(0, 1), exact for polynomials of degree < 2n. */
  readonly weights: Float64Array;
}

/** Quadrature points used by the theory (even, so no node sits on a kink at 0). */
export const DEFAULT_QUADRATURE_POINTS = 160;

/**
 * Orthonormal probabilists' Hermite polynomials p_k (E[p_j p_k] = delta_jk under N(0, 1)):
 *   p_0 = 1, p_1 = x, p_{k+1} = (x p_k - sqrt(k) p_{k-1}) / sqrt(k + 1).
 * Returns [p_n(x), p_{n-1}(x), sum_{k<n} p_k(x)^2].
 */
function hermite(n: number, x: number): [number, number, number] {
  let prev = 0;
  let cur = 1;
  let sumSq = 0;
  for (let k = 0; k < n; k++) {
    sumSq += cur * cur;
    const next = (x * cur - Math.sqrt(k) * prev) / Math.sqrt(k + 1);
    prev = cur;
    cur = next;
  }
  return [cur, prev, sumSq];
}

const quadratureCache = new Map<number, Quadrature>();

/**
 * n-point Gauss-Hermite rule for E over N(0, 1).
 *
 * Nodes are the roots of p_n: the positive ones are bracketed by a sign scan on a grid finer
 * than the smallest gap between roots (about pi / sqrt(2n + 1)), over (0, sqrt(4n + 2)] where
 * every root lies, then bisected to the last bit; the negative ones mirror them (and 0 is a root
 * for odd n). Weights are the Christoffel numbers w_i = 1 / sum_{k<n} p_k(x_i)^2, which for the
 * orthonormal family sum to 1 exactly.
 */
export function gaussHermite(n: number = DEFAULT_QUADRATURE_POINTS): Quadrature {
  if (!Number.isInteger(n) || n < 1 || n > 400) throw new RangeError(`gaussHermite: n must be an integer in [1, 400], got ${n}`);
  const hit = quadratureCache.get(n);
  if (hit) return hit;
  const half = n >> 1;
  const pos: number[] = [];
  const xmax = Math.sqrt(4 * n + 2) + 1e-9;
  const h = Math.min(0.05, Math.PI / Math.sqrt(2 * n + 1) / 8);
  let a = 1e-12;
  let fa = hermite(n, a)[0];
  for (let b = a + h; pos.length < half && a < xmax; a = b, b += h) {
    const fb = hermite(n, b)[0];
    if (fa === 0 || fa * fb < 0) {
      let lo = a;
      let hi = b;
      let flo = fa;
      for (let it = 0; it < 200 && hi - lo > 0; it++) {
        const mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        const fm = hermite(n, mid)[0];
        if (fm === 0) {
          lo = hi = mid;
          break;
        }
        if (flo * fm < 0) hi = mid;
        else {
          lo = mid;
          flo = fm;
        }
      }
      pos.push(0.5 * (lo + hi));
    }
    fa = fb;
  }
  if (pos.length !== half) throw new Error(`gaussHermite(${n}): found ${pos.length} positive roots, expected ${half}`);
  const nodes = new Float64Array(n);
  for (let i = 0; i < half; i++) {
    nodes[half - 1 - i] = -pos[i];
    nodes[n - half + i] = pos[i];
  }
  const weights = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    weights[i] = 1 / hermite(n, nodes[i])[2];
    total += weights[i];
  }
  // The weights sum to 1 analytically; dividing by the computed sum removes the last round-off.
  for (let i = 0; i < n; i++) weights[i] /= total;
  const q: Quadrature = { nodes, weights };
  quadratureCache.set(n, q);
  return q;
}

/** E[f(sqrt(q) z)], z ~ N(0, 1), by the Gauss-Hermite rule (for smooth f). */
export function expectGaussian(f: (x: number) => number, q: number, rule: Quadrature = gaussHermite()): number {
  const s = Math.sqrt(Math.max(q, 0));
  const { nodes, weights } = rule;
  let e = 0;
  for (let i = 0; i < nodes.length; i++) e += weights[i] * f(s * nodes[i]);
  return e;
}

/** n-point Gauss-Legendre rule on [-1, 1]: roots of P_n by Newton from cos(pi (i - 1/4) / (n + 1/2)). */
export function gaussLegendre(n: number): Quadrature {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      // P_0 = 1, P_1 = x, (k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}; P_n' = n (x P_n - P_{n-1}) / (x^2 - 1).
      let p0 = 1;
      let p1 = x;
      for (let k = 1; k < n; k++) {
        const p2 = ((2 * k + 1) * x * p1 - k * p0) / (k + 1);
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    nodes[n - 1 - i] = x;
    weights[n - 1 - i] = 2 / ((1 - x * x) * dp * dp);
  }
  return { nodes, weights };
}

const LEGENDRE = gaussLegendre(20);
/** The panels cover |x| <= Z_MAX sqrt(q); the normal mass outside is 2e-32. */
const Z_MAX = 12;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * E[f(x)], x ~ N(0, q), by 20-point Gauss-Legendre panels on [-12 sqrt(q), 12 sqrt(q)], for f
 * smooth except at `kinks`. The panel edges are the kinks, 0, the points +-2^k (k >= -3) where
 * f's own features (scale 1 around 0) fade into its asymptotes, and the multiples of sqrt(q)
 * (the Gaussian's scale); so every panel sees a smooth integrand that varies on the panel's
 * scale, whether q is 1e-6 or 1e12. About 40-80 panels; accurate to ~1e-13 relative.
 */
export function expectGaussianPanels(f: (x: number) => number, q: number, kinks: readonly number[] = []): number {
  if (!(q > 0)) return f(0);
  const s = Math.sqrt(q);
  const lim = Z_MAX * s;
  const cuts: number[] = [0, lim, -lim];
  for (const k of kinks) if (k > -lim && k < lim) cuts.push(k);
  for (let j = 1; j < Z_MAX; j++) cuts.push(j * s, -j * s);
  for (let k = -3; 2 ** k < lim; k++) cuts.push(2 ** k, -(2 ** k));
  cuts.sort((a, b) => a - b);
  const { nodes, weights } = LEGENDRE;
  const inv2q = 0.5 / q;
  let e = 0;
  for (let c = 0; c + 1 < cuts.length; c++) {
    const a = cuts[c];
    const b = cuts[c + 1];
    if (!(b > a)) continue;
    const mid = 0.5 * (a + b);
    const half = 0.5 * (b - a);
    let sum = 0;
    for (let i = 0; i < nodes.length; i++) {
      const x = mid + half * nodes[i];
      sum += weights[i] * f(x) * Math.exp(-x * x * inv2q);
    }
    e += sum * half;
  }
  return (e * INV_SQRT_2PI) / s;
}

/** Above this q, Gauss-Hermite is not trusted even for smooth f (see `expectNormal`). */
export const GAUSS_HERMITE_MAX_Q = 1;

/**
 * E[f(sqrt(q) z)], z ~ N(0, 1), as the theory evaluates it: Gauss-Hermite when f is smooth,
 * q <= 1 and the n- and n/2-point rules agree to 1e-12; else the panels above.
 *
 * Gauss-Hermite converges fast only for smooth integrands that vary on the scale of z. With a
 * kink at 0 its error falls as n^-2 (3e-5 for SELU's second moment at n = 160), with a kink
 * elsewhere (relu6 at 6) as n^-1/2; and f(sqrt(q) z) varies on the scale 1/sqrt(q), so for wide
 * q a smooth tanh looks like a step to the nodes (160 nodes are off by 4e-4 at q = 16 and by
 * 8e-4 at q = 1e6, where the n/2-point rule misses the same dip and agrees).
 */
export function expectNormal(f: (x: number) => number, q: number, kinks: readonly number[], rule: Quadrature = gaussHermite()): number {
  if (!(q > 0)) return f(0);
  if (kinks.length === 0 && q <= GAUSS_HERMITE_MAX_Q) {
    const full = expectGaussian(f, q, rule);
    const n = rule.nodes.length;
    const coarse = expectGaussian(f, q, gaussHermite(Math.max(2, (n >> 2) << 1)));
    if (Math.abs(full - coarse) <= 1e-12 * Math.max(1, Math.abs(full))) return full;
  }
  return expectGaussianPanels(f, q, kinks);
}

