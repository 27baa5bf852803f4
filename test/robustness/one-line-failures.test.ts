/**
 * Every failure of `report`, `merge` and `figures` is one line with the documented exit code, as
 * `run`'s are: an output folder that cannot be written (another user's, read-only, a file, a
 * kernel file system) is bad input, refused before anything is written (exit 2); a write that
 * fails after all (a full disk) is exit 1 and leaves no temporary file. The unprivileged cases
 * run gradflow as `nobody` (setpriv), the kernel file systems and the full disk (a 64 KiB tmpfs)
 * as root; where this machine cannot do that, the test says so and is skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualFileSystem } from '../../src/results/place.js';
import { BIN, gradflow, listFiles, STACK_FRAME, tmp, writeConfig, type CliResult } from './helpers.js';

const CONFIG = {
  name: 'fails',
  seed: 0,
  data: { kind: 'moons', samples: 40, testFraction: 0.25 },
  model: { depth: 1, width: 3, activation: 'tanh' },
  train: { steps: 2, batchSize: 8, optimizer: 'sgd', lr: 0.1 },
  metrics: { every: 1, histogramsEvery: null },
  sweep: { 'model.width': [2, 3] },
};

const isRoot = process.getuid?.() === 0;
const DROP = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];

/** Why gradflow cannot be run as nobody here, or null when it can. */
function nobodyUnavailable(): string | null {
  if (!isRoot) return 'the tests do not run as root, so they cannot switch to nobody';
  const probe = spawnSync('setpriv', [...DROP, process.execPath, '-e', `require('node:fs').accessSync(${JSON.stringify(BIN)})`], { encoding: 'utf8' });
  if (probe.error) return `setpriv is not available (${probe.error.message})`;
  if (probe.status !== 0) return `nobody cannot run node or read ${BIN}: ${probe.stderr.trim().split('\n')[0]}`;
  return null;
}
const NOBODY = nobodyUnavailable();

/** Runs gradflow as the unprivileged user nobody. */
function asNobody(args: readonly string[], cwd = '/tmp'): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn('setpriv', [...DROP, process.execPath, BIN, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
}

/** One `gradflow: ...` line, no stack trace, the given exit code. */
function expectOneLine(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toMatch(/^gradflow: [^\n]*\n$/);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stderr).not.toMatch(/^\s*at |Error: E[A-Z]+:/m);
}

/** A temporary folder that nobody may enter (mkdtemp makes it 0700). */
function open(): string {
  const d = tmp();
  chmodSync(d, 0o755);
  return d;
}

/** Temporary files the atomic writer leaves if it fails to clean up. */
const temps = (dir: string): string[] => listFiles(dir).filter((f) => f.endsWith('.tmp'));

let base: string;
let shards: string[];
let merged: string;

beforeAll(async () => {
  base = tmp();
  chmodSync(base, 0o755);
  const file = writeConfig(base, CONFIG);
  shards = [1, 2].map((i) => join(base, `s${i}`));
  for (const [i, out] of shards.entries()) {
    const r = await gradflow(['run', file, '--out', out, '--shard', `${i + 1}/2`, '--quiet', '--no-report']);
    expect(r.code, r.stderr).toBe(0);
  }
  merged = join(base, 'merged');
  const r = await gradflow(['merge', ...shards, '--out', merged, '--no-report', '--quiet']);
  expect(r.code, r.stderr).toBe(0);
  // Everything readable by nobody, nothing writable by it.
  spawnSync('chmod', ['-R', 'a+rX,go-w', base]);
}, 120_000);

describe.skipIf(NOBODY !== null)('as an unprivileged user', () => {
  it.each([
    ['an experiment folder', 'merged/fails'],
    ['a cell folder', 'merged/fails/width=2'],
  ])('report on %s it cannot write: exit 2, one line, nothing written', async (_what, rel) => {
    const dir = join(base, rel);
    const r = await asNobody(['report', dir]);
    expectOneLine(r, 2, new RegExp(`^gradflow: ${dir}: is a folder this user cannot write \\(EACCES\\); expected a folder gradflow can write report\\.html into\\n$`));
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
  }, 60_000);

  it.each([
    ['a read-only folder', () => {
      const d = join(open(), 'ro');
      mkdirSync(d);
      chmodSync(d, 0o555);
      return d;
    }, /is a folder this user cannot write \(EACCES\)/],
    ['a file', () => {
      const f = join(open(), 'file');
      writeFileSync(f, 'x');
      return f;
    }, /is a file, not a folder/],
    ['a path through a file', () => {
      const f = join(open(), 'file');
      writeFileSync(f, 'x');
      return join(f, 'below');
    }, /is a file, not a folder/],
    ['a folder it cannot enter', () => '/root/gradflow-out', /cannot be reached \(EACCES\)|cannot write \(EACCES\)/],
  ])('merge --out %s: exit 2, one line, nothing written', async (_what, make, reason) => {
    const out = make();
    const r = await asNobody(['merge', ...shards, '--out', out]);
    expectOneLine(r, 2, reason);
    expect(r.stderr).toMatch(/^gradflow: --out .*; expected a folder gradflow can create and write\n$/);
    expect(existsSync(join(out, 'fails'))).toBe(false);
  }, 60_000);

  it.each([
    ['/etc/passwd', /\/etc\/passwd is a file, not a folder/],
    ['/etc/passwd/x', /\/etc\/passwd is a file, not a folder/],
    ['/etc', /\/etc is a folder this user cannot write \(EACCES\)/],
    ['/root', /\/root\/figures cannot be reached \(EACCES\)/],
  ])('figures --out %s: exit 2, one line', async (out, reason) => {
    expectOneLine(await asNobody(['figures', '--out', out]), 2, reason);
  }, 60_000);

  it('run --out a folder it cannot write: exit 2, one line (as before)', async () => {
    const r = await asNobody(['run', join(base, 'config.json'), '--out', join(base, 'denied'), '--quiet']);
    expectOneLine(r, 2, /is a folder this user cannot write \(EACCES\)/);
  }, 60_000);

  it('merge of a folder it cannot read: exit 2, one line naming it', async () => {
    const parent = open();
    const hidden = join(parent, 'hidden');
    cpSync(shards[0], hidden, { recursive: true });
    chmodSync(hidden, 0o700);
    const r = await asNobody(['merge', hidden, '--out', join(parent, 'out')]);
    expectOneLine(r, 2, /hidden: cannot read the folder \(EACCES\); expected a folder this user can read/);
    // Inside a folder it cannot enter, the folder given cannot even be looked at.
    const locked = join(hidden, 'fails');
    expectOneLine(await asNobody(['merge', locked, '--out', join(parent, 'out')]), 2, /fails: cannot read the folder \(EACCES\)/);
  }, 60_000);
});

if (NOBODY !== null) {
  describe('as an unprivileged user', () => {
    it.skip(`cannot run here: ${NOBODY}`, () => {});
  });
}

/** The kernel file systems this machine has, as the virtual-fs battery finds them. */
const KERNEL_DIRS = ['/proc', '/proc/gradflow-test/a', '/sys', '/sys/kernel', '/sys/kernel/gradflow-test'].filter((p) => {
  let e = p;
  while (!existsSync(e)) e = e.slice(0, e.lastIndexOf('/')) || '/';
  return virtualFileSystem(e) !== undefined;
});

describe('--out on a kernel file system, for merge and figures', () => {
  it('finds /proc here (so the battery is not empty)', () => {
    expect(KERNEL_DIRS).toContain('/proc');
  });

  it.each(KERNEL_DIRS.flatMap((d) => [['merge', d], ['figures', d]]))('%s --out %s: exit 2 in one line, without creating anything', async (command, out) => {
    const args = command === 'merge' ? ['merge', ...shards, '--out', out] : ['figures', '--out', out];
    const r = await gradflow(args);
    expectOneLine(r, 2, /is on the kernel's (proc|sysfs) file system, which holds no files; expected a folder gradflow can create and write/);
  }, 30_000);
});

/** Mounts a 64 KiB tmpfs, or says why it cannot. */
function mountTiny(dir: string): string | null {
  if (!isRoot) return 'not root, so no tmpfs can be mounted';
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `mount -t tmpfs failed: ${(r.stderr || String(r.error)).trim()}`;
}

/** Why no tmpfs can be mounted here, or null: a probe is mounted and unmounted at once. */
function tmpfsUnavailable(): string | null {
  const probe = join(tmp(), 'probe');
  const why = mountTiny(probe);
  if (why === null) spawnSync('umount', [probe]);
  return why;
}

describe('a disk that fills while a report is written', () => {
  const disk = join(tmp(), 'tiny');
  const why = tmpfsUnavailable();
  // Mounted only when these tests run (not when the file's setup failed), and always unmounted.
  beforeAll(() => {
    if (why === null) expect(mountTiny(disk)).toBeNull();
  });
  afterAll(() => {
    if (why === null) spawnSync('umount', [disk]);
  });

  it.skipIf(why !== null)('report: exit 1, one line naming report.html, no temporary file, the run files untouched', async () => {
    const cell = join(disk, 'cell');
    cpSync(join(merged, 'fails', 'width=2'), cell, { recursive: true });
    const before = listFiles(cell);
    // Fill what is left of the 64 KiB, so the report (about 1 MB) cannot fit.
    writeFileSync(join(disk, 'filler'), Buffer.alloc(16 * 1024));
    const r = await gradflow(['report', cell]);
    expectOneLine(r, 1, /report\.html: cannot write: no space left on the device \(ENOSPC\)\n$/);
    expect(listFiles(cell)).toEqual(before);
    expect(temps(disk)).toEqual([]);
  }, 60_000);

  it.skipIf(why !== null)('figures: exit 1, one line, no temporary file', async () => {
    const r = await gradflow(['figures', '--out', disk]);
    expectOneLine(r, 1, /figures\/index\.html: cannot write: no space left on the device \(ENOSPC\)\n$/);
    expect(temps(disk)).toEqual([]);
  }, 60_000);

  it.skipIf(why !== null)('merge: exit 1, one line, and the cell folders it created are removed again', async () => {
    rmSync(join(disk, 'cell'), { recursive: true, force: true });
    // Leave room for about one cell (each is about 9 KB), so the copy fails part-way.
    const st = statfsSync(disk);
    writeFileSync(join(disk, 'filler2'), Buffer.alloc(Math.max(0, Number(st.bavail) * Number(st.bsize) - 12 * 1024)));
    const out = join(disk, 'merged');
    const r = await gradflow(['merge', ...shards, '--out', out, '--no-report']);
    expectOneLine(r, 1, /cannot write: no space left on the device \(ENOSPC\)\n$/);
    expect(existsSync(join(out, 'fails'))).toBe(false);
    expect(temps(disk)).toEqual([]);
  }, 60_000);

  if (why !== null) it.skip(`cannot mount a tmpfs here (${why}); test/robustness/disk-full.test.ts stubs the same failure in-process`, () => {});
});
