/**
 * Whether a folder can hold results at all, checked before a command writes anything: the
 * nearest part of it that exists must be a folder this process may write into (not a file, not
 * a folder of another user, not on a kernel file system). Kernel file systems (/proc, /sys, cgroups, …) accept
 * a root user's `access(W_OK)` and then fail in ways `mkdir -p` does not expect: Node's recursive
 * mkdir under /proc loops forever, and /sys answers EPERM half-way. They are named and refused
 * before anything is created, from the file system's magic number (statfs f_type).
 */
import { accessSync, constants, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as msg from '../messages.js';

/** statfs f_type -> name, for the kernel's virtual file systems (linux/magic.h). */
const VIRTUAL_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x62656570, 'configfs'],
  [0x1cd1, 'devpts'],
  [0x6165676c, 'pstore'],
  [0xcafe4a11, 'bpf'],
  [0xde5e81e4, 'efivarfs'],
  [0x65735543, 'fusectl'],
  [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'],
]);

/** The name of the kernel file system `existing` (a path that exists) lies on, or undefined for a real one. */
export function virtualFileSystem(existing: string): string | undefined {
  try {
    return VIRTUAL_FS.get(Number(statfsSync(existing).type));
  } catch {
    return undefined;
  }
}

/** Why a folder cannot be written: the part of its path in the way (`at`), and the reason in words. */
export interface PlaceProblem {
  readonly at: string;
  readonly reason: string;
}

/**
 * Why `dir` cannot be created (if needed) and written, or null: the nearest part of it that
 * exists must be a folder on a real file system that this process may write into.
 */
export function placeProblem(dir: string): PlaceProblem | null {
  let p = resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch (err) {
      // ENOTDIR: a file further up is in the way; the walk up finds it.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTDIR') return { at: p, reason: msg.placeUnreachable(code ?? 'error') };
    }
    if (st !== undefined) {
      if (!st.isDirectory()) return { at: p, reason: msg.placeIsFile() };
      const fs = virtualFileSystem(p);
      if (fs !== undefined) return { at: p, reason: msg.placeVirtual(fs) };
      try {
        accessSync(p, constants.W_OK | constants.X_OK);
      } catch (err) {
        return { at: p, reason: msg.placeNotWritable((err as NodeJS.ErrnoException).code ?? 'error') };
      }
      return null;
    }
    const parent = dirname(p);
    if (parent === p) return null;
    p = parent;
  }
}

/** The message of `--out <out>` when `dir` (inside it) cannot be written, or null. */
export function outputProblem(out: string, dir: string): string | null {
  const problem = placeProblem(dir);
  return problem === null ? null : msg.outputUnusable(out, problem.at, problem.reason);
}
