import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../src/results/types.js';
import { toSummary } from '../../src/results/read-summary.js';
import { deadUnitEventsOf, theoryOf } from '../../src/report/blocks.js';
import { readRun, type RunData } from '../../src/report/read.js';
import { countMarks, renderSvg, renderView, type MarkCounts } from '../../src/report/render.js';
import type { Spec } from '../../src/report/specs/common.js';
import {
  activationHistogramSpec, activationStatsSpec, chooseLayers, chooseSteps, deadSaturatedSpec, deathStepsSpec,
  gradHeatmapSpec, gradProfileSpec, histogramLayers, lossSpec, preluSpec, revivedSpec, updateRatioSpec,
} from '../../src/report/specs/run.js';
import {
  blowupSpec, deadByActivationSpec, lossBandSpec, phaseSpec, proportionSpec, vanishingDepthSpec,
  type CellRow, type LossPoint, type ProportionPoint,
} from '../../src/report/specs/sweep.js';
import { SERIES, TIP } from '../../src/report/text.js';
import { writeDivergedRun, writeFakeRun, writePreluRun } from './fixtures.js';

let dir: string;
let sig: RunData;
let prelu: RunData;
let diverged: RunData;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradflow-specs-'));
  // Small on purpose: 3 hidden layers, 5 records (steps 0..40), histograms at 0, 20, 40.
  await writeFakeRun(join(dir, 'sig'), { activation: 'sigmoid', depth: 3, width: 8, steps: 40, every: 10, histEvery: 20, evalEvery: 20, gradShrink: 4 });
  await writePreluRun(join(dir, 'prelu'), { depth: 3, width: 8, steps: 400, every: 20, histEvery: 0 });
  await writeDivergedRun(join(dir, 'div'), { depth: 3, width: 8, steps: 100, every: 10, histEvery: 0, divergeAt: { step: 50, layer: 1 } });
  sig = await readRun(join(dir, 'sig'));
  prelu = await readRun(join(dir, 'prelu'));
  diverged = await readRun(join(dir, 'div'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const items = (c: MarkCounts, type: string): number => c[type]?.items ?? 0;
const marks = (c: MarkCounts, type: string): number => c[type]?.marks ?? 0;
const layerCount = (records: readonly MetricRecord[], pred: (l: MetricRecord['layers'][number], r: MetricRecord) => boolean): number =>
  records.reduce((s, r) => s + r.layers.filter((l) => pred(l, r)).length, 0);

interface Case {
  readonly name: string;
  readonly spec: () => Spec;
  /** Checks the mark counts of the rendered scene against the input. */
  readonly expect: (c: MarkCounts) => void;
}

const CASES: readonly Case[] = [
  {
    name: 'lossSpec',
    spec: () => lossSpec(sig.records, { lossTitle: 'loss' }),
    expect: (c) => {
      // batch loss (1 line, 5 points) + evaluation losses (2 lines with points, 3 evals each) + accuracies (2 lines with points).
      expect(marks(c, 'line')).toBe(1 + 2 + 2);
      expect(items(c, 'line')).toBe(5 + 6 + 6);
      expect(items(c, 'symbol')).toBe(6 + 6);
    },
  },
  {
    name: 'lossSpec with a divergence rule',
    spec: () => lossSpec(diverged.records, { divergedStep: 50 }),
    expect: (c) => {
      expect(items(c, 'rule')).toBe(2);
      // The NaN loss at step 50 is not drawn: 5 finite batch losses.
      expect(c.line.items).toBeGreaterThanOrEqual(5);
    },
  },
  {
    name: 'gradHeatmapSpec',
    spec: () => gradHeatmapSpec(sig.records),
    expect: (c) => expect(items(c, 'rect')).toBe(5 * 4),
  },
  {
    name: 'gradHeatmapSpec with non-finite norms',
    spec: () => gradHeatmapSpec(diverged.records, { divergedStep: 50 }),
    expect: (c) => {
      const bad = layerCount(diverged.records, (l) => !Number.isFinite(l.gradNorm));
      expect(bad).toBe(2);
      // Finite cells in the coloured layer, the two NaN cells in the grey one, one rule.
      expect(marks(c, 'rect')).toBe(2);
      expect(items(c, 'rect')).toBe(diverged.records.length * 4);
      expect(items(c, 'rule')).toBe(1);
    },
  },
  {
    name: 'gradProfileSpec',
    spec: () => gradProfileSpec(sig.records, { chi1: 1 / 16 }),
    expect: (c) => {
      const steps = chooseSteps(sig.records);
      expect(steps).toEqual([0, 20, 40]);
      expect(items(c, 'symbol')).toBe(3 * 4);
      // Measured lines (one per step, 4 layers each) and the prediction over the 3 hidden layers.
      expect(marks(c, 'line')).toBe(3 + 1);
      expect(items(c, 'line')).toBe(3 * 4 + 3);
    },
  },
  {
    name: 'gradProfileSpec without theory',
    spec: () => gradProfileSpec(sig.records, { chi1: null }),
    expect: (c) => expect(marks(c, 'line')).toBe(3),
  },
  {
    name: 'activationHistogramSpec',
    spec: () => activationHistogramSpec(sig.histograms, { depth: 3 }),
    // One rect per non-empty bin, plus a strip below / above the range wherever under / over > 0.
    expect: (c) => {
      let bins = 0;
      let outside = 0;
      for (const h of sig.histograms) {
        for (const l of h.layers) {
          if (l.layer >= 3) continue;
          bins += l.a.counts.filter((n) => n > 0).length;
          outside += ((l.a.under ?? 0) > 0 ? 1 : 0) + ((l.a.over ?? 0) > 0 ? 1 : 0);
        }
      }
      expect(bins).toBeGreaterThan(0);
      expect(outside).toBeGreaterThan(0);
      expect(items(c, 'rect')).toBe(bins + outside);
      expect(marks(c, 'rect')).toBe(3);
    },
  },
  {
    name: 'activationStatsSpec',
    spec: () => activationStatsSpec(sig.records),
    // Three panels (mean, std, rms), one line per hidden layer, 5 points each.
    expect: (c) => {
      expect(marks(c, 'line')).toBe(3 * 3);
      expect(items(c, 'line')).toBe(3 * 3 * 5);
    },
  },
  {
    name: 'deadSaturatedSpec',
    spec: () => deadSaturatedSpec(sig.records),
    expect: (c) => expect(marks(c, 'line')).toBe(2 * 3),
  },
  {
    name: 'deathStepsSpec',
    spec: () => deathStepsSpec(deadUnitEventsOf(prelu.summary)!.events),
    expect: (c) => expect(items(c, 'rect')).toBe(deadUnitEventsOf(prelu.summary)!.events.length),
  },
  {
    name: 'revivedSpec',
    spec: () => revivedSpec(prelu.records),
    expect: (c) => {
      expect(marks(c, 'line')).toBe(3);
      expect(items(c, 'line')).toBe(3 * prelu.records.length);
    },
  },
  {
    name: 'updateRatioSpec',
    spec: () => updateRatioSpec(sig.records),
    // Step 0 has ratio 0 (no update yet), so 4 points per layer; the 1e-3 rule and its label.
    expect: (c) => {
      expect(marks(c, 'line')).toBe(4);
      expect(items(c, 'line')).toBe(4 * 4);
      expect(items(c, 'rule')).toBe(1);
      expect(items(c, 'text')).toBe(1);
    },
  },
  {
    name: 'preluSpec',
    spec: () => preluSpec(prelu.records),
    expect: (c) => expect(marks(c, 'line')).toBe(3),
  },
];

const CELLS: CellRow[] = [
  { cell: 'a', activation: 'sigmoid', init: 'glorot_uniform', depth: 5, status: 'ok', vanishing: -2, deltaGrowth: 0.06, actGrowth: 1, overTime: 1.1 },
  { cell: 'b', activation: 'sigmoid', init: 'glorot_uniform', depth: 10, status: 'ok', vanishing: -5, deltaGrowth: 0.06, actGrowth: 1, overTime: null },
  { cell: 'c', activation: 'relu', init: 'he_normal', depth: 5, status: 'ok', vanishing: 0.1, deltaGrowth: 1, actGrowth: null, overTime: 3 },
  { cell: 'd', activation: 'relu', init: 'he_normal', depth: 10, status: 'diverged', vanishing: null, deltaGrowth: 1.2, actGrowth: 1.1, overTime: null },
];

const SWEEP_CASES: readonly Case[] = [
  {
    name: 'vanishingDepthSpec',
    spec: () => vanishingDepthSpec(CELLS),
    // One point per cell with a value (3), a line per (activation, init) group (2), the zero rule.
    expect: (c) => {
      expect(items(c, 'symbol')).toBe(3);
      expect(marks(c, 'line')).toBe(2);
      expect(items(c, 'rule')).toBe(1);
    },
  },
  {
    name: 'deadByActivationSpec',
    spec: () => deadByActivationSpec([
      { cell: 'a', activation: 'relu', step: 0, dead: 0 }, { cell: 'a', activation: 'relu', step: 10, dead: 0.2 },
      { cell: 'b', activation: 'tanh', step: 0, dead: 0 }, { cell: 'b', activation: 'tanh', step: 10, dead: 0 },
    ]),
    expect: (c) => {
      expect(marks(c, 'line')).toBe(2);
      expect(items(c, 'line')).toBe(4);
    },
  },
  {
    name: 'blowupSpec',
    spec: () => blowupSpec(CELLS),
    // 4 backward + 3 forward + 2 over-training factors; a rule at 1 in each of the 3 panels.
    expect: (c) => {
      expect(items(c, 'symbol')).toBe(9);
      expect(items(c, 'rule')).toBe(3);
    },
  },
  {
    name: 'phaseSpec',
    spec: () => phaseSpec(
      [1, 2].flatMap((x) => [0.5, 1, 2].flatMap((y) => [0, 1].map((seed) => ({
        x, y, value: x * y + seed, cell: `${x}-${y}-${seed}`, panel: '', diverged: x === 2 && y === 2,
      })))),
      { chart: 'phaseGradient', xTitle: 'model.depth', yTitle: 'model.init.gain', metric: 'vanishing' },
    ),
    // 2 x 3 squares (seeds averaged) and crosses on the two seeds of the diverged square.
    expect: (c) => {
      expect(items(c, 'rect')).toBe(6);
      expect(items(c, 'text')).toBe(2);
    },
  },
  {
    name: 'phaseSpec with panels',
    spec: () => phaseSpec(
      ['tanh', 'relu'].flatMap((a) => [1, 2].flatMap((x) => [1, 2].map((y) => ({
        x, y, value: x - y, cell: `${a}${x}${y}`, panel: `model.activation=${a}`, diverged: false,
      })))),
      { chart: 'phaseTrainability', xTitle: 'model.depth', yTitle: 'model.width', metric: 'trainAcc' },
    ),
    expect: (c) => {
      expect(items(c, 'rect')).toBe(8);
      expect(marks(c, 'rect')).toBe(2);
    },
  },
];

/** Two initializers x depths 2, 4, 8, five seeds each; one he_normal group has no interval (n = 0). */
const PROPORTIONS: ProportionPoint[] = [2, 4, 8].flatMap((x) => ['he_normal', 'glorot_uniform'].map((series, j) => {
  const k = x === 2 ? 0 : (x / 4) + j;
  const missing = x === 8 && j === 0;
  return {
    group: `model.depth=${x},model.init=${series}`, x, series, n: missing ? 0 : 5, k,
    p: missing ? null : k / 5, lo: missing ? null : Math.max(0, k / 5 - 0.3), hi: missing ? null : Math.min(1, k / 5 + 0.35),
  };
}));

const LOSSES: LossPoint[] = [2, 4, 8].flatMap((x) => ['he_normal', 'glorot_uniform'].map((series, j) => ({
  group: `model.depth=${x},model.init=${series}`, x, series, n: 5,
  mean: 0.3 + 0.05 * x + 0.1 * j, std: 0.05, p5: 0.25 + 0.05 * x, p95: 0.4 + 0.06 * x + 0.1 * j,
})));

const SEED_CASES: readonly Case[] = [
  {
    name: 'proportionSpec with two series',
    spec: () => proportionSpec(PROPORTIONS, { outcome: 'bornDead', xTitle: 'model.depth', seriesTitle: 'model.init' }),
    // 5 groups with an interval: a point, a bar and its two end ticks each; the group without one is left out.
    expect: (c) => {
      expect(items(c, 'symbol')).toBe(5);
      expect(items(c, 'rule')).toBe(5);
      expect(items(c, 'rect')).toBe(2 * 5);
    },
  },
  {
    name: 'proportionSpec with one series',
    spec: () => proportionSpec(PROPORTIONS.filter((p) => p.series === 'glorot_uniform').map((p) => ({ ...p, series: '' })), {
      outcome: 'diverged', xTitle: 'model.depth', seriesTitle: null,
    }),
    expect: (c) => {
      expect(items(c, 'symbol')).toBe(3);
      expect(items(c, 'rule')).toBe(3);
    },
  },
  {
    name: 'lossBandSpec with two series',
    spec: () => lossBandSpec(LOSSES, { xTitle: 'model.depth', seriesTitle: 'model.init' }),
    // One band and one line per series through its 3 groups, a point per group.
    expect: (c) => {
      expect(marks(c, 'area')).toBe(2);
      expect(items(c, 'area')).toBe(6);
      expect(marks(c, 'line')).toBe(2);
      expect(items(c, 'line')).toBe(6);
      expect(items(c, 'symbol')).toBe(6);
    },
  },
  {
    name: 'lossBandSpec with one series and a group without quantiles',
    spec: () => lossBandSpec(
      LOSSES.filter((p) => p.series === 'he_normal').map((p, i) => ({ ...p, series: '', ...(i === 0 ? { p5: null, p95: null, std: null } : {}) })),
      { xTitle: 'model.depth', seriesTitle: null },
    ),
    // The band skips the group without p5/p95; the mean line and points keep all three.
    expect: (c) => {
      expect(items(c, 'area')).toBe(2);
      expect(items(c, 'line')).toBe(3);
      expect(items(c, 'symbol')).toBe(3);
    },
  },
];

describe.each([...CASES, ...SWEEP_CASES, ...SEED_CASES])('$name', ({ spec, expect: check }) => {
  it('compiles with vega-lite and runs in vega without a warning', async () => {
    const { warnings } = await renderView(spec());
    expect(warnings).toEqual([]);
  });

  it('draws the expected number of marks for the fixture', async () => {
    const { view } = await renderView(spec());
    check(countMarks(view));
    view.finalize();
  });

  it('is a pure function of its input (same spec twice)', () => {
    expect(JSON.stringify(spec())).toBe(JSON.stringify(spec()));
  });
});

describe('strings from results files', () => {
  it('reach the static SVG as text, escaped', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const { svg } = await renderSvg(vanishingDepthSpec([{ ...CELLS[0], activation: hostile, cell: hostile }]));
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('spec helpers', () => {
  it('chooses at most six layers, always the first and the last', () => {
    expect(chooseLayers([0, 1, 2])).toEqual([0, 1, 2]);
    const picked = chooseLayers(Array.from({ length: 50 }, (_, i) => i));
    expect(picked).toHaveLength(6);
    expect(picked[0]).toBe(0);
    expect(picked.at(-1)).toBe(49);
  });

  it('puts the values outside a histogram\'s range in strips just below and above it', () => {
    const hist = { edges: [0, 0.5, 1], counts: [3, 4], under: 2, over: 5 };
    const spec = activationHistogramSpec([{ step: 0, layers: [{ layer: 0, a: hist, z: hist, dW: hist, dz: hist }] }]) as unknown as {
      datasets: { hist: { y0: number; y1: number; n: number; bin: string; outside: boolean }[] };
    };
    const rows = spec.datasets.hist;
    expect(rows.filter((r) => !r.outside).map((r) => [r.y0, r.y1, r.n, r.bin])).toEqual([[0, 0.5, 3, '[0, 0.5)'], [0.5, 1, 4, '[0.5, 1]']]);
    expect(rows.filter((r) => r.outside).map((r) => [r.y0, r.y1, r.n, r.bin])).toEqual([
      [-0.08, 0, 2, TIP.binUnder(0)],
      [1, 1.08, 5, TIP.binOver(1)],
    ]);
  });

  it('draws no strip when nothing fell outside the range', () => {
    const hist = { edges: [0, 1], counts: [3], under: 0 };
    const spec = activationHistogramSpec([{ step: 0, layers: [{ layer: 0, a: hist, z: hist, dW: hist, dz: hist }] }]) as unknown as {
      datasets: { hist: { outside: boolean }[] };
    };
    expect(spec.datasets.hist.map((r) => r.outside)).toEqual([false]);
  });

  it('leaves the output layer out of the histogram panels', () => {
    expect(histogramLayers([{ step: 0, layers: [0, 1, 2, 3].map((layer) => ({ layer }) as never) }], 3)).toEqual([0, 1, 2]);
  });

  it('draws the mean-field line with chi1 per layer when the theory gives it', () => {
    const spec = gradProfileSpec(sig.records, { chi1: 1, chi1PerLayer: [0.25, 0.25, 0.25] }) as unknown as {
      datasets: { predicted: { layer: number; predicted: number }[] };
    };
    const p = spec.datasets.predicted;
    expect(p.map((r) => r.layer)).toEqual([0, 1, 2]);
    // sqrt(0.25) = 0.5 per layer toward the input.
    expect(p[0].predicted / p[2].predicted).toBeCloseTo(0.25, 5);
  });

  it('still draws the prediction, grey and labelled, when an assumption of the theory fails', () => {
    const spec = gradProfileSpec(sig.records, { chi1: 0.25, applies: false }) as unknown as {
      datasets: { predicted: { series: string }[] };
    };
    expect(new Set(spec.datasets.predicted.map((r) => r.series))).toEqual(new Set([SERIES.predictedCaveat]));
    expect(JSON.stringify(spec)).toContain('"color":"#888"');
  });

  it('reads chi1 from the theory block, or predictedDeltaFactor when chi1 is absent', () => {
    expect(theoryOf(sig.summary)?.chi1).toBeCloseTo(1 / 16, 6);
    expect(theoryOf(toSummary({ theory: { applies: true, predictedDeltaFactor: 0.5 } }))?.chi1).toBe(0.5);
    expect(theoryOf(toSummary({ theory: { applies: false, reasons: ['a', 'b'] } }))?.reason).toBe('a; b');
    expect(theoryOf(null)).toBeNull();
  });
});
