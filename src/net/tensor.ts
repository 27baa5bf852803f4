/**
 * Typed-array storage shared by the whole engine. Matrices are row-major: a `[rows, cols]`
 * matrix stores element (r, c) at `r * cols + c`. Weights use PyTorch's nn.Linear layout,
 * W: [fanOut, fanIn], so z = x W^T + b with x: [batch, fanIn], z: [batch, fanOut].
 */
import type { ForwardMode, NormBuffers } from './norm.js';

export const DTYPES = ['float32', 'float64'] as const;
export type DType = (typeof DTYPES)[number];
export type FloatArray = Float32Array | Float64Array;

/** Whether x is one of the engine's float arrays (not a plain array of numbers). */
export function isFloatArray(x: ArrayLike<number>): x is FloatArray {
  return x instanceof Float32Array || x instanceof Float64Array;
}

export function alloc(dtype: DType, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/**
 * The compute kernels a dense layer needs. `ts` (pure TypeScript, the reference) and `wasm`
 * (WebAssembly SIMD) implement the same contract; a kernel must be bit-identical run to run.
 *
 * Buffers handed to a kernel must come from its own `allocBuffers`, which is called once per
 * model with every size the model needs (so a WASM kernel can place them all in its linear
 * memory with a single grow and never copy in the hot loop).
 */
export interface Kernels {
  /** `wasm-fma`: the wasm kernel with fused multiply-adds (machine-dependent bits; see kernels.ts). */
  readonly name: 'ts' | 'wasm' | 'wasm-fma';
  /** Allocates one zeroed buffer per entry of `sizes` (element counts), all of `dtype`. */
  allocBuffers(dtype: DType, sizes: readonly number[]): FloatArray[];
  /** Forward: C[m,n] = A[m,k] · B[n,k]^T + bias[n] (bias may be null). z = x W^T + b. */
  gemmABt(A: FloatArray, B: FloatArray, bias: FloatArray | null, C: FloatArray, m: number, n: number, k: number): void;
  /** Input gradient: C[m,n] = A[m,k] · B[k,n]. dx = dz W. */
  gemmAB(A: FloatArray, B: FloatArray, C: FloatArray, m: number, n: number, k: number): void;
  /**
   * Weight gradient: C[m,n] = A[k,m]^T · B[k,n], and colSum[j] = sum_r A[r,j] when colSum is
   * given (the bias gradient, fused so dz is read once). dW = dz^T x, db = sum over batch of dz.
   */
  gemmAtB(A: FloatArray, B: FloatArray, C: FloatArray, m: number, n: number, k: number, colSum: FloatArray | null): void;
  /**
   * Optional fused elementwise work. Each returns true when it did the work, false when it
   * does not apply (an activation it lacks, float64, buffers outside its memory), in which
   * case the caller runs the TypeScript loop. a = f(z) over n elements.
   */
  activationForward?(name: string, p: Readonly<Record<string, number | boolean>>, z: FloatArray, a: FloatArray, n: number): boolean;
  /** dz = da ⊙ f'(z) over n elements. */
  activationBackward?(name: string, p: Readonly<Record<string, number | boolean>>, z: FloatArray, a: FloatArray, da: FloatArray, dz: FloatArray, n: number): boolean;
  /** value -= lr (grad + weightDecay value), bit-identical to the sgd optimizer's loop. */
  sgdStep?(value: FloatArray, grad: FloatArray, lr: number, weightDecay: number): boolean;
  /**
   * out[i] = x[i] + alpha y[i] for i < n, in doubles rounded once, bit-identical to MLP's
   * residual loops (h_l = h_{l-1} + alpha a_l; dx += d with alpha 1); out may be x.
   */
  axpy?(out: FloatArray, x: FloatArray, y: FloatArray, alpha: number, n: number): boolean;
  /** out[i] = alpha x[i] for i < n (a residual layer's da = alpha dL/dh). */
  scale?(out: FloatArray, x: FloatArray, alpha: number, n: number): boolean;
  /**
   * One parameter's adam update with the bits of the adam optimizer's loop (optimizers.ts):
   * m, v its moments (as long as w); step: that step's constants.
   */
  adamStep?(w: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, step: AdamConstants): boolean;
  /** One parameter's momentum update (vel: its velocity) with the bits of the momentum optimizer's loop. */
  momentumStep?(w: FloatArray, grad: FloatArray, vel: FloatArray, mu: number, lr: number, wd: number, nesterov: boolean): boolean;
  /**
   * Optional reducers of the metrics pass (src/metrics/reducers.ts and histogram.ts hold the
   * TypeScript loops they replace), each with the bits of that loop; false when it does not
   * apply (float64, x outside the kernel's memory), having done nothing.
   * Around K = x[0], n >= 1: out[0] = sum (x - K), out[1] = sum (x - K)^2 (both in index
   * order), out[2] = max |x| (NaN once a NaN is seen).
   */
  shiftedSums?(x: FloatArray, n: number, out: Float64Array): boolean;
  /** The histogram of x[0 .. n) over `bins`: out[0 .. bins) the counts, then under, over, NaN. */
  binCounts?(x: FloatArray, n: number, bins: BinLayout, out: Int32Array): boolean;
  /**
   * Over d [rows, units * widthFactor], g = max |d| of a unit's columns in a row: out[0] = pairs
   * with g == 0, out[1] = pairs with g < threshold, out[2] = units with g == 0 on every row,
   * whose deadMask[j] is set to 1 (the others' to 0).
   */
  derivativeCounts?(d: FloatArray, rows: number, units: number, widthFactor: number, threshold: number, deadMask: Uint8Array, out: Int32Array): boolean;
  /**
   * Optional normalization passes with the bits of NormLayer's TypeScript loops (src/net/norm.ts,
   * whose header gives the formulas); false when they do not apply (float64, buffers outside
   * the kernel's memory), having done nothing. Forward: n = Norm(z) over `rows` rows, setting
   * xhat, mean, invstd and, in 'train' mode, batch norm's running statistics.
   */
  normForward?(s: NormBuffers, z: FloatArray, n: FloatArray, rows: number, mode: ForwardMode): boolean;
  /** dgamma, dbeta and dz = Norm'(dn) through the statistics of the last forward pass, run in `mode`. */
  normBackward?(s: NormBuffers, dn: FloatArray, dz: FloatArray, rows: number, mode: ForwardMode): boolean;
}

/** Adam's constants for one step t: the betas, eps, weight decay, lr / (1 - b1^t) and sqrt(1 - b2^t). */
export interface AdamConstants {
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
  readonly wd: number;
  readonly stepSize: number;
  readonly bc2Sqrt: number;
}

/**
 * Histogram bins as a kernel reads them (the metrics' BinSpec has this shape): strictly
 * increasing edges, bins + 1 of them; a linear layout's bin width is 1 / invWidth, a symmetric
 * log one has `perDecade` bins a decade from 10^minExp out on each side of the zero bin `side`.
 */
export interface BinLayout {
  readonly kind: 'linear' | 'symlog';
  readonly edges: readonly number[];
  readonly invWidth: number;
  readonly side: number;
  readonly minExp: number;
  readonly perDecade: number;
}
