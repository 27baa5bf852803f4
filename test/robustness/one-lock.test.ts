/**
 * One lock for one folder: the shards of one sweep (same resolved config, same shard count) may
 * write one experiment folder together; a sharded and an unsharded run of it, or shards of two
 * different configs, may not — each would train the same cells into the same files, and the
 * first would report "ok" for results the second overwrote. Tried in-process for every pairing,
 * and once through the CLI with two real runs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LockError, lockFile, type LockScope } from '../../src/train/lock.js';
import { gradflow, start, tmp, waitFor, writeConfig } from './helpers.js';

type Run = { readonly shard: { index: number; count: number } | null; readonly config: string };
const unsharded = (config = 'A'): Run => ({ shard: null, config });
const shard = (index: number, count: number, config = 'A'): Run => ({ shard: { index, count }, config });

const scopeOf = (r: Run): LockScope => ({ config: r.config, shards: r.shard?.count ?? null });
const fileOf = (dir: string, r: Run): string =>
  lockFile(dir, r.shard === null ? null : { index: r.shard.index, count: r.shard.count });

const PAIRS: readonly (readonly [string, Run, Run, boolean])[] = [
  ['two unsharded runs', unsharded(), unsharded(), false],
  ['sharded, then unsharded', shard(1, 1), unsharded(), false],
  ['unsharded, then sharded', unsharded(), shard(1, 2), false],
  ['two shards of one sweep', shard(1, 2), shard(2, 2), true],
  ['the same shard twice', shard(1, 2), shard(1, 2), false],
  ['shards of two configs', shard(1, 2, 'A'), shard(2, 2, 'B'), false],
  ['shards with two shard counts', shard(1, 2), shard(1, 3), false],
];

describe.each(PAIRS)('%s', (_what, first, second, shares) => {
  it(shares ? 'share the folder' : 'refuse the second, naming the first', () => {
    const dir = tmp();
    const release = acquireLock(fileOf(dir, first), scopeOf(first));
    try {
      if (shares) {
        const r2 = acquireLock(fileOf(dir, second), scopeOf(second));
        r2();
      } else {
        expect(() => acquireLock(fileOf(dir, second), scopeOf(second))).toThrowError(LockError);
        // A refused run leaves no lock of its own behind.
        if (fileOf(dir, second) !== fileOf(dir, first)) expect(existsSync(fileOf(dir, second))).toBe(false);
      }
    } finally {
      release();
    }
    expect(existsSync(fileOf(dir, first))).toBe(false);
  });
});

describe('locks of runs that are gone, and of older versions', () => {
  it('ignores a shard lock whose process no longer runs', () => {
    const dir = tmp();
    writeFileSync(join(dir, '.shard-1-of-2.lock'), JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), started: 'then', scope: { config: 'A', shards: 2 } }));
    acquireLock(fileOf(dir, unsharded()), scopeOf(unsharded()))();
  });

  it('treats a live shard lock without a scope as a different sweep', () => {
    const dir = tmp();
    writeFileSync(join(dir, '.shard-1-of-2.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: 'then' }));
    expect(() => acquireLock(fileOf(dir, shard(2, 2)), scopeOf(shard(2, 2)))).toThrowError(/shards of a different config or shard count/);
  });
});

describe('through the CLI', () => {
  it('an unsharded run refuses while a --shard 1/1 run of the same experiment trains (exit 1)', async () => {
    const dir = tmp();
    const cfg = writeConfig(dir, {
      name: 'lockpair',
      seed: 0,
      data: { kind: 'moons', samples: 200 },
      model: { depth: 2, width: 16, activation: 'tanh' },
      train: { steps: 200_000, batchSize: 16, optimizer: 'sgd', lr: 0.05 },
      metrics: { every: 50 },
    });
    const out = join(dir, 'out');
    const sharded = start(['run', cfg, '--out', out, '--shard', '1/1', '--no-report', '--quiet', '--workers', '1']);
    try {
      await waitFor('the shard to train', () => existsSync(join(out, 'lockpair/run/metrics.ndjson')), 60_000);
      const r = await gradflow(['run', cfg, '--out', out, '--no-report', '--quiet']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/\.shard-1-of-1\.lock: a sharded run \(pid \d+, started .*\) is writing this experiment/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      sharded.child.kill('SIGINT');
      await sharded.done;
    }
    expect(readFileSync(join(out, 'lockpair/run/summary.json'), 'utf8')).toMatch(/"interrupted"/);
  });
});
