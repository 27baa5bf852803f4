/**
 * Gradient check by central differences, in float64.
 *
 *   numeric[i] = (L(p + eps e_i) - L(p - eps e_i)) / (2 eps)
 *   relErr[i]  = |analytic[i] - numeric[i]| / max(1e-8, |analytic[i]| + |numeric[i]|)
 *
 * Generic: it perturbs `params[i]` in place, calls `loss()` and restores the exact old value,
 * so `params` may be any float64 buffer the loss reads (weights, inputs, PReLU slopes).
 * The relative error is symmetric and bounded by 1; the 1e-8 floor keeps a pair of tiny
 * gradients (both ~0) from reporting a huge relative error from round-off alone, while an
 * absolute-error floor `atol` lets such pairs pass when both are below it.
 */
export interface GradcheckOptions {
  /** Names the check in error messages ("tanh dz", "layers.3.weight"). */
  label: string;
  /** The buffer the loss reads; perturbed in place and restored. */
  params: Float64Array;
  /** dL/dparams computed by the code under test, same length as params. */
  analytic: ArrayLike<number>;
  /** Recomputes the scalar loss from the current `params`. */
  loss: () => number;
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Largest relative error allowed (default 1e-6). */
  tol?: number;
  /**
   * Absolute error below which an index passes whatever its relative error (default 1e-8: with
   * eps = 1e-6 the round-off of the difference quotient alone is about 1e-16 |L| / eps).
   */
  atol?: number;
  /** Indices to check (default: all). */
  indices?: readonly number[];
  /** Optional name for index i in messages, e.g. (i) => `W[${i / cols | 0}, ${i % cols}]`. */
  indexName?: (i: number) => string;
}

export interface GradcheckResult {
  /** Largest relative error over the indices that failed the absolute floor (0 if none). */
  maxRelErr: number;
  /** Index of that error (-1 when every index passed on the absolute floor). */
  worstIndex: number;
  /** analytic and numeric at worstIndex (NaN when worstIndex is -1). */
  analytic: number;
  numeric: number;
  /** Number of indices checked. */
  checked: number;
}

export function numericGradient(params: Float64Array, loss: () => number, i: number, eps: number): number {
  const old = params[i];
  params[i] = old + eps;
  const lp = loss();
  params[i] = old - eps;
  const lm = loss();
  params[i] = old;
  return (lp - lm) / (2 * eps);
}

export function gradcheck(opts: GradcheckOptions): GradcheckResult {
  const { params, analytic, loss } = opts;
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-8;
  if (analytic.length !== params.length) {
    throw new Error(`${opts.label}: analytic gradient has ${analytic.length} entries, params has ${params.length}`);
  }
  const indices = opts.indices ?? Array.from({ length: params.length }, (_, i) => i);
  let maxRelErr = 0;
  let worstIndex = -1;
  let worstA = NaN;
  let worstN = NaN;
  for (const i of indices) {
    const a = analytic[i];
    const n = numericGradient(params, loss, i, eps);
    const abs = Math.abs(a - n);
    // NaN in either must fail: treat it as the worst possible error.
    const rel = Number.isFinite(a) && Number.isFinite(n) ? abs / Math.max(1e-8, Math.abs(a) + Math.abs(n)) : Infinity;
    if (abs <= atol && Number.isFinite(rel)) continue;
    if (worstIndex === -1 || rel > maxRelErr) {
      maxRelErr = rel;
      worstIndex = i;
      worstA = a;
      worstN = n;
    }
  }
  return { maxRelErr, worstIndex, analytic: worstA, numeric: worstN, checked: indices.length };
}

/** Runs `gradcheck` and throws a message naming the label, the index and both values on failure. */
export function expectGradientsClose(opts: GradcheckOptions): GradcheckResult {
  const tol = opts.tol ?? 1e-6;
  const r = gradcheck(opts);
  if (!(r.maxRelErr <= tol)) {
    const where = opts.indexName ? `${opts.indexName(r.worstIndex)} (index ${r.worstIndex})` : `index ${r.worstIndex}`;
    throw new Error(
      `gradcheck ${opts.label}: ${where} analytic ${r.analytic} vs numeric ${r.numeric}, ` +
        `relative error ${r.maxRelErr.toExponential(3)} > tol ${tol.toExponential(1)} (${r.checked} checked)`,
    );
  }
  return r;
}

/**
 * L = sum(c * logits) of `mlp` on x [rows, inputDim], with c [rows, outputDim] fixed: a loss
 * whose dL/dlogits is c, so `mlp.backward(c, rows)` gives its analytic gradients.
 */
export function logitsDotLoss(mlp: { forward(x: Float64Array, rows: number): ArrayLike<number> }, x: Float64Array, c: Float64Array, rows: number): () => number {
  return () => {
    const out = mlp.forward(x, rows);
    let s = 0;
    for (let i = 0; i < c.length; i++) s += c[i] * out[i];
    return s;
  };
}
