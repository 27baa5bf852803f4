/**
 * An output folder that cannot be written, through the real CLI. Tests run as root in CI, where
 * chmod does not stop writes, so the folder is made unusable the way that works for root too: a
 * regular file where a folder must go. (The permission case runs only as a normal user.)
 * Before the run: exit 2 and nothing written. During the run: exit 1, one clear message, the
 * run stops, and no summary.json is half written.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradflow, listFiles, readJson, STACK_FRAME, tmp, writeConfig } from './helpers.js';

const CONFIG = {
  name: 'out',
  data: { kind: 'moons', samples: 100 },
  model: { depth: 1, width: 4 },
  train: { steps: 5, batchSize: 8 },
  metrics: { every: 1, probe: 8, histogramsEvery: null },
};
const root = process.getuid?.() === 0;

describe('an --out that cannot hold the run', () => {
  it.each([
    ['a path under a regular file', (f: string) => join(f, 'sub')],
    ['a regular file', (f: string) => f],
  ])('exits 2 before anything is written when --out is %s', async (_what, outOf) => {
    const dir = tmp();
    const cfg = writeConfig(dir, CONFIG);
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'keep me');
    const r = await gradflow(['run', cfg, '--out', outOf(file), '--workers', '1']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(`gradflow: --out ${outOf(file)}: ${file} is a file, not a folder; expected a folder gradflow can create and write\n`);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    expect(listFiles(dir)).toEqual(['config.json', 'file.txt']);
  });

  it('exits 2 when the experiment folder <out>/<name> is a file', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, CONFIG);
    mkdirSync(join(dir, 'results'));
    writeFileSync(join(dir, 'results/out'), 'not a folder');
    const r = await gradflow(['run', cfg, '--out', join(dir, 'results'), '--workers', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'results/out')} is a file, not a folder`);
    expect(listFiles(join(dir, 'results'))).toEqual(['out']);
  });

  it.skipIf(root)('exits 2 when --out lies in a folder this user cannot write (chmod 0555)', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, CONFIG);
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    try {
      const r = await gradflow(['run', cfg, '--out', join(locked, 'results'), '--workers', '1']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${locked} is a folder this user cannot write (EACCES)`);
      expect(existsSync(join(locked, 'results'))).toBe(false);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it('stops with exit 1 and one clear message when a cell folder cannot be made during the run', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, { ...CONFIG, sweep: { 'model.width': [3, 4] } });
    const exp = join(dir, 'results/out');
    mkdirSync(exp, { recursive: true });
    // The first cell's folder is taken by a file: discovered only when that cell starts.
    writeFileSync(join(exp, 'width=3'), 'in the way');
    const r = await gradflow(['run', cfg, '--out', join(dir, 'results'), '--workers', '1']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^gradflow: ${exp.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/width=3: cannot write: a part of the path is a file, not a folder \\(ENOTDIR\\); the run stopped: finished cells are intact`, 'm'));
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout + r.stderr).not.toMatch(STACK_FRAME);
    // The run stopped: the second cell never started; the index says what happened; no lock is left.
    const index = readJson<{ cells: { id: string; status: string }[] }>(join(exp, 'index.json'));
    expect(index.cells.map((c) => [c.id, c.status])).toEqual([['width=3', 'failed'], ['width=4', 'pending']]);
    expect(listFiles(exp)).toEqual(['index.json', 'width=3']);
  });
});
