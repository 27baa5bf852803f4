import { describe, expect, it } from 'vitest';
import { compare } from '../../src/claims/checks/training.js';
import type { CheckContext } from '../../src/claims/checks/types.js';
import { lossArea } from '../../src/claims/effects.js';
import type { ArmRuns } from '../../src/claims/runs.js';
import type { EmpiricalClaim, Study } from '../../src/claims/schema.js';
import type { ArmReport, EmpiricalOutcome } from '../../src/claims/types.js';
import { armReport, empiricalVerdict, identityVerdict } from '../../src/claims/verdict.js';
import { arm, cell } from './fixtures.js';

const effect = (direction: 'above' | 'below', threshold: number): Pick<EmpiricalClaim, 'effect'> => ({ effect: { name: 'effect', direction, threshold } });
const trained: ArmReport = { name: 's/a', role: 'better', lr: 0.1, seeds: 6, trained: true, gated: true, diverged: 0, testAcc: 0.9 };
const samples = (xs: readonly (number | null)[], note?: string) => xs.map((value, seed) => (value === null ? { seed, value, note } : { seed, value }));
const outcome = (xs: readonly (number | null)[], extra: Partial<EmpiricalOutcome> = {}): EmpiricalOutcome => ({ samples: samples(xs, 'diverged'), figures: [], ...extra });

describe('empirical verdicts from per-seed samples', () => {
  it('reproduces when the whole interval lies beyond the threshold', () => {
    const r = empiricalVerdict(effect('above', 0.01), outcome([0.03, 0.035, 0.04, 0.03, 0.032, 0.038]), [trained]);
    expect(r.verdict).toBe('reproduced');
    expect(r.effect.interval![0]).toBeGreaterThan(0.01);
    expect(r.reason).toBeUndefined();
  });

  it('does not reproduce when the interval excludes the claimed effect', () => {
    const r = empiricalVerdict(effect('above', 0.01), outcome([-0.02, -0.01, -0.015, -0.012, -0.02, -0.018]), [trained]);
    expect(r.verdict).toBe('not reproduced');
    expect(r.effect.interval![1]).toBeLessThan(0.01);
  });

  it('is inconclusive when the interval contains the threshold, and says so with the numbers', () => {
    const r = empiricalVerdict(effect('below', 0.9), outcome([0.85, 0.95, 0.8, 1.0, 0.88, 0.92]), [trained]);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/^the 95% interval \[0\.8\d*, 0\.9\d*\] contains the threshold 0\.9/);
  });

  it('is inconclusive ("did not train") when a gated arm stays at chance, whatever the effect', () => {
    const untrained: ArmReport = { ...trained, name: 'mnist/sigmoid', trained: false, testAcc: 0.11 };
    const r = empiricalVerdict(effect('above', 0.01), outcome([-0.5, -0.4, -0.45, -0.5, -0.42, -0.48]), [trained, untrained]);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe("did not train: mnist/sigmoid (mean test accuracy 0.11) did not beat chance by the gate's margin");
  });

  it('reports a diverged arm and stays inconclusive when the effect has no worst value', () => {
    const div: ArmReport = { ...trained, name: 'mnist/prelu', diverged: 1 };
    const r = empiricalVerdict(effect('below', 0.01), outcome([0, 0, null, 0, 0, 0]), [div]);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe('the effect could not be measured on every seed (seed 2: diverged); diverged runs: mnist/prelu 1 of 6');
    expect(r.effect.perSeed).toHaveLength(6);
  });

  it('is inconclusive when a precondition is not met', () => {
    const pre = [{ label: 'saturated share', value: 0.1, threshold: '>= 0.25', pass: false }];
    const r = empiricalVerdict(effect('above', 0.05), outcome([0.3, 0.3, 0.31, 0.29, 0.3, 0.3], { preconditions: pre }), [trained]);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe('a precondition of the claim is not met: saturated share is 0.1 (needs >= 0.25)');
  });

  it('reads timing rounds with the median interval', () => {
    const rounds = [0.5, 0.52, 0.49, 0.51, 0.5, 0.6, 0.48, 0.5, 0.53, 0.5, 0.51, 0.47, 0.5, 0.55, 0.5];
    const r = empiricalVerdict(effect('below', 0.9), outcome(rounds, { method: 'median' }), []);
    expect(r.effect.method).toBe('median');
    expect(r.verdict).toBe('reproduced');
  });
});

describe('the training gate', () => {
  const study = (margin: number | null): Study => ({
    config: 'claim-x.json', description: 'x', seeds: 3, gate: margin === null ? null : { margin }, tune: null, arms: {},
  });
  const runs = (accs: readonly (number | 'diverged')[]): ArmRuns =>
    arm('mnist/a', accs.map((a, seed) => (a === 'diverged' ? cell({ seed, status: 'diverged', testAcc: 0.97 }) : cell({ seed, testAcc: a }))));

  it('passes an arm whose mean test accuracy beats chance by the margin', () => {
    expect(armReport({ role: 'r', runs: runs([0.35, 0.3, 0.4]), study: study(0.2), gated: true }, [0, 1, 2])).toMatchObject({ trained: true, testAcc: expect.closeTo(0.35, 12), diverged: 0 });
  });

  it('scores a diverged run at chance, not at the accuracy it reported, and counts it', () => {
    const r = armReport({ role: 'r', runs: runs([0.35, 'diverged', 0.4]), study: study(0.2), gated: true }, [0, 1, 2]);
    expect(r.testAcc).toBeCloseTo((0.35 + 0.1 + 0.4) / 3, 12);
    expect(r).toMatchObject({ trained: false, diverged: 1, seeds: 3 });
  });

  it('does not gate an arm the claim does not gate, nor a study without a gate', () => {
    expect(armReport({ role: 'r', runs: runs([0.1, 0.1, 0.1]), study: study(0.2), gated: false }, [0, 1, 2])).toMatchObject({ trained: true, gated: false });
    expect(armReport({ role: 'r', runs: runs([0.1, 0.1, 0.1]), study: study(null), gated: true }, [0, 1, 2])).toMatchObject({ trained: true, gated: false });
  });
});

describe('diverged runs are scored, never dropped', () => {
  it('counts the loss area of a diverged run at chance after the divergence', () => {
    const records = [0, 50].map((step) => ({ step, epoch: 0, loss: 0.5, layers: [] }));
    const c = cell({ seed: 0, status: 'diverged', steps: 100, every: 50, records });
    // Planned record steps 0, 50, 100: two at 0.5, the missing one at ln 10.
    expect(lossArea(c)).toBeCloseTo((0.5 + 0.5 + Math.log(10)) / 3, 12);
  });

  it('pairs arms by seed and scores a diverged run at chance accuracy in a comparison', async () => {
    const better = arm('s/prelu', [cell({ seed: 0, testAcc: 0.93 }), cell({ seed: 1, status: 'diverged', testAcc: 0.93 })]);
    const base = arm('s/relu', [cell({ seed: 0, testAcc: 0.9 }), cell({ seed: 1, testAcc: 0.9 })]);
    const ctx: CheckContext<unknown, EmpiricalClaim> = {
      claim: {} as EmpiricalClaim, t: {}, seedBase: 0, seeds: [0, 1],
      params: { measure: 'testAcc', combine: 'difference', figure: 'accuracy' },
      arm: () => base, arms: () => [better],
    };
    const o = await compare.evaluate(ctx);
    expect(o.samples.map((s) => s.value)).toEqual([0.93 - 0.9, 0.1 - 0.9]);
  });
});

describe('identity verdicts', () => {
  it('hold when every measure meets its threshold, and fail otherwise or when one is unmeasured', () => {
    const ok = { label: 'a', value: 1, threshold: '<= 1', pass: true };
    expect(identityVerdict({ measures: [ok] })).toEqual({ verdict: 'holds' });
    expect(identityVerdict({ measures: [ok, { ...ok, pass: false }] })).toEqual({ verdict: 'fails' });
    expect(identityVerdict({ measures: [ok, { ...ok, label: 'b', value: null, pass: null }] })).toEqual({ verdict: 'fails', reason: 'not measured: b' });
    expect(identityVerdict({ measures: [] }).verdict).toBe('fails');
  });
});
