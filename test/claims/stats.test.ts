import { describe, expect, it } from 'vitest';
import {
  binomialHalfCdf, incompleteBeta, logGamma, medianInterval, outcomeOf, tCdf, tInterval, tQuantile,
} from '../../src/claims/stats.js';

describe('Student t', () => {
  // Table values of t(0.975, df) (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
  it.each([
    [1, 12.706], [2, 4.303], [4, 2.776], [5, 2.571], [7, 2.365], [10, 2.228], [30, 2.042],
  ])('t(0.975, %i) = %f', (df, t) => {
    expect(tQuantile(0.975, df)).toBeCloseTo(t, 3);
  });

  it('has the closed-form cdf of df = 1 (Cauchy) and df = 2', () => {
    for (const t of [-3, -0.5, 0, 0.7, 4]) {
      expect(tCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(tCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
  });

  it('computes ln Gamma and the incomplete beta against closed forms', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    for (const x of [0.1, 0.5, 0.9]) {
      expect(incompleteBeta(x, 1, 1)).toBeCloseTo(x, 12);
      expect(incompleteBeta(x, 3, 1)).toBeCloseTo(x ** 3, 12);
      expect(incompleteBeta(x, 1, 2)).toBeCloseTo(1 - (1 - x) ** 2, 12);
    }
  });

  it('gives mean ± t s / sqrt(n) over the samples', () => {
    const xs = [1, 2, 3, 4, 5];
    const iv = tInterval(xs)!;
    const half = tQuantile(0.975, 4) * Math.sqrt(2.5 / 5);
    expect(iv.value).toBe(3);
    expect(iv.lo).toBeCloseTo(3 - half, 12);
    expect(iv.hi).toBeCloseTo(3 + half, 12);
    expect(iv.method).toBe('t');
  });

  it('has no interval for no samples or a non-finite one, and an unbounded one for a single sample', () => {
    expect(tInterval([])).toBeNull();
    expect(tInterval([1, Number.NaN])).toBeNull();
    expect(tInterval([2])).toMatchObject({ value: 2, lo: -Infinity, hi: Infinity });
  });

  it('covers the mean of a normal population about 95% of the time (Monte Carlo, seeded)', async () => {
    const { createRng } = await import('../../src/net/rng.js');
    const rng = createRng(7).fork('coverage');
    let covered = 0;
    const trials = 4000;
    for (let k = 0; k < trials; k++) {
      const iv = tInterval(Array.from({ length: 6 }, () => 1 + 2 * rng.normal()))!;
      if (iv.lo <= 1 && 1 <= iv.hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.935);
    expect(covered / trials).toBeLessThan(0.965);
  });
});

describe('median interval', () => {
  it('takes the 4th and 12th of 15 ordered rounds, with coverage at least 95%', () => {
    const xs = [15, 3, 9, 1, 12, 7, 5, 14, 2, 11, 6, 8, 13, 4, 10];
    const iv = medianInterval(xs)!;
    expect([iv.value, iv.lo, iv.hi]).toEqual([8, 4, 12]);
    expect(1 - 2 * binomialHalfCdf(3, 15)).toBeGreaterThanOrEqual(0.95);
    expect(1 - 2 * binomialHalfCdf(4, 15)).toBeLessThan(0.95);
  });

  it('is unbounded below 6 samples, where no order statistic reaches 95%', () => {
    expect(medianInterval([1, 2, 3, 4, 5])).toMatchObject({ lo: -Infinity, hi: Infinity });
    expect(medianInterval([1, 2, 3, 4, 5, 6])).toMatchObject({ lo: 1, hi: 6 });
  });
});

describe('three outcomes', () => {
  it.each([
    ['above', 0.01, [0.02, 0.05], 'reproduced'],
    ['above', 0.01, [-0.03, 0.005], 'not reproduced'],
    ['above', 0.01, [-0.01, 0.03], 'inconclusive'],
    ['below', 0.9, [0.7, 0.85], 'reproduced'],
    ['below', 0.9, [0.95, 1.1], 'not reproduced'],
    ['below', 0.9, [0.8, 1], 'inconclusive'],
    ['below', 0.9, [0.9, 0.9], 'inconclusive'],
  ] as const)('%s %f with interval %j is %s', (direction, threshold, [lo, hi], outcome) => {
    expect(outcomeOf({ lo, hi }, direction, threshold)).toBe(outcome);
  });
});
