/**
 * Where cells train: inline or on worker threads, the same bytes either way; a stop request
 * ends a cell as `interrupted`. (A worker that crashes: test/robustness/worker-crash.test.ts.)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { InlineExecutor, WorkerPool, type CellJob } from '../../src/train/pool.js';

const config = (steps: number) =>
  resolveConfig({
    name: 'pool',
    seed: 9,
    data: { kind: 'spirals', samples: 200 },
    model: { depth: 2, width: 8, activation: 'elu' },
    train: { steps, batchSize: 16 },
    metrics: { every: 5, probe: 32, histogramsEvery: 10 },
  });

function job(index: number, steps: number): CellJob {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-pool-'));
  return { index, config: config(steps), dir, baseDir: dir };
}

const bytes = (j: CellJob, file: string): string => readFileSync(join(j.dir, file), 'utf8');

describe('the executors', () => {
  it('train a cell on a worker thread to the same bytes as inline, and report progress', async () => {
    const inline = new InlineExecutor();
    const pool = new WorkerPool(1);
    try {
      const a = job(0, 40);
      const b = job(1, 40);
      const progress: number[] = [];
      const [sa, sb] = [await inline.run(a, () => {}), await pool.run(b, (p) => progress.push(p.step))];
      expect(sa.status).toBe('ok');
      expect(sb.status).toBe('ok');
      for (const f of ['metrics.ndjson', 'histograms.ndjson', 'config.json']) expect(bytes(b, f)).toBe(bytes(a, f));
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((s) => s >= 1 && s <= 40)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('end a cell as interrupted once asked to stop', async () => {
    const inline = new InlineExecutor();
    inline.stop();
    expect(await inline.run(job(0, 50), () => {})).toMatchObject({ status: 'interrupted', steps: 0 });
    const pool = new WorkerPool(1);
    try {
      pool.stop();
      expect(await pool.run(job(1, 50), () => {})).toMatchObject({ status: 'interrupted', steps: 0 });
    } finally {
      await pool.close();
    }
  });
});
