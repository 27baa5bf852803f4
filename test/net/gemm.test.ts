import { describe, expect, it } from 'vitest';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { createRng, type Rng } from '../../src/net/rng.js';
import { DTYPES, type DType, type FloatArray } from '../../src/net/tensor.js';

const K = tsKernels;

type Product = 'gemmABt' | 'gemmAB' | 'gemmAtB';
const PRODUCTS: readonly Product[] = ['gemmABt', 'gemmAB', 'gemmAtB'];

/** [m, n, k]: the 1x1x1 corner, sizes below one 4x4 tile, odd edges, and m > 64, k > 256 (several blocks). */
const SIZES: readonly [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [4, 4, 4],
  [3, 2, 300],
  [130, 67, 259],
  [65, 9, 513],
];

function randomArray(dtype: DType, n: number, rng: Rng): FloatArray {
  const [a] = K.allocBuffers(dtype, [n]);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/**
 * Naive float64 triple loop over the stored values, and the bound sum_p |a_ip b_pj| (+ |bias_j|)
 * that scales the rounding error. The left factor is A [m,k] (A [k,m] read transposed for
 * gemmAtB), the right one B [k,n] (B [n,k] read transposed for gemmABt).
 */
function naive(product: Product, A: FloatArray, B: FloatArray, bias: FloatArray | null, m: number, n: number, k: number) {
  const ref = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j] : 0;
      let t = bias ? Math.abs(bias[j]) : 0;
      for (let p = 0; p < k; p++) {
        const a = product === 'gemmAtB' ? A[p * m + i] : A[i * k + p];
        const b = product === 'gemmABt' ? B[j * k + p] : B[p * n + j];
        s += a * b;
        t += Math.abs(a * b);
      }
      ref[i * n + j] = s;
      mag[i * n + j] = t;
    }
  }
  return { ref, mag };
}

/** Largest |C - ref| / (mag * unit) over the first m*n entries; <= 1 means within tolerance. */
function worstError(C: FloatArray, ref: Float64Array, mag: Float64Array, dtype: DType): number {
  // float32: one rounding of a double sum (2^-24) plus the double sum's own error; float64: k ulps.
  const unit = dtype === 'float32' ? 2 ** -23 : 2 ** -44;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(C[i] - ref[i]) / (mag[i] * unit + 1e-300));
  return worst;
}

function run(product: Product, A: FloatArray, B: FloatArray, bias: FloatArray | null, C: FloatArray, colSum: FloatArray | null, m: number, n: number, k: number): void {
  if (product === 'gemmABt') K.gemmABt(A, B, bias, C, m, n, k);
  else if (product === 'gemmAB') K.gemmAB(A, B, C, m, n, k);
  else K.gemmAtB(A, B, C, m, n, k, colSum);
}

describe.each(DTYPES)('ts kernels in %s', (dtype) => {
  describe.each(PRODUCTS)('%s', (product) => {
    it.each(SIZES)('matches a naive triple loop for m=%i n=%i k=%i', (m, n, k) => {
      const rng = createRng(`${product}-${m}-${n}-${k}`);
      const A = randomArray(dtype, m * k, rng);
      const B = randomArray(dtype, n * k, rng);
      const [C] = K.allocBuffers(dtype, [m * n]);
      run(product, A, B, null, C, null, m, n, k);
      const { ref, mag } = naive(product, A, B, null, m, n, k);
      expect(worstError(C, ref, mag, dtype)).toBeLessThanOrEqual(1);
    });
  });

  it.each(SIZES)('gemmABt adds the bias of each column (m=%i n=%i k=%i)', (m, n, k) => {
    const rng = createRng(`bias-${m}-${n}-${k}`);
    const A = randomArray(dtype, m * k, rng);
    const B = randomArray(dtype, n * k, rng);
    const bias = randomArray(dtype, n, rng);
    const [C] = K.allocBuffers(dtype, [m * n]);
    K.gemmABt(A, B, bias, C, m, n, k);
    const { ref, mag } = naive('gemmABt', A, B, bias, m, n, k);
    expect(worstError(C, ref, mag, dtype)).toBeLessThanOrEqual(1);
  });

  it.each(SIZES)('gemmAtB fills colSum with the column sums of A (m=%i n=%i k=%i)', (m, n, k) => {
    const rng = createRng(`colsum-${m}-${n}-${k}`);
    const A = randomArray(dtype, k * m, rng);
    const B = randomArray(dtype, k * n, rng);
    const [C, colSum] = K.allocBuffers(dtype, [m * n, m]);
    colSum.fill(123); // stale values must be overwritten, not added to
    K.gemmAtB(A, B, C, m, n, k, colSum);
    const { ref, mag } = naive('gemmAtB', A, B, null, m, n, k);
    expect(worstError(C, ref, mag, dtype)).toBeLessThanOrEqual(1);
    for (let i = 0; i < m; i++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        s += A[p * m + i];
        t += Math.abs(A[p * m + i]);
      }
      expect(Math.abs(colSum[i] - s)).toBeLessThanOrEqual(t * (dtype === 'float32' ? 2 ** -23 : 2 ** -44));
    }
  });
});

describe('ts kernels across calls', () => {
  it.each(PRODUCTS)('%s leaves no stale results when the row count shrinks, and only writes the prefix', (product) => {
    const rng = createRng(`shrink-${product}`);
    const [n, k] = [67, 259];
    const big = 130;
    const small = 5;
    // Rows are m for gemmABt/gemmAB (A: [m, k]) and k for gemmAtB (A: [k, m], the batch).
    const rowsIn = (rows: number): [number, number, number] => (product === 'gemmAtB' ? [n, 9, rows] : [rows, n, k]);
    const [m1, n1, k1] = rowsIn(big);
    const A = randomArray('float64', Math.max(m1 * k1, 1), rng);
    const B = randomArray('float64', n1 * k1, rng);
    const [C, colSum] = K.allocBuffers('float64', [m1 * n1, m1]);
    run(product, A, B, null, C, colSum, m1, n1, k1);

    const [m2, n2, k2] = rowsIn(small);
    const A2 = randomArray('float64', m2 * k2, rng);
    const B2 = randomArray('float64', n2 * k2, rng);
    const before = Float64Array.from(C);
    run(product, A2, B2, null, C, colSum, m2, n2, k2);
    const { ref, mag } = naive(product, A2, B2, null, m2, n2, k2);
    expect(worstError(C, ref, mag, 'float64')).toBeLessThanOrEqual(1);
    // Everything past the m2 x n2 prefix is as the big call left it.
    expect(Array.from(C.subarray(m2 * n2))).toEqual(Array.from(before.subarray(m2 * n2)));
  });

  it('gives bit-identical results when called twice with the same inputs', () => {
    const rng = createRng('determinism');
    const [m, n, k] = [130, 67, 259];
    const A = randomArray('float32', m * k, rng);
    const B = randomArray('float32', n * k, rng);
    const bias = randomArray('float32', n, rng);
    const [C1, C2] = K.allocBuffers('float32', [m * n, m * n]);
    K.gemmABt(A, B, bias, C1, m, n, k);
    K.gemmAB(randomArray('float32', 9 * 300, rng), randomArray('float32', 300 * 11, rng), K.allocBuffers('float32', [99])[0], 9, 11, 300);
    K.gemmABt(A, B, bias, C2, m, n, k);
    expect(Buffer.from(C2.buffer).equals(Buffer.from(C1.buffer))).toBe(true);
  });

  it('treats k = 0 as an empty sum: C is the bias (or 0) and column sums are 0', () => {
    const [C, bias, colSum] = K.allocBuffers('float64', [6, 3, 2]);
    bias.set([1, 2, 3]);
    C.fill(9);
    K.gemmABt(new Float64Array(0), new Float64Array(0), bias, C, 2, 3, 0);
    expect(Array.from(C)).toEqual([1, 2, 3, 1, 2, 3]);
    C.fill(9);
    colSum.fill(9);
    K.gemmAtB(new Float64Array(0), new Float64Array(0), C, 2, 3, 0, colSum);
    expect(Array.from(C)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(colSum)).toEqual([0, 0]);
  });

  it('allocates zeroed buffers of the requested dtype and sizes', () => {
    const bufs = K.allocBuffers('float32', [3, 0, 5]);
    expect(bufs.map((b) => b.length)).toEqual([3, 0, 5]);
    expect(bufs.every((b) => b instanceof Float32Array && b.every((v) => v === 0))).toBe(true);
    expect(K.allocBuffers('float64', [2])[0]).toBeInstanceOf(Float64Array);
  });

  it('refuses negative or fractional sizes', () => {
    expect(() => K.gemmAB(new Float64Array(4), new Float64Array(4), new Float64Array(4), -1, 2, 2)).toThrow(/m=-1/);
    expect(() => K.gemmABt(new Float64Array(4), new Float64Array(4), null, new Float64Array(4), 2, 1.5, 2)).toThrow(/n=1.5/);
  });
});
