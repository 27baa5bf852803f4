/**
 * One writer per experiment folder. `gradflow run` holds `<out>/<name>/.lock` (a shard:
 * `.shard-I-of-N.lock`, so the shards of one sweep can share a folder) while it trains; a second
 * run of the same experiment into the same folder refuses at once, naming the lock and the pid
 * that holds it, before it writes anything. The lock is released when the run ends (also after
 * SIGINT/SIGTERM, and on any exit of the process). A lock left by a process that no longer
 * runs on this host (kill -9, power loss) is stale and is taken over.
 *
 * The lock file is written whole to a temporary file and hard-linked into place: `link` fails
 * when the name exists, atomically, so two runs starting at once cannot both win, and nobody
 * ever reads a half-written lock.
 */
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
}

/** The experiment folder is held by another live run; the CLI exits 1 with this message. */
export class LockError extends Error {
  override readonly name = 'LockError';
}

/** The lock file of an experiment folder (per shard when sharded). */
export function lockFile(expDir: string, shard: ShardNumber | null): string {
  return join(expDir, shard === null ? LOCK_FILE : shardLockFile(shard));
}

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.started === 'string') return v as LockInfo;
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
export function acquireLock(file: string): () => void {
  makeDir(dirname(file));
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
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
