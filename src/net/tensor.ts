/**
 * Typed-array storage shared by the whole engine. Matrices are row-major: a `[rows, cols]`
 * matrix stores element (r, c) at `r * cols + c`. Weights use PyTorch's nn.Linear layout,
 * W: [fanOut, fanIn], so z = x W^T + b with x: [batch, fanIn], z: [batch, fanOut].
 */
export const DTYPES = ['float32', 'float64'] as const;
export type DType = (typeof DTYPES)[number];
export type FloatArray = Float32Array | Float64Array;

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
}
