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

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The scan: a cursor `i` into `text` and the stack of open containers. */
class Scanner {
  private i = 0;
  private readonly n: number;
  private readonly stack: Frame[] = [];

  constructor(private readonly text: string, private readonly maxDepth: number) {
    this.n = text.length;
  }

  /** Scans the whole text; throws Stop at the first problem. */
  scan(): void {
    let complete = this.valueStart();
    while (this.stack.length > 0) {
      if (!complete) {
        // A container was just opened and its first key (if an object) read: read a value.
        complete = this.valueStart();
        continue;
      }
      const depth = this.stack.length;
      this.afterMember();
      // A comma leaves the frame open and expects a value; a close completes the parent's value.
      complete = this.stack.length < depth;
    }
    this.ws();
    if (this.i < this.n) {
      if (this.text[this.i] === '/') this.unexpected();
      this.stop(jsonProblem.afterValue());
    }
  }

  private stop(problem: string, at = this.i): never {
    throw new Stop(at, problem);
  }

  private unexpected(): never {
    const { text, i } = this;
    if (i >= this.n) this.stop(jsonProblem.end());
    if (text[i] === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) this.stop(jsonProblem.comment());
    return this.stop(jsonProblem.unexpected(text[i]));
  }

  private ws(): void {
    const { text, n } = this;
    let i = this.i;
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    this.i = i;
  }

  /** Scans a string starting at its opening quote; returns its raw text between the quotes. */
  private string(): string {
    const { text, n } = this;
    const start = ++this.i;
    while (this.i < n) {
      const c = text[this.i];
      if (c === '"') {
        this.i++;
        return text.slice(start, this.i - 1);
      }
      if (c === '\\') {
        const e = text[this.i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(this.i + 2, this.i + 6))) this.i += 6;
        else this.stop(jsonProblem.escape());
        continue;
      }
      if (c < ' ') this.stop(jsonProblem.control());
      this.i++;
    }
    return this.stop(jsonProblem.unterminated(), n);
  }

  /** Reads one object key and its colon; the value follows. */
  private key(frame: Frame): void {
    const { text } = this;
    this.ws();
    if (text[this.i] !== '"') {
      if (this.i >= this.n || (text[this.i] === '/' && '/*'.includes(text[this.i + 1] ?? ''))) this.unexpected();
      this.stop(text[this.i] === '}' ? jsonProblem.trailingComma() : jsonProblem.propertyName());
    }
    const at = this.i;
    const raw = this.string();
    // Escapes are decoded so that "a" and "\u0061" count as the same key, as JSON.parse sees them.
    const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
    if (frame.keys!.has(name)) this.stop(jsonProblem.duplicateKey(name), at);
    frame.keys!.add(name);
    this.ws();
    if (text[this.i] !== ':') this.stop(this.i >= this.n ? jsonProblem.end() : jsonProblem.colon());
    this.i++;
  }

  /** Reads a scalar, or opens a container (pushing a frame); false when a container was opened. */
  private valueStart(): boolean {
    const { text } = this;
    this.ws();
    const c = text[this.i];
    if (c === '{' || c === '[') {
      if (this.stack.length >= this.maxDepth) this.stop(jsonProblem.tooDeep(this.maxDepth));
      this.i++;
      const frame: Frame = c === '{' ? { kind: 'object', keys: new Set() } : { kind: 'array', keys: null };
      this.ws();
      const close = c === '{' ? '}' : ']';
      if (text[this.i] === close) {
        this.i++;
        return true;
      }
      this.stack.push(frame);
      if (frame.kind === 'object') this.key(frame);
      else if (text[this.i] === ']') this.stop(jsonProblem.trailingComma());
      return false;
    }
    if (c === '"') {
      this.string();
      return true;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, this.i)) {
        this.i += word.length;
        return true;
      }
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = this.i;
      if (!NUMBER.test(text)) this.stop(jsonProblem.number());
      this.i = NUMBER.lastIndex;
      return true;
    }
    return this.unexpected();
  }

  /** After a complete value inside the top frame: a comma (next member) or the closing bracket. */
  private afterMember(): void {
    const { text } = this;
    const frame = this.stack[this.stack.length - 1];
    this.ws();
    const close = frame.kind === 'object' ? '}' : ']';
    if (text[this.i] === ',') {
      this.i++;
      if (frame.kind === 'object') this.key(frame);
      else {
        this.ws();
        if (text[this.i] === ']') this.stop(jsonProblem.trailingComma());
      }
      return;
    }
    if (text[this.i] === close) {
      this.i++;
      this.stack.pop();
      return;
    }
    if (this.i >= this.n || text[this.i] === '/') this.unexpected();
    this.stop(frame.kind === 'object' ? jsonProblem.objectNext() : jsonProblem.arrayNext());
  }
}

/**
 * The first problem of `text` — a syntax error, a duplicate key, or nesting deeper than
 * `maxDepth` — or undefined when it is valid JSON without either.
 */
export function findJsonError(text: string, maxDepth = MAX_JSON_DEPTH): JsonSyntaxError | undefined {
  try {
    new Scanner(text, maxDepth).scan();
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
