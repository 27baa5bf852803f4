import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/net/rng.js';
import { singularValues, summarizeSpectrum } from '../../src/metrics/svd.js';

/** A random orthogonal n x n matrix: Gram-Schmidt on Gaussian columns (row-major). */
function orthogonal(n: number, seed: string): Float64Array {
  const rng = createRng(seed);
  const q = Float64Array.from({ length: n * n }, () => rng.normal());
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += q[i * n + j] * q[i * n + k];
      for (let i = 0; i < n; i++) q[i * n + j] -= d * q[i * n + k];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * n + j] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i * n + j] /= norm;
  }
  return q;
}

function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

describe('singular values by one-sided Jacobi', () => {
  it.each([[5], [16], [40]])('recovers prescribed values U diag(s) V^T (n = %i), condition 1e10 included', (n) => {
    const s = Float64Array.from({ length: n }, (_, i) => 10 ** (-10 * (i / (n - 1))));
    const u = orthogonal(n, `u${n}`);
    const v = orthogonal(n, `v${n}`);
    const us = Float64Array.from(u, (x, idx) => x * s[idx % n]);
    const a = matmul(us, Float64Array.from({ length: n * n }, (_, idx) => v[(idx % n) * n + Math.floor(idx / n)]), n, n, n);
    const got = singularValues(a, n, n);
    // Relative accuracy of every value, the smallest included.
    for (let i = 0; i < n; i++) expect(Math.abs(got[i] / s[i] - 1)).toBeLessThan(1e-6);
    for (let i = 0; i < 3; i++) expect(Math.abs(got[i] / s[i] - 1)).toBeLessThan(1e-11);
  });

  it('handles wide and tall matrices alike, and the sum of squares is the Frobenius norm', () => {
    const rng = createRng('rect');
    const a = Float64Array.from({ length: 7 * 12 }, () => rng.normal());
    const at = Float64Array.from({ length: 12 * 7 }, (_, idx) => a[(idx % 7) * 12 + Math.floor(idx / 7)]);
    const s1 = singularValues(a, 7, 12);
    const s2 = singularValues(at, 12, 7);
    expect(s1).toHaveLength(7);
    for (let i = 0; i < 7; i++) expect(s1[i]).toBeCloseTo(s2[i], 12);
    const fro = a.reduce((acc, x) => acc + x * x, 0);
    expect(s1.reduce((acc, x) => acc + x * x, 0)).toBeCloseTo(fro, 9);
    for (let i = 1; i < 7; i++) expect(s1[i]).toBeLessThanOrEqual(s1[i - 1]);
  });

  it('gives exact zeros for a rank-deficient matrix and the values of a diagonal one', () => {
    expect(Array.from(singularValues([1, 2, 2, 4], 2, 2))).toEqual([5, 0]);
    expect(Array.from(singularValues([0, 3, 0, -2, 0, 0, 0, 0, 0.5], 3, 3))).toEqual([3, 2, 0.5]);
  });

  it('summarises a spectrum as users quote it', () => {
    const sum = summarizeSpectrum([2, 1, 0.5]);
    expect(sum.meanS2).toBeCloseTo((4 + 1 + 0.25) / 3, 14);
    expect(sum.condition).toBe(4);
    expect(sum.max).toBe(2);
    expect(sum.min).toBe(0.5);
    expect(summarizeSpectrum([1, 0]).condition).toBe(Infinity);
  });
});
