/**
 * The signal-propagation sections as data: which charts a run or a sweep gets from its summary
 * blocks, the groups and variances of the finite-width chart, and the words under the
 * correlation chart, on hand-made runs read through src/results.
 */
import { describe, expect, it } from 'vitest';
import { toSummary } from '../../src/results/read-summary.js';
import type { RunData, SweepCell } from '../../src/report/read.js';
import { runSignalSection } from '../../src/report/signal-section.js';
import { finiteWidthPoints, groupLabel, sweepSignalSection } from '../../src/report/signal-sweep.js';

const BASE = {
  status: 'ok', steps: 0, epochs: 0, finalLoss: 1, trainAcc: null, testAcc: null, trainLoss: null, testLoss: null,
  timeSec: 1, stepsPerSec: 1, params: 10, kernel: 'ts',
};

function theory(sigmaW2: number, sigmaB2: number, depth: number) {
  return {
    applies: true, reasons: [], notes: [], activation: 'tanh', sigmaW2, sigmaB2, width: 64, depth, qStar: 0.5, qGrowthFactor: null,
    chi1: 0.9, predictedDeltaFactor: 0.9, gradientDepthScale: 9.5, q0: 0.5, qPerLayer: Array.from({ length: depth }, () => 0.5),
    chi1PerLayer: Array.from({ length: depth }, () => 0.9), trajectoryDeltaFactor: 0.9, quadraturePoints: 160,
    measuredDeltaFactor: 0.9, relativeError: 0, cStar: 1, chiC: 0.9, xiQ: 2, xiC: 9.5,
  };
}

function run(o: { activation?: string; init?: string; sigmaW2?: number; sigmaB2?: number; depth?: number; width?: number; extra?: Record<string, unknown>; testAcc?: number }): RunData {
  const depth = o.depth ?? 4;
  return {
    dir: '/nowhere',
    config: { name: 't', model: { depth, width: o.width ?? 64, activation: { name: o.activation ?? 'tanh' }, init: { name: o.init ?? 'glorot_normal', gain: 1 } } },
    records: [{ step: 0, epoch: 0, loss: 1, vanishing: -0.5, layers: [] }],
    histograms: [],
    summary: toSummary({ ...BASE, ...(o.testAcc !== undefined ? { testAcc: o.testAcc, steps: 10 } : {}), theory: theory(o.sigmaW2 ?? 1, o.sigmaB2 ?? 0.05, depth), ...o.extra }),
    partialLine: false,
    badLines: 0,
  };
}

const cell = (id: string, overrides: Record<string, unknown>, r: RunData): SweepCell => ({ id, href: `${id}/report.html`, overrides, status: 'ok', run: r });

describe('the sweep section', () => {
  it('names a group by its cell id without the seed', () => {
    expect(groupLabel('depth=5,width=16,seed=3')).toBe('depth=5,width=16');
    expect(groupLabel('seed=0')).toBe('run');
  });

  it('takes the variance of ln ||J e_1||^2 over the seeds of a group, and draws 5 beta only for ReLU with Gaussian weights of variance 2 / fan_in and zero biases', () => {
    const spectra = (logJv2: number[]) => ({ spectra: { examples: [0, 1], predictedMeanS2: 1, beta: 0.25, steps: [{ step: 0, examples: 2, meanS2: 1, varS2: 0, max: 1, min: 1, condition: 1, logJv2 }] } });
    const cells = [
      cell('width=16,seed=0', { 'model.width': 16, seed: 0 }, run({ activation: 'relu', init: 'he_normal', sigmaW2: 2, sigmaB2: 0, extra: spectra([0, 1]) })),
      cell('width=16,seed=1', { 'model.width': 16, seed: 1 }, run({ activation: 'relu', init: 'he_normal', sigmaW2: 2, sigmaB2: 0, extra: spectra([2, 3]) })),
      cell('width=32,seed=0', { 'model.width': 32, seed: 0 }, run({ extra: spectra([1, 1]) })),
    ];
    const fw = finiteWidthPoints(cells);
    // One group with two seeds: values 0, 1, 2, 3 -> sample variance 5/3; the lone seed of width 32 is no group.
    expect(fw.points).toEqual([{ group: 'width=16', series: 'relu, he_normal', beta: 0.25, variance: 5 / 3, n: 4 }]);
    expect(fw.maxBetaWithTheory).toBe(0.25);
    const tanh = finiteWidthPoints(cells.map((c) => ({ ...c, run: run({ extra: spectra([0, 1, 2]) }) })));
    expect(tanh.maxBetaWithTheory).toBeNull();
  });

  it('draws a phase diagram per activation and sigma_b^2 spanning two sigma_w^2 and two depths: trainability when trained, the gradient ratio always', () => {
    const cells = [1, 2].flatMap((sigmaW2) => [5, 10].map((depth) => cell(`sw=${sigmaW2},d=${depth}`, {}, run({ sigmaW2, depth, testAcc: 0.5 }))));
    const section = sweepSignalSection(cells, new Map())!;
    expect(section.charts.map((c) => c.id)).toEqual(['signal-phase-trainability-tanh-0', 'signal-phase-gradient-tanh-0']);
    const oneDepth = sweepSignalSection(cells.filter((c) => c.id.endsWith('d=5')), new Map())!;
    expect(oneDepth.charts).toEqual([]);
    expect(oneDepth.notes!.length).toBe(2);
  });

  it('is absent when no cell has a theory block or spectra', () => {
    const r = { ...run({}), summary: toSummary(BASE) };
    expect(sweepSignalSection([cell('a', {}, r)], new Map())).toBeNull();
  });
});

describe('the run section', () => {
  it('draws the correlation against layer with the map from the measured c_0, and says theory and measured xi_c', () => {
    const measuredCorrelation = { step: 0, pairs: 8, perLayer: [0.3, 0.5, 0.65, 0.75], stdErr: [0.01, 0.01, 0.01, 0.01], xiC: 2.9, fitLayers: 4 };
    const r = run({ sigmaW2: 1, sigmaB2: 0.05, extra: {} });
    const withCorr: RunData = { ...r, summary: toSummary({ ...BASE, theory: { ...theory(1, 0.05, 4), measuredCorrelation } }) };
    const section = runSignalSection(withCorr, [])!;
    expect(section.charts.map((c) => c.id)).toEqual(['correlation-decay']);
    expect(section.charts[0].notes![0]).toMatch(/^Theory ξ_c = 9\.5, measured 2\.9 \(the map's own curve fitted over the same layers: [0-9.]+\); fit of ln \|c_l − c\*\| over layers 0–3\.$/);
    const predicted = (section.charts[0].spec.datasets?.predicted ?? []) as { c: number }[];
    // The map starts at the measured c_0 and rises toward c* = 1 in the ordered phase.
    expect(predicted[0].c).toBeCloseTo(0.3, 5);
    expect(predicted[3].c).toBeGreaterThan(0.3);
    expect(section.notes).toHaveLength(1);
  });

  it('is absent for a run with neither spectra nor measured correlations', () => {
    expect(runSignalSection(run({}), [])).toBeNull();
  });
});
