import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import type { RecorderSummary } from '../../src/metrics/recorder.js';
import type { MetricRecord } from '../../src/metrics/types.js';
import { readSafetensors, toFloat64Array } from '../../src/net/safetensors.js';
import { trainCell } from '../../src/train/trainer.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Run {
  readonly records: MetricRecord[];
  readonly summary: RecorderSummary & Record<string, unknown>;
  readonly dir: string;
  readonly bytes: string;
}

async function run(model: Record<string, unknown>, extra: { train?: Record<string, unknown>; metrics?: Record<string, unknown> } = {}): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-remedies-'));
  dirs.push(dir);
  const config = resolveConfig({
    name: 'remedies',
    data: { kind: 'spirals', samples: 200 },
    model: { depth: 4, width: 8, activation: 'tanh', init: 'glorot_normal', dtype: 'float64', kernel: 'ts', ...model },
    train: { steps: 4, batchSize: 16, lr: 0.1, saveWeights: [4], ...extra.train },
    metrics: { every: 1, probe: 32, histogramsEvery: null, ...extra.metrics },
  });
  await trainCell(config, { dir, baseDir: dir });
  const bytes = readFileSync(join(dir, 'metrics.ndjson'), 'utf8');
  return {
    records: bytes.trim().split('\n').map((l) => JSON.parse(l) as MetricRecord),
    summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')),
    dir,
    bytes,
  };
}

const REMEDY_KEYS = [
  'gammaGradNorm', 'betaGradNorm', 'gammaUpdateRatio', 'betaUpdateRatio', 'gammaMean', 'betaMean', 'normMean', 'normStd',
  'hiddenRms', 'branchRms', 'skipRms', 'branchRatio',
];

describe('remedy metrics in the records', () => {
  it('adds nothing to the records or the summary of a plain MLP', async () => {
    const plain = await run({});
    for (const r of plain.records) for (const l of r.layers) for (const k of REMEDY_KEYS) expect(l).not.toHaveProperty(k);
    expect(plain.summary).not.toHaveProperty('remedyTheory');
    expect(plain.summary.theory?.reasons.join()).not.toMatch(/remedyTheory/);
  });

  it('gives every hidden layer of a batch-norm net its gamma and beta metrics and the normalised statistics, and the output layer none', async () => {
    const bn = await run({ norm: 'batch' });
    const r0 = bn.records[0];
    for (const l of r0.layers.slice(0, 4)) {
      expect(Object.keys(l).filter((k) => REMEDY_KEYS.includes(k))).toEqual(REMEDY_KEYS.slice(0, 8));
      // Probe pass on batch statistics with gamma = 1, beta = 0: n has mean 0 and std ~1.
      expect(Math.abs(l.normMean!)).toBeLessThan(1e-12);
      expect(l.normStd!).toBeGreaterThan(0.99);
      expect(l.normStd!).toBeLessThan(1);
      expect(l.gammaMean).toBe(1);
      expect(l.gammaUpdateRatio).toBe(0);
    }
    expect(Object.keys(r0.layers[4]).filter((k) => REMEDY_KEYS.includes(k))).toEqual([]);
    // SGD moves gamma by lr * dgamma: at step 1, ||gamma_1 - gamma_0|| / ||gamma_0|| = 0.1 * gammaGradNorm_0 / sqrt(8).
    for (let i = 0; i < 4; i++) {
      expect(bn.records[1].layers[i].gammaUpdateRatio).toBeCloseTo((0.1 * r0.layers[i].gammaGradNorm!) / Math.sqrt(8), 12);
      // beta starts at 0: its first update ratio is infinite, written null.
      expect(bn.records[1].layers[i].betaUpdateRatio).toBeNull();
    }
    // Batch norm cancels the hidden biases' gradient.
    for (const l of r0.layers.slice(0, 4)) expect(l.biasGradNorm).toBeLessThan(1e-12);
  });

  it('gives a residual net hiddenRms in every hidden layer and branch against skip in layers 1..depth-1', async () => {
    const res = await run({ residual: { scale: 0.5 } });
    const layers = res.records[0].layers;
    expect(layers[0].hiddenRms).toBeCloseTo(layers[0].actRms!, 12);
    expect(layers[0]).not.toHaveProperty('branchRatio');
    for (let i = 1; i < 4; i++) {
      const l = layers[i];
      expect(l.branchRms).toBeCloseTo(0.5 * l.actRms!, 12);
      expect(l.skipRms).toBeCloseTo(layers[i - 1].hiddenRms!, 12);
      expect(l.branchRatio).toBeCloseTo(l.branchRms! / l.skipRms!, 12);
    }
    expect(layers[4]).not.toHaveProperty('hiddenRms');
  });

  it('never lets the probe pass touch the running statistics: a run without metrics ends with the same bytes of weights', async () => {
    const on = await run({ norm: 'batch' });
    const off = await run({ norm: 'batch' }, { metrics: { enabled: false } });
    const a = readSafetensors(join(on.dir, 'weights-step4.safetensors')).tensors;
    const b = readSafetensors(join(off.dir, 'weights-step4.safetensors')).tensors;
    expect([...a.keys()]).toContain('norms.3.running_var');
    for (const [name, t] of a) expect(Array.from(toFloat64Array(b.get(name)!)), name).toEqual(Array.from(toFloat64Array(t)));
    // Five training forward passes (steps 0..4) moved the running mean away from 0.
    expect(toFloat64Array(a.get('norms.0.running_mean')!).some((v) => v !== 0)).toBe(true);
  });

  it('writes the remedy theory beside the step-0 measurement, and marks the plain theory as not applying', async () => {
    const bn = await run({ norm: 'layer', residual: { scale: 1 } });
    const t = bn.summary.remedyTheory!;
    expect(t.norm!.name).toBe('layer');
    expect(t.norm!.applies).toBe(false);
    expect(t.residual!.measuredHiddenRms).toHaveLength(4);
    expect(t.residual!.measuredHiddenRms[3]).toBe(bn.records[0].layers[3].hiddenRms);
    expect(bn.summary.theory!.applies).toBe(false);
    expect(bn.summary.theory!.reasons.join(' ')).toMatch(/layer norm rescales every hidden pre-activation.*residual connections/);
  });
});
