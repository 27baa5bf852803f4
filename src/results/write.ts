/**
 * Writing a run's files with the guarantees the design asks for: JSON (and every other whole
 * file) appears whole or not at all (temp file + rename), and ndjson streams only ever hold
 * complete lines (one write per line). Every failure to write (a full disk, a read-only or
 * unwritable folder, a file where a folder should be) is an `OutputError` naming the path and
 * the reason, never a bare errno.
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import * as msg from '../messages.js';

/** Writing the run's output failed; the run stops with exit code 1 and says where and why. */
export class OutputError extends Error {
  override readonly name = 'OutputError';

  constructor(readonly path: string, readonly code: string, detail: string) {
    super(msg.cannotWrite(path, code, detail));
  }
}

/** `err` (from node:fs, about `path`) as an OutputError; an OutputError passes through. */
export function outputError(path: string, err: unknown): OutputError {
  if (err instanceof OutputError) return err;
  const e = typeof err === 'object' && err !== null ? (err as Partial<NodeJS.ErrnoException>) : {};
  return new OutputError(path, typeof e.code === 'string' ? e.code : 'EIO', typeof e.message === 'string' ? e.message : String(err));
}

/** mkdir -p that throws OutputError. */
export function makeDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    throw outputError(path, err);
  }
}

let tmpCount = 0;

/**
 * The temporary name for writing `path`: `.<name>.<pid>.<thread>.<n>.tmp` in the same folder
 * (a rename across folders would not be atomic). pid, worker thread and a per-thread counter
 * make it unique: two processes, two threads of one process, or two writes of one thread never
 * share it.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${threadId}.${++tmpCount}.tmp`);
}

/** Writes `data` to `path` atomically: a reader sees the old file or the new one, never a part. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The folder itself may be gone or unwritable; the temp file then never existed.
    }
    throw outputError(path, err);
  }
}

/** `value` as indented JSON with a final newline, written atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * An append-only ndjson stream. Each record is serialised first and written with one
 * `writeSync`, so an interrupted process leaves only complete lines behind.
 */
export class NdjsonWriter {
  private fd: number | null;
  /** Bytes of complete lines written so far. */
  private size = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw outputError(path, err);
    }
  }

  write(record: unknown): void {
    if (this.fd === null) throw new Error(`${this.path}: stream already closed`);
    const bytes = Buffer.from(JSON.stringify(record) + '\n');
    let done = 0;
    try {
      // writeSync may write less than asked (a full disk takes what fits): finish the line or fail.
      while (done < bytes.length) done += writeSync(this.fd, bytes, done);
      this.size += bytes.length;
    } catch (err) {
      // Cut a partly written line off again, so the file still ends with a complete line.
      if (done > 0) {
        try {
          ftruncateSync(this.fd, this.size);
        } catch {
          // Readers skip an incomplete last line anyway.
        }
      }
      throw outputError(this.path, err);
    }
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fsyncSync(fd);
    } catch {
      // fsync can fail on some filesystems (e.g. pipes); the data is still written.
    }
    try {
      closeSync(fd);
    } catch (err) {
      throw outputError(this.path, err);
    }
  }
}
