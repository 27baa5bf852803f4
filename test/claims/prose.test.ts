import { describe, expect, it } from 'vitest';
import * as prose from '../../src/claims/prose.js';
import type { Interval } from '../../src/claims/stats.js';

const iv = (value: number, lo: number, hi: number, n = 6): Interval => ({ value, lo, hi, n, method: 't' });

describe('captions follow the numbers', () => {
  it('place the interval against the threshold as the numbers say, in the claimed direction', () => {
    expect(prose.intervalSentence('test accuracy, prelu minus relu', iv(0.02, 0.015, 0.025), 'above', 0.01)).toBe(
      'test accuracy, prelu minus relu: 0.02 over 6 samples (mean, Student-t 95% interval [0.015, 0.025]); the interval lies wholly above the threshold 0.01.',
    );
    expect(prose.intervalSentence('test accuracy, prelu minus relu', iv(-0.01, -0.015, -0.005), 'above', 0.01)).toBe(
      'test accuracy, prelu minus relu: -0.01 over 6 samples (mean, Student-t 95% interval [-0.015, -0.005]); the interval lies wholly on the other side of the threshold 0.01 (the claim says above).',
    );
    expect(prose.intervalSentence('ratio', iv(0.9, 0.8, 1), 'below', 0.9)).toMatch(/the interval contains the threshold 0\.9\.$/);
    expect(prose.intervalSentence('ratio', null, 'below', 0.9)).toBe('ratio: not measured on every seed.');
  });

  it('say whether the finite-width departure shrinks, from the numbers', () => {
    const shrinking = prose.sweepCaption('D', [{ width: 32, measured: 0.3, theory: -0.1 }, { width: 1024, measured: -0.08, theory: -0.1 }]);
    const growing = prose.sweepCaption('D', [{ width: 32, measured: -0.09, theory: -0.1 }, { width: 1024, measured: 0.5, theory: -0.1 }]);
    expect(shrinking).toBe('D per width (points: seeds; line: mean-field prediction); the departure from the mean-field value shrinks from 0.4 at width 32 to 0.02 at width 1024.');
    expect(growing).toBe('D per width (points: seeds; line: mean-field prediction); the departure from the mean-field value does not shrink: 0.01 at width 32, 0.6 at width 1024.');
  });

  it('report the ends of curves and profiles with their values', () => {
    expect(prose.curvesCaption('Batch loss at each record', [{ name: 'mnist/relu', end: 0.05 }, { name: 'mnist/elu', end: 0.07 }], 6)).toBe(
      'Batch loss at each record, mean over 6 evaluation seeds per arm. At the last record: mnist/relu 0.05 and mnist/elu 0.07.',
    );
    expect(prose.profileCaption('Norm of dL/dz', [{ name: 'a', first: 1e-4, last: 0.5 }])).toBe('Norm of dL/dz per hidden layer. a: 1e-4 at layer 0, 0.5 at the last hidden layer.');
  });

  it('count the measures an identity met and name the ones it missed', () => {
    const ms = [
      { label: 'a', value: 0, threshold: '<= 0', pass: true },
      { label: 'b', value: 3, threshold: '<= 0', pass: false },
    ];
    expect(prose.measuresCaption('What was measured', ms)).toBe('What was measured. 1 of 2 measured values meet their thresholds; not met: b.');
    expect(prose.measuresCaption('What was measured', ms.slice(0, 1))).toBe('What was measured. 1 of 1 measured values meet their thresholds.');
  });

  it('build the effect caption from the same sentence', () => {
    const c = prose.effectCaption('e', iv(0.5, 0.4, 0.6), 'above', 0.1, 'seed');
    expect(c).toBe(`Each point is one seed's e; the bar is the 95% interval and the dashed line the pre-registered threshold. ${prose.intervalSentence('e', iv(0.5, 0.4, 0.6), 'above', 0.1)}`);
  });
});
