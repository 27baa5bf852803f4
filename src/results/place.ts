/**
 * Whether a folder can hold results at all. Kernel file systems (/proc, /sys, cgroups, …) accept
 * a root user's `access(W_OK)` and then fail in ways `mkdir -p` does not expect: Node's recursive
 * mkdir under /proc loops forever, and /sys answers EPERM half-way. They are named and refused
 * before anything is created, from the file system's magic number (statfs f_type).
 */
import { statfsSync } from 'node:fs';

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
