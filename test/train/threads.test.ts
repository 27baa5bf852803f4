/**
 * model.threads / --threads: a run on several kernel threads writes the same bytes as on one,
 * for every activation, and the flag is checked and warns when threads outnumber the cores.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { ACTIVATION_NAMES } from '../../src/net/activations.js';
import { threadedJobs } from '../../src/net/kernels-threads.js';
import { trainCell } from '../../src/train/trainer.js';
import { gradflow, tmp, writeConfig } from '../helpers/cli.js';
import { ensureWasmBuilt } from '../helpers/wasm.js';

beforeAll(async () => {
  await ensureWasmBuilt();
});

/** Width 256 and batch 128: every hidden product and activation pass is large enough to be split. */
function config(activation: string, threads: number): Record<string, unknown> {
  return {
    name: `threads-${activation}`,
    seed: 1,
    data: { kind: 'spirals', samples: 600 },
    model: { depth: 3, width: 256, activation, threads },
    train: { steps: 12, batchSize: 128, lr: 0.05, evalEvery: 6 },
    metrics: { every: 4, probe: 256, histogramsEvery: 8 },
  };
}

describe.each(ACTIVATION_NAMES)('a %s run', (activation) => {
  it('writes the same metrics.ndjson and histograms.ndjson bytes with 2 threads as with 1', async () => {
    const dir = tmp('gradflow-threads-');
    const files: string[][] = [];
    for (const threads of [1, 2]) {
      const cell = join(dir, `t${threads}`);
      const before = threadedJobs();
      const summary = await trainCell(resolveConfig(config(activation, threads)), { dir: cell, baseDir: dir });
      expect(summary.status).toBe('ok');
      // One thread never splits; two must have, or the comparison proves nothing.
      if (threads === 1) expect(threadedJobs()).toBe(before);
      else expect(threadedJobs()).toBeGreaterThan(before);
      files.push(['metrics.ndjson', 'histograms.ndjson'].map((f) => readFileSync(join(cell, f), 'utf8')));
    }
    expect(files[0][0].split('\n').length).toBeGreaterThan(4);
    expect(files[1][0]).toBe(files[0][0]);
    expect(files[1][1]).toBe(files[0][1]);
  });
});

describe.each([
  ['a batch norm run', { norm: 'batch' }],
  ['a layer norm run', { norm: 'layer' }],
  ['a residual run (scale 0.5)', { residual: { scale: 0.5 } }],
])('%s', (_what, model) => {
  it('writes the same metrics.ndjson and histograms.ndjson bytes with 2 threads as with 1 (128 x 256: its norm passes and residual sums are cut)', async () => {
    const dir = tmp('gradflow-threads-');
    const files: string[][] = [];
    for (const threads of [1, 2]) {
      const cell = join(dir, `t${threads}`);
      const c = config('tanh', threads);
      const summary = await trainCell(resolveConfig({ ...c, model: { ...(c.model as object), ...model } }), { dir: cell, baseDir: dir });
      expect(summary.status).toBe('ok');
      files.push(['metrics.ndjson', 'histograms.ndjson'].map((f) => readFileSync(join(cell, f), 'utf8')));
    }
    expect(files[1][0]).toBe(files[0][0]);
    expect(files[1][1]).toBe(files[0][1]);
  });
});

describe('a wasm-fma run', () => {
  it('writes the same metrics.ndjson bytes with 2 threads as with 1 (on one machine)', async () => {
    const dir = tmp('gradflow-threads-');
    const texts: string[] = [];
    for (const threads of [1, 2]) {
      const cell = join(dir, `t${threads}`);
      const c = config('tanh', threads);
      const summary = await trainCell(resolveConfig({ ...c, model: { ...(c.model as object), kernel: 'wasm-fma' } }), { dir: cell, baseDir: dir });
      expect(summary.kernel).toBe('wasm-fma');
      texts.push(readFileSync(join(cell, 'metrics.ndjson'), 'utf8'));
    }
    expect(texts[1]).toBe(texts[0]);
  });
});

describe('gradflow run --threads', () => {
  it('rejects a count that is not an integer from 1 to 32, writing nothing', async () => {
    const dir = tmp('gradflow-threads-');
    const cfg = writeConfig(dir, config('tanh', 1));
    const r = await gradflow(['run', cfg, '--out', join(dir, 'out'), '--threads', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatchInlineSnapshot(`
      "gradflow: --threads: 0 is not allowed: expected an integer from 1 to 32
      "
    `);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('warns once when workers times threads exceed the cores, and still trains', async () => {
    const cores = availableParallelism();
    const threads = Math.min(32, cores + 1);
    const dir = tmp('gradflow-threads-');
    const cfg = writeConfig(dir, { ...config('relu', 1), train: { steps: 2, batchSize: 128 }, sweep: { seed: [1, 2] } });
    const r = await gradflow(['run', cfg, '--out', join(dir, 'out'), '--no-report', '--quiet', '--workers', '1', '--threads', String(threads)]);
    expect(r.code).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning:'));
    if (threads > cores) {
      expect(warnings).toEqual([
        `gradflow: warning: --workers 1 x --threads ${threads} = ${threads} threads on ${cores} cores: they will take turns and run slower than fewer would; use --workers 1 with --threads ${threads}, or --threads 1`,
      ]);
    }
    const resolved = JSON.parse(readFileSync(join(dir, 'out', 'threads-relu', 'seed=1', 'config.json'), 'utf8'));
    expect(resolved.model.threads).toBe(threads);
  });
});
