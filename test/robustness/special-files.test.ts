/**
 * Input files that are not regular files: /dev/zero (endless bytes), a FIFO with no writer
 * (open would wait forever), a symlink to either, a socket. Given as `data.path` or as
 * `--init-from`, each is refused at once (exit 2, one line naming the file and what it is,
 * nothing written); an oversized regular file is refused before it is read.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileReadError, readRegularFile } from '../../src/net/files.js';
import { gradflow, STACK_FRAME, tmp } from './helpers.js';

const CONFIG = {
  name: 'special',
  seed: 0,
  data: { kind: 'moons', samples: 60 },
  model: { depth: 1, width: 4, activation: 'tanh' },
  train: { steps: 2, batchSize: 8, optimizer: 'sgd', lr: 0.1 },
};

type Make = (dir: string) => string;
const SPECIALS: readonly (readonly [string, Make, RegExp])[] = [
  ['/dev/zero', () => '/dev/zero', /is a character device, not a regular file/],
  ['/dev/null', () => '/dev/null', /is a character device, not a regular file/],
  ['a FIFO with no writer', (d) => {
    const p = join(d, 'pipe');
    execFileSync('mkfifo', [p]);
    return p;
  }, /is a FIFO, not a regular file/],
  ['a symlink to /dev/zero', (d) => {
    const p = join(d, 'zero-link');
    symlinkSync('/dev/zero', p);
    return p;
  }, /is a character device, not a regular file/],
  ['a symlink to a FIFO', (d) => {
    const f = join(d, 'pipe2');
    execFileSync('mkfifo', [f]);
    const p = join(d, 'pipe-link');
    symlinkSync(f, p);
    return p;
  }, /is a FIFO, not a regular file/],
];

describe.each([
  ['data.path', (file: string) => ({ ...CONFIG, data: { kind: 'tensors', path: file } }), [] as string[]],
  ['--init-from', () => CONFIG, ['--init-from']],
] as const)('%s', (_what, config, flag) => {
  it.each(SPECIALS)('refuses %s at once', async (_name, make, expected) => {
    const dir = tmp();
    const file = make(dir);
    const cfg = join(dir, 'c.json');
    writeFileSync(cfg, JSON.stringify(config(file)));
    const out = join(dir, 'out');
    const r = await gradflow(['run', cfg, '--out', out, '--quiet', ...(flag.length > 0 ? [...flag, file] : [])]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe('readRegularFile', () => {
  it('refuses a socket', async () => {
    const dir = tmp();
    const path = join(dir, 's.sock');
    const server = createServer();
    await new Promise<void>((res) => server.listen(path, res));
    let problem: { kind: string } | undefined;
    try {
      readRegularFile(path);
    } catch (e) {
      problem = (e as FileReadError).problem;
    } finally {
      server.close();
    }
    // Linux refuses to open() a socket (ENXIO, 'other'); elsewhere fstat names it ('special').
    expect(['special', 'other']).toContain(problem?.kind);
  });

  it('refuses a file over the limit before reading it, and reads one at the limit', () => {
    const dir = tmp();
    const path = join(dir, 'f.bin');
    writeFileSync(path, new Uint8Array(100));
    expect(readRegularFile(path, 100)).toHaveLength(100);
    try {
      readRegularFile(path, 99);
      expect.unreachable();
    } catch (e) {
      expect((e as FileReadError).problem).toEqual({ kind: 'tooLarge', bytes: 100, limit: 99 });
    }
  });
});
