import { describe, expect, it } from 'vitest';
import { binIndex, histogram, linearBins, linearEdgesFor, niceCeil, symlogBins } from '../../src/metrics/histogram.js';
import { ACTIVATIONS } from '../../src/net/activations.js';
import { createRng } from '../../src/net/rng.js';

const total = (h: { counts: readonly number[]; under?: number; over?: number; nan?: number }): number =>
  h.counts.reduce((s, c) => s + c, 0) + (h.under ?? 0) + (h.over ?? 0) + (h.nan ?? 0);

describe('linear bins', () => {
  const spec = linearBins(-1, 1, 4);

  it('puts each value in its half-open bin, the top edge in the last bin', () => {
    expect(spec.edges).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(binIndex(spec, -1)).toBe(0);
    expect(binIndex(spec, -0.5)).toBe(1);
    expect(binIndex(spec, 0.49)).toBe(2);
    expect(binIndex(spec, 1)).toBe(3);
    expect(binIndex(spec, 1.01)).toBe(-2);
    expect(binIndex(spec, -1.01)).toBe(-1);
    expect(binIndex(spec, NaN)).toBe(-3);
  });

  it('counts add up to the number of values, under, over and NaN included', () => {
    const rng = createRng(3);
    const x = Float64Array.from({ length: 1000 }, () => 1.5 * rng.normal());
    x[7] = NaN;
    x[8] = Infinity;
    x[9] = -Infinity;
    const h = histogram(spec, x);
    expect(total(h)).toBe(1000);
    expect(h.nan).toBe(1);
    expect(h.under).toBeGreaterThan(0);
    expect(h.over).toBeGreaterThan(0);
    expect(h.edges.length).toBe(h.counts.length + 1);
  });
});

describe('symmetric log bins', () => {
  const spec = symlogBins(-12, 2, 2);

  it('has 2 bins a decade on each side of one zero bin', () => {
    expect(spec.edges.length).toBe(28 + 1 + 28 + 1);
    expect(spec.edges[0]).toBe(-100);
    expect(spec.edges[spec.edges.length - 1]).toBe(100);
    expect(spec.edges[28]).toBe(-1e-12);
    expect(spec.edges[29]).toBe(1e-12);
    for (let i = 1; i < spec.edges.length; i++) expect(spec.edges[i]).toBeGreaterThan(spec.edges[i - 1]);
  });

  it('puts zeros and values below 1e-12 in the zero bin and the rest by decade', () => {
    const zero = 28;
    expect(binIndex(spec, 0)).toBe(zero);
    expect(binIndex(spec, -0)).toBe(zero);
    expect(binIndex(spec, 3e-13)).toBe(zero);
    expect(binIndex(spec, -1e-12)).toBe(zero);
    expect(binIndex(spec, 1e-12)).toBe(zero + 1);
    expect(binIndex(spec, 2e-12)).toBe(zero + 1);
    expect(binIndex(spec, 4e-12)).toBe(zero + 2);
    expect(binIndex(spec, 0.01)).toBe(zero + 1 + 20);
    expect(binIndex(spec, -0.01)).toBe(zero - 1 - 19);
    expect(binIndex(spec, 100)).toBe(56);
    expect(binIndex(spec, 101)).toBe(-2);
    expect(binIndex(spec, -101)).toBe(-1);
  });

  it('agrees with a linear search over the edges for values across every decade', () => {
    const rng = createRng(11);
    for (let i = 0; i < 5000; i++) {
      const v = (rng.next() < 0.5 ? -1 : 1) * 10 ** rng.uniform(-14, 3);
      const b = binIndex(spec, v);
      const e = spec.edges;
      let ref = -3;
      if (v < e[0]) ref = -1;
      else if (v > e[e.length - 1]) ref = -2;
      else for (let k = 0; k < e.length - 1; k++) if (v >= e[k] && (v < e[k + 1] || k === e.length - 2)) { ref = k; break; }
      expect(b, `value ${v}`).toBe(ref);
    }
  });

  it('counts add up for gradients spread over many decades', () => {
    const rng = createRng(5);
    const x = Float32Array.from({ length: 4096 }, () => rng.normal() * 10 ** rng.uniform(-15, 3));
    expect(total(histogram(spec, x))).toBe(4096);
  });
});

describe('linear edges for z and a', () => {
  it('uses the activation range exactly when both ends are finite', () => {
    const s = linearEdgesFor(ACTIVATIONS.tanh.range({}), 0.3, 40);
    expect(s.edges[0]).toBe(-1);
    expect(s.edges[40]).toBe(1);
  });

  it('starts at the range floor and reaches 5 step-0 rms, rounded up to 1, 2 or 5 x 10^k', () => {
    const s = linearEdgesFor(ACTIVATIONS.relu.range({}), 0.7, 40);
    expect(s.edges[0]).toBe(0);
    expect(s.edges[40]).toBe(5);
    const z = linearEdgesFor(null, 0.7, 40);
    expect([z.edges[0], z.edges[40]]).toEqual([-5, 5]);
    expect(niceCeil(3.2)).toBe(5);
    expect(niceCeil(0.011)).toBe(0.02);
    expect(niceCeil(0)).toBe(1);
  });
});

describe('accumulate, the fast path', () => {
  it.each([
    ['linear', linearBins(-3, 5, 40)],
    ['symlog', symlogBins(-12, 2, 2)],
  ] as const)('puts every value in the bin binIndex names (%s bins)', (_kind, spec) => {
    const values: number[] = [NaN, -0, 0, 1e-300, -1e-300, ...spec.edges, ...spec.edges.map((e) => e * (1 + 1e-15)), ...spec.edges.map((e) => e * (1 - 1e-15))];
    let s = 12345;
    for (let i = 0; i < 20000; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const u = s / 2147483648;
      values.push(spec.kind === 'linear' ? -4 + 10 * u : (u < 0.5 ? -1 : 1) * 10 ** (-14 + 17 * ((u * 2) % 1)));
    }
    const expected = { counts: new Array(spec.edges.length - 1).fill(0), under: 0, over: 0, nan: 0 };
    for (const v of values) {
      const b = binIndex(spec, v);
      if (b >= 0) expected.counts[b]++;
      else if (b === -1) expected.under++;
      else if (b === -2) expected.over++;
      else expected.nan++;
    }
    const h = histogram(spec, Float64Array.from(values));
    expect(h.counts).toEqual(expected.counts);
    expect([h.under ?? 0, h.over ?? 0, h.nan ?? 0]).toEqual([expected.under, expected.over, expected.nan]);
  });
});
