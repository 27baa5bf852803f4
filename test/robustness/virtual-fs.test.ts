/**
 * Output folders on the kernel's virtual file systems: as root, access(W_OK) says yes and then
 * Node's recursive mkdir loops forever under /proc, or /sys answers EPERM half-way. Each is
 * refused before anything is created: exit 2, one line naming the file system.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { virtualFileSystem } from '../../src/results/place.js';
import { gradflow, STACK_FRAME } from './helpers.js';

const candidates: readonly (readonly [string, string])[] = [
  ['/proc', 'proc'],
  ['/proc/gradflow-test/a/b', 'proc'],
  ['/proc/self', 'proc'],
  ['/sys', 'sysfs'],
  ['/sys/kernel', 'sysfs'],
  ['/sys/kernel/gradflow-test', 'sysfs'],
  ['/dev/pts', 'devpts'],
];
/** Only the mounts this machine has (a container may lack /dev/pts or mount /sys otherwise). */
const present = candidates.filter(([p, fs]) => {
  let e = p;
  while (!existsSync(e)) e = e.slice(0, e.lastIndexOf('/')) || '/';
  return virtualFileSystem(e) === fs;
});

describe('--out on a kernel file system', () => {
  it('finds at least /proc on this machine (so the battery below is not empty)', () => {
    expect(present.map(([p]) => p)).toContain('/proc');
  });

  it.each(present)('%s (%s) is refused with exit 2 in one line', async (out, fs) => {
    const r = await gradflow(['run', 'configs/deep-sigmoid.json', '--out', out, '--set', 'train.steps=1', '--quiet']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^gradflow: --out ${out}: .* is on the kernel's ${fs} file system, which holds no files; expected a folder gradflow can create and write\\n$`));
    expect(r.stderr).not.toMatch(STACK_FRAME);
  }, 30_000);

  it('leaves ordinary and tmpfs folders alone', () => {
    expect(virtualFileSystem('/tmp')).toBeUndefined();
    expect(virtualFileSystem(process.cwd())).toBeUndefined();
  });
});
