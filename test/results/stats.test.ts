/**
 * Aggregates over seeds: quantiles as numpy computes them, the Wilson interval against its
 * textbook values, and the grouping of cells that differ only in their seed.
 */
import { describe as group, expect, it } from 'vitest';
import { toSummary } from '../../src/results/read-summary.js';
import { aggregate, quantile, summarizeSweep, wilson, type CellOutcome } from '../../src/results/stats.js';

group('quantile and aggregate', () => {
  it.each([
    [[1, 2, 3, 4], 0.05, 1.15],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4], 0.95, 3.85],
    [[7], 0.95, 7],
    [[0, 10], 0.25, 2.5],
  ])('interpolates %j at q = %f to %f, as numpy.quantile does', (xs, q, want) => {
    expect(quantile(xs, q)).toBeCloseTo(want, 12);
  });

  it('gives mean, sample std and quantiles over the finite values only', () => {
    const d = aggregate([4, null, 1, NaN, 3, 2, undefined, Infinity]);
    expect(d.n).toBe(4);
    expect(d.mean).toBe(2.5);
    expect(d.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect([d.min, d.p50, d.max]).toEqual([1, 2.5, 4]);
    expect(d.p5).toBeCloseTo(1.15, 12);
  });

  it('leaves std null for one value and everything null for none', () => {
    expect(aggregate([3]).std).toBeNull();
    expect(aggregate([null, NaN])).toEqual({ n: 0, mean: null, std: null, min: null, p5: null, p50: null, p95: null, max: null });
  });
});

group('wilson', () => {
  it.each([
    [0, 10, 0, 0, 0.27753],
    [5, 10, 0.5, 0.23659, 0.76341],
    [10, 10, 1, 0.72247, 1],
    [1, 1000, 0.001, 0.00018, 0.00564],
  ])('gives %i of %i the 95 percent interval of Wilson (1927)', (k, n, p, lo, hi) => {
    const w = wilson(k, n);
    expect(w.p).toBeCloseTo(p, 12);
    expect(w.lo).toBeCloseTo(lo, 5);
    expect(w.hi).toBeCloseTo(hi, 5);
  });

  it('matches the formula worked by hand for 3 of 4', () => {
    // p = 0.75, z^2 = 3.841459, denominator 1 + z^2/4 = 1.960365,
    // centre = (0.75 + 0.480182) / 1.960365 = 0.627527,
    // half = 1.959964 sqrt(0.046875 + 0.060023) / 1.960365 = 1.959964 * 0.326953 / 1.960365 = 0.326885.
    const w = wilson(3, 4);
    expect(w.p).toBe(0.75);
    expect(w.lo).toBeCloseTo(0.627527 - 0.326885, 5);
    expect(w.hi).toBeCloseTo(0.627527 + 0.326885, 5);
  });

  it('has no estimate for no trials', () => {
    expect(wilson(0, 0)).toEqual({ k: 0, n: 0, p: null, lo: null, hi: null });
  });
});

group('summarizeSweep', () => {
  const cell = (act: string, seed: number, status: string, finalLoss: number | null, bornDead: boolean): CellOutcome => ({
    id: `activation=${act},seed=${seed}`,
    overrides: { 'model.activation': act, seed },
    status,
    seed,
    summary: toSummary({ status, finalLoss, bornDead, initial: { vanishing: seed } }),
  });
  const cells = [
    cell('relu', 0, 'ok', 0.5, false),
    cell('relu', 1, 'ok', 0.7, true),
    cell('relu', 2, 'diverged', null, true),
    cell('tanh', 0, 'ok', 0.2, false),
    cell('tanh', 1, 'ok', 0.4, false),
  ];
  const s = summarizeSweep('exp', cells);

  it('groups the cells that differ only in their seed, in order', () => {
    expect(s.groups.map((g) => [g.group, g.n, g.seeds])).toEqual([
      ['activation=relu', 3, [0, 1, 2]],
      ['activation=tanh', 2, [0, 1]],
    ]);
    expect(s.groups[0].overrides).toEqual({ 'model.activation': 'relu' });
  });

  it('aggregates numbers over finite values and proportions over every cell', () => {
    const relu = s.groups[0];
    expect(relu.metrics.finalLoss).toMatchObject({ n: 2, mean: 0.6 });
    expect(relu.metrics['initial.vanishing']).toMatchObject({ n: 3, mean: 1, p50: 1 });
    expect(relu.proportions.ok).toMatchObject({ k: 2, n: 3 });
    expect(relu.proportions.diverged).toMatchObject({ k: 1, n: 3 });
    expect(relu.proportions.bornDead).toMatchObject({ k: 2, n: 3 });
    expect(s.groups[1].proportions.bornDead).toMatchObject({ k: 0, n: 2, p: 0 });
  });

  it('makes one group "all" of a config without a sweep', () => {
    const only = summarizeSweep('exp', [0, 1].map((seed) => ({ id: `seed=${seed}`, overrides: { seed }, status: 'ok', seed, summary: null })));
    expect(only.groups.map((g) => [g.group, g.n])).toEqual([['all', 2]]);
    expect(summarizeSweep('exp', [{ id: 'run', overrides: {}, status: 'ok', seed: 0, summary: null }]).groups[0].group).toBe('all');
  });
});
