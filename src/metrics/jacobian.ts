/**
 * The input-output Jacobian of the hidden stack for one example (Pennington, Schoenholz &
 * Ganguli 2017): J = dh_{depth-1} / dh_0, the product of the per-layer Jacobians of hidden
 * layers 1 .. depth-1,
 *
 *   plain:     dh_l / dh_{l-1} = A'_l N_l W_l                 [out_l, in_l]
 *   residual:  dh_l / dh_{l-1} = I + alpha A'_l N_l W_l
 *
 * with W_l [fanOut, fanIn] the layer's weights, N_l the normalisation's Jacobian (identity
 * without one; diag(gamma / sigma) for batch norm with its statistics held fixed; the full
 * per-example matrix for layer norm), and A'_l the activation's Jacobian at the cached
 * pre-activation: diag(f'(n_l)) for an elementwise f, and for CReLU (a = [relu(n); relu(-n)])
 * the stacked [diag(1[n > 0]); -diag(1[n < 0])].
 *
 * Forward mode: M <- J_l M starting from the identity, each layer costing
 * out_l x fanIn_l x in_0 multiply-adds, so the whole J costs depth x width^3 for one example
 * (cheaper than one backward pass per output unit whenever in_0 <= out, which it is here).
 */

export interface JacobianLayer {
  /** [fanOut, fanIn], row-major. */
  readonly W: ArrayLike<number>;
  readonly fanIn: number;
  readonly fanOut: number;
  /** 2 for CReLU: the layer emits 2 * fanOut values. */
  readonly widthFactor: 1 | 2;
  /**
   * The activation's derivative per emitted unit, [widthFactor * fanOut]: row r of A'_l is
   * d[r] at column r mod fanOut (CReLU: d[j] = 1[n_j > 0], d[fanOut + j] = -1[n_j < 0]).
   */
  readonly d: ArrayLike<number>;
  /** Normalisation Jacobian [fanOut, fanOut] row-major, or null for none. */
  readonly norm: ArrayLike<number> | null;
  /** alpha of h_l = h_{l-1} + alpha a_l, or null without a skip. */
  readonly residualScale: number | null;
}

/** J = dh_last / dh_first for `layers` (hidden layers 1 .. depth-1, in order): [out, in] row-major. */
export function stackJacobian(layers: readonly JacobianLayer[], inDim: number): { J: Float64Array; rows: number; cols: number } {
  let rows = inDim;
  let m = identity(inDim);
  for (const layer of layers) {
    if (layer.fanIn !== rows) throw new RangeError(`stackJacobian: layer takes ${layer.fanIn} inputs, the stack so far gives ${rows}`);
    const nm = layerTimes(layer, m, inDim);
    rows = layer.widthFactor * layer.fanOut;
    m = nm;
  }
  return { J: m, rows, cols: inDim };
}

function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/** (A' N W [+ I]) M for M: [fanIn, cols]. */
function layerTimes(layer: JacobianLayer, m: Float64Array, cols: number): Float64Array {
  const { W, fanIn, fanOut, widthFactor, d, norm, residualScale } = layer;
  // P = W M: [fanOut, cols]
  let p = new Float64Array(fanOut * cols);
  for (let r = 0; r < fanOut; r++) {
    const pr = r * cols;
    for (let k = 0; k < fanIn; k++) {
      const w = W[r * fanIn + k];
      if (w === 0) continue;
      const mk = k * cols;
      for (let c = 0; c < cols; c++) p[pr + c] += w * m[mk + c];
    }
  }
  if (norm !== null) {
    const q = new Float64Array(fanOut * cols);
    for (let r = 0; r < fanOut; r++) {
      for (let k = 0; k < fanOut; k++) {
        const v = norm[r * fanOut + k];
        if (v === 0) continue;
        for (let c = 0; c < cols; c++) q[r * cols + c] += v * p[k * cols + c];
      }
    }
    p = q;
  }
  const outRows = widthFactor * fanOut;
  const out = new Float64Array(outRows * cols);
  for (let r = 0; r < outRows; r++) {
    const g = d[r];
    const src = (r % fanOut) * cols;
    const dst = r * cols;
    for (let c = 0; c < cols; c++) out[dst + c] = g * p[src + c];
  }
  if (residualScale !== null) {
    if (outRows !== fanIn) throw new RangeError(`stackJacobian: a skip needs equal widths, got ${fanIn} -> ${outRows}`);
    for (let i = 0; i < out.length; i++) out[i] = residualScale * out[i] + m[i];
  }
  return out;
}
