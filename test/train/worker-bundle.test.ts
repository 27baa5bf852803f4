import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleIsFresh } from '../../src/train/worker-bundle.js';
import { buildWorker } from '../../scripts/build-worker.mjs';

const ROOT = resolve(import.meta.dirname, '../..');

/** A fake repository with two sources and a bundle listed as built from them. */
function fakeBuild(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'gradflow-bundle-'));
  const dir = join(root, 'build');
  writeFileSync(join(root, 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'b.ts'), 'export const b = 2;\n');
  mkdirSync(dir);
  writeFileSync(join(dir, 'worker.mjs'), '// bundle\n');
  writeFileSync(join(dir, 'kernels-worker.mjs'), '// helper\n');
  writeFileSync(join(dir, 'kernels-protocol.mjs'), '// protocol\n');
  const inputs = ['a.ts', 'b.ts'].map((p) => {
    const st = statSync(join(root, p));
    return [p, st.size, st.mtimeMs, createHash('sha256').update(readFileSync(join(root, p))).digest('hex')];
  });
  writeFileSync(join(dir, 'worker-inputs.json'), JSON.stringify({ inputs }));
  return { root, dir };
}

describe('the worker bundle', () => {
  it('is fresh while every file it was built from keeps its size and mtime', () => {
    const { root, dir } = fakeBuild();
    expect(bundleIsFresh(dir, root)).toBe(true);
  });

  it('stays fresh when a source is touched or written back unchanged (a checkout moves mtimes)', () => {
    const touched = fakeBuild();
    utimesSync(join(touched.root, 'b.ts'), new Date(), new Date(Date.now() + 5000));
    expect(bundleIsFresh(touched.dir, touched.root)).toBe(true);
    writeFileSync(join(touched.root, 'a.ts'), 'export const a = 1;\n');
    expect(bundleIsFresh(touched.dir, touched.root)).toBe(true);
  });

  it('is stale once a source is edited (even to the same size, mtime moved) or gone, without the helper beside it, or without its list', () => {
    const edited = fakeBuild();
    writeFileSync(join(edited.root, 'a.ts'), 'export const a = 10;\n');
    expect(bundleIsFresh(edited.dir, edited.root)).toBe(false);
    const sameSize = fakeBuild();
    writeFileSync(join(sameSize.root, 'b.ts'), 'export const b = 3;\n');
    utimesSync(join(sameSize.root, 'b.ts'), new Date(), new Date(Date.now() + 5000));
    expect(bundleIsFresh(sameSize.dir, sameSize.root)).toBe(false);
    // An old list without hashes: a moved mtime means stale.
    const old = fakeBuild();
    const list = JSON.parse(readFileSync(join(old.dir, 'worker-inputs.json'), 'utf8')) as { inputs: unknown[][] };
    writeFileSync(join(old.dir, 'worker-inputs.json'), JSON.stringify({ inputs: list.inputs.map((i) => i.slice(0, 3)) }));
    utimesSync(join(old.root, 'b.ts'), new Date(), new Date(Date.now() + 5000));
    expect(bundleIsFresh(old.dir, old.root)).toBe(false);
    const gone = fakeBuild();
    rmSync(join(gone.root, 'a.ts'));
    expect(bundleIsFresh(gone.dir, gone.root)).toBe(false);
    const helperless = fakeBuild();
    rmSync(join(helperless.dir, 'kernels-worker.mjs'));
    expect(bundleIsFresh(helperless.dir, helperless.root)).toBe(false);
    const unlisted = fakeBuild();
    writeFileSync(join(unlisted.dir, 'worker-inputs.json'), '{"inputs": []}');
    expect(bundleIsFresh(unlisted.dir, unlisted.root)).toBe(false);
    writeFileSync(join(unlisted.dir, 'worker-inputs.json'), 'not json');
    expect(bundleIsFresh(unlisted.dir, unlisted.root)).toBe(false);
  });

  it('lists, when built, every source of the worker: the check reads what the build writes', async () => {
    await buildWorker();
    const dir = join(ROOT, 'build', 'train');
    expect(bundleIsFresh(dir, ROOT)).toBe(true);
    const listed = (JSON.parse(readFileSync(join(dir, 'worker-inputs.json'), 'utf8')) as { inputs: [string][] }).inputs.map((i) => i[0]);
    for (const f of ['src/train/worker.ts', 'src/train/trainer.ts', 'src/net/mlp.ts', 'src/net/kernels-worker.mjs', 'src/net/kernels-protocol.mjs']) expect(listed).toContain(f);
  }, 60_000);
});
