/**
 * A full disk, simulated in-process: node:fs is wrapped so that, on demand, a rename or a write
 * fails with ENOSPC the way the kernel reports it (a write first takes the bytes that fit). The
 * run must stop with a clear message naming the file, leave no half-written summary.json or
 * temporary file (temp file + rename), keep metrics.ndjson to complete lines, and a later
 * `--resume` with room again must finish the run.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError, prepare, runPrepared } from '../../src/train/run.js';
import { reportCommand } from '../../src/commands/report.js';
import { OutputError, writeJsonAtomic } from '../../src/results/write.js';
import { completeLines, listFiles, readJson, tmp, writeConfig } from './helpers.js';

/** What to break: renames onto a matching path, or writes to a matching file past a byte budget. */
const fault: { rename: RegExp | null; write: RegExp | null; budget: number; writeFile: RegExp | null } = { rename: null, write: null, budget: 0, writeFile: null };
const paths = new Map<number, string>();

function enospc(syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${syscall} '${path}'`), { code: 'ENOSPC', errno: -28, syscall, path });
}

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const wrapped = {
    ...real,
    openSync: (path: fs.PathLike, ...rest: unknown[]): number => {
      const fd = (real.openSync as (...a: unknown[]) => number)(path, ...rest);
      paths.set(fd, String(path));
      return fd;
    },
    renameSync: (from: fs.PathLike, to: fs.PathLike): void => {
      if (fault.rename?.test(String(to))) throw enospc('rename', String(from));
      real.renameSync(from, to);
    },
    writeSync: (fd: number, buffer: Uint8Array, offset = 0, length?: number): number => {
      const path = paths.get(fd) ?? '';
      const len = length ?? buffer.length - offset;
      if (fault.write?.test(path)) {
        if (fault.budget <= 0) throw enospc('write', path);
        // The disk takes what fits, then the next write fails.
        const n = Math.min(len, fault.budget);
        fault.budget -= n;
        return real.writeSync(fd, buffer, offset, n);
      }
      return real.writeSync(fd, buffer, offset, len);
    },
    writeFileSync: (path: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]): void => {
      if (fault.writeFile?.test(String(path))) {
        // Half the bytes land, then the disk is full.
        const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString();
        real.writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
        throw enospc('write', String(path));
      }
      (real.writeFileSync as (...a: unknown[]) => void)(path, data, ...rest);
    },
  };
  return { ...wrapped, default: wrapped };
});

const CONFIG = {
  name: 'full',
  data: { kind: 'moons', samples: 100 },
  model: { depth: 2, width: 6 },
  train: { steps: 40, batchSize: 16 },
  metrics: { every: 2, probe: 16, histogramsEvery: null },
  sweep: { 'model.width': [5, 6, 7] },
};

async function run(dir: string, resume = false): Promise<{ outcome: string; log: string[]; warn: string[] }> {
  const log: string[] = [];
  const warn: string[] = [];
  const out = join(dir, 'results');
  const experiments = prepare([join(dir, 'config.json')], { out, set: [] });
  const { outcome } = await runPrepared(experiments, { out, set: [], quiet: false, reports: false, log: (l) => log.push(l), warn: (l) => warn.push(l), workers: 1, resume });
  return { outcome, log, warn };
}

beforeEach(() => {
  fault.rename = null;
  fault.write = null;
  fault.writeFile = null;
  fault.budget = 0;
});

describe('a disk that fills up during a run', () => {
  it('stops when summary.json cannot be renamed into place: a clear message, no half-written summary, no temp file', async () => {
    const dir = tmp();
    writeConfig(dir, CONFIG);
    const exp = join(dir, 'results/full');
    fault.rename = /width=6\/summary\.json$/;
    const r = await run(dir);
    expect(r.outcome).toBe('failed');
    expect(r.warn).toEqual([
      `${join(exp, 'width=6/summary.json')}: cannot write: no space left on the device (ENOSPC); the run stopped: finished cells are intact (their summary.json is whole or absent); free space or fix the folder, then rerun with --resume`,
    ]);
    expect(r.log).toContain(`full/width=6: failed: ${join(exp, 'width=6/summary.json')}: cannot write: no space left on the device (ENOSPC)`);
    // The cell before is whole; this one has no summary at all and no temporary file; the next never started.
    expect(readJson(join(exp, 'width=5/summary.json'))).toMatchObject({ status: 'ok' });
    expect(listFiles(join(exp, 'width=6'))).toEqual(['config.json', 'metrics.ndjson']);
    expect(fs.existsSync(join(exp, 'width=7'))).toBe(false);
    const index = readJson<{ cells: { id: string; status: string }[] }>(join(exp, 'index.json'));
    expect(index.cells.map((c) => c.status)).toEqual(['ok', 'failed', 'pending']);
    expect(listFiles(exp).filter((f) => f.startsWith('.') || f.includes('/.'))).toEqual([]);

    // Room again: --resume trains the two cells that did not finish, and only those.
    fault.rename = null;
    const again = await run(dir, true);
    expect(again.outcome).toBe('ok');
    expect(again.log.filter((l) => l.includes(': ok '))).toHaveLength(2);
    expect(again.log).toContain('full/width=5: skipped: already finished (ok) with the same config');
  });

  it('keeps metrics.ndjson to complete lines when the disk fills in the middle of a line', async () => {
    const dir = tmp();
    writeConfig(dir, { ...CONFIG, sweep: {} });
    const cell = join(dir, 'results/full/run');
    const ref = tmp();
    writeConfig(ref, { ...CONFIG, sweep: {} });
    expect((await run(ref)).outcome).toBe('ok');
    const lines = fs.readFileSync(join(ref, 'results/full/run/metrics.ndjson'), 'utf8').split('\n');
    // Room for two and a half records.
    const room = lines[0].length + lines[1].length + 2 + Math.floor(lines[2].length / 2);
    fault.write = /metrics\.ndjson$/;
    fault.budget = room;
    const r = await run(dir);
    expect(r.outcome).toBe('failed');
    expect(r.warn[0]).toMatch(new RegExp(`^${cell.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/metrics\\.ndjson: cannot write: no space left on the device \\(ENOSPC\\); the run stopped`));
    // The half record that fitted was cut off again: two whole lines, as the uninterrupted run wrote them.
    expect(completeLines(join(cell, 'metrics.ndjson'))).toHaveLength(2);
    expect(fs.readFileSync(join(cell, 'metrics.ndjson'), 'utf8')).toBe(lines.slice(0, 2).join('\n') + '\n');
    expect(fs.existsSync(join(cell, 'summary.json'))).toBe(false);
  });

  it('fails before training when the index cannot be written, and nothing trains', async () => {
    const dir = tmp();
    writeConfig(dir, CONFIG);
    fault.rename = /index\.json$/;
    const r = await run(dir);
    expect(r.outcome).toBe('failed');
    expect(r.warn[0]).toMatch(/full\/index\.json: cannot write: no space left on the device \(ENOSPC\); the run stopped/);
    expect(listFiles(join(dir, 'results/full'))).toEqual([]);
  });
});

describe('writeJsonAtomic on a full disk', () => {
  it('leaves the old file whole and no temporary file when the new one cannot be written', () => {
    const dir = tmp();
    const file = join(dir, 'summary.json');
    writeJsonAtomic(file, { status: 'ok', steps: 1 });
    const before = fs.readFileSync(file, 'utf8');
    fault.writeFile = /\.summary\.json\..*\.tmp$/;
    let err: unknown;
    try {
      writeJsonAtomic(file, { status: 'ok', steps: 2, long: 'x'.repeat(1000) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toBe(`${file}: cannot write: no space left on the device (ENOSPC)`);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(fs.readdirSync(dir)).toEqual(['summary.json']);
  });

  it('is not bad input: prepare still accepts the config (the disk is the problem, exit 1 not 2)', () => {
    const dir = tmp();
    writeConfig(dir, CONFIG);
    fault.rename = /./;
    expect(() => prepare([join(dir, 'config.json')], { out: join(dir, 'results'), set: [] })).not.toThrow(InputError);
  });
});

describe('gradflow report on a full disk (stubbed; one-line-failures.test.ts fills a real tmpfs as root)', () => {
  it('exits 1 with one line naming report.html, keeps the old report whole and leaves no temporary file', async () => {
    const dir = tmp();
    writeConfig(dir, { ...CONFIG, sweep: {} });
    await run(dir);
    const cell = join(dir, 'results/full/run');
    fs.writeFileSync(join(cell, 'report.html'), 'the old report');
    fault.writeFile = /\.report\.html\..*\.tmp$/;
    const lines: string[] = [];
    const io = { log: () => {}, fail: (l: readonly string[]) => lines.push(...l), onStdoutClosed: () => () => {} };
    expect(await reportCommand({ dir: cell, quiet: true }, io)).toBe(1);
    expect(lines).toEqual([`${join(cell, 'report.html')}: cannot write: no space left on the device (ENOSPC)`]);
    expect(fs.readFileSync(join(cell, 'report.html'), 'utf8')).toBe('the old report');
    expect(fs.readdirSync(cell).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 60_000);
});
