/**
 * `gradflow run ... | head -1`: the reader of stdout goes away after one line. Node reports EPIPE
 * as an 'error' event that used to crash the run with a stack trace. Now output stops, the run
 * stops cleanly as after SIGINT (cells say interrupted, the lock is dropped), and the exit code
 * is 141 (128 + SIGPIPE, what a Unix tool killed by SIGPIPE reports), with nothing on stderr.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, readJson, shell, tmp, writeConfig } from './helpers.js';

const CONFIG = {
  name: 'pipe',
  data: { kind: 'moons', samples: 300 },
  model: { depth: 3, width: 64 },
  train: { steps: 400, batchSize: 32 },
  metrics: { every: 20, probe: 32, histogramsEvery: null },
  sweep: { 'model.activation': ['relu', 'tanh', 'elu', 'gelu', 'silu', 'selu'] },
};

const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

describe('stdout closed early', () => {
  it('stops the run quietly and cleanly when `| head -1` has read its line', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, CONFIG);
    const out = join(dir, 'results');
    const r = await shell(`${q(process.execPath)} ${q(BIN)} run ${q(cfg)} --out ${q(out)} --workers 1 --no-report | head -1; exit \${PIPESTATUS[0]}`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(141);
    expect(r.stdout).toMatch(/^pipe\/activation=relu: ok .*\n$/);
    const index = readJson<{ cells: { id: string; status: string }[] }>(join(out, 'pipe/index.json'));
    const statuses = index.cells.map((c) => c.status);
    // Stopped, not crashed: nothing is left running, and the cells after the stop never began.
    expect(statuses.every((s) => ['ok', 'interrupted', 'pending'].includes(s))).toBe(true);
    expect(statuses.at(-1)).toBe('pending');
    for (const c of index.cells.filter((x) => x.status === 'interrupted')) {
      expect(readJson(join(out, 'pipe', c.id, 'summary.json'))).toMatchObject({ status: 'interrupted' });
    }
    expect(existsSync(join(out, 'pipe/.lock'))).toBe(false);
  });

  it('prints the first line of other commands and exits 0', async () => {
    const r = await shell(`${q(process.execPath)} ${q(BIN)} --help | head -1; exit \${PIPESTATUS[0]}`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('gradflow <command> [options]\n');
  });
});
