/**
 * The loss registry. Every loss is a mean, so its gradient is already divided by the batch
 * and `gradNorm` is the norm of dL/dW for the mean loss (DESIGN.md).
 *
 * Shapes: out: [rows, cols] (the network output, logits for cross_entropy); dOut has out's
 * shape; target: Int32Array [rows] of labels in [0, cols) (`target: 'labels'`) or a FloatArray
 * [rows, cols] (`target: 'values'`). Sums are accumulated in float64 whatever out's dtype.
 */
import { resolveName, type ScalarSpec } from './params.js';
import type { FloatArray } from './tensor.js';

export type LossTarget = Int32Array | FloatArray;

export interface LossDef {
  readonly aliases: readonly string[];
  /** Formula and source, for `gradflow list`. */
  readonly doc: string;
  readonly params: Readonly<Record<string, ScalarSpec>>;
  /** What `target` holds: class labels or regression values. */
  readonly target: 'labels' | 'values';
  /** The mean loss L. */
  forward(out: FloatArray, target: LossTarget, rows: number, cols: number): number;
  /** dOut = dL/dout for the mean loss L (so already divided by the batch). */
  backward(out: FloatArray, target: LossTarget, dOut: FloatArray, rows: number, cols: number): void;
}

function labels(target: LossTarget, rows: number, cols: number): Int32Array {
  if (!(target instanceof Int32Array)) throw new TypeError('cross_entropy needs integer labels (Int32Array) as targets');
  if (target.length < rows) throw new RangeError(`cross_entropy: ${rows} rows but ${target.length} labels`);
  for (let r = 0; r < rows; r++) {
    const y = target[r];
    if (y < 0 || y >= cols) throw new RangeError(`cross_entropy: label ${y} at row ${r} is outside [0, ${cols})`);
  }
  return target;
}

function values(target: LossTarget, rows: number, cols: number): FloatArray {
  if (target instanceof Int32Array) throw new TypeError('mse needs float targets [rows, cols], not integer labels');
  if (target.length < rows * cols) throw new RangeError(`mse: ${rows * cols} outputs but ${target.length} targets`);
  return target;
}

/** Row max of out[r, :], the shift that keeps exp() from overflowing. */
function rowMax(out: FloatArray, base: number, cols: number): number {
  let m = -Infinity;
  for (let c = 0; c < cols; c++) if (out[base + c] > m) m = out[base + c];
  return m;
}

export const LOSSES = {
  /**
   * cross_entropy: L = (1/B) sum_r [logsumexp(out_r) - out_r[y_r]], softmax on the logits
   * (PyTorch's CrossEntropyLoss, mean reduction). Stable: logsumexp(x) = m + log sum e^{x - m}
   * with m = max x, so logits of 1e4 give a finite loss.
   * dL/dout[r, c] = (softmax(out_r)[c] - 1[c = y_r]) / B.
   */
  cross_entropy: {
    aliases: ['ce', 'crossentropy', 'softmax_cross_entropy'],
    doc: 'L = mean over the batch of -log softmax(out)[label]; PyTorch CrossEntropyLoss',
    params: {},
    target: 'labels',
    forward(out, target, rows, cols) {
      const y = labels(target, rows, cols);
      let total = 0;
      for (let r = 0; r < rows; r++) {
        const base = r * cols;
        const m = rowMax(out, base, cols);
        let s = 0;
        for (let c = 0; c < cols; c++) s += Math.exp(out[base + c] - m);
        // (m - out[y]) first: exact when they are close, so logits of 1e4 keep full precision.
        total += m - out[base + y[r]] + Math.log(s);
      }
      return total / rows;
    },
    backward(out, target, dOut, rows, cols) {
      const y = labels(target, rows, cols);
      const inv = 1 / rows;
      for (let r = 0; r < rows; r++) {
        const base = r * cols;
        const m = rowMax(out, base, cols);
        let s = 0;
        for (let c = 0; c < cols; c++) s += Math.exp(out[base + c] - m);
        const k = inv / s;
        for (let c = 0; c < cols; c++) dOut[base + c] = Math.exp(out[base + c] - m) * k;
        dOut[base + y[r]] -= inv;
      }
    },
  } satisfies LossDef as LossDef,
  /**
   * mse: L = (1/(B K)) sum_{r,c} (out[r, c] - t[r, c])^2, the mean over all elements (PyTorch's
   * MSELoss default). dL/dout = 2 (out - t) / (B K).
   */
  mse: {
    aliases: ['l2', 'mean_squared_error'],
    doc: 'L = mean over all batch * outputs elements of (out - target)^2; PyTorch MSELoss',
    params: {},
    target: 'values',
    forward(out, target, rows, cols) {
      const t = values(target, rows, cols);
      const n = rows * cols;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const d = out[i] - t[i];
        total += d * d;
      }
      return total / n;
    },
    backward(out, target, dOut, rows, cols) {
      const t = values(target, rows, cols);
      const n = rows * cols;
      const k = 2 / n;
      for (let i = 0; i < n; i++) dOut[i] = k * (out[i] - t[i]);
    },
  } satisfies LossDef as LossDef,
} as const satisfies Record<string, LossDef>;

export type LossName = keyof typeof LOSSES;
export const LOSS_NAMES = Object.keys(LOSSES) as LossName[];

/** Canonical name for a name or alias (case-insensitive), or undefined. */
export function resolveLossName(name: string): LossName | undefined {
  return resolveName(LOSSES, name);
}

/**
 * Fraction of rows whose argmax over out[r, :] equals labels[r]. Ties go to the first maximum
 * (torch.argmax); NaN never wins, so an all-NaN row counts as wrong.
 */
export function accuracy(out: FloatArray, labels: Int32Array, rows: number, cols: number): number {
  if (rows === 0) return 0;
  let hits = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let best = -Infinity;
    let arg = -1;
    for (let c = 0; c < cols; c++) {
      const v = out[base + c];
      if (v > best || (arg === -1 && v === -Infinity)) {
        best = v;
        arg = c;
      }
    }
    if (arg === labels[r]) hits++;
  }
  return hits / rows;
}
