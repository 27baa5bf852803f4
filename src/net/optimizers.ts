/**
 * The optimizer registry: sgd, momentum (optionally Nesterov) and adam, each matching PyTorch's
 * torch.optim update rule so a run can be compared with a PyTorch one step for step.
 *
 * `create(params, hyper, dtype)` allocates all state (velocity, moments) once, in `dtype`;
 * `step(lr, weightDecay)` then updates every `value` in place from its `grad` without
 * allocating. Weight decay is L2 added to the gradient, g = grad + wd * value (PyTorch SGD/Adam
 * `weight_decay`, not AdamW's decoupled decay); `grad` itself is left untouched so probes can
 * still read the loss gradient. Gradient clipping is the trainer's: `clipGradNorm` below.
 */
import type { ParamSpec, ParamValues } from './activations.js';
import { alloc, type DType, type FloatArray, type Kernels } from './tensor.js';

/** One trainable tensor, as a layer's `params()` lists it. */
export interface OptimizerParam {
  readonly value: FloatArray;
  readonly grad: FloatArray;
  readonly name: string;
}

export interface Optimizer {
  /** Steps taken so far (Adam's t). */
  readonly steps: number;
  /** State buffers by parameter name ("layers.0.weight" -> { velocity } or { m, v }). */
  readonly state: Readonly<Record<string, Readonly<Record<string, FloatArray>>>>;
  /** value -= lr * update(grad + weightDecay * value), for every parameter, in place. */
  step(lr: number, weightDecay: number): void;
}

export interface OptimizerDef {
  readonly aliases: readonly string[];
  /** Formula and source, for `gradflow list`. */
  readonly doc: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Missing hyperparameters take their defaults. */
  create(params: readonly OptimizerParam[], hyper: Readonly<Record<string, unknown>>, dtype: DType, kernels?: Kernels): Optimizer;
}

function fill(specs: Readonly<Record<string, ParamSpec>>, given: Readonly<Record<string, unknown>>): ParamValues {
  const out: Record<string, number | boolean> = {};
  for (const [k, spec] of Object.entries(specs)) {
    const v = given[k];
    out[k] = typeof v === typeof spec.default ? (v as number | boolean) : spec.default;
  }
  return out;
}

function checkNames(params: readonly OptimizerParam[]): void {
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.name)) throw new Error(`optimizer: parameter name "${p.name}" appears twice`);
    if (p.grad.length !== p.value.length) {
      throw new Error(`optimizer: "${p.name}" has ${p.value.length} values but ${p.grad.length} gradients`);
    }
    seen.add(p.name);
  }
}

function inUnitInterval(name: string, key: string, x: number, closedAtOne: boolean): void {
  if (!(x >= 0 && (closedAtOne ? x <= 1 : x < 1))) {
    throw new RangeError(`${name}: ${key} = ${x} is outside [0, 1${closedAtOne ? ']' : ')'}`);
  }
}

const SGD_PARAMS = {} as const satisfies Record<string, ParamSpec>;
const MOMENTUM_PARAMS = {
  momentum: { default: 0.9, doc: 'mu: v = mu v + g', min: 0, max: 1 },
  nesterov: { default: false, doc: 'step along g + mu v instead of v (Sutskever et al. 2013)' },
} as const satisfies Record<string, ParamSpec>;
const ADAM_PARAMS = {
  beta1: { default: 0.9, doc: 'decay of the first moment, in [0, 1)', min: 0, max: 1 },
  beta2: { default: 0.999, doc: 'decay of the second moment, in [0, 1)', min: 0, max: 1 },
  eps: { default: 1e-8, doc: 'added to sqrt(v_hat) in the denominator', min: 0 },
} as const satisfies Record<string, ParamSpec>;

export const OPTIMIZERS = {
  /** sgd: p -= lr (g + wd p). */
  sgd: {
    aliases: ['gd'],
    doc: 'p -= lr * (grad + wd * p); PyTorch SGD with momentum 0',
    params: SGD_PARAMS,
    create(params, _hyper, _dtype, kernels) {
      checkNames(params);
      let steps = 0;
      return {
        get steps() {
          return steps;
        },
        state: Object.fromEntries(params.map((p) => [p.name, {}])),
        step(lr, wd) {
          for (const { value: w, grad: g } of params) {
            // A kernel that owns the buffers may do the same update in place (bit-identical).
            if (kernels?.sgdStep?.(w, g, lr, wd)) continue;
            const n = w.length;
            for (let i = 0; i < n; i++) w[i] -= lr * (g[i] + wd * w[i]);
          }
          steps++;
        },
      };
    },
  } satisfies OptimizerDef as OptimizerDef,
  /**
   * momentum: PyTorch SGD with momentum mu (dampening 0). g = grad + wd p; v = mu v + g
   * (v starts at 0, so v_1 = g_1, as PyTorch's first-step copy); then p -= lr v, or with
   * nesterov p -= lr (g + mu v).
   */
  momentum: {
    aliases: ['sgd_momentum', 'heavy_ball'],
    doc: 'v = mu v + g, g = grad + wd p; p -= lr v (nesterov: p -= lr (g + mu v)); PyTorch SGD, Polyak 1964 / Sutskever et al. 2013',
    params: MOMENTUM_PARAMS,
    create(params, hyper, dtype) {
      checkNames(params);
      const h = fill(MOMENTUM_PARAMS, hyper);
      const mu = h.momentum as number;
      const nesterov = h.nesterov as boolean;
      if (!(mu >= 0)) throw new RangeError(`momentum: momentum = ${mu} must be >= 0`);
      const vel = params.map((p) => alloc(dtype, p.value.length));
      let steps = 0;
      return {
        get steps() {
          return steps;
        },
        state: Object.fromEntries(params.map((p, k) => [p.name, { velocity: vel[k] }])),
        step(lr, wd) {
          for (let k = 0; k < params.length; k++) {
            const w = params[k].value;
            const gr = params[k].grad;
            const v = vel[k];
            const n = w.length;
            if (nesterov) {
              for (let i = 0; i < n; i++) {
                const g = gr[i] + wd * w[i];
                const vi = mu * v[i] + g;
                v[i] = vi;
                w[i] -= lr * (g + mu * vi);
              }
            } else {
              for (let i = 0; i < n; i++) {
                const vi = mu * v[i] + gr[i] + wd * w[i];
                v[i] = vi;
                w[i] -= lr * vi;
              }
            }
          }
          steps++;
        },
      };
    },
  } satisfies OptimizerDef as OptimizerDef,
  /**
   * adam (Kingma & Ba 2015), as PyTorch: g = grad + wd p; m = b1 m + (1 - b1) g;
   * v = b2 v + (1 - b2) g^2; p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
   */
  adam: {
    aliases: [],
    doc: 'm = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, p -= lr/(1-b1^t) * m / (sqrt(v/(1-b2^t)) + eps), g = grad + wd p; Kingma & Ba 2015, PyTorch Adam',
    params: ADAM_PARAMS,
    create(params, hyper, dtype) {
      checkNames(params);
      const h = fill(ADAM_PARAMS, hyper);
      const b1 = h.beta1 as number;
      const b2 = h.beta2 as number;
      const eps = h.eps as number;
      inUnitInterval('adam', 'beta1', b1, false);
      inUnitInterval('adam', 'beta2', b2, false);
      if (!(eps >= 0)) throw new RangeError(`adam: eps = ${eps} must be >= 0`);
      const m1 = params.map((p) => alloc(dtype, p.value.length));
      const m2 = params.map((p) => alloc(dtype, p.value.length));
      let steps = 0;
      return {
        get steps() {
          return steps;
        },
        state: Object.fromEntries(params.map((p, k) => [p.name, { m: m1[k], v: m2[k] }])),
        step(lr, wd) {
          const t = steps + 1;
          const stepSize = lr / (1 - b1 ** t);
          const bc2Sqrt = Math.sqrt(1 - b2 ** t);
          for (let k = 0; k < params.length; k++) {
            const w = params[k].value;
            const gr = params[k].grad;
            const m = m1[k];
            const v = m2[k];
            const n = w.length;
            for (let i = 0; i < n; i++) {
              const g = gr[i] + wd * w[i];
              const mi = b1 * m[i] + (1 - b1) * g;
              const vi = b2 * v[i] + (1 - b2) * g * g;
              m[i] = mi;
              v[i] = vi;
              w[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
            }
          }
          steps = t;
        },
      };
    },
  } satisfies OptimizerDef as OptimizerDef,
} as const satisfies Record<string, OptimizerDef>;

export type OptimizerName = keyof typeof OPTIMIZERS;
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];

/** Canonical name for a name or alias (case-insensitive), or undefined. */
export function resolveOptimizerName(name: string): OptimizerName | undefined {
  const n = name.toLowerCase();
  for (const key of OPTIMIZER_NAMES) {
    if (key === n || OPTIMIZERS[key].aliases.includes(n)) return key;
  }
  return undefined;
}

/** The hyperparameters of `name` with defaults filled in from `given` (other keys are ignored). */
export function optimizerParams(name: OptimizerName, given: Readonly<Record<string, unknown>> = {}): ParamValues {
  return fill(OPTIMIZERS[name].params, given);
}

/**
 * Global L2 clip, as torch.nn.utils.clip_grad_norm_: total = sqrt(sum over every grad of g^2)
 * (float64); when total > maxNorm every grad is scaled by maxNorm / (total + 1e-6). Returns the
 * norm before clipping. A non-finite total leaves the grads alone (the trainer reports the
 * divergence instead of hiding it behind zeros).
 */
export function clipGradNorm(params: readonly { readonly grad: FloatArray }[], maxNorm: number): number {
  let sq = 0;
  for (const { grad } of params) {
    const n = grad.length;
    for (let i = 0; i < n; i++) sq += grad[i] * grad[i];
  }
  const total = Math.sqrt(sq);
  if (!Number.isFinite(total)) return total;
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    for (const { grad } of params) {
      const n = grad.length;
      for (let i = 0; i < n; i++) grad[i] *= coef;
    }
  }
  return total;
}
