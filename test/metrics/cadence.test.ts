import { describe, expect, it } from 'vitest';
import { Cadence, defaultEvalEvery, type CadenceOptions } from '../../src/metrics/cadence.js';

const steps = (c: Cadence, pick: (c: Cadence, s: number) => boolean, upTo: number): number[] =>
  Array.from({ length: upTo + 1 }, (_, s) => s).filter((s) => pick(c, s));

const base: CadenceOptions = { every: 3, histogramsEvery: 4, histograms: true, steps: 12, evalEvery: 5 };

describe('the schedule of a run', () => {
  it.each([
    ['sampled: every or histogramsEvery', (c: Cadence, s: number) => c.sampled(s), [0, 3, 4, 6, 8, 9, 12]],
    ['histogram', (c: Cadence, s: number) => c.histogram(s), [0, 4, 8, 12]],
    ['evaluation: evalEvery and the last step', (c: Cadence, s: number) => c.evaluation(s), [0, 5, 10, 12]],
    ['recorded: sampled or evaluated', (c: Cadence, s: number) => c.recorded(s), [0, 3, 4, 5, 6, 8, 9, 10, 12]],
  ])('%s', (_what, pick, expected) => {
    expect(steps(new Cadence(base), pick, 12)).toEqual(expected);
  });

  it('has no histogram steps when histograms are off or have nowhere to go', () => {
    for (const c of [new Cadence({ ...base, histogramsEvery: null }), new Cadence({ ...base, histograms: false })]) {
      expect(steps(c, (x, s) => x.histogram(s), 12)).toEqual([]);
      expect(steps(c, (x, s) => x.sampled(s), 12)).toEqual([0, 3, 6, 9, 12]);
    }
  });

  it('evaluates about 20 times a run by default, never more often than it records', () => {
    expect(defaultEvalEvery(2000, 20)).toBe(100);
    expect(defaultEvalEvery(100, 10)).toBe(10);
    expect(defaultEvalEvery(0, 1)).toBe(1);
    expect(new Cadence({ ...base, steps: 400, evalEvery: null }).evalEvery).toBe(20);
  });

  it('asks for no evaluation when the run length is unknown', () => {
    const c = new Cadence({ ...base, steps: null });
    expect(c.evalEvery).toBeNull();
    expect(steps(c, (x, s) => x.evaluation(s), 12)).toEqual([]);
  });

  it('refuses a cadence that is not a positive integer', () => {
    expect(() => new Cadence({ ...base, every: 0 })).toThrow(/every must be an integer >= 1, got 0/);
    expect(() => new Cadence({ ...base, every: 1.5 })).toThrow(RangeError);
  });
});
