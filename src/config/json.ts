/**
 * Where a text stops being acceptable JSON, and why: a scan of RFC 8259 that runs before
 * `JSON.parse`, so that the message names a line and column, reads the same on every Node
 * version (V8's own wording and positions vary between releases), and catches what
 * `JSON.parse` lets through silently: a key written twice in one object (JSON.parse keeps the
 * last) and nesting deeper than `MAX_JSON_DEPTH` (which would overflow the stack of every
 * recursive walk after it).
 *
 * The scan is iterative (an explicit stack of open containers), so its own depth is bounded by
 * memory, not by the call stack.
 */
import { jsonProblem } from '../messages.js';

/** Objects and lists nested deeper than this are refused; real configs nest 4 levels. */
export const MAX_JSON_DEPTH = 64;

export interface JsonSyntaxError {
  /** Character offset of the problem. */
  readonly offset: number;
  readonly problem: string;
}

class Stop {
  constructor(readonly offset: number, readonly problem: string) {}
}

/** One open container: an object keeps the keys seen so far, a list its item count. */
interface Frame {
  readonly kind: 'object' | 'array';
  readonly keys: Set<string> | null;
}

/**
 * The first problem of `text` — a syntax error, a duplicate key, or nesting deeper than
 * `maxDepth` — or undefined when it is valid JSON without either.
 */
export function findJsonError(text: string, maxDepth = MAX_JSON_DEPTH): JsonSyntaxError | undefined {
  let i = 0;
  const n = text.length;
  const stop = (problem: string, at = i): never => {
    throw new Stop(at, problem);
  };
  const unexpected = (): never => {
    if (i >= n) stop(jsonProblem.end());
    if (text[i] === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) stop(jsonProblem.comment());
    return stop(jsonProblem.unexpected(text[i]));
  };
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  /** Scans a string starting at its opening quote; returns its raw text between the quotes. */
  const string = (): string => {
    const start = ++i;
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        i++;
        return text.slice(start, i - 1);
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else stop(jsonProblem.escape());
        continue;
      }
      if (c < ' ') stop(jsonProblem.control());
      i++;
    }
    return stop(jsonProblem.unterminated(), n);
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const stack: Frame[] = [];

  /** Reads one object key and its colon; the value follows. */
  const key = (frame: Frame): void => {
    ws();
    if (text[i] !== '"') {
      if (i >= n || (text[i] === '/' && '/*'.includes(text[i + 1] ?? ''))) unexpected();
      stop(text[i] === '}' ? jsonProblem.trailingComma() : jsonProblem.propertyName());
    }
    const at = i;
    const raw = string();
    // Escapes are decoded so that "a" and "\u0061" count as the same key, as JSON.parse sees them.
    const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
    if (frame.keys!.has(name)) stop(jsonProblem.duplicateKey(name), at);
    frame.keys!.add(name);
    ws();
    if (text[i] !== ':') stop(i >= n ? jsonProblem.end() : jsonProblem.colon());
    i++;
  };

  /** Reads a scalar, or opens a container (pushing a frame); false when a container was opened. */
  const valueStart = (): boolean => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (stack.length >= maxDepth) stop(jsonProblem.tooDeep(maxDepth));
      i++;
      const frame: Frame = c === '{' ? { kind: 'object', keys: new Set() } : { kind: 'array', keys: null };
      ws();
      const close = c === '{' ? '}' : ']';
      if (text[i] === close) {
        i++;
        return true;
      }
      stack.push(frame);
      if (frame.kind === 'object') key(frame);
      else if (text[i] === ']') stop(jsonProblem.trailingComma());
      return false;
    }
    if (c === '"') {
      string();
      return true;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return true;
      }
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) stop(jsonProblem.number());
      i = NUMBER.lastIndex;
      return true;
    }
    return unexpected();
  };

  /** After a complete value inside the top frame: a comma (next member) or the closing bracket. */
  const afterMember = (): void => {
    const frame = stack[stack.length - 1];
    ws();
    const close = frame.kind === 'object' ? '}' : ']';
    if (text[i] === ',') {
      i++;
      if (frame.kind === 'object') key(frame);
      else {
        ws();
        if (text[i] === ']') stop(jsonProblem.trailingComma());
      }
      return;
    }
    if (text[i] === close) {
      i++;
      stack.pop();
      return;
    }
    if (i >= n || text[i] === '/') unexpected();
    stop(frame.kind === 'object' ? jsonProblem.objectNext() : jsonProblem.arrayNext());
  };

  try {
    let complete = valueStart();
    while (stack.length > 0) {
      if (!complete) {
        // A container was just opened and its first key (if an object) read: read a value.
        complete = valueStart();
        continue;
      }
      const depth = stack.length;
      afterMember();
      // A comma leaves the frame open and expects a value; a close completes the parent's value.
      complete = stack.length < depth;
    }
    ws();
    if (i < n) {
      if (text[i] === '/') unexpected();
      stop(jsonProblem.afterValue());
    }
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, problem: e.problem };
    throw e;
  }
}

/** 1-based line and column of a character offset (lines end at \n). */
export function lineColumn(text: string, offset: number): [number, number] {
  const lines = text.slice(0, Math.min(offset, text.length)).split('\n');
  return [lines.length, lines[lines.length - 1].length + 1];
}

/**
 * The encoding a config file's first bytes reveal when it is not UTF-8: a UTF-16 or UTF-32 byte
 * order mark, or the NUL bytes of UTF-16 text without one. Undefined for UTF-8 (with or without
 * its BOM) and for anything else.
 */
export function foreignEncoding(bytes: Uint8Array): string | undefined {
  const b = (k: number): number => bytes[k] ?? -1;
  if (b(0) === 0x00 && b(1) === 0x00 && b(2) === 0xfe && b(3) === 0xff) return 'UTF-32 (big-endian)';
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0x00 && b(3) === 0x00) return 'UTF-32 (little-endian)';
  if (b(0) === 0xfe && b(1) === 0xff) return 'UTF-16 (big-endian)';
  if (b(0) === 0xff && b(1) === 0xfe) return 'UTF-16 (little-endian)';
  if (bytes.length >= 2 && b(0) !== 0 && b(1) === 0x00) return 'UTF-16 (little-endian)';
  if (bytes.length >= 2 && b(0) === 0x00 && b(1) !== 0) return 'UTF-16 (big-endian)';
  return undefined;
}
