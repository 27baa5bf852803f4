/**
 * The bounded reads under every reader of a run's files: only regular files (a FIFO or a device
 * named like a run file is refused without blocking, src/net/files.ts), only up to a size, only
 * lines up to a length, and only JSON nested up to MAX_JSON_DEPTH levels. The limits sit far above
 * anything a run writes, so only a damaged or hostile file meets them:
 *
 *   JSON files (config.json, summary.json, index.json, index.shard-I-of-N.json,
 *   sweep-summary.json)        at most MAX_JSON_FILE_BYTES = 64 MiB (a 10,000-cell index: ~10 MB)
 *   ndjson files (metrics, histograms)
 *                              at most MAX_NDJSON_BYTES = 1 GiB per file, read in chunks;
 *                              a line longer than MAX_LINE_BYTES = 16 MiB is skipped and counted
 *                              (a metrics line of a 1000-layer network: ~0.5 MB)
 *
 * A file over its size is refused outright (`ResultsFileError` with `refused`), so that a command
 * stops with one line naming the file, its size and the limit instead of running out of memory.
 */
import { closeSync, readSync } from 'node:fs';
import { MAX_JSON_DEPTH } from '../config/json.js';
import * as msg from '../messages.js';
import { FileReadError, openRegularFile, type ReadProblem } from '../net/files.js';

/** Largest JSON file a reader accepts. */
export const MAX_JSON_FILE_BYTES = 64 * 2 ** 20;
/** Largest ndjson file a reader accepts. */
export const MAX_NDJSON_BYTES = 2 ** 30;
/** Longest ndjson line a reader parses; longer ones are skipped and counted. */
export const MAX_LINE_BYTES = 16 * 2 ** 20;
/** Bytes read from an ndjson file at a time. */
const CHUNK_BYTES = 2 ** 20;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * A file of a run's output that is there but unusable (not JSON, or not the expected shape).
 * `refused`: the file is not merely unusable but must not be used at all — larger than its read
 * limit, not a regular file, or naming a path outside its folder — so `orNull` passes it on and
 * the command stops (exit 2) rather than show a page without it.
 */
export class ResultsFileError extends Error {
  override readonly name = 'ResultsFileError';

  constructor(readonly path: string, readonly reason: string, readonly refused = false) {
    super(msg.cannotRead(path, reason));
  }
}

/** A FileReadError of src/net/files.ts as a ResultsFileError; null for a missing file. */
function fromReadProblem(path: string, p: ReadProblem): ResultsFileError | null {
  switch (p.kind) {
    case 'missing':
      return null;
    case 'tooLarge':
      return new ResultsFileError(path, msg.readTooLarge(p.bytes, p.limit), true);
    case 'special':
      return new ResultsFileError(path, msg.readNotRegular(p.what), true);
    case 'directory':
      return new ResultsFileError(path, msg.readNotRegular('a folder'), true);
    case 'other':
      return new ResultsFileError(path, p.reason);
  }
}

/** Opens a run file for bounded reading; null when it does not exist. */
function open(path: string, limit: number): { fd: number; size: number } | null {
  try {
    return openRegularFile(path, limit);
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    const e = fromReadProblem(path, err.problem);
    if (e === null) return null;
    throw e;
  }
}

/** Reads up to `buf.length` bytes at `pos`; read errors (EIO, EISDIR) become ResultsFileError. */
function readAt(path: string, fd: number, buf: Buffer, pos: number): number {
  try {
    return readSync(fd, buf, 0, buf.length, pos);
  } catch (err) {
    throw new ResultsFileError(path, (err as NodeJS.ErrnoException).code ?? String(err));
  }
}

/** The text of `path` (at most `limit` bytes), or null when it does not exist. */
export function readText(path: string, limit = MAX_JSON_FILE_BYTES): string | null {
  const file = open(path, limit);
  if (file === null) return null;
  try {
    const buf = Buffer.alloc(file.size);
    let off = 0;
    while (off < buf.length) {
      const n = readAt(path, file.fd, buf.subarray(off), off);
      if (n === 0) break;
      off += n;
    }
    return buf.toString('utf8', 0, off);
  } finally {
    closeSync(file.fd);
  }
}

/** Whether `v` holds objects or lists nested more than `max` levels deep (an iterative walk). */
export function deeperThan(v: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(x) ? x : Object.values(x)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * The parsed JSON of `path`, or undefined when it does not exist; throws when it is not JSON, is
 * nested deeper than MAX_JSON_DEPTH (every consumer after it may recurse), or is too large.
 */
export function readJson(path: string): Json | undefined {
  const text = readText(path);
  if (text === null) return undefined;
  let v: Json;
  try {
    v = JSON.parse(text) as Json;
  } catch (err) {
    throw new ResultsFileError(path, `not valid JSON: ${msg.shorten(err instanceof Error ? err.message : String(err))}`);
  }
  if (deeperThan(v)) throw new ResultsFileError(path, msg.jsonProblem.tooDeep(MAX_JSON_DEPTH));
  return v;
}

export interface NdjsonScan {
  /** The text ended in an incomplete line (a run was writing it); it was skipped. */
  readonly partial: boolean;
  /** Complete lines that were not JSON (or nested too deep), or that `take` refused. */
  readonly bad: number;
  /** Complete lines longer than the line limit, skipped unread. */
  readonly long: number;
}

/**
 * Splits ndjson bytes into lines as they arrive, without ever holding more than one line of at
 * most `lineLimit` bytes: a longer line is dropped as it streams past and counted in `long`.
 * Only text up to the last '\n' counts; what follows it is a line still being written.
 */
class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  /** Dropping the rest of a line that grew past the limit. */
  private skipping = false;
  private bad = 0;
  private long = 0;

  constructor(private readonly lineLimit: number, private readonly take: (v: Json) => boolean) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.skipping) {
        if (this.length + (end - start) > this.lineLimit) {
          this.skipping = true;
          this.parts = [];
          this.length = 0;
        } else if (end > start) {
          this.parts.push(chunk.subarray(start, end));
          this.length += end - start;
        }
      }
      if (nl < 0) return;
      this.endLine();
      start = nl + 1;
    }
  }

  private endLine(): void {
    if (this.skipping) {
      this.long++;
      this.skipping = false;
      return;
    }
    const text = Buffer.concat(this.parts, this.length).toString('utf8').trim();
    this.parts = [];
    this.length = 0;
    if (text === '') return;
    let v: Json;
    try {
      v = JSON.parse(text) as Json;
    } catch {
      this.bad++;
      return;
    }
    if (deeperThan(v) || !this.take(v)) this.bad++;
  }

  finish(): NdjsonScan {
    const partial = this.skipping || Buffer.concat(this.parts, this.length).toString('utf8').trim() !== '';
    return { partial, bad: this.bad, long: this.long };
  }
}

/** Scans ndjson text held in memory (see `scanNdjsonFile`). */
export function scanNdjsonText(text: string, take: (v: Json) => boolean, lineLimit = MAX_LINE_BYTES): NdjsonScan {
  const lines = new LineSplitter(lineLimit, take);
  lines.push(Buffer.from(text, 'utf8'));
  return lines.finish();
}

/**
 * Reads the ndjson file `path` in chunks and hands each complete line, parsed, to `take` (false:
 * the line is not a record, counted as bad); null when the file does not exist. Lines longer
 * than `lineLimit` are skipped and counted; a file larger than `fileLimit` is refused.
 */
export function scanNdjsonFile(path: string, take: (v: Json) => boolean, fileLimit = MAX_NDJSON_BYTES, lineLimit = MAX_LINE_BYTES): NdjsonScan | null {
  const file = open(path, fileLimit);
  if (file === null) return null;
  const lines = new LineSplitter(lineLimit, take);
  try {
    // Up to the size at open: a file still growing is read as far as it was then. The splitter
    // keeps views of a chunk until its line ends, so each chunk is a buffer of its own.
    for (let pos = 0; pos < file.size;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, file.size - pos));
      const n = readAt(path, file.fd, buf, pos);
      if (n === 0) break;
      lines.push(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(file.fd);
  }
  return lines.finish();
}
