import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import type { MetricRecord } from '../../src/results/types.js';
import { readRun, type RunData } from '../../src/report/read.js';
import { remedySections } from '../../src/report/remedies.js';
import { compileSpec, countMarks, renderView } from '../../src/report/render.js';
import { runPage } from '../../src/report/run-report.js';
import { normTheorySpec, residualTheorySpec } from '../../src/report/specs/remedies.js';
import { trainCell } from '../../src/train/trainer.js';

let dir: string;
const runs: Record<string, RunData> = {};

async function train(name: string, model: Record<string, unknown>): Promise<void> {
  const config = resolveConfig({
    name,
    data: { kind: 'blobs', dims: 8, samples: 300 },
    model: { depth: 5, width: 32, activation: 'relu', init: 'he_normal', dtype: 'float64', kernel: 'ts', ...model },
    train: { steps: 30, batchSize: 32, lr: 0.05 },
    metrics: { every: 10, probe: 64, histogramsEvery: null },
  });
  await trainCell(config, { dir: join(dir, name), baseDir: dir });
  runs[name] = await readRun(join(dir, name));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradflow-report-remedies-'));
  await train('plain', {});
  await train('batch', { norm: 'batch' });
  await train('layer-noaffine', { norm: { name: 'layer', affine: false } });
  await train('residual', { residual: { scale: 0.5 } });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (run: RunData): string[] => remedySections(run.records, run.records, run.summary).flatMap((s) => s.charts.map((c) => c.id));

describe('the remedy sections of a run report', () => {
  it('appear only for the remedies the run has', () => {
    expect(ids(runs.plain)).toEqual([]);
    expect(ids(runs.batch)).toEqual(['norm-theory', 'norm-params', 'norm-stats']);
    expect(ids(runs['layer-noaffine'])).toEqual(['norm-theory', 'norm-stats']);
    expect(ids(runs.residual)).toEqual(['residual-theory', 'branch-ratio']);
    const headings = runPage(runs.batch).sections.map((s) => s.heading);
    expect(headings.indexOf('Normalization')).toBe(headings.indexOf('Gradient flow') + 1);
    expect(runPage(runs.plain).sections.map((s) => s.heading)).not.toContain('Normalization');
  });

  it('compile without warnings and draw every measured point', async () => {
    for (const name of ['batch', 'layer-noaffine', 'residual']) {
      const run = runs[name];
      for (const section of remedySections(run.records, run.records, run.summary)) {
        for (const chart of section.charts) {
          expect(compileSpec(chart.spec).warnings, `${name} ${chart.id}`).toEqual([]);
          const { view } = await renderView(chart.spec);
          expect(countMarks(view).symbol?.items ?? countMarks(view).line?.items ?? 0, `${name} ${chart.id}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('read the remedyTheory block back through src/results', () => {
    expect(runs.plain.summary?.remedyTheory).toBeUndefined();
    expect(runs.residual.summary?.remedyTheory?.residual?.meanSquarePerLayer).toHaveLength(5);
    expect(runs.batch.summary?.remedyTheory?.norm?.name).toBe('batch');
  });

  it('say what the theory predicts and what was measured', () => {
    const notes = remedySections(runs.batch.records, runs.batch.records, runs.batch.summary)[0].charts[0].notes!.join(' ');
    expect(notes).toMatch(/grows by 1\.467 per layer toward the input .*Yang et al\. 2019.*measured over layers 1 to depth−1 at step 0: [0-9.]+\./);
    expect(notes).toMatch(/inputs have 8 dimension/);
  });
});

describe('normTheorySpec and residualTheorySpec', () => {
  const step0: MetricRecord = {
    step: 0, epoch: 0, loss: 1,
    layers: [0, 1, 2, 3].map((layer) => ({
      layer, gradNorm: 1, biasGradNorm: 0, deltaNorm: 2 ** (3 - layer), weightNorm: 1, updateRatio: 0, hiddenRms: layer + 1,
    })),
  };

  it('anchor the predicted backward line at the top hidden layer and multiply by each layer\'s factor going down', () => {
    const spec = normTheorySpec(step0, 3, { deltaFactorPerLayer: [3, 2], applies: true }) as { datasets: Record<string, { layer: number; value: number }[]> };
    expect(spec.datasets.measured.map((d) => [d.layer, d.value])).toEqual([[0, 64], [1, 16], [2, 4]]);
    expect(spec.datasets.predicted.map((d) => [d.layer, d.value])).toEqual([[0, 24], [1, 8], [2, 4]]);
    const none = normTheorySpec(step0, 3, null) as { datasets: Record<string, unknown> };
    expect(none.datasets).not.toHaveProperty('predicted');
  });

  it('draw the predicted mean square of h beside the measured one, at the first and last record', () => {
    const last: MetricRecord = { ...step0, step: 50, layers: step0.layers.map((l) => ({ ...l, hiddenRms: 2 })) };
    const spec = residualTheorySpec(step0, last, { meanSquarePerLayer: [1, 2, 3, 4], applies: false }) as {
      datasets: Record<string, { layer: number; value: number; series: string }[]>;
    };
    expect(spec.datasets.measured.filter((d) => d.series === 'measured, step 0').map((d) => d.value)).toEqual([1, 4, 9, 16]);
    expect(spec.datasets.measured.filter((d) => d.series === 'measured, step 50').map((d) => d.value)).toEqual([4, 4, 4, 4]);
    expect(spec.datasets.predicted.map((d) => d.series)).toEqual(Array(4).fill('mean-field prediction (assumptions not met)'));
  });
});
