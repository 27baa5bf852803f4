/**
 * Incremental reading of an ndjson file that another process appends to (metrics.ndjson while a
 * cell trains): each call reads only the bytes after a byte offset, up to the last complete line,
 * so a growing file is never read again from the start. A file that was replaced or truncated (a
 * rerun of the cell removes it and starts a new one) is noticed through its identity (device and
 * inode) and its size, and read from 0 again, flagged `reset`.
 *
 * `TailCache` keeps, per file, the offset read so far and the last complete record: the
 * experiment page's progress column needs only that, and a file seen for the first time is read
 * from its end (a window grown until it holds a complete line), never from its start.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Where a reader stopped: the file's identity and the byte offset after the last complete line read. */
export interface Position {
  readonly file: string;
  readonly offset: number;
}

export interface Chunk {
  /** Complete lines after the position, parsed; lines that are not JSON are counted in `bad`. */
  readonly lines: readonly unknown[];
  readonly bad: number;
  /** The position after the last complete line returned. */
  readonly next: Position;
  /** The file was replaced or truncated since `from`: `lines` start at its beginning. */
  readonly reset: boolean;
  /** Complete lines remain after `next` (the chunk stopped at `maxBytes`). */
  readonly more: boolean;
}

/** Default most bytes one call reads: about 2000 records of a 20-layer network. */
export const CHUNK_BYTES = 1 << 20;
/** A single line longer than this is skipped as bad (no record is anywhere near it). */
const MAX_LINE_BYTES = 64 << 20;

const identity = (st: { dev: number; ino: number }): string => `${st.dev}:${st.ino}`;

function readAt(fd: number, start: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, start + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

function parseLines(buf: Buffer): { lines: unknown[]; bad: number } {
  const lines: unknown[] = [];
  let bad = 0;
  for (const line of buf.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      lines.push(JSON.parse(line));
    } catch {
      bad++;
    }
  }
  return { lines, bad };
}

/**
 * The complete lines of `path` after `from` (null: from the start), at most about `maxBytes` of
 * them. Null when the file does not exist (yet).
 */
export function readFrom(path: string, from: Position | null, maxBytes = CHUNK_BYTES): Chunk | null {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO named like a run file must not hang the server waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    const file = identity(st);
    const reset = from !== null && (from.file !== file || st.size < from.offset);
    const start = from === null || reset ? 0 : from.offset;
    let want = Math.min(st.size - start, maxBytes);
    let buf = readAt(fd, start, want);
    let end = buf.lastIndexOf(0x0a);
    // One line longer than the chunk: read on until it ends (or give up on it).
    while (end < 0 && start + want < st.size && want < MAX_LINE_BYTES) {
      want = Math.min(st.size - start, want * 4);
      buf = readAt(fd, start, want);
      end = buf.lastIndexOf(0x0a);
    }
    if (end < 0 && want >= MAX_LINE_BYTES) {
      const skip = buf.length;
      return { lines: [], bad: 1, next: { file, offset: start + skip }, reset, more: start + skip < st.size };
    }
    const used = end + 1;
    const { lines, bad } = parseLines(buf.subarray(0, used));
    const offset = start + used;
    return { lines, bad, next: { file, offset }, reset, more: offset < st.size && start + buf.length < st.size };
  } finally {
    closeSync(fd);
  }
}

/** Index of the newline before index `end` of `buf`, or -1. */
const newlineBefore = (buf: Buffer, end: number): number => (end > 0 ? buf.lastIndexOf(0x0a, end - 1) : -1);

/** The last complete line of the open file, reading windows from its end; null when it has none. */
function lastLine(fd: number, size: number, count: (n: number) => void): { line: unknown; end: number } | null {
  let window = Math.min(size, 64 << 10);
  for (;;) {
    const buf = readAt(fd, size - window, window);
    count(buf.length);
    const end = buf.lastIndexOf(0x0a);
    if (end >= 0) {
      const startOfLine = newlineBefore(buf, end) + 1;
      if (startOfLine > 0 || window === size) {
        const { lines } = parseLines(buf.subarray(startOfLine, end + 1));
        return { line: lines.length ? lines[0] : null, end: size - window + end + 1 };
      }
    } else if (window === size) {
      return null;
    }
    if (window >= MAX_LINE_BYTES) return null;
    window = Math.min(size, window * 4);
  }
}

interface TailState {
  readonly file: string;
  readonly offset: number;
  readonly last: unknown;
}

/** Per file, the last complete record, kept current by reading only what was appended. */
export class TailCache {
  private readonly states = new Map<string, TailState>();
  /** Bytes read from files so far (what the incremental reading saves is visible here). */
  bytesRead = 0;

  private readonly count = (n: number): void => {
    this.bytesRead += n;
  };

  /** The last complete record of `path` now (null when none, or no file). */
  last(path: string): unknown {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      this.states.delete(path);
      return null;
    }
    try {
      const st = fstatSync(fd);
      const file = identity(st);
      const prev = this.states.get(path);
      let state: TailState;
      if (prev === undefined || prev.file !== file || st.size < prev.offset) {
        const found = lastLine(fd, st.size, this.count);
        state = { file, offset: found?.end ?? 0, last: found?.line ?? null };
      } else if (st.size > prev.offset) {
        state = prev;
        // Only the new bytes, a chunk at a time, keeping the last record of each.
        let from = state.offset;
        while (from < st.size) {
          const want = Math.min(st.size - from, CHUNK_BYTES);
          const buf = readAt(fd, from, want);
          this.count(buf.length);
          const end = buf.lastIndexOf(0x0a);
          if (end < 0) {
            // The rest is a line still being written, or a line longer than a chunk (found from the end).
            if (want < st.size - from) {
              const found = lastLine(fd, st.size, this.count);
              state = { file, offset: found?.end ?? state.offset, last: found?.line ?? state.last };
            }
            break;
          }
          const { lines } = parseLines(buf.subarray(newlineBefore(buf, end) + 1, end + 1));
          state = { file, offset: from + end + 1, last: lines.length ? lines[0] : state.last };
          if (want === st.size - from) break;
          from = state.offset;
        }
      } else {
        state = prev;
      }
      this.states.set(path, state);
      return state.last;
    } finally {
      closeSync(fd);
    }
  }
}
