/**
 * Mean-field theory of signal propagation in wide random MLPs (Poole et al. 2016, "Exponential
 * expressivity in deep neural networks through transient chaos"; Schoenholz et al. 2017, "Deep
 * information propagation"), evaluated for the run's activation and initializer so that the
 * report can set prediction beside measurement.
 *
 * Weights W_ij ~ N(0, sigma_w^2 / fan_in), biases b_i ~ N(0, sigma_b^2), width -> infinity.
 * The pre-activation variance of a unit in layer l, q_l, then follows the length map
 *
 *   q_{l+1} = V(q_l) = sigma_w^2 E_z[phi(sqrt(q_l) z)^2] + sigma_b^2,    z ~ N(0, 1),
 *
 * and the squared norm of the back-propagated gradient dL/dz shrinks or grows per layer by
 *
 *   chi_1 = sigma_w^2 E_z[phi'(sqrt(q*) z)^2]      (||dL/dz_l||^2 ~ chi_1 ||dL/dz_{l+1}||^2)
 *
 * at the fixed point q* = V(q*). chi_1 < 1: gradients vanish toward the input (ordered phase);
 * chi_1 > 1: they explode (chaotic phase); chi_1 = 1: the edge of chaos, where the depth scale
 * 1 / |ln chi_1| over which gradients change by e diverges.
 *
 * Expectations over N(0, 1) use Gauss-Hermite quadrature in its probabilists' form (weight
 * e^{-x^2/2}, normalised so the weights sum to 1), nodes and weights computed here. Where it
 * converges slowly (activations with kinks, each entry's `kinks`; q > 1, where f(sqrt(q) z) varies faster
 * than the nodes) the integral is split at the kinks and summed by graded Gauss-Legendre panels
 * instead (`expectNormal`).
 */
import { ACTIVATIONS, type ActivationName, type ParamValues } from '../net/activations.js';
import { INITIALIZERS, VARIANCE_SCALING, type InitializerName } from '../net/initializers.js';
import { lsSlope } from './reducers.js';

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

/** One activation with its parameters, as scalar functions (PReLU at its initial slope). */
export interface ScalarActivation {
  readonly phi: (x: number) => number;
  readonly dphi: (x: number) => number;
  /** Where phi or phi' is not smooth. */
  readonly kinks: readonly number[];
}

export function scalarActivation(name: ActivationName, params: ParamValues): ScalarActivation {
  const def = ACTIVATIONS[name];
  return { phi: (x) => def.f(x, params), dphi: (x) => def.df(x, params), kinks: def.kinks(params) };
}

/** V(q) = sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2. */
export function lengthMap(act: ScalarActivation, sigmaW2: number, sigmaB2: number, q: number, rule?: Quadrature): number {
  return sigmaW2 * expectNormal((x) => act.phi(x) ** 2, q, act.kinks, rule) + sigmaB2;
}

/** chi_1(q) = sigma_w^2 E[phi'(sqrt(q) z)^2]. */
export function chi1At(act: ScalarActivation, sigmaW2: number, q: number, rule?: Quadrature): number {
  return sigmaW2 * expectNormal((x) => act.dphi(x) ** 2, q, act.kinks, rule);
}

export interface FixedPoint {
  /** The fixed point reached from q0, or null when q grows without bound. */
  readonly qStar: number | null;
  /** When there is no fixed point: lim V(q) / q, the per-layer growth factor of q. */
  readonly growthFactor: number | null;
  /** Iterations of the map used before the root refinement (if any). */
  readonly iterations: number;
}

/** Above this q the length map is taken to have no fixed point. */
const Q_INFINITY = 1e100;
/** Fixed points below this are reported as 0 when V(0) = 0 (round-off cannot tell them apart). */
const Q_ZERO = 1e-12;

/**
 * The fixed point of the length map V reached from q0 (the one the layers of a deep network
 * approach), by iteration: q <- V(q) until the relative change is below 1e-14, at most
 * `maxIter` times. Convergence near a marginal fixed point is slow (tanh with sigma_w^2 = 1,
 * sigma_b^2 = 0 has q_l ~ 1 / (2 l)), so when the iteration has not converged the root of
 * V(q) - q next in the direction of motion is bracketed (halving or doubling q) and bisected.
 * q growing past 1e100 means no fixed point; the growth factor lim V(q)/q is then reported.
 */
export function fixedPoint(V: (q: number) => number, q0: number, maxIter = 2000): FixedPoint {
  const v0 = V(0);
  let q = q0;
  let t = 0;
  for (; t < maxIter; t++) {
    const qn = V(q);
    if (!Number.isFinite(qn) || qn > Q_INFINITY) return { qStar: null, growthFactor: growthAtInfinity(V), iterations: t };
    if (Math.abs(qn - q) <= 1e-14 * Math.max(q, qn)) return { qStar: snap(qn, v0), growthFactor: null, iterations: t + 1 };
    if (qn < 1e-300) return { qStar: snap(qn, v0), growthFactor: null, iterations: t + 1 };
    q = qn;
  }
  const g = (x: number): number => V(x) - x;
  if (g(q) < 0) {
    // Decreasing: the limit is the largest root below q.
    let hi = q;
    let lo = q / 2;
    while (g(lo) < 0 && lo > 1e-300) {
      hi = lo;
      lo /= 2;
    }
    if (g(lo) < 0) return { qStar: snap(0, v0), growthFactor: null, iterations: t };
    return { qStar: snap(bisect(g, lo, hi), v0), growthFactor: null, iterations: t };
  }
  // Increasing: the limit is the smallest root above q, if any.
  let lo = q;
  let hi = 2 * q;
  while (g(hi) > 0 && hi < Q_INFINITY) {
    lo = hi;
    hi *= 2;
  }
  if (g(hi) > 0) return { qStar: null, growthFactor: growthAtInfinity(V), iterations: t };
  return { qStar: snap(bisect(g, lo, hi), v0), growthFactor: null, iterations: t };
}

function snap(q: number, v0: number): number {
  return v0 === 0 && q < Q_ZERO ? 0 : q;
}

function growthAtInfinity(V: (q: number) => number): number {
  return V(Q_INFINITY) / Q_INFINITY;
}

/** A root of g in [lo, hi] with g(lo) >= 0 > g(hi) (or the reverse), to the last bit. */
function bisect(g: (x: number) => number, lo: number, hi: number): number {
  const sLo = Math.sign(g(lo));
  for (let it = 0; it < 400; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const gm = g(mid);
    if (gm === 0) return mid;
    if (Math.sign(gm) === sLo) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * sigma_w^2 of an initializer: Var(w) * fan_in, the variance each rule implies times the fan-in
 * (He normal gives 2, LeCun 1, Glorot 2 fan_in / (fan_in + fan_out), normal(std) std^2 fan_in).
 */
export function sigmaW2FromInit(name: InitializerName, params: ParamValues, fanIn: number, fanOut: number): number {
  return INITIALIZERS[name].weightVariance(fanIn, fanOut, params) * fanIn;
}

/** sigma_b^2 of a bias initializer: the variance of one bias (a [fanOut] vector, fan-in 1). */
export function sigmaB2FromInit(name: InitializerName, params: ParamValues, fanIn: number, fanOut: number): number {
  return INITIALIZERS[name].weightVariance(fanIn, fanOut, params);
}

/** Layers narrower than this are flagged: the theory is a large-width limit. */
export const NARROW_WIDTH = 32;

export interface TheoryInput {
  readonly activation: ActivationName;
  readonly activationParams: ParamValues;
  /** Var(w) * fan_in of the hidden-to-hidden layers (fan_in = width * widthFactor). */
  readonly sigmaW2: number;
  readonly sigmaB2: number;
  /** Hidden width (units per hidden layer). */
  readonly width: number;
  /** Number of hidden layers. */
  readonly depth: number;
  /** True when the weights are i.i.d. Gaussian (the initializer's `gaussian`). */
  readonly initGaussian: boolean;
  /** 2 for CReLU. */
  readonly widthFactor: 1 | 2;
  /** The weight initializer, for the reasons text (uniform / orthogonal / truncated). */
  readonly initName?: InitializerName;
  /** Mean of a bias (constant bias init); the theory assumes 0. */
  readonly biasMean?: number;
  /** Pre-activation variance of the first hidden layer, sigma_w0^2 E[x^2] + sigma_b^2 (default 1). */
  readonly q0?: number;
  /** Quadrature points (default 160). */
  readonly quadraturePoints?: number;
}

export interface TheoryBlock {
  /** False when an assumption of the theory fails; the numbers are kept but mean little. */
  readonly applies: boolean;
  /** Why it does not apply (empty when it does). */
  readonly reasons: readonly string[];
  /** Caveats that do not void it (truncated normal weights, kinks off 0). */
  readonly notes: readonly string[];
  readonly activation: ActivationName;
  readonly sigmaW2: number;
  readonly sigmaB2: number;
  readonly width: number;
  readonly depth: number;
  /** Fixed point of the length map reached from q0; null when q grows without bound. */
  readonly qStar: number | null;
  /** When qStar is null: per-layer growth factor of q, lim V(q)/q. */
  readonly qGrowthFactor: number | null;
  /** chi_1 at q* (or, without a fixed point, at the last hidden layer's predicted q). */
  readonly chi1: number | null;
  /** Predicted per-layer factor of deltaNorm^2, toward the input: chi1. */
  readonly predictedDeltaFactor: number | null;
  /** 1 / |ln chi1|: layers over which ||dL/dz||^2 changes by e (null when chi1 is 1 to 1e-9, or 0). */
  readonly gradientDepthScale: number | null;
  /** q_l for l = 0..depth-1 from q0 by the length map. */
  readonly q0: number;
  readonly qPerLayer: readonly number[];
  /** chi_1(q_l) per hidden layer: the predicted factor between layer l+1 and layer l. */
  readonly chi1PerLayer: readonly number[];
  /**
   * The factor the recorder's fit (deltaGrowth) would report on a network that follows the
   * q_l trajectory exactly: it includes the transient before q_l reaches q*.
   */
  readonly trajectoryDeltaFactor: number | null;
  readonly quadraturePoints: number;
}

/** Why the theory does not apply to the run (`reasons`), and caveats that do not void it (`notes`). */
function assumptions(input: TheoryInput): { reasons: string[]; notes: string[] } {
  const reasons: string[] = [];
  const notes: string[] = [];
  const { activation, sigmaW2, width, depth } = input;
  const init = input.initName;
  if (init === 'orthogonal') {
    reasons.push('orthogonal weights: rows are not independent, and the gradient spectrum follows free probability (dynamical isometry), not the i.i.d. mean-field map');
  } else if (init === 'constant' || init === 'zeros' || !(sigmaW2 > 0)) {
    reasons.push('weights are not random (constant or zero): every unit of a layer computes the same thing');
  } else if (!input.initGaussian) {
    const dist = init !== undefined && init in VARIANCE_SCALING ? VARIANCE_SCALING[init as keyof typeof VARIANCE_SCALING].distribution : init === 'uniform' ? 'uniform' : undefined;
    if (dist === 'truncated_normal') {
      notes.push('weights are truncated normal at 2 std (variance exact); the theory assumes Gaussian weights, which wide layers approach by the central limit theorem');
    } else {
      reasons.push(`${init ?? 'the initializer'} draws uniform weights; the theory assumes Gaussian N(0, sigma_w^2 / fan_in) weights (only their variance is used here)`);
    }
  }
  if (input.widthFactor !== 1 || activation === 'crelu') {
    reasons.push('crelu doubles the width (concat(relu(z), relu(-z))): the maps here use its relu half with fan-in 2 * width and are not the theory of a CReLU network');
  }
  if (depth < 1) {
    reasons.push('no hidden layers: the network is linear in its input and there is no depth to propagate through');
  }
  if (width < NARROW_WIDTH) {
    reasons.push(`narrow layers (width ${width} < ${NARROW_WIDTH}): the theory is a large-width limit and per-layer fluctuations are of order 1/sqrt(width)`);
  }
  if (input.biasMean !== undefined && input.biasMean !== 0) {
    reasons.push(`biases start at the constant ${input.biasMean}; the theory assumes zero-mean biases`);
  }
  if (ACTIVATIONS[activation].learned) {
    notes.push('prelu: the theory uses the initial slope; it changes in training');
  }
  return { reasons, notes };
}

/** The mean-field block of summary.json for one cell. */
export function theoryFor(input: TheoryInput): TheoryBlock {
  const { activation, activationParams, sigmaW2, sigmaB2, width, depth } = input;
  const n = input.quadraturePoints ?? DEFAULT_QUADRATURE_POINTS;
  const rule = gaussHermite(n);
  const act = scalarActivation(activation, activationParams);
  const { reasons, notes } = assumptions(input);

  const V = (q: number): number => lengthMap(act, sigmaW2, sigmaB2, q, rule);
  const q0 = input.q0 ?? 1;
  const qPerLayer: number[] = [];
  const chi1PerLayer: number[] = [];
  let q = q0;
  for (let l = 0; l < depth; l++) {
    qPerLayer.push(q);
    chi1PerLayer.push(Number.isFinite(q) ? chi1At(act, sigmaW2, q, rule) : NaN);
    q = V(q);
  }
  const fp = fixedPoint(V, q0);
  let chi1: number | null = null;
  if (fp.qStar !== null) chi1 = chi1At(act, sigmaW2, fp.qStar, rule);
  else if (qPerLayer.length > 0 && Number.isFinite(qPerLayer[qPerLayer.length - 1])) chi1 = chi1PerLayer[chi1PerLayer.length - 1];
  else chi1 = chi1At(act, sigmaW2, 1, rule);
  if (chi1 !== null && !Number.isFinite(chi1)) chi1 = null;

  // ||dL/dz_l||^2 predicted up to a constant: cumulative product of chi1 from the top hidden
  // layer down, counted from the output side as the recorder's deltaGrowth is.
  let trajectoryDeltaFactor: number | null = null;
  if (depth >= 2) {
    // Fitted in log space (a product of 1000 chi1 < 1 underflows).
    const k = new Float64Array(depth);
    const logv = new Float64Array(depth);
    for (let i = 1; i < depth; i++) {
      // i = 0 is layer depth-1; one layer further down multiplies by chi1 of that layer.
      k[i] = i;
      logv[i] = logv[i - 1] + Math.log(chi1PerLayer[depth - 1 - i]);
    }
    const slope = lsSlope(k, logv);
    trajectoryDeltaFactor = slope === null ? null : Math.exp(slope);
  }
  // At chi1 = 1 (to round-off: relu with He init gives 1 - 2e-16) the depth scale is infinite.
  const lnChi = chi1 !== null && chi1 > 0 ? Math.abs(Math.log(chi1)) : 0;
  const gradientDepthScale = lnChi > 1e-9 ? 1 / lnChi : null;
  return {
    applies: reasons.length === 0,
    reasons,
    notes,
    activation,
    sigmaW2,
    sigmaB2,
    width,
    depth,
    qStar: fp.qStar,
    qGrowthFactor: fp.growthFactor,
    chi1,
    predictedDeltaFactor: chi1,
    gradientDepthScale,
    q0,
    qPerLayer,
    chi1PerLayer,
    trajectoryDeltaFactor,
    quadraturePoints: n,
  };
}
