import { describe, expect, it } from 'vitest';
import {
  allFinite, derivativeCounts, diffNorm, firstNonFinite, growthFactor, lsSlope, mean, norm, stats, std, sumSquares,
} from '../../src/metrics/reducers.js';

describe('norms and moments', () => {
  it('computes the Frobenius norm of a flat matrix, and of a prefix or a slice', () => {
    const x = Float32Array.from([3, 4, 12, 100]);
    expect(norm(x, 2)).toBe(5);
    expect(norm(x, 3)).toBe(13);
    expect(norm(x, 2, 1)).toBeCloseTo(Math.sqrt(16 + 144), 12);
    expect(sumSquares([1, 2, 3])).toBe(14);
  });

  it('accumulates float32 squares in float64, so 10^6 small values keep their digits', () => {
    const x = new Float32Array(1_000_000).fill(0.1);
    const exact = Math.sqrt(1_000_000 * Math.fround(0.1) ** 2);
    expect(Math.abs(norm(x) - exact) / exact).toBeLessThan(1e-9);
    // The same sum accumulated in float32 is off by far more: what the float64 accumulator avoids.
    let s32 = 0;
    for (let i = 0; i < x.length; i++) s32 = Math.fround(s32 + Math.fround(x[i] * x[i]));
    expect(Math.abs(Math.sqrt(s32) - exact) / exact).toBeGreaterThan(1e-6);
  });

  it('measures the size of a step as the norm of the difference', () => {
    expect(diffNorm([1, 2, 3], [1, 5, 7])).toBe(5);
  });

  it('gives mean, population std, rms and max |x|, with rms^2 = mean^2 + std^2', () => {
    const s = stats(Float64Array.from([1, -3, 2, 0]));
    expect(s.mean).toBe(0);
    expect(s.std).toBeCloseTo(Math.sqrt(14 / 4), 14);
    expect(s.rms).toBeCloseTo(Math.sqrt(14 / 4), 14);
    expect(s.maxAbs).toBe(3);
    const t = stats([5, 7, 9]);
    expect(t.rms ** 2).toBeCloseTo(t.mean ** 2 + t.std ** 2, 12);
    expect(std([5, 7, 9])).toBeCloseTo(Math.sqrt(8 / 3), 14);
    expect(mean([5, 7, 9])).toBe(7);
  });

  it('keeps the std of values with a large common offset (shifted sums)', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => 1e8 + (i % 2 === 0 ? 1 : -1));
    expect(stats(x).std).toBeCloseTo(1, 9);
  });

  it('lets a NaN show in every statistic instead of hiding it in the max', () => {
    const s = stats([1, NaN, 2]);
    expect(s.maxAbs).toBeNaN();
    expect(s.rms).toBeNaN();
  });
});

describe('derivativeCounts', () => {
  // d: [3 rows, 4 units]; unit 1 is 0 on every row (dead), unit 3 is 0 on two rows.
  const d = Float64Array.from([
    1, 0, 0.01, 0,
    0.5, 0, 0.2, 0.03,
    1, 0, 0.9, 0,
  ]);

  it('counts exact zeros, dead units and saturated pairs, and marks the dead units', () => {
    const mask = new Uint8Array(4);
    const c = derivativeCounts(d, 3, 4, 1, 0.05, mask, new Int32Array(4));
    expect(c.pairs).toBe(12);
    expect(c.zeroPairs).toBe(5);
    expect(c.deadUnits).toBe(1);
    // |d| < 0.05: the five zeros, 0.01 and 0.03.
    expect(c.saturatedPairs).toBe(7);
    expect(Array.from(mask)).toEqual([0, 1, 0, 0]);
  });

  it('treats a CReLU unit as zero only when both of its halves are', () => {
    // 2 rows, 2 units, widthFactor 2: columns [pos0, pos1, neg0, neg1].
    const dc = Float64Array.from([
      1, 0, 0, 0,
      0, 0, -1, 0,
    ]);
    const mask = new Uint8Array(2);
    const c = derivativeCounts(dc, 2, 2, 2, 0.05, mask, new Int32Array(2));
    expect(c.zeroPairs).toBe(2);
    expect(c.deadUnits).toBe(1);
    expect(Array.from(mask)).toEqual([0, 1]);
  });
});

describe('fits', () => {
  it('fits the slope of a line exactly and skips non-finite points', () => {
    expect(lsSlope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2, 14);
    expect(lsSlope([0, 1, 2, 3], [1, NaN, 5, 7])).toBeCloseTo(2, 14);
    expect(lsSlope([0], [1])).toBeNull();
  });

  it('recovers the per-step factor of a geometric sequence', () => {
    const v = Array.from({ length: 10 }, (_, i) => 3 * 0.7 ** i);
    expect(growthFactor(v)).toBeCloseTo(0.7, 12);
    expect(growthFactor([1, 0, 4])).toBeCloseTo(4 ** 0.5, 12);
    expect(growthFactor([1])).toBeNull();
  });
});

describe('non-finite detection', () => {
  it('returns the index of the first NaN or infinity, or -1', () => {
    expect(firstNonFinite(Float32Array.from([1, 2, 3]))).toBe(-1);
    expect(firstNonFinite([1, Infinity, NaN])).toBe(1);
    expect(firstNonFinite([1, 2, NaN])).toBe(2);
    expect(firstNonFinite([1, 2, NaN], 2)).toBe(-1);
    expect(allFinite([1, 2, 3])).toBe(true);
    expect(allFinite([1, -Infinity, 3])).toBe(false);
    expect(allFinite([NaN])).toBe(false);
  });
});
