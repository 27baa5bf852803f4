/**
 * The files' contracts for signal propagation, from real training runs: spectra.ndjson's lines
 * (keys, order, steps, example = row of the training split, checked by recomputing J from the
 * saved weights and that row), summary.json's `spectra` block and the theory block's
 * `measuredCorrelation`, and metrics.ndjson unchanged by the Jacobian.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { MLP } from '../../src/net/mlp.js';
import { importWeights } from '../../src/net/safetensors.js';
import { hiddenJacobian } from '../../src/metrics/spectra.js';
import { singularValues } from '../../src/metrics/svd.js';
import { loadCellData, trainCell } from '../../src/train/trainer.js';

const base = {
  name: 'signal-files',
  seed: 3,
  data: { kind: 'spirals', samples: 300, testFraction: 0.2 },
  model: { depth: 4, width: 12, activation: 'tanh', init: 'glorot_normal', dtype: 'float64' },
  train: { steps: 20, batchSize: 16, lr: 0.05 },
  metrics: { every: 10, probe: 64, histogramsEvery: null },
};

async function run(overrides: Record<string, unknown>, name: string) {
  const config = resolveConfig({ ...base, ...overrides });
  const dir = join(mkdtempSync(join(tmpdir(), 'gradflow-signal-')), name);
  const summary = await trainCell(config, { dir, baseDir: dir });
  const lines = (file: string): Record<string, unknown>[] =>
    existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  return { config, dir, summary, metricsText: readFileSync(join(dir, 'metrics.ndjson'), 'utf8'), spectra: lines('spectra.ndjson'), metrics: lines('metrics.ndjson') };
}

describe('a run with metrics.jacobian', () => {
  it('writes K lines per chosen step with the keys step, example, singularValues, and leaves metrics.ndjson as without it', async () => {
    const on = await run({ metrics: { ...base.metrics, jacobian: { steps: [0, 5, 20, 99], examples: 3 } } }, 'on');
    const off = await run({}, 'off');
    expect(on.metricsText).toBe(off.metricsText);
    expect(existsSync(join(off.dir, 'spectra.ndjson'))).toBe(false);
    expect(on.spectra.map((l) => l.step)).toEqual([0, 0, 0, 5, 5, 5, 20, 20, 20]);
    for (const l of on.spectra) {
      expect(Object.keys(l)).toEqual(['step', 'example', 'singularValues']);
      const s = l.singularValues as number[];
      expect(s).toHaveLength(12);
      for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
    }
    const examples = on.spectra.slice(0, 3).map((l) => l.example);
    expect(on.spectra.slice(3, 6).map((l) => l.example)).toEqual(examples);
    const block = on.summary.spectra!;
    expect(block.examples).toEqual(examples);
    expect(block.steps.map((s) => s.step)).toEqual([0, 5, 20]);
    expect(block.beta).toBeCloseTo(3 / 12, 15);
    expect(block.predictedMeanS2!).toBeGreaterThan(0);
    const s0 = on.spectra.slice(0, 3).flatMap((l) => l.singularValues as number[]);
    expect(block.steps[0].meanS2).toBeCloseTo(s0.reduce((a, v) => a + v * v, 0) / s0.length, 8);
    expect(block.steps[0].logJv2).toHaveLength(3);
    expect(off.summary.spectra).toBeUndefined();
  });

  it('"records" takes the Jacobian at exactly the steps of metrics.ndjson', async () => {
    const r = await run({ metrics: { ...base.metrics, jacobian: { steps: 'records', examples: 1 } } }, 'records');
    expect(r.spectra.map((l) => l.step)).toEqual(r.metrics.map((l) => l.step));
  });

  it('names each example by its row in the training split: J recomputed from the saved weights and that row has the same singular values', async () => {
    const r = await run({ train: { ...base.train, steps: 0, saveWeights: [0] }, metrics: { ...base.metrics, jacobian: { steps: [0], examples: 2 } } }, 'rows');
    const data = loadCellData(r.config, r.dir);
    const mlp = new MLP({ inputDim: data.inputDim, outputDim: data.outputDim, depth: 4, width: 12, activation: 'tanh', dtype: 'float64', kernels: tsKernels, maxRows: 1 });
    importWeights(mlp, join(r.dir, 'weights-step0.safetensors'));
    for (const line of r.spectra) {
      const row = line.example as number;
      mlp.forward(data.xTrain.subarray(row * data.inputDim, (row + 1) * data.inputDim), 1);
      const { J, rows, cols } = hiddenJacobian(mlp, 0);
      const s = singularValues(J, rows, cols);
      (line.singularValues as number[]).forEach((v, i) => expect(v).toBeCloseTo(s[i], 8));
    }
  });
});

describe('every run with per-layer metrics', () => {
  it('puts the pair correlations of the probe per hidden layer, and their fitted decay length, in the theory block', async () => {
    const r = await run({}, 'corr');
    const m = r.summary.theory!.measuredCorrelation!;
    expect(m.step).toBe(0);
    expect(m.pairs).toBe(32);
    expect(m.perLayer).toHaveLength(4);
    expect(m.stdErr).toHaveLength(4);
    for (const c of m.perLayer) expect(Math.abs(c!)).toBeLessThanOrEqual(1);
    expect(Object.keys(r.summary).includes('spectra')).toBe(false);
  });
});
