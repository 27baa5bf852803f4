import { describe, expect, it } from 'vitest';
import { grid, rangeStudy, seluMoments, oneSidedQuotients, dominance } from '../../src/claims/analytic.js';
import { compareBaseline, keyMetrics, movedTable, toleranceFor, type BaselineFile } from '../../src/claims/check.js';
import { CHECKS, type CheckContext } from '../../src/claims/checks.js';
import type { CellEvidence } from '../../src/claims/evidence.js';
import {
  atLeast, atMost, hidden, log10DeltaRatio, median, outside, pointOf, quantile, shrinkShare, within,
} from '../../src/claims/predicates.js';
import type { Claim } from '../../src/claims/schema.js';
import { verdictOf, type Outcome } from '../../src/claims/types.js';
import type { LayerRecord, MetricRecord, Summary } from '../../src/results/types.js';

/** A layer record with the given gradient norms (other fields 1). */
const layer = (l: number, deltaNorm: number, extra: Partial<LayerRecord> = {}): LayerRecord => ({
  layer: l, gradNorm: deltaNorm, biasGradNorm: 1, deltaNorm, weightNorm: 1, updateRatio: 0, ...extra,
});

/** A summary with initial and final points built from per-layer deltaNorms (the last entry is the output layer). */
function summary(initial: readonly number[], final: readonly number[] = initial, extra: Record<string, unknown> = {}): Summary {
  const point = (norms: readonly number[]) => ({
    step: 0, epoch: 0, loss: 1, vanishing: null, deltaGrowth: null, actGrowth: null, deadUnits: 0, deadFraction: 0,
    layers: norms.map((n, i) => layer(i, n)),
  });
  return {
    status: 'ok', steps: 10, epochs: 1, finalLoss: 1, trainAcc: 0.5, testAcc: 0.5, trainLoss: 1, testLoss: 1,
    timeSec: 1, stepsPerSec: 10, params: 10, kernel: 'ts', initial: point(initial), final: point(final), ...extra,
  } as Summary;
}

function cell(ref: string, s: Summary | null, depth: number, records: MetricRecord[] = [], seed = 0): CellEvidence {
  const [experiment, id] = ref.split('/');
  return {
    ref, experiment, id, dir: '/nonexistent', baseDir: '/nonexistent', summary: s, depth, activation: 'relu', dtype: 'float32', seed,
    run: { dir: '/nonexistent', config: null, records, histograms: [], summary: s, partialLine: false, badLines: 0 },
  };
}

function context<P>(cells: Record<string, CellEvidence | CellEvidence[]>, t: Record<string, number>, params: P): CheckContext<P> {
  return {
    claim: {} as Claim,
    t,
    params,
    one: (role) => cells[role] as CellEvidence,
    many: (role) => cells[role] as CellEvidence[],
    all: () => Object.values(cells).flat(),
  };
}

describe('predicates over summary points', () => {
  const s = summary([1e-6, 1e-4, 1e-2, 1, 5]);
  const layers = hidden(pointOf(s, 'initial')!.layers, 4);

  it('keeps only the hidden layers, in order', () => {
    expect(layers.map((l) => l.layer)).toEqual([0, 1, 2, 3]);
  });

  it('measures the log10 ratio of the first to the last hidden layer', () => {
    expect(log10DeltaRatio(layers)).toBeCloseTo(-6, 12);
    expect(log10DeltaRatio(layers.slice(0, 1))).toBeNull();
    expect(log10DeltaRatio([layer(0, 0), layer(1, 1)])).toBeNull();
  });

  it('counts the layer steps where the gradient shrinks toward the input', () => {
    expect(shrinkShare(layers)).toBe(1);
    expect(shrinkShare([layer(0, 1), layer(1, 0.5), layer(2, 2)])).toBe(0.5);
  });

  it('reads no point from a summary without one', () => {
    expect(pointOf(null, 'initial')).toBeNull();
    expect(pointOf({ ...s, final: null } as Summary, 'final')).toBeNull();
  });

  it('takes quantiles by interpolating order statistics', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(median([])).toBeNull();
  });

  it('compares one value with one threshold, and cannot pass a missing value', () => {
    expect(atMost('x', 1, 1).pass).toBe(true);
    expect(atMost('x', 1.0001, 1).pass).toBe(false);
    expect(atLeast('x', null, 1).pass).toBeNull();
    expect(within('x', 0.5, 0.4, 0.6).pass).toBe(true);
    expect(outside('x', 0.5, 0.4, 0.6).pass).toBe(false);
  });
});

describe('verdictOf', () => {
  const m = (pass: boolean | null) => ({ label: '', value: 1, threshold: '', pass });
  it.each([
    [[true, true], undefined, 'reproduced'],
    [[true, false], undefined, 'not reproduced'],
    [[true, null], undefined, 'inconclusive'],
    [[true, true], 'noisy', 'inconclusive'],
    [[], undefined, 'inconclusive'],
  ] as const)('measures %j with reason %s give %s', (passes, reason, want) => {
    expect(verdictOf({ measures: passes.map(m), inconclusive: reason })).toBe(want);
  });
});

describe('checks on hand-made runs', () => {
  it('vanishing: a gradient that shrinks 100x toward the input reproduces, a flat one does not', async () => {
    const t = { maxLog10Ratio: -1, minShrinkShare: 0.8 };
    const shrinking = cell('claim-x/a', summary([1e-3, 1e-2, 1e-1, 1]), 3);
    const flat = cell('claim-x/b', summary([1, 1.1, 0.9, 1]), 3);
    const run = async (c: CellEvidence): Promise<Outcome> => CHECKS.vanishing.evaluate(context({ net: c }, t, { points: ['initial', 'final'] }));
    expect(verdictOf(await run(shrinking))).toBe('reproduced');
    const o = await run(flat);
    expect(verdictOf(o)).toBe('not reproduced');
    expect(o.measures[0].value).toBeCloseTo(Math.log10(1 / 0.9), 12);
  });

  it('flatGradients: judges the absolute log ratio against its band', async () => {
    const t = { maxAbsLog10Ratio: 0.5 };
    const o = await CHECKS.flatGradients.evaluate(context({ net: cell('claim-x/a', summary([10, 3, 1, 1]), 3) }, t, {}));
    expect(o.measures[0].value).toBeCloseTo(1, 12);
    expect(verdictOf(o)).toBe('not reproduced');
  });

  it('overfitsMore: a mean gap that passes with seeds that disagree is inconclusive', async () => {
    const acc = (train: number, test: number) => ({ ...summary([1, 1]), trainAcc: train, testAcc: test }) as Summary;
    const relu = [cell('claim-x/relu0', acc(1, 0.8), 1, [], 0), cell('claim-x/relu1', acc(1, 0.8), 1, [], 1)];
    const agree = [cell('claim-x/p0', acc(1, 0.7), 1, [], 0), cell('claim-x/p1', acc(1, 0.75), 1, [], 1)];
    const disagree = [cell('claim-x/p0', acc(1, 0.6), 1, [], 0), cell('claim-x/p1', acc(1, 0.85), 1, [], 1)];
    const t = { minGapDiff: 0.02 };
    expect(verdictOf(await CHECKS.overfitsMore.evaluate(context({ relu, prelu: agree }, t, {})))).toBe('reproduced');
    const o = await CHECKS.overfitsMore.evaluate(context({ relu, prelu: disagree }, t, {}));
    expect(verdictOf(o)).toBe('inconclusive');
    expect(o.inconclusive).toMatch(/seeds disagree/);
  });

  it('trainsFaster: a diverged run fails the claim instead of leaving it open', async () => {
    const slow = cell('claim-x/slow', { ...summary([1, 1]), trainLoss: 1 } as Summary, 1);
    const fast = cell('claim-x/fast', { ...summary([1, 1]), status: 'diverged', trainLoss: null } as Summary, 1);
    const o = await CHECKS.trainsFaster.evaluate(context({ slow, fast }, { maxLossRatio: 0.9 }, {}));
    expect(verdictOf(o)).toBe('not reproduced');
  });

  it('sparsity: reads the mean zero fraction of the hidden layers', async () => {
    const s = summary([1, 1, 1]);
    const withZeros = { ...s, initial: { ...s.initial!, layers: [layer(0, 1, { zeroFraction: 0.4 }), layer(1, 1, { zeroFraction: 0.6 }), layer(2, 1, { zeroFraction: 0 })] } } as Summary;
    const o = await CHECKS.sparsity.evaluate(context({ net: cell('claim-x/a', withZeros, 2) }, { minZero: 0.4, maxZero: 0.6 }, {}));
    expect(o.measures[0].value).toBeCloseTo(0.5, 12);
    expect(verdictOf(o)).toBe('reproduced');
  });
});

describe('analytic measurements', () => {
  it('builds grids that contain 0 exactly', () => {
    const xs = grid(-1, 1, 0.1);
    expect(xs.length).toBe(21);
    expect(xs.includes(0)).toBe(true);
    expect(xs[0]).toBe(-1);
  });

  it('tells a value rounded onto an open end from one outside the range', () => {
    const s = rangeStudy('sigmoid', grid(-50, 50, 0.5));
    expect(s.outside).toBe(0);
    expect(s.openEndViolations).toBe(0);
    expect(s.roundedOntoOpenEnd).toBeGreaterThan(0);
    // tanh with a declared range of [-1, 1) would see values at the closed end: none outside.
    expect(rangeStudy('relu', grid(-5, 5, 1)).nearLo).toBe(0);
  });

  it('finds SELU moments of (0, 1) at unit input variance', () => {
    const m = seluMoments(1);
    expect(Math.abs(m.mean)).toBeLessThan(1e-9);
    expect(Math.abs(m.variance - 1)).toBeLessThan(1e-9);
    expect(seluMoments(2).variance).toBeGreaterThan(1.5);
  });

  it('sees the one-sided quotients of relu at 0 as 0 and 1', () => {
    for (const q of oneSidedQuotients('relu', 0, [1e-3, 1e-9])) {
      expect(q.left).toBe(0);
      expect(q.right).toBe(1);
    }
  });

  it("finds where tanh' and sigmoid' cross", () => {
    const d = dominance('tanh', 'sigmoid', grid(-4, 4, 0.001));
    expect(d.crossings.map((x) => Math.abs(x))).toEqual([expect.closeTo(1.662, 2), expect.closeTo(1.662, 2)]);
  });
});

describe('baseline comparison', () => {
  const s = summary([0.1, 0.2, 0.3], [0.05, 0.1, 0.2], { bornDead: false });
  const base: BaselineFile = {
    experiment: 'baseline-x', config: 'experiments/configs/baseline-x.json',
    producedBy: { gradflow: '0', node: 'v20', os: 'linux', cpu: 'cpu' }, toleranceNote: '', tolerances: {},
    cells: { run: keyMetrics(s, 2) },
  };

  it('extracts per-layer gradient norms at step 0 and at the end, and dead and saturated fractions of hidden layers', () => {
    const m = keyMetrics(s, 2);
    expect(m['initial.deltaNorm[2]']).toBe(0.3);
    expect(m['final.gradNorm[0]']).toBe(0.05);
    expect(m.status).toBe('ok');
    expect('initial.deadFraction[2]' in m).toBe(false);
  });

  it('treats counts and statuses as exact and floats as relative', () => {
    expect(toleranceFor('status')).toBe('exact');
    expect(toleranceFor('final.deadFraction[1]')).toBe('exact');
    expect(toleranceFor('initial.gradNorm[3]')).toEqual({ relative: 1e-9 });
  });

  it('reports nothing when nothing moved', () => {
    expect(compareBaseline(base, { run: keyMetrics(s, 2) })).toEqual([]);
  });

  it('lets a float move within its tolerance and flags one that moves beyond it', () => {
    const now = { ...keyMetrics(s, 2), 'initial.gradNorm[0]': 0.1 * (1 + 1e-12), 'final.gradNorm[1]': 0.1 * (1 + 1e-6), status: 'diverged' };
    const moved = compareBaseline(base, { run: now });
    expect(moved.map((m) => [m.metric, m.regression])).toEqual([
      ['status', true],
      ['initial.gradNorm[0]', false],
      ['final.gradNorm[1]', true],
    ]);
    expect(movedTable(moved).split('\n')[0]).toMatch(/^experiment\/cell\s+metric\s+baseline\s+now\s+tolerance$/);
  });

  it('flags a cell that vanished or appeared', () => {
    const moved = compareBaseline(base, { other: keyMetrics(s, 2) });
    expect(moved.map((m) => [m.cell, m.note])).toEqual([
      ['baseline-x/run', 'cell missing'],
      ['baseline-x/other', 'new cell'],
    ]);
  });
});
