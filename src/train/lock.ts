/**
 * One writer per experiment folder. `gradflow run` holds `<out>/<name>/.lock` (a shard:
 * `.shard-I-of-N.lock`) while it trains; a second run of the same experiment into the same
 * folder refuses at once, naming the lock and the pid that holds it, before it writes anything.
 * Shards share a folder only with shards of the same sweep (the same resolved config and shard
 * count, recorded in each lock): a sharded run beside an unsharded one, or shards of two
 * different configs, would train the same cells into the same files. The lock is released when the run ends (also after
 * SIGINT/SIGTERM, and on any exit of the process). A lock left by a process that no longer
 * runs on this host (kill -9, power loss) is stale and is taken over.
 *
 * The lock file is written whole to a temporary file and hard-linked into place: `link` fails
 * when the name exists, atomically, so two runs starting at once cannot both win, and nobody
 * ever reads a half-written lock.
 */
import { linkSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readRegularFile } from '../net/files.js';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import * as msg from '../messages.js';
import { LOCK_FILE, shardLockFile, type ShardNumber } from '../results/layout.js';
import { makeDir, outputError, tempPathFor } from '../results/write.js';

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  /** ISO time the run took the lock. */
  readonly started: string;
  /** What the run writes: its resolved config's hash and its shard count (null: unsharded). */
  readonly scope?: LockScope;
}

export interface LockScope {
  readonly config: string;
  readonly shards: number | null;
}

const LOCK_NAME = /^(?:\.lock|\.shard-\d+-of-\d+\.lock)$/;

/** The experiment folder is held by another live run; the CLI exits 1 with this message. */
export class LockError extends Error {
  override readonly name = 'LockError';
}

/** The lock file of an experiment folder (per shard when sharded). */
export function lockFile(expDir: string, shard: ShardNumber | null): string {
  return join(expDir, shard === null ? LOCK_FILE : shardLockFile(shard));
}

/** A lock file is one short line; anything larger, or not a regular file, is unreadable. */
const MAX_LOCK_BYTES = 64 * 1024;

function readLock(file: string): LockInfo | null {
  try {
    // Non-blocking and bounded: a FIFO or a device named like a lock is unreadable, not a hang.
    const v = JSON.parse(Buffer.from(readRegularFile(file, MAX_LOCK_BYTES)).toString('utf8')) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.started === 'string') {
      const sc = v.scope;
      const scope = sc && typeof sc.config === 'string' && (sc.shards === null || typeof sc.shards === 'number') ? sc : undefined;
      return { pid: v.pid, host: v.host, started: v.started, scope };
    }
  } catch {
    // Missing or not ours: unreadable.
  }
  return null;
}

/** Whether process `pid` exists on this host (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const same = (a: LockInfo | null, b: LockInfo | null): boolean =>
  a !== null && b !== null && a.pid === b.pid && a.host === b.host && a.started === b.started;

let seq = 0;

/**
 * Takes the lock `file` for this process, or throws `LockError` when a live process holds it
 * (`OutputError` when the folder cannot be written). Returns the release function.
 */
export function acquireLock(file: string, scope?: LockScope): () => void {
  const release = takeLock(file, scope);
  // Taken first, checked after: of two runs starting together, each sees the other and both refuse.
  const clash = scope === undefined ? undefined : clashing(file, scope);
  if (clash !== undefined) {
    release();
    throw new LockError(msg.lockedByOther(clash.file, clash.held.pid, clash.held.host, clash.held.started, clash.held.host === hostname(), clash.why));
  }
  return release;
}

/** The first live lock beside `file` whose run writes something other than shards of this same sweep. */
function clashing(file: string, scope: LockScope): { file: string; held: LockInfo; why: 'sharded' | 'unsharded' | 'config' } | undefined {
  const dir = dirname(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names.sort()) {
    const other = join(dir, name);
    if (other === file || !LOCK_NAME.test(name)) continue;
    const held = readLock(other);
    if (held === null || (held.host === hostname() && !alive(held.pid))) continue;
    const otherShards = held.scope?.shards ?? (name === LOCK_FILE ? null : -1);
    if (scope.shards === null) return { file: other, held, why: 'sharded' };
    if (otherShards === null) return { file: other, held, why: 'unsharded' };
    if (held.scope?.config !== scope.config || otherShards !== scope.shards) return { file: other, held, why: 'config' };
  }
  return undefined;
}

function takeLock(file: string, scope: LockScope | undefined): () => void {
  makeDir(dirname(file));
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), ...(scope ? { scope } : {}) };
  const tmp = tempPathFor(file);
  ++seq;
  try {
    writeFileSync(tmp, JSON.stringify(me) + '\n');
  } catch (err) {
    throw outputError(tmp, err);
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, file);
        return releaser(file, me);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw outputError(file, err);
      }
      const held = readLock(file);
      if (held !== null && (held.host !== me.host || alive(held.pid))) {
        throw new LockError(msg.locked(file, held.pid, held.host, held.started, held.host === me.host));
      }
      // Stale (its process is gone) or unreadable: move it aside, and make sure what moved is
      // the stale lock and not one that another run took over a moment ago.
      const aside = `${file}.stale.${process.pid}.${seq}`;
      try {
        renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readLock(aside);
      if (held === null ? moved === null : same(moved, held)) {
        rmSync(aside, { force: true });
      } else {
        try {
          linkSync(aside, file);
        } catch {
          // Someone holds the name again; the next attempt reads who.
        }
        rmSync(aside, { force: true });
      }
    }
    const held = readLock(file);
    throw new LockError(msg.locked(file, held?.pid ?? -1, held?.host ?? 'unknown', held?.started ?? 'unknown', true));
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes the lock if it is still ours; also on process exit, so a crash leaves none behind. */
function releaser(file: string, me: LockInfo): () => void {
  let done = false;
  const release = (): void => {
    if (done) return;
    done = true;
    process.off('exit', release);
    try {
      if (same(readLock(file), me)) rmSync(file, { force: true });
    } catch {
      // The folder went away or turned read-only: nothing left to release.
    }
  };
  process.on('exit', release);
  return release;
}
