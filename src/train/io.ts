/**
 * File writing with the guarantees the design asks for: JSON files appear whole or not at all
 * (temp file + rename), and ndjson streams only ever hold complete lines (one write per line).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Writes `text` to `path` atomically: a reader sees the old file or the new one, never a part. */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * An append-only ndjson stream. Each record is serialised first and written with one
 * `writeSync`, so an interrupted process leaves only complete lines behind.
 */
export class NdjsonWriter {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(record: unknown): void {
    if (this.fd === null) throw new Error(`${this.path}: stream already closed`);
    writeSync(this.fd, JSON.stringify(record) + '\n');
  }

  close(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } catch {
      // fsync can fail on some filesystems (e.g. pipes); the data is still written.
    }
    closeSync(this.fd);
    this.fd = null;
  }
}
