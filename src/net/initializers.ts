/**
 * The initializer registry: one entry per weight (or bias) initializer, and every list of
 * initializer names in gradflow (CLI, config schema, tests) is read from `INITIALIZERS`.
 *
 * W: [fanOut, fanIn] row-major (PyTorch's nn.Linear layout); a bias is filled as a
 * [fanOut, 1]-shaped array. Most entries are one variance-scaling rule,
 *
 *   Var(w) = gain^2 * scale / n,   n = fan_in | fan_out | (fan_in + fan_out) / 2,
 *
 * drawn from one of three zero-mean distributions of that variance:
 *   normal            N(0, Var)
 *   truncated_normal  N(0, 1) truncated to [-2, 2], times sqrt(Var) / 0.8796256610342398 so the
 *                     standard deviation is exactly sqrt(Var) (Keras' rule, which PyTorch's
 *                     trunc_normal_ lacks: its real std is 12% below the named one)
 *   uniform           U[-sqrt(3 Var), sqrt(3 Var)]
 * The presets are data (`VARIANCE_SCALING`). `gain` (default 1) multiplies every weight, hence the
 * standard deviation, as PyTorch's `gain` argument does.
 *
 * Every draw comes from the `rng` handed to `fill`, in row-major order, so the same stream gives
 * the same weights.
 */
import { entryParams, resolveName, type ParamValues, type ScalarSpec } from './params.js';
import type { Rng } from './rng.js';
import type { FloatArray } from './tensor.js';

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
export type Distribution = 'normal' | 'truncated_normal' | 'uniform';

export interface VarianceScaling {
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
}

/** std of N(0, 1) truncated to [-2, 2]: sqrt(1 - 4 phi(2) / (Phi(2) - Phi(-2))). */
export const TRUNCATED_NORMAL_STD = 0.87962566103423978;
/** Truncation point of `truncated_normal`, in units of the untruncated standard deviation. */
export const TRUNCATION = 2;

export function fan(mode: FanMode, fanIn: number, fanOut: number): number {
  return mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
}

/** Var(w) = gain^2 * scale / fan(mode). */
export function scaledVariance(vs: VarianceScaling, fanIn: number, fanOut: number, gain: number): number {
  return (gain * gain * vs.scale) / fan(vs.mode, fanIn, fanOut);
}

/**
 * Fills W with i.i.d. zero-mean draws of variance `variance` from `distribution`.
 * truncated_normal rejects draws outside [-2, 2] (4.6% of them) and rescales by
 * 1 / TRUNCATED_NORMAL_STD so the standard deviation is sqrt(variance), not 0.88 of it.
 */
export function fillDistribution(W: FloatArray, variance: number, distribution: Distribution, rng: Rng): void {
  const std = Math.sqrt(variance);
  const n = W.length;
  switch (distribution) {
    case 'normal':
      for (let i = 0; i < n; i++) W[i] = std * rng.normal();
      return;
    case 'truncated_normal': {
      const s = std / TRUNCATED_NORMAL_STD;
      for (let i = 0; i < n; i++) {
        let x = rng.normal();
        while (x < -TRUNCATION || x > TRUNCATION) x = rng.normal();
        W[i] = s * x;
      }
      return;
    }
    case 'uniform': {
      const limit = Math.sqrt(3 * variance);
      for (let i = 0; i < n; i++) W[i] = rng.uniform(-limit, limit);
      return;
    }
  }
}

/**
 * W: [rows, cols] with orthonormal columns (rows >= cols: W^T W = I) or orthonormal rows
 * (rows < cols: W W^T = I), times `gain` (Saxe et al. 2014; PyTorch's orthogonal_).
 *
 * Draws a Gaussian [rows, cols] matrix, transposes it when wide so it is tall [m, k] (m >= k),
 * and takes Q of its thin QR decomposition by modified Gram-Schmidt, run twice per column so
 * Q is orthonormal to round-off even for square matrices. Gram-Schmidt gives R a positive
 * diagonal, which is exactly PyTorch's sign correction `Q * sign(diag R)`: it makes Q Haar
 * distributed instead of biased by the QR routine's sign choice. Computed in float64.
 */
export function fillOrthogonal(W: FloatArray, rows: number, cols: number, gain: number, rng: Rng): void {
  const wide = rows < cols;
  const m = wide ? cols : rows;
  const k = wide ? rows : cols;
  // Q column-major [m, k]: column j at q[j*m .. j*m + m). Drawn row-major over W's shape.
  const q = new Float64Array(m * k);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // tall: W[r, c] is A[r, c]; wide: W[r, c] is A^T, i.e. A[c, r].
      if (wide) q[r * m + c] = rng.normal();
      else q[c * m + r] = rng.normal();
    }
  }
  for (let j = 0; j < k; j++) {
    const vj = j * m;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const vi = i * m;
        let dot = 0;
        for (let t = 0; t < m; t++) dot += q[vi + t] * q[vj + t];
        for (let t = 0; t < m; t++) q[vj + t] -= dot * q[vi + t];
      }
    }
    let norm = 0;
    for (let t = 0; t < m; t++) norm += q[vj + t] * q[vj + t];
    norm = Math.sqrt(norm);
    if (!(norm > 1e-10)) {
      // A Gaussian column in the span of the previous ones has probability zero; redraw it.
      for (let t = 0; t < m; t++) q[vj + t] = rng.normal();
      j--;
      continue;
    }
    for (let t = 0; t < m; t++) q[vj + t] /= norm;
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) W[r * cols + c] = gain * (wide ? q[r * m + c] : q[c * m + r]);
  }
}

export interface InitializerDef {
  readonly aliases: readonly string[];
  /** Formula and source, for `gradflow list` and the docs. */
  readonly doc: string;
  readonly params: Readonly<Record<string, ScalarSpec>>;
  /**
   * True when each weight is an i.i.d. draw from N(mean, weightVariance) exactly (so not for
   * truncated normal, uniform or orthogonal; all still have the variance `weightVariance`).
   */
  readonly gaussian: boolean;
  /** W: [fanOut, fanIn] (a bias: [fanOut]); every draw from `rng`. */
  fill(W: FloatArray, fanIn: number, fanOut: number, p: ParamValues, rng: Rng): void;
  /** Variance of one weight implied by the rule (the mean-field sigma_w^2 / fanIn). */
  weightVariance(fanIn: number, fanOut: number, p: ParamValues): number;
  /** Mean of one weight: 0 except for `constant`. */
  weightMean(fanIn: number, fanOut: number, p: ParamValues): number;
}

const num = (p: ParamValues, k: string): number => p[k] as number;

const GAIN: ScalarSpec = { type: 'number', default: 1, doc: 'multiplies every weight, hence the standard deviation', min: 0 };

/**
 * The variance-scaling presets. Normal variants follow PyTorch (xavier_normal_ and
 * kaiming_normal_ draw a plain normal); lecun_normal follows Keras (truncated normal at 2 std,
 * corrected to the exact variance 1/fan_in), which is what SELU's self-normalisation assumes.
 */
export const VARIANCE_SCALING = {
  standard: { scale: 1 / 3, mode: 'fan_in', distribution: 'uniform' },
  glorot_uniform: { scale: 1, mode: 'fan_avg', distribution: 'uniform' },
  glorot_normal: { scale: 1, mode: 'fan_avg', distribution: 'normal' },
  he_uniform: { scale: 2, mode: 'fan_in', distribution: 'uniform' },
  he_normal: { scale: 2, mode: 'fan_in', distribution: 'normal' },
  lecun_uniform: { scale: 1, mode: 'fan_in', distribution: 'uniform' },
  lecun_normal: { scale: 1, mode: 'fan_in', distribution: 'truncated_normal' },
} as const satisfies Record<string, VarianceScaling>;

function varianceScaling(vs: VarianceScaling, aliases: readonly string[], doc: string): InitializerDef {
  return {
    aliases,
    doc,
    params: { gain: GAIN },
    gaussian: vs.distribution === 'normal',
    fill(W, fanIn, fanOut, p, rng) {
      fillDistribution(W, scaledVariance(vs, fanIn, fanOut, num(p, 'gain')), vs.distribution, rng);
    },
    weightVariance: (fanIn, fanOut, p) => scaledVariance(vs, fanIn, fanOut, num(p, 'gain')),
    weightMean: () => 0,
  };
}

const VS = VARIANCE_SCALING;

export const INITIALIZERS = {
  /** normal: w ~ N(0, (gain std)^2), std = 1, independent of the fans. */
  normal: {
    aliases: ['gaussian', 'randn'],
    doc: 'w ~ N(0, (gain * std)^2), whatever the fans',
    params: { std: { type: 'number', default: 1, doc: 'standard deviation', min: 0 }, gain: GAIN },
    gaussian: true,
    fill(W, _fanIn, _fanOut, p, rng) {
      fillDistribution(W, (num(p, 'gain') * num(p, 'std')) ** 2, 'normal', rng);
    },
    weightVariance: (_i, _o, p) => (num(p, 'gain') * num(p, 'std')) ** 2,
    weightMean: () => 0,
  } satisfies InitializerDef as InitializerDef,
  /** uniform: w ~ U[-gain limit, gain limit], limit = 1; Var = (gain limit)^2 / 3. */
  uniform: {
    aliases: ['rand'],
    doc: 'w ~ U[-gain * limit, gain * limit], whatever the fans; Var = (gain * limit)^2 / 3',
    params: { limit: { type: 'number', default: 1, doc: 'half-width of the interval', min: 0 }, gain: GAIN },
    gaussian: false,
    fill(W, _fanIn, _fanOut, p, rng) {
      fillDistribution(W, (num(p, 'gain') * num(p, 'limit')) ** 2 / 3, 'uniform', rng);
    },
    weightVariance: (_i, _o, p) => (num(p, 'gain') * num(p, 'limit')) ** 2 / 3,
    weightMean: () => 0,
  } satisfies InitializerDef as InitializerDef,
  /** standard: U[-1/sqrt(fan_in), 1/sqrt(fan_in)], Var = 1 / (3 fan_in); PyTorch's nn.Linear default. */
  standard: varianceScaling(VS.standard, ['pytorch', 'torch'],
    "w ~ U[-gain/sqrt(fan_in), gain/sqrt(fan_in)], Var = gain^2 / (3 fan_in); PyTorch's nn.Linear default (kaiming_uniform_ with a = sqrt(5))"),
  /** glorot_uniform: U[-l, l], l = sqrt(6 / (fan_in + fan_out)), Var = 2 / (fan_in + fan_out). */
  glorot_uniform: varianceScaling(VS.glorot_uniform, ['xavier_uniform', 'glorot', 'xavier'],
    'w ~ U[-l, l], l = gain * sqrt(6 / (fan_in + fan_out)); Glorot & Bengio 2010'),
  /** glorot_normal: N(0, 2 / (fan_in + fan_out)). */
  glorot_normal: varianceScaling(VS.glorot_normal, ['xavier_normal'],
    'w ~ N(0, gain^2 * 2 / (fan_in + fan_out)); Glorot & Bengio 2010 (plain normal, as PyTorch xavier_normal_)'),
  /** he_uniform: U[-l, l], l = sqrt(6 / fan_in), Var = 2 / fan_in. */
  he_uniform: varianceScaling(VS.he_uniform, ['kaiming_uniform'],
    'w ~ U[-l, l], l = gain * sqrt(6 / fan_in); He et al. 2015, Delving Deep into Rectifiers'),
  /** he_normal: N(0, 2 / fan_in). */
  he_normal: varianceScaling(VS.he_normal, ['kaiming_normal', 'he', 'kaiming'],
    'w ~ N(0, gain^2 * 2 / fan_in); He et al. 2015 (plain normal, as PyTorch kaiming_normal_)'),
  /** lecun_uniform: U[-l, l], l = sqrt(3 / fan_in), Var = 1 / fan_in. */
  lecun_uniform: varianceScaling(VS.lecun_uniform, [],
    'w ~ U[-l, l], l = gain * sqrt(3 / fan_in); LeCun et al. 1998, Efficient BackProp'),
  /** lecun_normal: truncated N(0, 1) at 2 std, std corrected to exactly sqrt(1 / fan_in) (Keras). */
  lecun_normal: varianceScaling(VS.lecun_normal, ['lecun'],
    'w = gain * x / 0.8796 / sqrt(fan_in), x ~ N(0, 1) truncated to [-2, 2], so Var = gain^2 / fan_in exactly (Keras); Klambauer et al. 2017 (SELU)'),
  /**
   * orthogonal: rows or columns orthonormal, times gain (Saxe et al. 2014). Every entry has
   * mean square exactly gain^2 / max(fan_in, fan_out).
   */
  orthogonal: {
    aliases: ['orth'],
    doc: 'W = gain * Q, Q from the QR of a Gaussian matrix with sign(diag R) = +1; W^T W = gain^2 I (tall) or W W^T = gain^2 I (wide); Saxe et al. 2014',
    params: { gain: GAIN },
    gaussian: false,
    fill(W, fanIn, fanOut, p, rng) {
      fillOrthogonal(W, fanOut, fanIn, num(p, 'gain'), rng);
    },
    weightVariance: (fanIn, fanOut, p) => num(p, 'gain') ** 2 / Math.max(fanIn, fanOut),
    weightMean: () => 0,
  } satisfies InitializerDef as InitializerDef,
  /** constant: w = gain value (value = 0); no randomness, Var = 0. Meant for biases. */
  constant: {
    aliases: ['const', 'full'],
    doc: 'w = gain * value; no draws',
    params: { value: { type: 'number', default: 0, doc: 'the value of every entry' }, gain: GAIN },
    gaussian: false,
    fill(W, _fanIn, _fanOut, p) {
      W.fill(num(p, 'gain') * num(p, 'value'));
    },
    weightVariance: () => 0,
    weightMean: (_i, _o, p) => num(p, 'gain') * num(p, 'value'),
  } satisfies InitializerDef as InitializerDef,
  /** zeros: w = 0 (the default bias initializer). */
  zeros: {
    aliases: ['zero'],
    doc: 'w = 0; no draws',
    params: { gain: GAIN },
    gaussian: false,
    fill(W) {
      W.fill(0);
    },
    weightVariance: () => 0,
    weightMean: () => 0,
  } satisfies InitializerDef as InitializerDef,
} as const satisfies Record<string, InitializerDef>;

export type InitializerName = keyof typeof INITIALIZERS;
export const INITIALIZER_NAMES = Object.keys(INITIALIZERS) as InitializerName[];

/** Canonical name for a name or alias (case-insensitive), or undefined. */
export function resolveInitializerName(name: string): InitializerName | undefined {
  return resolveName(INITIALIZERS, name);
}

/**
 * The parameters of `name` with defaults filled in from `given` (other keys are ignored); a
 * value its spec refuses throws a RangeError.
 */
export function initializerParams(name: InitializerName, given: Readonly<Record<string, unknown>> = {}): ParamValues {
  return entryParams(name, INITIALIZERS[name].params, given);
}

export interface InitializerInfo {
  readonly name: InitializerName;
  readonly aliases: readonly string[];
  readonly params: Readonly<Record<string, ScalarSpec>>;
  readonly doc: string;
}

/** One row per initializer, for `gradflow list`. */
export function initializerInfo(): InitializerInfo[] {
  return INITIALIZER_NAMES.map((name) => {
    const d = INITIALIZERS[name];
    return { name, aliases: d.aliases, params: d.params, doc: d.doc };
  });
}
