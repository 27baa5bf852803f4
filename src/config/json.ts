/**
 * Where a text stops being JSON, and why: a small recursive-descent scan of RFC 8259 used only
 * after `JSON.parse` has failed, so that the message names a line and column and reads the same
 * on every Node version (V8's own wording and positions vary between releases).
 */
import { jsonProblem } from '../messages.js';

export interface JsonSyntaxError {
  /** Character offset of the problem. */
  readonly offset: number;
  readonly problem: string;
}

class Stop {
  constructor(readonly offset: number, readonly problem: string) {}
}

/** The first syntax error of `text`, or undefined when it is valid JSON. */
export function findJsonError(text: string): JsonSyntaxError | undefined {
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
  const string = (): void => {
    i++;
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        i++;
        return;
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
    stop(jsonProblem.unterminated(), n);
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) stop(jsonProblem.number());
      i = NUMBER.lastIndex;
      return;
    }
    unexpected();
  };
  const object = (): void => {
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') {
        if (i >= n || (text[i] === '/' && '/*'.includes(text[i + 1] ?? ''))) unexpected();
        stop(text[i] === '}' ? jsonProblem.trailingComma() : jsonProblem.propertyName());
      }
      string();
      ws();
      if (text[i] !== ':') stop(i >= n ? jsonProblem.end() : jsonProblem.colon());
      i++;
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      if (i >= n || text[i] === '/') unexpected();
      stop(jsonProblem.objectNext());
    }
  };
  const array = (): void => {
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === ']') stop(jsonProblem.trailingComma());
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      if (i >= n || text[i] === '/') unexpected();
      stop(jsonProblem.arrayNext());
    }
  };
  try {
    value();
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
