/**
 * Bounded reads of the files a config names (`data.path`, `model.initFrom`): only regular files,
 * only up to a size limit, and never blocking. `/dev/zero` would grow memory without end and a
 * FIFO with no writer would hang `open` forever; both are refused by what `fstat` says about
 * the open descriptor (so a symlink to either is refused too).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Larger files are refused before any byte is read: 2 GiB, beyond any weights or data set here. */
export const MAX_INPUT_BYTES = 2 ** 31;

export type ReadProblem =
  | { readonly kind: 'missing' }
  | { readonly kind: 'directory' }
  | { readonly kind: 'special'; readonly what: string }
  | { readonly kind: 'tooLarge'; readonly bytes: number; readonly limit: number }
  | { readonly kind: 'other'; readonly reason: string };

export class FileReadError extends Error {
  constructor(readonly path: string, readonly problem: ReadProblem) {
    super(`${path}: ${problem.kind}`);
  }
}

function kindOf(st: ReturnType<typeof fstatSync>): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** An open regular file: its descriptor (the caller closes it) and its size when opened. */
export interface OpenFile {
  readonly fd: number;
  readonly size: number;
}

function problemOf(path: string, e: unknown): FileReadError {
  if (e instanceof FileReadError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return new FileReadError(path, { kind: 'missing' });
  if (err.code === 'EISDIR') return new FileReadError(path, { kind: 'directory' });
  return new FileReadError(path, { kind: 'other', reason: err.code ?? err.message });
}

/**
 * Opens `path` for reading when it is a regular file of at most `limit` bytes, without ever
 * blocking; throws FileReadError otherwise (nothing is left open then).
 */
export function openRegularFile(path: string, limit = MAX_INPUT_BYTES): OpenFile {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw problemOf(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new FileReadError(path, { kind: 'directory' });
    if (!st.isFile()) throw new FileReadError(path, { kind: 'special', what: kindOf(st) });
    if (st.size > limit) throw new FileReadError(path, { kind: 'tooLarge', bytes: st.size, limit });
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw problemOf(path, e);
  }
}

/** The whole of the regular file at `path`, at most `limit` bytes. Throws FileReadError. */
export function readRegularFile(path: string, limit = MAX_INPUT_BYTES): Uint8Array {
  const { fd, size } = openRegularFile(path, limit);
  try {
    const bytes = new Uint8Array(size);
    let off = 0;
    while (off < bytes.length) {
      const n = readSync(fd, bytes, off, bytes.length - off, off);
      if (n === 0) break;
      off += n;
    }
    // A file that shrank while being read is returned as far as it went; the parser then finds it truncated.
    return off === bytes.length ? bytes : bytes.subarray(0, off);
  } catch (e) {
    throw problemOf(path, e);
  } finally {
    closeSync(fd);
  }
}

/** The problem in words, after the file name: shared by the weights and the data readers. */
export function readProblemText(p: ReadProblem, expected: string): string {
  switch (p.kind) {
    case 'missing':
      return 'no such file';
    case 'directory':
      return `is a directory; expected ${expected}`;
    case 'special':
      return `is ${p.what}, not a regular file; expected ${expected}`;
    case 'tooLarge':
      return `is ${p.bytes} bytes, more than the ${p.limit}-byte limit for an input file`;
    case 'other':
      return `cannot read (${p.reason})`;
  }
}
