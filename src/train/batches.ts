/**
 * The data as the trainer feeds it: each split in the model's dtype, the training batches in
 * the order of the `shuffle` stream, and the fixed probe batch of the `probe` stream.
 *
 *   x [n, d] rows; targets: labels [n] (classification) or values [n, k] (regression)
 *   batch s: rows order[cursor .. cursor + batch) gathered into [batch, d] and its targets
 *
 * An epoch ends when fewer than `batch` rows are left (they are skipped); the next one starts
 * from a reshuffled order (when shuffling). Batch order has its own stream, so reshuffling never
 * touches the initial weights or the data.
 */
import type { Dataset } from '../data/index.js';
import type { Rng } from '../net/rng.js';
import { alloc, type DType, type FloatArray } from '../net/tensor.js';

/** The targets of a split: one label a row, or k values a row. */
export type Targets =
  | { readonly kind: 'labels'; readonly y: Int32Array }
  | { readonly kind: 'values'; readonly y: FloatArray; readonly k: number };

/** One split of the data in the model's dtype. */
export interface Split {
  /** [n, d] */
  readonly x: FloatArray;
  readonly n: number;
  readonly d: number;
  readonly targets: Targets;
}

function toDtype(src: Float64Array, dtype: DType): FloatArray {
  if (dtype === 'float64') return src;
  return Float32Array.from(src);
}

/** The training and test splits of `data` in `dtype` (float64 data is shared, not copied). */
export function splitsOf(data: Dataset, dtype: DType): { readonly train: Split; readonly test: Split } {
  const d = data.inputDim;
  const k = data.outputDim;
  const train: Targets = data.task === 'classification' ? { kind: 'labels', y: data.yTrain } : { kind: 'values', y: toDtype(data.yTrain, dtype), k };
  const test: Targets = data.task === 'classification' ? { kind: 'labels', y: data.yTest } : { kind: 'values', y: toDtype(data.yTest, dtype), k };
  return {
    train: { x: toDtype(data.xTrain, dtype), n: data.nTrain, d, targets: train },
    test: { x: toDtype(data.xTest, dtype), n: data.nTest, d, targets: test },
  };
}

/** Copies rows `idx[from .. from+rows)` of x [n, d] into out [rows, d]. */
export function gatherRows(x: FloatArray, d: number, idx: Int32Array, from: number, rows: number, out: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    const src = idx[from + r] * d;
    out.set(x.subarray(src, src + d), r * d);
  }
}

/** Copies labels `y[idx[from .. from+rows)]` into out [rows]. */
export function gatherLabels(y: Int32Array, idx: Int32Array, from: number, rows: number, out: Int32Array): void {
  for (let r = 0; r < rows; r++) out[r] = y[idx[from + r]];
}

/** The targets buffer of one batch, typed like the split's targets. */
type BatchTargets =
  | { readonly kind: 'labels'; readonly src: Int32Array; readonly out: Int32Array }
  | { readonly kind: 'values'; readonly src: FloatArray; readonly out: FloatArray; readonly k: number };

/** The training batches, one after the other, over as many epochs as asked. */
export class BatchStream {
  /** Epochs completed before the current batch. */
  epoch = 0;
  private cursor = 0;
  private readonly order: Int32Array;
  private readonly t: BatchTargets;

  /**
   * `xb` [>= batch, d]: where each batch's rows go (the model's input buffer, so forward does
   * not copy them again); `maxRows` sizes the targets buffer; `shuffle` null keeps the order.
   */
  constructor(
    private readonly split: Split,
    private readonly batch: number,
    private readonly xb: FloatArray,
    maxRows: number,
    private readonly shuffle: Rng | null,
    dtype: DType,
  ) {
    this.order = Int32Array.from({ length: split.n }, (_, i) => i);
    if (shuffle !== null) shuffle.shuffle(this.order);
    const tg = split.targets;
    this.t = tg.kind === 'labels'
      ? { kind: 'labels', src: tg.y, out: new Int32Array(maxRows) }
      : { kind: 'values', src: tg.y, out: alloc(dtype, maxRows * tg.k), k: tg.k };
  }

  /** The current batch's targets: labels [batch] or values [batch, k]. */
  get targets(): Int32Array | FloatArray {
    return this.t.out;
  }

  /** Gathers the next batch into the input buffer and `targets`. */
  next(): void {
    const n = this.split.n;
    if (this.cursor + this.batch > n) {
      this.cursor = 0;
      this.epoch++;
      if (this.shuffle !== null) this.shuffle.shuffle(this.order);
    }
    gatherRows(this.split.x, this.split.d, this.order, this.cursor, this.batch, this.xb);
    const t = this.t;
    if (t.kind === 'labels') gatherLabels(t.src, this.order, this.cursor, this.batch, t.out);
    else gatherRows(t.src, t.k, this.order, this.cursor, this.batch, t.out);
    this.cursor += this.batch;
  }
}

/** The probe batch [rows, d]: the first `rows` of a permutation of the training rows drawn by `rng`. */
export function probeBatch(split: Split, rows: number, rng: Rng, dtype: DType): FloatArray {
  const idx = rng.shuffle(Int32Array.from({ length: split.n }, (_, i) => i)).subarray(0, rows);
  const out = alloc(dtype, rows * split.d);
  gatherRows(split.x, split.d, idx, 0, rows, out);
  return out;
}
