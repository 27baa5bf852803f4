import { describe, expect, it } from 'vitest';
import { normGradientRate, residualBounded } from '../../src/claims/checks/remedies.js';
import { compare } from '../../src/claims/checks/training.js';
import type { CheckContext } from '../../src/claims/checks/types.js';
import type { EmpiricalClaim } from '../../src/claims/schema.js';
import type { ArmRuns } from '../../src/claims/runs.js';
import { arm, cell, layer } from './fixtures.js';

const RATE = Math.PI / (Math.PI - 1);

function ctx(params: unknown, roles: Readonly<Record<string, readonly ArmRuns[]>>, seeds = [0, 1]): CheckContext<unknown, EmpiricalClaim> {
  return {
    claim: {} as EmpiricalClaim, params, t: {}, seedBase: 0, seeds,
    arm: (r) => roles[r][0], arms: (r) => [...(roles[r] ?? [])],
  };
}

/** Hidden layers whose ||dL/dz||^2 grows by `factor` per layer toward the input (layer 0 largest). */
const growing = (depth: number, factor: number) =>
  Array.from({ length: depth }, (_, l) => layer(l, { deltaNorm: Math.sqrt(factor) ** (depth - 1 - l) }));

/** An arm of residual nets at one depth whose measured stream growth per seed is `g[seed]`. */
const residualArm = (name: string, depth: number, g: readonly number[]) =>
  arm(`r/${name}`, g.map((v, seed) => cell({ seed, depth, initial: [layer(0)], extra: { remedyTheory: { norm: null, residual: { measuredMeanSquareGrowth: v, meanSquareGrowth: 1.5 } } } })), null);

describe('normGradientRate', () => {
  it("measures the largest relative distance of the fitted factor from the claim's rate", async () => {
    const he = arm('b/he', [0, 1].map((seed) => cell({ seed, depth: 8, initial: growing(8, RATE * (seed === 0 ? 1.02 : 0.99)) })), null);
    const small = arm('b/small', [0, 1].map((seed) => cell({ seed, depth: 8, initial: growing(8, RATE) })), null);
    const plain = arm('b/plain', [0, 1].map((seed) => cell({ seed, depth: 8, initial: growing(8, 1.01) })), null);
    const o = await normGradientRate.evaluate(ctx({ rate: RATE, plainMax: 1.1 }, { nets: [he, small], plain: [plain] }));
    expect(o.samples[0].value).toBeCloseTo(0.02, 10);
    expect(o.samples[1].value).toBeCloseTo(0.01, 10);
    expect(o.preconditions?.[0].value).toBeCloseTo(1.01, 10);
    expect(o.preconditions?.[0].pass).toBe(true);
  });

  it('fails the precondition when the net without norm grows as well', async () => {
    const he = arm('b/he', [0, 1].map((seed) => cell({ seed, depth: 8, initial: growing(8, RATE) })), null);
    const plain = arm('b/plain', [0, 1].map((seed) => cell({ seed, depth: 8, initial: growing(8, 1.3) })), null);
    const o = await normGradientRate.evaluate(ctx({ rate: RATE, plainMax: 1.1 }, { nets: [he], plain: [plain] }));
    expect(o.preconditions?.[0].pass).toBe(false);
  });

  it('leaves a seed unmeasured when a layer has no gradient norm', async () => {
    const broken = growing(8, RATE).map((l, i) => (i === 3 ? { ...l, deltaNorm: 0 } : l));
    const he = arm('b/he', [cell({ seed: 0, depth: 8, initial: broken }), cell({ seed: 1, depth: 8, initial: growing(8, RATE) })], null);
    const o = await normGradientRate.evaluate(ctx({ rate: RATE }, { nets: [he], plain: [] }));
    expect(o.samples[0].value).toBeNull();
    expect(o.samples[1].value).toBeCloseTo(0, 10);
  });
});

describe('residualBounded', () => {
  it('takes the largest log10 rise over depth of the scaled nets, whatever order the arms come in', async () => {
    const scaled = [residualArm('s64', 64, [1.8, 1.7]), residualArm('s16', 16, [1.6, 1.7]), residualArm('s256', 256, [1.6, 3.4])];
    const unscaled = [residualArm('o16', 16, [28, 28]), residualArm('o64', 64, [160, 160]), residualArm('o256', 256, [770, 770])];
    const o = await residualBounded.evaluate(ctx({ minUnscaledRise: 1 }, { scaled, unscaled }));
    expect(o.samples[0].value).toBeCloseTo(Math.log10(1.8 / 1.6), 10);
    expect(o.samples[1].value).toBeCloseTo(Math.log10(2), 10);
    expect(o.preconditions?.[0].value).toBeCloseTo(Math.log10(770 / 28), 10);
    expect(o.preconditions?.[0].pass).toBe(true);
  });

  it('fails the precondition when scale 1 does not grow with depth either', async () => {
    const flat = (n: string, d: number) => residualArm(n, d, [2, 2]);
    const o = await residualBounded.evaluate(ctx({ minUnscaledRise: 1 }, { scaled: [flat('s16', 16), flat('s256', 256)], unscaled: [flat('o16', 16), flat('o256', 256)] }));
    expect(o.samples.map((s) => s.value)).toEqual([0, 0]);
    expect(o.preconditions?.[0].pass).toBe(false);
  });
});

describe('compare with a maximum', () => {
  it('states that the baseline stays under a level as a precondition', async () => {
    const better = arm('m/batch', [0, 1].map((seed) => cell({ seed, testAcc: 0.9 })));
    const base = arm('m/plain', [0, 1].map((seed) => cell({ seed, testAcc: seed === 0 ? 0.11 : 0.35 })));
    const p = { measure: 'testAcc', combine: 'difference', maximums: [{ role: 'baseline', measure: 'testAcc', max: 0.3 }] };
    const o = await compare.evaluate(ctx(p, { better: [better], baseline: [base] }));
    expect(o.samples.map((s) => s.value)).toEqual([0.9 - 0.11, 0.9 - 0.35]);
    expect(o.preconditions).toHaveLength(1);
    expect(o.preconditions?.[0].value).toBeCloseTo(0.23, 12);
    expect(o.preconditions?.[0].pass).toBe(true);
    expect(o.preconditions?.[0].threshold).toBe('<= 0.3');
  });
});
