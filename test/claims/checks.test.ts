import { describe, expect, it } from 'vitest';
import { centringIndex } from '../../src/claims/checks/centring.js';
import { gradientRatio, theoryActGrowth, theoryDeltaRatio } from '../../src/claims/checks/signal.js';
import { domainDeparture, momentsOf, postSelu, stackStats, varianceMap } from '../../src/claims/checks/selu.js';
import { measureOf } from '../../src/claims/checks/measures.js';
import type { CheckContext } from '../../src/claims/checks/types.js';
import type { EmpiricalClaim } from '../../src/claims/schema.js';
import { SELU_ALPHA, SELU_LAMBDA } from '../../src/net/activations.js';
import { createRng } from '../../src/net/rng.js';
import { arm, cell, layer } from './fixtures.js';

/** E[f(z)] and E[f(z)^2], z ~ N(0, nu), by seeded Monte Carlo. */
function monteCarlo(f: (x: number) => number, nu: number, n = 400_000): { mean: number; variance: number } {
  const rng = createRng(11).fork('mc');
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const y = f(Math.sqrt(nu) * rng.normal());
    s += y;
    s2 += y * y;
  }
  return { mean: s / n, variance: s2 / n - (s / n) ** 2 };
}

describe("the post's SELU code, measured", () => {
  it('has moments at N(0, 1) that quadrature and Monte Carlo agree on, off (0, 1)', () => {
    const q = momentsOf(postSelu, 1);
    const mc = monteCarlo(postSelu, 1);
    expect(q.mean).toBeCloseTo(mc.mean, 2);
    expect(q.variance).toBeCloseTo(mc.variance, 2);
    // Closed form of the second moment: 1/2 + lambda^2 alpha^2 E[(e^z - 1)^2; z < 0].
    const tail = Math.E ** 2 * 0.022750131948179195 - 2 * Math.sqrt(Math.E) * 0.15865525393145707 + 0.5;
    expect(q.variance + q.mean ** 2).toBeCloseTo(0.5 + (SELU_LAMBDA * SELU_ALPHA) ** 2 * tail, 10);
    expect(Math.abs(q.variance - 1)).toBeGreaterThan(0.01);
  });

  it('iterates its variance map to a fixed point that the map maps onto itself', () => {
    const fp = varianceMap(postSelu, 1, 200).at(-1)!;
    expect(momentsOf(postSelu, fp.nu).variance).toBeCloseTo(fp.nu, 9);
  });

  it("keeps the engine's SELU near (0, 1) in a random deep stack", () => {
    const selu = (x: number): number => SELU_LAMBDA * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
    const ok = stackStats(selu, { width: 128, depth: 16, rows: 64, seed: 1 }).at(-1)!;
    expect(Math.abs(ok.mean)).toBeLessThan(0.1);
    expect(ok.variance).toBeGreaterThan(0.8);
    expect(ok.variance).toBeLessThan(1.2);
  });

  it('measures the departure D from the domain: negative inside, positive outside', () => {
    const d = { width: 256, maxAbsMean: 0.1, minVar: 0.8, maxVar: 1.5 };
    expect(domainDeparture([layer(0, { actMean: 0, actStd: 1 })], d)).toBeCloseTo(-0.1, 12);
    expect(domainDeparture([layer(0, { actMean: 0, actStd: 1 }), layer(1, { actMean: 0.05, actStd: Math.sqrt(2) })], d)).toBeCloseTo(0.5, 12);
    expect(domainDeparture([layer(0, {})], d)).toBeNull();
  });
});

describe('mean-field predictions of the signal claims', () => {
  it('sum half the log10 chi_1 of every gap below the last hidden layer', () => {
    const chi = [0.5, 0.5, 0.5, 0.25];
    expect(theoryDeltaRatio({ sigmaW2: 1, qPerLayer: [1, 1, 1, 1], chi1PerLayer: chi })).toBeCloseTo(1.5 * Math.log10(0.5), 12);
  });

  it('give ReLU a flat activation scale under He weights and 1/sqrt 2 per layer under LeCun weights', () => {
    expect(theoryActGrowth({ sigmaW2: 2, qPerLayer: Array(20).fill(2), chi1PerLayer: Array(20).fill(1) }, 20)).toBeCloseTo(1, 12);
    const halving = Array.from({ length: 20 }, (_, l) => 0.5 ** l);
    expect(theoryActGrowth({ sigmaW2: 1, qPerLayer: halving, chi1PerLayer: Array(20).fill(0.5) }, 20)).toBeCloseTo(Math.SQRT1_2, 12);
  });
});

describe('signal checks on hand-made runs', () => {
  const ctx = (params: unknown, a: ReturnType<typeof arm>, seeds = [0, 1]): CheckContext<unknown, EmpiricalClaim> => ({
    claim: {} as EmpiricalClaim, params, t: {}, seedBase: 0, seeds, arm: () => a, arms: () => [],
  });
  const profile = (top: number) => [layer(0, { deltaNorm: top / 100 }), layer(1, { deltaNorm: top / 10 }), layer(2, { deltaNorm: top })];

  it('reads the vanishing gradient per seed, the larger over step 0 and the end', async () => {
    const a = arm('s/a', [0, 1].map((seed) => cell({ seed, initial: profile(1), final: [layer(0, { deltaNorm: 0.5 }), layer(1), layer(2)] })));
    const o = await gradientRatio.evaluate(ctx({ points: ['initial', 'final'] }, a));
    expect(o.samples.map((s) => s.value)).toEqual([Math.log10(0.5), Math.log10(0.5)]);
    const init = await gradientRatio.evaluate(ctx({ points: ['initial'] }, a));
    expect(init.samples.map((s) => s.value)).toEqual([-2, -2]);
  });

  it('leaves a seed without its run unmeasured, with the reason', async () => {
    const a = arm('s/a', [cell({ seed: 0, initial: profile(1) })]);
    const o = await gradientRatio.evaluate(ctx({ points: ['initial'] }, a));
    expect(o.samples[1]).toEqual({ seed: 1, value: null, note: 'no run for s/a seed 1 (did it fail?)' });
  });

  it('measures centring without the scale: |mean| / RMS', () => {
    const c = cell({ seed: 0, initial: [layer(0, { actMean: 0.5, actRms: 1 }), layer(1, { actMean: -2, actRms: 8 })] });
    expect(centringIndex(c, 'initial')).toBeCloseTo((0.5 + 0.25) / 2, 12);
  });

  it('scores revival only where a unit died, and a learned slope by its mean move', () => {
    const died = cell({ seed: 0, extra: { deadUnits: [{ layer: 0, died: 4, unitsRevived: 1 }, { layer: 1, died: 0, unitsRevived: 0 }, { layer: 3, died: 9, unitsRevived: 9 }] } });
    expect(measureOf('revivedShare', died)).toEqual({ value: 0.25 });
    expect(measureOf('revivedShare', cell({ seed: 0, extra: { deadUnits: [] } })).value).toBeNull();
    const slopes = cell({ seed: 0, extra: { preluSlopes: { initial: [[0.25], [0.25]], final: [[0.35], [0.05]] } } });
    expect(measureOf('slopeMove', slopes).value).toBeCloseTo(0.15, 12);
    expect(measureOf('slopeMove', cell({ seed: 0, status: 'diverged' }))).toEqual({ value: null, note: 'exp/seed=0 diverged' });
  });
});
