/**
 * The signal-propagation spec builders as data: each compiles without warnings, renders the
 * marks its input implies, and is a pure function of it; the helpers that pick steps, drop
 * numerical zeros and place bands are checked on small inputs.
 */
import { describe, expect, it } from 'vitest';
import { countMarks, renderView, type MarkCounts } from '../../src/report/render.js';
import type { Spec } from '../../src/report/specs/common.js';
import {
  bandEdges, correlationSpec, finiteWidthSpec, log10Rows, pickSteps, signalPhaseSpec, spectraSweepSpec, spectrumSpec,
  type SignalPhaseCell,
} from '../../src/report/specs/signal.js';
import { SIGNAL_SERIES } from '../../src/report/text-signal.js';

const items = (c: MarkCounts, type: string): number => c[type]?.items ?? 0;
const marks = (c: MarkCounts, type: string): number => c[type]?.marks ?? 0;

const LINES = [0, 100, 200].flatMap((step) =>
  [0, 1].map((e) => ({ step, example: e, singularValues: Array.from({ length: 8 }, (_, i) => 2 / (1 + i + step / 100)).concat(step === 0 ? [0] : []) })),
);

const PHASE: SignalPhaseCell[] = [1, 1.5, 2, 3].flatMap((sigmaW2) =>
  [10, 20, 40].flatMap((depth) => [0, 1].map((seed) => ({
    sigmaW2, depth, value: sigmaW2 === 3 && depth === 40 ? null : 0.1 * sigmaW2 + 0.001 * depth + 0.01 * seed,
    cell: `sw=${sigmaW2},depth=${depth},seed=${seed}`, diverged: sigmaW2 === 3 && depth === 40 && seed === 1,
  }))),
);

const CASES: readonly { name: string; spec: () => Spec; expect: (c: MarkCounts) => void }[] = [
  {
    name: 'spectrumSpec',
    spec: () => spectrumSpec(LINES, [0, 200]),
    // One density line per step drawn.
    expect: (c) => expect(marks(c, 'line')).toBe(2),
  },
  {
    name: 'spectraSweepSpec',
    spec: () => spectraSweepSpec([...'abc'].flatMap((series) => [0.1, 0.2, 0.5].map((log10s) => ({ series, log10s })))),
    expect: (c) => expect(marks(c, 'line')).toBe(3),
  },
  {
    name: 'correlationSpec',
    spec: () => correlationSpec({ measured: [0.2, 0.4, 0.55, null, 0.7], stdErr: [0.01, 0.01, 0.02, null, 0.02], predicted: [0.2, 0.38, 0.52, 0.62, 0.69], cStar: 1 }),
    expect: (c) => {
      // Four measured points (one null), the predicted line of five, one rule at c*.
      expect(items(c, 'symbol')).toBe(4);
      expect(items(c, 'line')).toBe(5);
      expect(items(c, 'rule')).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'signalPhaseSpec',
    spec: () => signalPhaseSpec(PHASE, {
      criticalSigmaW2: 1.76,
      trainable: [1, 1.25, 1.5, 1.75, 2, 2.5, 3].map((sigmaW2) => ({ sigmaW2, depth: sigmaW2 === 1.75 ? null : 6 * (3 + 5 * sigmaW2) })),
    }, { metricTitle: 'test accuracy', diverging: false }),
    expect: (c) => {
      // 4 x 3 (sigma_w^2, depth) rectangles: seeds are averaged into one.
      expect(items(c, 'rect')).toBe(12);
      expect(items(c, 'text')).toBe(1);
      expect(marks(c, 'line')).toBe(1);
    },
  },
  {
    name: 'finiteWidthSpec',
    spec: () => finiteWidthSpec(
      [0.05, 0.1, 0.2].flatMap((beta) => [{ group: `relu ${beta}`, series: 'relu, he_normal', beta, variance: 5 * beta, n: 16 }, { group: `tanh ${beta}`, series: 'tanh, glorot_normal', beta, variance: beta, n: 16 }]),
      [{ beta: 0, variance: 0 }, { beta: 0.2, variance: 1 }],
    ),
    expect: (c) => {
      expect(items(c, 'symbol')).toBe(6);
      expect(items(c, 'line')).toBe(2);
    },
  },
];

describe.each(CASES)('$name', ({ spec, expect: check }) => {
  it('compiles and renders without warnings', async () => {
    const { warnings } = await renderView(spec());
    expect(warnings).toEqual([]);
  });

  it('draws the marks its input implies', async () => {
    const { view } = await renderView(spec());
    check(countMarks(view));
    view.finalize();
  });

  it('is a pure function of its input', () => {
    expect(JSON.stringify(spec())).toBe(JSON.stringify(spec()));
  });
});

describe('helpers', () => {
  it('pickSteps keeps the first, the last and evenly spaced steps between', () => {
    expect(pickSteps([0, 10, 20], 6)).toEqual([0, 10, 20]);
    expect(pickSteps(Array.from({ length: 11 }, (_, i) => i * 100), 3)).toEqual([0, 500, 1000]);
  });

  it('log10Rows leaves out and counts singular values below 1e-12 of the largest', () => {
    const { rows, zeros, total } = log10Rows([{ step: 0, singularValues: [10, 1, 1e-13, 0] }], () => 's');
    expect(rows.map((r) => r.log10s)).toEqual([1, 0]);
    expect([zeros, total]).toEqual([2, 4]);
  });

  it('bandEdges puts each value in a band from the midpoints to its neighbours', () => {
    const e = bandEdges([1, 2, 4, 2]);
    expect([...e.entries()]).toEqual([[1, [0.5, 1.5]], [2, [1.5, 3]], [4, [3, 5]]]);
  });

  it('the phase diagram clips the 6 xi_c curve to the depths swept and leaves out the points where xi_c diverges', () => {
    const spec = signalPhaseSpec(PHASE, { criticalSigmaW2: 9, trainable: [{ sigmaW2: 1, depth: 1000 }, { sigmaW2: 2, depth: null }] }, { metricTitle: 'm', diverging: true });
    const data = (spec as { datasets: Record<string, { depth?: number; curve?: string }[]> }).datasets;
    expect(data.trainable).toEqual([{ sigmaW2: 1, depth: 50 * 1.05, curve: SIGNAL_SERIES.trainable }]);
    // The critical line outside the swept sigma_w^2 is not drawn.
    expect(data.critical).toEqual([]);
  });
});
