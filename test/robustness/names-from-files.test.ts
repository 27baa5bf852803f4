/**
 * Names and paths read from a run's files are input: `merge` writes to `<out>/<experiment>` and
 * `<out>/<experiment>/<cell id>`, `report` and the claims read `<exp>/<cell path>`. An index file
 * naming `../../esc`, an absolute path, a symbolic link out of the folder, or nothing at all must
 * be refused (exit 2, one line naming the file and the field), and nothing written anywhere. An
 * empty `--out` is refused by every command rather than meaning the current folder.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/net/rng.js';
import { cellFolder, cellIdProblem, cellPathProblem, experimentNameProblem } from '../../src/results/names.js';
import { readIndexFile, readShardIndex } from '../../src/results/read-index.js';
import { ResultsFileError } from '../../src/results/read.js';
import { gradflow, listFiles, STACK_FRAME, tmp, writeConfig } from './helpers.js';

const CONFIG = {
  name: 'names',
  seed: 0,
  data: { kind: 'moons', samples: 40, testFraction: 0.25 },
  model: { depth: 1, width: 3, activation: 'tanh' },
  train: { steps: 2, batchSize: 8, optimizer: 'sgd', lr: 0.1 },
  metrics: { every: 1, histogramsEvery: null },
  sweep: { 'model.width': [2, 3] },
};

/** Names an attacker or a damaged file could hold, by hand. */
const HOSTILE = [
  '../../esc', '..', '.', '', '/tmp/gradflow-abs', 'a/b', 'a\\b', '..\\..\\esc', 'a\u0000b', 'a\nb', '\u0000',
  'a'.repeat(101), 'a'.repeat(5000), ' lead', '-dash', '.hidden', '<script>alert(1)</script>', 'a b', '~', '$HOME', 'é',
];

/** Random strings over the characters that matter for paths (seeded: the same ones every run). */
function generated(count: number, seed: string): string[] {
  const rng = createRng(seed);
  const parts = ['a', 'Z', '7', '.', '..', '/', '\\', '\u0000', '\n', '-', '_', ' ', '=', ',', '+', 'é', '~'];
  return Array.from({ length: count }, () => Array.from({ length: 1 + rng.int(8) }, () => parts[rng.int(parts.length)]).join(''));
}

/** Is `id` one folder name: a direct child of the folder it is joined to (a definition independent of names.ts). */
function oneFolderName(id: string): boolean {
  const parent = '/x/y';
  return id !== '' && id.length <= 150 && !/[\u0000-\u001f\u007f\\]/.test(id) && dirname(resolve(parent, id)) === parent && basename(resolve(parent, id)) === id;
}

describe('names read from an index file', () => {
  const label = (v: string): string => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);

  it('refuses an experiment name unless it is a config name (hand-picked and 300 generated)', () => {
    for (const name of [...HOSTILE, ...generated(300, 'experiment')]) {
      const plain = /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && name.length <= 100;
      expect(experimentNameProblem(name) === null, label(name)).toBe(plain);
    }
    expect(experimentNameProblem('deep-sigmoid')).toBeNull();
  });

  it('refuses a cell id unless it is one folder name (hand-picked and 300 generated)', () => {
    const ids = [...HOSTILE, ...generated(300, 'cell id')];
    for (const id of ids) expect(cellIdProblem(id) === null, label(id)).toBe(oneFolderName(id));
    // The battery holds both kinds, so the comparison above can fail either way.
    expect(ids.filter(oneFolderName).length).toBeGreaterThan(20);
    expect(ids.filter((id) => !oneFolderName(id)).length).toBeGreaterThan(20);
  });

  it('accepts every cell id gradflow writes', () => {
    for (const id of ['run', 'seed=3', 'activation=tanh,depth=10', 'init=he_normal_gain2,seed=1', 'width=1+2', `${'a'.repeat(140)}-0123abcd`]) {
      expect(cellIdProblem(id), id).toBeNull();
    }
  });

  it('accepts a cell path only when it stays below the experiment folder (hand-picked and 300 generated)', () => {
    const paths = [...HOSTILE, ...generated(300, 'cell path'), 'a/b', './a', 'a//b'];
    let accepted = 0;
    for (const path of paths) {
      if (cellPathProblem(path) !== null) continue;
      accepted++;
      const rel = relative('/exp', resolve('/exp', path));
      expect(rel, label(path)).not.toBe('');
      expect(rel.split(sep), label(path)).not.toContain('..');
    }
    expect(accepted).toBeGreaterThan(20);
    for (const path of ['../x', 'a/../../x', '/abs', '..', '.', '']) expect(cellPathProblem(path), path).not.toBeNull();
  });

  it('refuses each hostile name in an index file, marked refused so that no reader shows a page without it', () => {
    const dir = tmp();
    const fields: readonly [string, (v: string) => unknown, (f: string) => unknown][] = [
      ['experiment', (v) => ({ experiment: v, cells: [] }), readIndexFile],
      ['cells[0].id', (v) => ({ experiment: 'e', cells: [{ id: v, path: 'a', overrides: {} }] }), readIndexFile],
      ['cells[0].path', (v) => ({ experiment: 'e', cells: [{ id: 'a', path: v, overrides: {} }] }), readIndexFile],
      ['plan[0].id', (v) => ({ experiment: 'e', shard: { index: 1, count: 1 }, cells: [], plan: [{ id: v, overrides: {}, configHash: 'h', shard: 1 }] }), readShardIndex],
    ];
    for (const [field, make, read] of fields) {
      for (const v of ['../../esc', '/tmp/gradflow-abs', '..', 'a\u0000b']) {
        const file = join(dir, 'index.json');
        writeFileSync(file, JSON.stringify(make(v)));
        let err: unknown;
        try {
          read(file);
        } catch (e) {
          err = e;
        }
        expect(err, `${field} = ${JSON.stringify(v)}`).toBeInstanceOf(ResultsFileError);
        expect((err as ResultsFileError).refused).toBe(true);
        expect((err as ResultsFileError).message).toContain(`${field}: ${JSON.stringify(v)} is not allowed`);
      }
    }
  });

  it('follows symbolic links: a cell path through a link out of the folder is refused, one inside is kept', () => {
    const root = tmp();
    const exp = join(root, 'exp');
    mkdirSync(join(exp, 'inside'), { recursive: true });
    mkdirSync(join(root, 'victim', 'run'), { recursive: true });
    symlinkSync(join(root, 'victim'), join(exp, 'out'));
    symlinkSync(join(exp, 'inside'), join(exp, 'in'));
    symlinkSync('..', join(exp, 'up'));
    const index = join(exp, 'index.json');
    for (const path of ['out', 'out/run', 'out/missing/deeper', 'up', 'up/victim']) {
      expect(() => cellFolder(exp, path, index), path).toThrow(/leads outside the experiment folder/);
    }
    expect(cellFolder(exp, 'in', index)).toBe(join(exp, 'in'));
    expect(cellFolder(exp, 'not-yet', index)).toBe(join(exp, 'not-yet'));
  });
});

describe('merge and report with hostile index files', () => {
  let shards: string;

  beforeAll(async () => {
    shards = tmp();
    const file = writeConfig(shards, CONFIG);
    for (const i of [1, 2]) {
      const r = await gradflow(['run', file, '--out', join(shards, `s${i}`), '--shard', `${i}/2`, '--quiet', '--no-report']);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 120_000);

  /** A copy of the two shards with `edit` applied to both shard index files. */
  function edited(edit: (index: Record<string, unknown>) => void): { root: string; folders: string[] } {
    const root = tmp();
    const folders = [1, 2].map((i) => {
      const to = join(root, 'in', `s${i}`);
      cpSync(join(shards, `s${i}`), to, { recursive: true });
      const file = join(to, 'names', `index.shard-${i}-of-2.json`);
      const index = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      edit(index);
      writeFileSync(file, JSON.stringify(index));
      return to;
    });
    return { root, folders };
  }

  it.each(['../../esc', '/tmp/gradflow-merge-abs', '', '.', '..', 'a\u0000b', 'x'.repeat(300)].map((n) => [n.length > 40 ? `${n.slice(0, 20)}... (${n.length} characters)` : n, n]))(
    'merge refuses the experiment name %j: exit 2, one line per index file, nothing written',
    async (_title, name) => {
      const { root, folders } = edited((index) => {
        index.experiment = name;
      });
      const out = join(root, 'a', 'b', 'out');
      const r = await gradflow(['merge', ...folders, '--out', out, '--no-report']);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).toMatch(/^gradflow: .*index\.shard-[12]-of-2\.json: not a gradflow index file \(experiment: .* is not allowed: expected a name of letters/);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(r.stderr.length).toBeLessThan(2000);
      expect(listFiles(join(root, 'a'))).toEqual([]);
      expect(existsSync(join(root, 'esc'))).toBe(false);
      expect(existsSync('/tmp/gradflow-merge-abs')).toBe(false);
    },
    60_000,
  );

  it.each(['../../esc', '/tmp/gradflow-merge-abs', '..'])('merge refuses a planned cell id %j, writing nothing', async (id) => {
    const { root, folders } = edited((index) => {
      (index.plan as { id: string }[])[0].id = id;
    });
    const r = await gradflow(['merge', ...folders, '--out', join(root, 'out'), '--no-report']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/plan\[0\]\.id: .* is not allowed: expected a folder name/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(join(root, 'out'))).toBe(false);
    expect(existsSync(join(root, 'esc'))).toBe(false);
  }, 60_000);

  it('merge copies only the files gradflow writes, never through a symbolic link', async () => {
    const { root, folders } = edited(() => {});
    const cell = join(folders[0], 'names', 'width=3');
    writeFileSync(join(root, 'secret'), 'not for copying');
    symlinkSync(join(root, 'secret'), join(cell, 'weights-step0.safetensors'));
    writeFileSync(join(cell, 'notes.txt'), 'not a run file');
    const r = await gradflow(['merge', ...folders, '--out', join(root, 'out'), '--no-report', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(join(root, 'out', 'names', 'width=3'))).toEqual(['config.json', 'metrics.ndjson', 'summary.json']);
  }, 60_000);

  describe('report', () => {
    let merged: string;
    beforeAll(async () => {
      merged = tmp();
      const r = await gradflow(['merge', join(shards, 's1'), join(shards, 's2'), '--out', merged, '--no-report', '--quiet']);
      expect(r.code, r.stderr).toBe(0);
    }, 60_000);

    it.each([
      ['a parent path', '../../victim/run'],
      ['an absolute path', '<victim>/run'],
      ['a path that climbs back out', 'width=2/../../victim/run'],
      ['a symbolic link out', 'link'],
      ['a path through a symbolic link out', 'link/../run'],
    ])('refuses a cell path that is %s: exit 2, one line, nothing written there', async (_what, path) => {
      const root = tmp();
      const exp = join(root, 'exp');
      cpSync(join(merged, 'names'), exp, { recursive: true });
      const victim = join(root, 'victim');
      cpSync(join(exp, 'width=2'), join(victim, 'run'), { recursive: true });
      symlinkSync(join(victim, 'run'), join(exp, 'link'));
      const file = join(exp, 'index.json');
      const index = JSON.parse(readFileSync(file, 'utf8')) as { cells: { path: string }[] };
      index.cells[1].path = path.replace('<victim>', victim);
      writeFileSync(file, JSON.stringify(index));
      const r = await gradflow(['report', exp]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^gradflow: .*index\.json: cannot read: cells\[1\]\.path: .* is not allowed: .*\n$/);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(listFiles(victim)).toEqual(['run/config.json', 'run/metrics.ndjson', 'run/summary.json']);
      expect(existsSync(join(exp, 'report.html'))).toBe(false);
    }, 60_000);
  });
});

describe('an empty --out', () => {
  const commands: readonly (readonly string[])[] = [
    ['run', 'configs/deep-sigmoid.json'],
    ['merge', 'results'],
    ['report', 'results'],
    ['figures'],
    ['claims', '--only', '1'],
    ['check'],
    ['list'],
    ['bench', '--only', 'kernels'],
  ];
  it.each(commands.flatMap((c) => ['', ' '].map((out) => [c.join(' '), out, c] as const)))('%s --out %j exits 2 in one line', async (_name, out, args) => {
    const cwd = tmp();
    const r = await gradflow([...args, '--out', out], { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(`gradflow: --out: ${JSON.stringify(out)} is not allowed: expected a folder path (the default is results)\n`);
    expect(listFiles(cwd)).toEqual([]);
  }, 30_000);
});
