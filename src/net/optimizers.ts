/**
 * The optimizer registry: sgd, momentum (optionally Nesterov) and adam, each matching PyTorch's
 * torch.optim update rule so a run can be compared with a PyTorch one step for step.
 *
 * Each entry names its state slots (momentum's velocity, Adam's moments m and v): one buffer of
 * a parameter's size per slot and parameter. `create(params, hyper, dtype)` checks the
 * hyperparameters against their specs and allocates all state once, in `dtype` (cut from the
 * model's pool in the kernel's memory when given, so a kernel with the update runs it);
 * `step(lr, weightDecay)` then updates every `value` in place from its `grad` without
 * allocating. Weight decay is L2 added to the gradient, g = grad + wd * value (PyTorch SGD/Adam
 * `weight_decay`, not AdamW's decoupled decay); `grad` itself is left untouched so probes can
 * still read the loss gradient. Gradient clipping is the trainer's: `clipGradNorm` below.
 */
import { entryParams, resolveName, type ParamRule, type ParamValues, type ScalarSpec } from './params.js';
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
  /** State buffers by parameter name, then slot ("layers.0.weight" -> { velocity } or { m, v }). */
  readonly state: Readonly<Record<string, Readonly<Record<string, FloatArray>>>>;
  /** value -= lr * update(grad + weightDecay * value), for every parameter, in place. */
  step(lr: number, weightDecay: number): void;
}

export interface OptimizerDef {
  readonly aliases: readonly string[];
  /** Formula and source, for `gradflow list`. */
  readonly doc: string;
  readonly params: Readonly<Record<string, ScalarSpec>>;
  /** Constraints between hyperparameters that their bounds cannot state. */
  readonly rules: readonly ParamRule[];
  /** Names of the state buffers kept for every parameter, each of the parameter's size. */
  readonly slots: readonly string[];
  /**
   * Missing hyperparameters take their defaults; a refused one throws a RangeError. `pool`
   * (MLP.optimizerPool, in the kernel's memory): where the state buffers are cut from, so
   * that the kernel can run the update; else they are allocated apart.
   */
  create(params: readonly OptimizerParam[], hyper: Readonly<Record<string, unknown>>, dtype: DType, kernels?: Kernels, pool?: FloatArray | null): Optimizer;
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

/**
 * State buffers of `slots` for `params`, zeroed: `buffers[s][k]` is slot s of parameter k, and
 * `state` the same buffers by parameter name, then slot. Cut one after another from `pool`
 * when it has room and `dtype`, else allocated apart.
 */
function allocState(slots: readonly string[], params: readonly OptimizerParam[], dtype: DType, pool?: FloatArray | null) {
  const need = slots.length * params.reduce((s, p) => s + p.value.length, 0);
  const fromPool = pool != null && need <= pool.length && (dtype === 'float64' ? pool instanceof Float64Array : pool instanceof Float32Array);
  let at = 0;
  const take = (n: number): FloatArray => {
    if (!fromPool) return alloc(dtype, n);
    const b = pool.subarray(at, at + n);
    b.fill(0);
    at += n;
    return b;
  };
  const buffers = slots.map(() => params.map((p) => take(p.value.length)));
  const state = Object.fromEntries(params.map((p, k) => [p.name, Object.fromEntries(slots.map((s, i) => [s, buffers[i][k]]))]));
  return { buffers, state };
}

/**
 * Adam's betas are in [0, 1): beta = 1 divides by 1 - beta^t = 0 (and is what PyTorch refuses).
 * Momentum may be 1 (no decay), as in PyTorch.
 */
const MOMENTUM_PARAMS = {
  momentum: { type: 'number', default: 0.9, doc: 'mu: v = mu v + g', min: 0, max: 1 },
  nesterov: { type: 'boolean', default: false, doc: 'step along g + mu v instead of v (Sutskever et al. 2013)' },
} as const satisfies Record<string, ScalarSpec>;
const ADAM_PARAMS = {
  beta1: { type: 'number', default: 0.9, doc: 'decay of the first moment, in [0, 1)', min: 0, max: 1, exclusiveMax: true },
  beta2: { type: 'number', default: 0.999, doc: 'decay of the second moment, in [0, 1)', min: 0, max: 1, exclusiveMax: true },
  eps: { type: 'number', default: 1e-8, doc: 'added to sqrt(v_hat) in the denominator', min: 0 },
} as const satisfies Record<string, ScalarSpec>;

/** Nesterov's look-ahead g + mu v is plain SGD when mu = 0; PyTorch refuses the combination. */
const MOMENTUM_RULES: readonly ParamRule[] = [
  {
    key: 'nesterov',
    broken: (p) => p.nesterov === true && p.momentum === 0,
    allowed: 'false while momentum is 0 (Nesterov momentum needs a momentum above 0, as in PyTorch)',
  },
];

export const OPTIMIZERS = {
  /** sgd: p -= lr (g + wd p). */
  sgd: {
    aliases: ['gd'],
    doc: 'p -= lr * (grad + wd * p); PyTorch SGD with momentum 0',
    params: {},
    rules: [],
    slots: [],
    create(params, hyper, dtype, kernels) {
      checkNames(params);
      entryParams('sgd', {}, hyper);
      const { state } = allocState([], params, dtype);
      let steps = 0;
      return {
        get steps() {
          return steps;
        },
        state,
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
    rules: MOMENTUM_RULES,
    slots: ['velocity'],
    create(params, hyper, dtype, kernels, pool) {
      checkNames(params);
      const h = entryParams('momentum', MOMENTUM_PARAMS, hyper, MOMENTUM_RULES);
      const mu = h.momentum as number;
      const nesterov = h.nesterov as boolean;
      const {
        buffers: [vel],
        state,
      } = allocState(['velocity'], params, dtype, pool);
      let steps = 0;
      return {
        get steps() {
          return steps;
        },
        state,
        step(lr, wd) {
          for (let k = 0; k < params.length; k++) {
            const w = params[k].value;
            const gr = params[k].grad;
            const v = vel[k];
            if (kernels?.momentumStep?.(w, gr, v, mu, lr, wd, nesterov)) continue;
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
    rules: [],
    slots: ['m', 'v'],
    create(params, hyper, dtype, kernels, pool) {
      checkNames(params);
      const h = entryParams('adam', ADAM_PARAMS, hyper);
      const b1 = h.beta1 as number;
      const b2 = h.beta2 as number;
      const eps = h.eps as number;
      const {
        buffers: [m1, m2],
        state,
      } = allocState(['m', 'v'], params, dtype, pool);
      let steps = 0;
      return {
        get steps() {
          return steps;
        },
        state,
        step(lr, wd) {
          const t = steps + 1;
          const stepSize = lr / (1 - b1 ** t);
          const bc2Sqrt = Math.sqrt(1 - b2 ** t);
          const constants = { b1, b2, eps, wd, stepSize, bc2Sqrt };
          for (let k = 0; k < params.length; k++) {
            const w = params[k].value;
            const gr = params[k].grad;
            const m = m1[k];
            const v = m2[k];
            if (kernels?.adamStep?.(w, gr, m, v, constants)) continue;
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
  return resolveName(OPTIMIZERS, name);
}

/**
 * The hyperparameters of `name` with defaults filled in from `given` (other keys are ignored);
 * a value its spec or a rule of the entry refuses throws a RangeError.
 */
export function optimizerParams(name: OptimizerName, given: Readonly<Record<string, unknown>> = {}): ParamValues {
  return entryParams(name, OPTIMIZERS[name].params, given, OPTIMIZERS[name].rules);
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
