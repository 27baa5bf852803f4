/**
 * The command line end to end: the real bin on small configs, the files a run writes, exit
 * codes, nothing written on bad input, and byte-identical reruns.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/net/safetensors.js';
import { gradflow, tmp as mkTmp, writeConfig } from '../helpers/cli.js';

const tmp = (): string => mkTmp('gradflow-cli-');

const SMALL = {
  name: 'small',
  description: 'a quick tanh net',
  seed: 3,
  data: { kind: 'moons', samples: 300 },
  model: { depth: 3, width: 8, activation: 'tanh', init: 'he_normal' },
  train: { steps: 40, batchSize: 32, lr: 0.1, saveWeights: [0, 40] },
  metrics: { every: 10, probe: 64, histogramsEvery: 20 },
};


describe('gradflow run', () => {
  it('writes index.json, and per cell config.json, metrics.ndjson, histograms.ndjson and summary.json', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, SMALL);
    const out = join(dir, 'results');
    const r = await gradflow(['run', cfg, '--out', out, '--no-report', '--workers', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/small\/run: ok {2}40 steps/);
    const index = JSON.parse(readFileSync(join(out, 'small/index.json'), 'utf8'));
    expect(index).toEqual({ experiment: 'small', cells: [{ id: 'run', path: 'run', overrides: {}, status: 'ok' }] });
    const cell = join(out, 'small/run');
    const resolved = JSON.parse(readFileSync(join(cell, 'config.json'), 'utf8'));
    expect(resolved.model.init).toEqual({ name: 'he_normal', gain: 1 });
    expect(resolved.train.optimizer).toEqual({ name: 'sgd' });
    const lines = readFileSync(join(cell, 'metrics.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([0, 10, 20, 30, 40]);
    expect(lines[0].layers).toHaveLength(4);
    for (const l of lines[0].layers) {
      for (const key of ['layer', 'gradNorm', 'biasGradNorm', 'deltaNorm', 'weightNorm', 'updateRatio', 'actMean', 'actStd', 'actRms', 'actMaxAbs', 'zeroFraction', 'deadFraction', 'saturatedFraction']) {
        expect(l, key).toHaveProperty(key);
      }
    }
    const summary = JSON.parse(readFileSync(join(cell, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'ok', steps: 40, task: 'classification' });
    expect(summary.testAcc).toBeGreaterThan(0);
    expect(existsSync(join(cell, 'histograms.ndjson'))).toBe(true);
    // The weights saved at step 0 and step 40 are PyTorch-shaped and differ (training moved them).
    const w0 = readSafetensors(join(cell, 'weights-step0.safetensors'));
    const w40 = readSafetensors(join(cell, 'weights-step40.safetensors'));
    expect(w0.tensors.get('layers.0.weight')!.shape).toEqual([8, 2]);
    expect(w0.tensors.get('layers.3.weight')!.shape).toEqual([2, 8]);
    const bytes = (t: { data: ArrayBufferView }): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    expect(bytes(w0.tensors.get('layers.0.weight')!).equals(bytes(w40.tensors.get('layers.0.weight')!))).toBe(false);
  });

  it('writes byte-identical metrics.ndjson when the same config runs twice', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, { ...SMALL, train: { ...SMALL.train, saveWeights: [] } });
    await gradflow(['run', cfg, '--out', join(dir, 'a'), '--no-report', '--workers', '1', '--quiet']);
    await gradflow(['run', cfg, '--out', join(dir, 'b'), '--no-report', '--workers', '1', '--quiet']);
    const a = readFileSync(join(dir, 'a/small/run/metrics.ndjson'));
    const b = readFileSync(join(dir, 'b/small/run/metrics.ndjson'));
    expect(a.length).toBeGreaterThan(1000);
    expect(a.equals(b)).toBe(true);
  });

  it('keeps the initial weights when only the batch order changes', async () => {
    const dir = tmp();
    const shuffled = writeConfig(dir, { ...SMALL, train: { ...SMALL.train, shuffle: true } }, 'a.json');
    const ordered = writeConfig(dir, { ...SMALL, train: { ...SMALL.train, shuffle: false } }, 'b.json');
    await gradflow(['run', shuffled, '--out', join(dir, 'a'), '--no-report', '--workers', '1', '--quiet']);
    await gradflow(['run', ordered, '--out', join(dir, 'b'), '--no-report', '--workers', '1', '--quiet']);
    const wa = readFileSync(join(dir, 'a/small/run/weights-step0.safetensors'));
    const wb = readFileSync(join(dir, 'b/small/run/weights-step0.safetensors'));
    expect(wa.equals(wb)).toBe(true);
    const ma = readFileSync(join(dir, 'a/small/run/metrics.ndjson'), 'utf8');
    const mb = readFileSync(join(dir, 'b/small/run/metrics.ndjson'), 'utf8');
    expect(ma).not.toEqual(mb);
  });

  it('runs a sweep on two worker threads with the same bytes as one thread', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, { ...SMALL, train: { ...SMALL.train, saveWeights: [] }, sweep: { 'model.activation': ['tanh', 'relu'], 'model.depth': [2, 3] } });
    const one = await gradflow(['run', cfg, '--out', join(dir, 'w1'), '--no-report', '--workers', '1', '--quiet']);
    const two = await gradflow(['run', cfg, '--out', join(dir, 'w2'), '--no-report', '--workers', '2', '--quiet']);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    const cells = readdirSync(join(dir, 'w1/small')).filter((f) => f !== 'index.json').sort();
    expect(cells).toEqual(['activation=relu,depth=2', 'activation=relu,depth=3', 'activation=tanh,depth=2', 'activation=tanh,depth=3']);
    for (const c of cells) {
      const a = readFileSync(join(dir, 'w1/small', c, 'metrics.ndjson'));
      const b = readFileSync(join(dir, 'w2/small', c, 'metrics.ndjson'));
      expect(a.equals(b), c).toBe(true);
    }
  });

  it('records the initial network only when train.steps is 0', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, { ...SMALL, train: { steps: 0 } });
    const r = await gradflow(['run', cfg, '--out', join(dir, 'r'), '--no-report', '--workers', '1', '--quiet']);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'r/small/run/metrics.ndjson'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).step).toBe(0);
  });
});

describe('bad input', () => {
  it.each([
    ['a misspelt activation', { model: { activation: 'rleu' } }, /model\.activation: "rleu" is not one of .* did you mean "relu"\?/],
    ['a batch larger than the data', { train: { batchSize: 1000 } }, /train\.batchSize: 1000 is not allowed: data kind "moons" has 240 training rows/],
    ['an unknown key', { train: { learningRate: 0.1 } }, /train\.learningRate: unknown key/],
  ])('exits 2 on %s, says why, and writes nothing', async (_what, patch, message) => {
    const dir = tmp();
    const config = { ...SMALL, model: { ...SMALL.model, ...(patch as { model?: object }).model }, train: { ...SMALL.train, ...(patch as { train?: object }).train } };
    const cfg = writeConfig(dir, config);
    const out = join(dir, 'results');
    const r = await gradflow(['run', cfg, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 on a bad --set and on an unknown flag', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, SMALL);
    const out = join(dir, 'results');
    const a = await gradflow(['run', cfg, '--out', out, '--set', 'model.depth=abc']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/model\.depth/);
    const b = await gradflow(['run', cfg, '--out', out, '--frobnicate']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/frobnicate/);
    expect(existsSync(out)).toBe(false);
  });

  it('finds configs under experiments/ and lists the registries', async () => {
    const r = await gradflow(['list']);
    expect(r.code).toBe(0);
    for (const name of ['sigmoid', 'selu', 'crelu', 'lecun_normal', 'orthogonal', 'spirals', 'mnist', 'adam', 'cross_entropy']) expect(r.stdout).toContain(name);
    const bad = await gradflow(['run', 'configs/does-not-exist.json', '--out', join(tmp(), 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/does-not-exist\.json/);
  });
});
