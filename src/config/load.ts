/**
 * Config input: a JSON file (or an object in memory), `--set path=value` flags on top, then
 * validation of the config and of every sweep cell. Any problem throws one `ConfigError` with
 * every message, sorted by the path it names.
 *
 * A relative config path that does not exist as given is also looked up under `experiments/`,
 * so `gradflow run configs/deep-sigmoid.json` works from the repository root.
 */
import { statSync } from 'node:fs';
import { FileReadError, readProblemText, readRegularFile } from '../net/files.js';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import * as msg from '../messages.js';
import { ConfigError } from './errors.js';
import { sortMessages, type Located } from './issues.js';
import { findJsonError, foreignEncoding, lineColumn } from './json.js';
import { formatPath, isPlainObject, knownPaths, setAt } from './paths.js';
import type { ResolvedConfig } from './schema.js';
import { nearest } from './suggest.js';
import { sweepMessages, sweepStructureMessages } from './expand.js';
import { register, validate } from './validate.js';

export interface LoadOptions {
  /** `path=value` overrides, applied in order (the CLI's repeatable `--set`). */
  readonly set?: readonly string[];
  /** Where relative config paths start; default `process.cwd()`. */
  readonly cwd?: string;
}

export interface LoadedConfig {
  readonly config: ResolvedConfig;
  /** The config file's folder: relative paths in the config (`data.path`, `model.initFrom`) start here. */
  readonly baseDir: string;
  /** The config file, absolute. */
  readonly file: string;
}

/** The value of a `--set`: JSON when it parses (numbers, booleans, null, lists, objects), else the text itself. */
export function parseSetValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Applies `--set` arguments to a copy of `input`, collecting a message for each that cannot be applied. */
function applySets(input: unknown, args: readonly string[]): { value: unknown; messages: Located[] } {
  let value = input;
  const messages: Located[] = [];
  const fail = (text: string): void => {
    messages.push({ segs: [], at: '--set', text });
  };
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const path = eq > 0 ? arg.slice(0, eq).trim() : '';
    if (path === '') {
      fail(msg.setSyntax(arg));
      continue;
    }
    const known = knownPaths();
    if (!known.includes(path)) {
      fail(msg.setUnknownPath(arg, path, nearest(path, known)));
      continue;
    }
    // A non-object config is reported by validation; there is nothing to set into.
    if (!isPlainObject(value)) continue;
    const raw = arg.slice(eq + 1);
    const parsed = parseSetValue(raw);
    // A value that parsed as JSON is held to the file's rules: no duplicate keys, bounded depth.
    const problem = parsed !== raw ? findJsonError(raw) : undefined;
    if (problem !== undefined) {
      fail(msg.setValueJson(arg, problem.problem));
      continue;
    }
    const r = setAt(value, path.split('.'), parsed);
    if (r.ok) value = r.value;
    else fail(msg.setThroughValue(arg, formatPath(r.at), r.found));
  }
  return { value, messages };
}

/**
 * A copy of `input` with one `--set` argument (`"model.depth=30"`) applied; the value is then
 * validated with the rest of the config. Throws `ConfigError` for a malformed argument or a
 * path that is not in the schema.
 */
export function applySet(input: Readonly<Record<string, unknown>>, arg: string): Record<string, unknown> {
  const { value, messages } = applySets(input, [arg]);
  if (messages.length > 0) throw new ConfigError('--set', messages.map((m) => m.text));
  return value as Record<string, unknown>;
}

/** A private deep copy, so freezing the resolved config never freezes the caller's objects. */
function copyInput(input: unknown): unknown {
  try {
    return structuredClone(input);
  } catch {
    return input;
  }
}

function resolveWith(input: unknown, origin: string, earlier: readonly Located[]): ResolvedConfig {
  const copy = copyInput(input);
  const errors = [...earlier];
  const v = validate(copy);
  if (v.ok) {
    const config = register(v.config, copy);
    errors.push(...sweepMessages(config));
    if (errors.length === 0) return config;
  } else {
    errors.push(...v.messages);
    // The sweep's paths can be checked without the rest of the config.
    const sweep = isPlainObject(copy) ? copy.sweep : undefined;
    if (isPlainObject(sweep)) {
      const seeds = isPlainObject(copy) && Array.isArray(copy.seeds) ? copy.seeds : null;
      errors.push(...sweepStructureMessages(sweep, seeds));
    }
  }
  throw new ConfigError(origin, sortMessages(errors).map((m) => m.text));
}

/**
 * Validates and resolves a config object (deep-frozen result; the sweep's cells are validated
 * too). `origin` names it in the error's first line. Throws `ConfigError`.
 */
export function resolveConfig(input: unknown, origin = 'config'): ResolvedConfig {
  return resolveWith(input, origin, []);
}

/** The path as the user would recognise it: relative to `cwd` when inside it. */
function shown(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function findConfig(path: string, cwd: string): string {
  const candidates = isAbsolute(path) ? [path] : [resolve(cwd, path), resolve(cwd, join('experiments', path))];
  for (const c of candidates) {
    try {
      if (statSync(c, { throwIfNoEntry: false }) !== undefined) return c;
    } catch (e) {
      // ENOTDIR: a file in the middle of the path; anything else (ENAMETOOLONG, EACCES) is said as it is.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTDIR') throw new ConfigError(path, [msg.fileUnreadable(path, code ?? String(e))]);
    }
  }
  throw new ConfigError(path, [msg.fileNotFound(path, candidates.map((c) => shown(c, cwd)))]);
}

/** Largest config file read: far beyond any config (the committed ones are a few KB). */
export const MAX_CONFIG_BYTES = 16 * 2 ** 20;

function readJson(file: string, name: string): unknown {
  let bytes: Buffer;
  try {
    // A regular file only, bounded, never blocking: a FIFO or /dev/zero named as a config is refused.
    bytes = Buffer.from(readRegularFile(file, MAX_CONFIG_BYTES));
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    if (e.problem.kind === 'directory') throw new ConfigError(name, [msg.fileIsDirectory(name)]);
    const reason = e.problem.kind === 'other' ? e.problem.reason : e.problem.kind === 'missing' ? 'ENOENT' : readProblemText(e.problem, 'a JSON config file');
    throw new ConfigError(name, [msg.fileUnreadable(name, reason)]);
  }
  const encoding = foreignEncoding(bytes);
  if (encoding !== undefined) throw new ConfigError(name, [msg.fileEncoding(name, encoding)]);
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new ConfigError(name, [msg.fileEmpty(name)]);
  // Our own scan runs first: it names the place the same way on every Node version, and refuses
  // the duplicate keys and the deep nesting that JSON.parse would accept.
  const found = findJsonError(text);
  if (found !== undefined) {
    const [line, column] = lineColumn(text, found.offset);
    throw new ConfigError(name, [msg.fileNotJson(name, line, column, found.problem)]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(name, [msg.fileNotJson(name, 1, 1, (e as Error).message.split('\n')[0])]);
  }
}

/**
 * Reads, overrides (`set`) and resolves the config file at `path`. Throws `ConfigError` naming
 * the file when it is missing, a directory, empty or not JSON, and with every field message
 * when it does not validate.
 */
export function loadConfig(path: string, options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = findConfig(path, cwd);
  const name = shown(file, cwd);
  const input = readJson(file, name);
  const { value, messages } = applySets(input, options.set ?? []);
  return { config: resolveWith(value, name, messages), baseDir: dirname(file), file };
}
