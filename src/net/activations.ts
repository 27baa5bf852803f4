/**
 * The activation registry: one entry per activation, and every list of activation names in
 * gradflow (CLI, config schema, tests, report legends) is read from `ACTIVATIONS`.
 *
 * Each entry gives the scalar function and derivative (for figures, theory and tests), the
 * batched forward and backward used by the dense layer, the output range, the largest value
 * of |f'| (the yardstick for "saturated"), where the kinks are and the derivative used there,
 * and the specs of its parameters (src/net/params.ts). Kink conventions
 * follow PyTorch's autograd so that gradients agree with a PyTorch run bit for bit in spirit:
 * relu'(0) = 0, leaky_relu'(0) = alpha, prelu'(0) = slope, elu'(0) = alpha, selu'(0) =
 * lambda*alpha, relu6'(0) = relu6'(6) = 0 (hardtanh's rule).
 *
 * Batched shapes: z: [rows, units]; a: [rows, units * widthFactor] (CReLU doubles the width);
 * da and the derivative buffer have a's shape; dz has z's shape.
 */
import { entryParams, resolveName, type ParamValues, type ScalarSpec } from './params.js';
import type { FloatArray } from './tensor.js';

export type { ParamValues } from './params.js';

/** A learned per-layer parameter of an activation (PReLU's slopes), length 1 or `units`. */
export interface Learned {
  readonly value: FloatArray;
  /** Accumulated by `backward` (the caller zeroes it before the pass). */
  readonly grad: FloatArray;
}

export interface Range {
  readonly lo: number;
  readonly hi: number;
  readonly loClosed: boolean;
  readonly hiClosed: boolean;
}

export interface ActivationDef {
  readonly aliases: readonly string[];
  /** Formula in plain text, e.g. "max(0, x)". */
  readonly formula: string;
  /** Where the definition comes from. */
  readonly paper: string;
  readonly params: Readonly<Record<string, ScalarSpec>>;
  /** Output range for the given parameters. */
  range(p: ParamValues): Range;
  /** sup |f'(x)| for the given parameters; saturation is measured against it. */
  maxDerivative(p: ParamValues): number;
  /** The value of f' used at points where f is not differentiable, in words (PyTorch's convention). */
  readonly kink: string;
  /**
   * Where f' or f'' jumps, for the given parameters: the points where `df` applies the `kink`
   * convention, and where quadrature must split its panels.
   */
  kinks(p: ParamValues): readonly number[];
  /** 2 for CReLU (concatenates relu(x) and relu(-x)), 1 otherwise. */
  readonly widthFactor: 1 | 2;
  /** True when the activation has learned parameters (PReLU). */
  readonly learned: boolean;
  /** Scalar value (CReLU: its positive half, relu). */
  f(x: number, p: ParamValues): number;
  /** Scalar derivative with the kink convention (CReLU: of its positive half). */
  df(x: number, p: ParamValues): number;
  /** a = f(z). */
  forward(z: FloatArray, a: FloatArray, rows: number, units: number, p: ParamValues, learned: Learned | null): void;
  /** dz = da ⊙ f'(z); also adds dL/dslope into learned.grad for PReLU. */
  backward(
    z: FloatArray, a: FloatArray, da: FloatArray, dz: FloatArray,
    rows: number, units: number, p: ParamValues, learned: Learned | null,
  ): void;
  /** out = f'(z) per output element (a's shape); CReLU's second half is -1[z < 0]. */
  derivative(z: FloatArray, a: FloatArray, out: FloatArray, rows: number, units: number, p: ParamValues, learned: Learned | null): void;
}

/** SELU constants, Klambauer et al. 2017, to the precision PyTorch uses. */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_LAMBDA = 1.0507009873554804934193349852946;

const R = (lo: number, hi: number, loClosed: boolean, hiClosed: boolean): Range => ({ lo, hi, loClosed, hiClosed });
const num = (p: ParamValues, k: string): number => p[k] as number;

/** Error function, |error| < 1e-15: erf(x) = 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (2n+1)!!. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  const x2 = ax * ax;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  return x < 0 ? -r : r;
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * Builds an entry for an elementwise activation from its scalar function and a derivative that
 * may reuse the cached output y = f(x) (sigmoid and tanh do).
 */
function elementwise(spec: {
  aliases?: readonly string[];
  formula: string;
  paper: string;
  params?: Record<string, ScalarSpec>;
  range: (p: ParamValues) => Range;
  maxDerivative: (p: ParamValues) => number;
  kink: string;
  /** Where f' or f'' jumps; none when omitted. */
  kinks?: readonly number[];
  f: (x: number, p: ParamValues) => number;
  /** Derivative given input x and output y = f(x). */
  dfy: (x: number, y: number, p: ParamValues) => number;
  /**
   * Hand-written batched loops for the training hot path. The generic loops below call `f`
   * through a closure that every activation shares, which V8 cannot inline (33 ns an element
   * measured); a loop of its own per activation runs several times faster. They must compute
   * exactly what `f` and `dfy` compute (the tests compare them bit for bit).
   */
  loops?: Partial<Pick<ActivationDef, 'forward' | 'backward' | 'derivative'>>;
}): ActivationDef {
  const { f, dfy } = spec;
  return {
    aliases: spec.aliases ?? [],
    formula: spec.formula,
    paper: spec.paper,
    params: spec.params ?? {},
    range: spec.range,
    maxDerivative: spec.maxDerivative,
    kink: spec.kink,
    kinks: () => spec.kinks ?? [],
    widthFactor: 1,
    learned: false,
    f,
    df: (x, p) => dfy(x, f(x, p), p),
    forward:
      spec.loops?.forward ??
      function forward(z, a, rows, units, p) {
        const n = rows * units;
        for (let i = 0; i < n; i++) a[i] = f(z[i], p);
      },
    backward:
      spec.loops?.backward ??
      function backward(z, a, da, dz, rows, units, p) {
        const n = rows * units;
        for (let i = 0; i < n; i++) dz[i] = da[i] * dfy(z[i], a[i], p);
      },
    derivative:
      spec.loops?.derivative ??
      function derivative(z, a, out, rows, units, p) {
        const n = rows * units;
        for (let i = 0; i < n; i++) out[i] = dfy(z[i], a[i], p);
      },
  };
}

const INF = Infinity;

export const ACTIVATIONS = {
  /** identity: x -> x, range (-inf, inf). A deep identity network is a linear model. */
  identity: elementwise({
    aliases: ['linear', 'none'],
    formula: 'x',
    paper: '-',
    range: () => R(-INF, INF, false, false),
    maxDerivative: () => 1,
    kink: 'none (smooth)',
    f: (x) => x,
    dfy: () => 1,
    loops: {
      forward(z, a, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) a[i] = z[i];
      },
      backward(_z, _a, da, dz, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) dz[i] = da[i];
      },
    },
  }),
  /** sigmoid: 1 / (1 + e^-x), range (0, 1), f' = s (1 - s) <= 1/4 with the peak at 0. */
  sigmoid: elementwise({
    aliases: ['logistic'],
    formula: '1 / (1 + exp(-x))',
    paper: 'logistic function',
    range: () => R(0, 1, false, false),
    maxDerivative: () => 0.25,
    kink: 'none (smooth)',
    f: (x) => sigmoid(x),
    dfy: (_x, y) => y * (1 - y),
    loops: {
      forward(z, a, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) {
          const x = z[i];
          a[i] = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
        }
      },
      backward(_z, a, da, dz, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) {
          const y = a[i];
          dz[i] = da[i] * (y * (1 - y));
        }
      },
      derivative(_z, a, out, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) {
          const y = a[i];
          out[i] = y * (1 - y);
        }
      },
    },
  }),
  /** tanh: (e^x - e^-x) / (e^x + e^-x) = 2 sigmoid(2x) - 1, range (-1, 1), f' = 1 - tanh^2 <= 1. */
  tanh: elementwise({
    formula: '(exp(x) - exp(-x)) / (exp(x) + exp(-x))',
    paper: 'LeCun et al. 1998, Efficient BackProp',
    range: () => R(-1, 1, false, false),
    maxDerivative: () => 1,
    kink: 'none (smooth)',
    f: (x) => Math.tanh(x),
    dfy: (_x, y) => 1 - y * y,
    loops: {
      forward(z, a, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]);
      },
      backward(_z, a, da, dz, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) {
          const y = a[i];
          dz[i] = da[i] * (1 - y * y);
        }
      },
      derivative(_z, a, out, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) {
          const y = a[i];
          out[i] = 1 - y * y;
        }
      },
    },
  }),
  /** relu: max(0, x), range [0, inf). Not differentiable at 0; PyTorch (and gradflow) use 0 there. */
  relu: elementwise({
    formula: 'max(0, x)',
    paper: 'Nair & Hinton 2010; Glorot et al. 2011',
    range: () => R(0, INF, true, false),
    maxDerivative: () => 1,
    kink: "f'(0) = 0 (PyTorch's convention; the one-sided derivatives are 0 and 1)",
    kinks: [0],
    // NaN propagates (as in PyTorch) instead of being clipped to 0, so divergence stays visible.
    f: (x) => (x > 0 || x !== x ? x : 0),
    dfy: (x) => (x > 0 ? 1 : 0),
    loops: {
      forward(z, a, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) {
          const x = z[i];
          a[i] = x > 0 || x !== x ? x : 0;
        }
      },
      backward(z, _a, da, dz, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) dz[i] = da[i] * (z[i] > 0 ? 1 : 0);
      },
      derivative(z, _a, out, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) out[i] = z[i] > 0 ? 1 : 0;
      },
    },
  }),
  /** leaky_relu: x if x > 0 else alpha x (alpha = 0.01), range (-inf, inf). */
  leaky_relu: elementwise({
    aliases: ['leakyrelu', 'lrelu'],
    formula: 'x if x > 0 else alpha * x',
    paper: 'Maas et al. 2013',
    params: { alpha: { type: 'number', default: 0.01, doc: 'slope for x < 0', min: 0 } },
    range: (p) => (num(p, 'alpha') === 0 ? R(0, INF, true, false) : R(-INF, INF, false, false)),
    maxDerivative: (p) => Math.max(1, num(p, 'alpha')),
    kink: "f'(0) = alpha (PyTorch: the x > 0 branch is strict)",
    kinks: [0],
    f: (x, p) => (x > 0 ? x : num(p, 'alpha') * x),
    dfy: (x, _y, p) => (x > 0 ? 1 : num(p, 'alpha')),
    loops: {
      forward(z, a, rows, units, p) {
        const n = rows * units;
        const alpha = num(p, 'alpha');
        for (let i = 0; i < n; i++) {
          const x = z[i];
          a[i] = x > 0 ? x : alpha * x;
        }
      },
      backward(z, _a, da, dz, rows, units, p) {
        const n = rows * units;
        const alpha = num(p, 'alpha');
        for (let i = 0; i < n; i++) dz[i] = da[i] * (z[i] > 0 ? 1 : alpha);
      },
      derivative(z, _a, out, rows, units, p) {
        const n = rows * units;
        const alpha = num(p, 'alpha');
        for (let i = 0; i < n; i++) out[i] = z[i] > 0 ? 1 : alpha;
      },
    },
  }),
  /**
   * prelu: x if x > 0 else s x with s learned (He et al. 2015), initial s = 0.25; one slope per
   * layer (PyTorch's default) or one per unit. dL/ds = sum over x <= 0 of dL/da * x.
   */
  prelu: {
    aliases: [],
    formula: 'x if x > 0 else s * x, s learned',
    paper: 'He et al. 2015, Delving Deep into Rectifiers',
    params: {
      init: { type: 'number', default: 0.25, doc: 'initial slope for x < 0' },
      perUnit: { type: 'boolean', default: false, doc: 'one slope per unit instead of one per layer' },
    },
    range: () => R(-INF, INF, false, false),
    maxDerivative: (p) => Math.max(1, Math.abs(num(p, 'init'))),
    kink: "f'(0) = s (PyTorch); 0 contributes nothing to dL/ds",
    kinks: () => [0],
    widthFactor: 1,
    learned: true,
    f: (x, p) => (x > 0 ? x : num(p, 'init') * x),
    df: (x, p) => (x > 0 ? 1 : num(p, 'init')),
    forward(z, a, rows, units, p, learned) {
      const s = learned!.value;
      const per = s.length > 1;
      for (let r = 0, i = 0; r < rows; r++) {
        for (let j = 0; j < units; j++, i++) {
          const x = z[i];
          a[i] = x > 0 ? x : (per ? s[j] : s[0]) * x;
        }
      }
    },
    backward(z, _a, da, dz, rows, units, _p, learned) {
      const s = learned!.value;
      const g = learned!.grad;
      const per = s.length > 1;
      for (let r = 0, i = 0; r < rows; r++) {
        for (let j = 0; j < units; j++, i++) {
          const x = z[i];
          if (x > 0) {
            dz[i] = da[i];
          } else {
            const k = per ? j : 0;
            dz[i] = da[i] * s[k];
            g[k] += da[i] * x;
          }
        }
      }
    },
    derivative(z, _a, out, rows, units, _p, learned) {
      const s = learned!.value;
      const per = s.length > 1;
      for (let r = 0, i = 0; r < rows; r++) {
        for (let j = 0; j < units; j++, i++) out[i] = z[i] > 0 ? 1 : per ? s[j] : s[0];
      }
    },
  } satisfies ActivationDef as ActivationDef,
  /** elu: x if x > 0 else alpha (e^x - 1) (alpha = 1), range (-alpha, inf). */
  elu: elementwise({
    formula: 'x if x > 0 else alpha * (exp(x) - 1)',
    paper: 'Clevert et al. 2015',
    params: { alpha: { type: 'number', default: 1, doc: 'saturation value -alpha for x -> -inf', min: 0 } },
    range: (p) => R(-num(p, 'alpha'), INF, false, false),
    maxDerivative: (p) => Math.max(1, num(p, 'alpha')),
    kink: "f'(0) = alpha (PyTorch evaluates the x <= 0 branch at 0)",
    // With alpha = 1, f' is continuous at 0 but f'' jumps from 1 to 0.
    kinks: [0],
    f: (x, p) => (x > 0 ? x : num(p, 'alpha') * Math.expm1(x)),
    dfy: (x, y, p) => (x > 0 ? 1 : y + num(p, 'alpha')),
    loops: {
      forward(z, a, rows, units, p) {
        const n = rows * units;
        const alpha = num(p, 'alpha');
        for (let i = 0; i < n; i++) {
          const x = z[i];
          a[i] = x > 0 ? x : alpha * Math.expm1(x);
        }
      },
      backward(z, a, da, dz, rows, units, p) {
        const n = rows * units;
        const alpha = num(p, 'alpha');
        for (let i = 0; i < n; i++) dz[i] = da[i] * (z[i] > 0 ? 1 : a[i] + alpha);
      },
      derivative(z, a, out, rows, units, p) {
        const n = rows * units;
        const alpha = num(p, 'alpha');
        for (let i = 0; i < n; i++) out[i] = z[i] > 0 ? 1 : a[i] + alpha;
      },
    },
  }),
  /**
   * selu: lambda (x if x > 0 else alpha (e^x - 1)), with lambda on both branches and the exact
   * constants of Klambauer et al. 2017; range (-lambda alpha, inf).
   */
  selu: elementwise({
    formula: 'lambda * (x if x > 0 else alpha * (exp(x) - 1))',
    paper: 'Klambauer et al. 2017, Self-Normalizing Neural Networks',
    range: () => R(-SELU_LAMBDA * SELU_ALPHA, INF, false, false),
    maxDerivative: () => SELU_LAMBDA * SELU_ALPHA,
    kink: "f'(0) = lambda * alpha (PyTorch evaluates the x <= 0 branch at 0)",
    kinks: [0],
    f: (x) => SELU_LAMBDA * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    dfy: (x, y) => (x > 0 ? SELU_LAMBDA : y + SELU_LAMBDA * SELU_ALPHA),
    loops: {
      forward(z, a, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) {
          const x = z[i];
          a[i] = SELU_LAMBDA * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
        }
      },
      backward(z, a, da, dz, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) dz[i] = da[i] * (z[i] > 0 ? SELU_LAMBDA : a[i] + SELU_LAMBDA * SELU_ALPHA);
      },
      derivative(z, a, out, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) out[i] = z[i] > 0 ? SELU_LAMBDA : a[i] + SELU_LAMBDA * SELU_ALPHA;
      },
    },
  }),
  /**
   * crelu: [relu(x), relu(-x)] concatenated along units (Shang et al. 2016), so a layer of n
   * units emits 2n activations and the next layer's fan-in doubles. Exactly one of each pair
   * is non-zero unless x = 0. Kinks as relu.
   */
  crelu: {
    aliases: [],
    formula: 'concat(max(0, x), max(0, -x))',
    paper: 'Shang et al. 2016',
    params: {},
    range: () => R(0, INF, true, false),
    maxDerivative: () => 1,
    kink: "each half as relu: derivative 0 at x = 0",
    kinks: () => [0],
    widthFactor: 2,
    learned: false,
    f: (x) => (x > 0 ? x : 0),
    df: (x) => (x > 0 ? 1 : 0),
    forward(z, a, rows, units) {
      for (let r = 0; r < rows; r++) {
        const zi = r * units;
        const ai = 2 * r * units;
        for (let j = 0; j < units; j++) {
          const x = z[zi + j];
          // NaN propagates to both halves, as in PyTorch.
          a[ai + j] = x > 0 || x !== x ? x : 0;
          a[ai + units + j] = x < 0 || x !== x ? -x : 0;
        }
      }
    },
    backward(z, _a, da, dz, rows, units) {
      for (let r = 0; r < rows; r++) {
        const zi = r * units;
        const ai = 2 * r * units;
        for (let j = 0; j < units; j++) {
          const x = z[zi + j];
          dz[zi + j] = x > 0 ? da[ai + j] : x < 0 ? -da[ai + units + j] : 0;
        }
      }
    },
    derivative(z, _a, out, rows, units) {
      for (let r = 0; r < rows; r++) {
        const zi = r * units;
        const ai = 2 * r * units;
        for (let j = 0; j < units; j++) {
          const x = z[zi + j];
          out[ai + j] = x > 0 ? 1 : 0;
          out[ai + units + j] = x < 0 ? -1 : 0;
        }
      }
    },
  } satisfies ActivationDef as ActivationDef,
  /** relu6: min(max(0, x), 6), range [0, 6]; derivative 0 at both kinks (hardtanh's rule). */
  relu6: elementwise({
    formula: 'min(max(0, x), 6)',
    paper: 'Krizhevsky 2010; Howard et al. 2017 (MobileNets)',
    range: () => R(0, 6, true, true),
    maxDerivative: () => 1,
    kink: "f'(0) = f'(6) = 0 (PyTorch's hardtanh backward)",
    kinks: [0, 6],
    f: (x) => (x > 0 ? (x < 6 ? x : 6) : x !== x ? x : 0),
    dfy: (x) => (x > 0 && x < 6 ? 1 : 0),
    loops: {
      forward(z, a, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) {
          const x = z[i];
          a[i] = x > 0 ? (x < 6 ? x : 6) : x !== x ? x : 0;
        }
      },
      backward(z, _a, da, dz, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) {
          const x = z[i];
          dz[i] = da[i] * (x > 0 && x < 6 ? 1 : 0);
        }
      },
      derivative(z, _a, out, rows, units) {
        const n = rows * units;
        for (let i = 0; i < n; i++) {
          const x = z[i];
          out[i] = x > 0 && x < 6 ? 1 : 0;
        }
      },
    },
  }),
  /** softsign: x / (1 + |x|), range (-1, 1), f' = 1 / (1 + |x|)^2. */
  softsign: elementwise({
    formula: 'x / (1 + |x|)',
    paper: 'Bergstra et al. 2009',
    range: () => R(-1, 1, false, false),
    maxDerivative: () => 1,
    kink: 'none (differentiable everywhere)',
    // f'' = -2 sign(x) / (1 + |x|)^3 jumps from 2 to -2 at 0.
    kinks: [0],
    f: (x) => x / (1 + Math.abs(x)),
    dfy: (x) => {
      const d = 1 + Math.abs(x);
      return 1 / (d * d);
    },
  }),
  /** gelu: x Phi(x), exact (erf) form as PyTorch's default; min about -0.17. */
  gelu: elementwise({
    formula: 'x * Phi(x) = x/2 * (1 + erf(x / sqrt(2)))',
    paper: 'Hendrycks & Gimpel 2016',
    // min at x = -0.75179152469356 (root of gelu' = Phi(x) + x phi(x)), by Newton in float64.
    range: () => R(-0.1699712074799037, INF, true, false),
    // gelu'' = phi(x)(2 - x^2) vanishes at x = sqrt(2), where gelu' peaks.
    maxDerivative: () => 0.5 * (1 + erf(1)) + Math.SQRT2 * INV_SQRT_2PI * Math.exp(-1),
    kink: 'none (smooth)',
    f: (x) => 0.5 * x * (1 + erf(x * INV_SQRT2)),
    dfy: (x) => 0.5 * (1 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
  }),
  /** silu (swish): x sigmoid(x); min about -0.278. */
  silu: elementwise({
    aliases: ['swish'],
    formula: 'x * sigmoid(x)',
    paper: 'Elfwing et al. 2017; Ramachandran et al. 2017',
    range: () => R(-0.2784645427610738, INF, true, false),
    // silu' peaks at x = 2.39935728051547 (root of silu'' = s(1-s)(2 + x(1-2s))), by Newton.
    maxDerivative: () => 1.0998393201288668,
    kink: 'none (smooth)',
    f: (x) => x * sigmoid(x),
    dfy: (x) => {
      const s = sigmoid(x);
      return s * (1 + x * (1 - s));
    },
  }),
} as const satisfies Record<string, ActivationDef>;

export type ActivationName = keyof typeof ACTIVATIONS;
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];

/** Canonical name for a name or alias (case-insensitive), or undefined. */
export function resolveActivationName(name: string): ActivationName | undefined {
  return resolveName(ACTIVATIONS, name);
}

/**
 * The parameters of `name` with defaults filled in from `given` (other keys are ignored); a
 * value its spec refuses throws a RangeError.
 */
export function activationParams(name: ActivationName, given: Readonly<Record<string, unknown>> = {}): ParamValues {
  return entryParams(name, ACTIVATIONS[name].params, given);
}
