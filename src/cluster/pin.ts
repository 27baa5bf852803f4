/**
 * The config a cluster job runs, pinned: the experiment's resolved config (defaults filled in,
 * `--set` applied) written as one JSON file, with a relative `data.path` or `model.initFrom` made
 * absolute against the original config's folder, since the file now lives elsewhere. Its sha256
 * goes into the job scripts, which refuse to start when the file changed.
 *
 * A relative path among a sweep's values cannot be pinned: the cell ids are made of the values, so
 * an absolute path would rename the cells (`relativeSweptFiles` names them; the command refuses).
 * Otherwise loading the pinned file gives the same cells (ids, overrides, config hashes) as the
 * original, with only those paths absolute; `pinConfig` checks this before anything is written,
 * so a job that starts an hour later trains exactly what `gradflow run <config>` would have.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { canonicalJson, expandCells, type Cell } from '../config/expand.js';
import { resolveConfig } from '../config/load.js';
import { formatPath, getAt, setAt } from '../config/paths.js';
import * as msg from '../messages.js';
import type { ResolvedConfig } from '../config/schema.js';

/** Config fields that name a file, relative to the config's folder. */
const FILE_FIELDS = [['data', 'path'], ['model', 'initFrom']] as const;

export interface PinnedConfig {
  readonly name: string;
  /** The file's text: the resolved config as indented JSON, ending in a newline. */
  readonly text: string;
  /** sha256 (hex) of `text` as UTF-8 bytes, what `sha256sum` prints. */
  readonly sha256: string;
  /** Number of cells of the experiment. */
  readonly cells: number;
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A copy of the config object `obj` with relative file fields made absolute against `baseDir`. */
export function absoluteFiles(obj: Readonly<Record<string, unknown>>, baseDir: string): Record<string, unknown> {
  let out: Record<string, unknown> = { ...obj };
  for (const segs of FILE_FIELDS) {
    const v = getAt(out, segs);
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) {
      const r = setAt(out, [...segs], resolve(baseDir, v));
      if (r.ok) out = r.value;
    }
  }
  return out;
}

/** A swept value with its file fields made absolute: the value is placed at its path, fixed, read back. */
function absoluteSweepValue(path: string, value: unknown, baseDir: string): unknown {
  const segs = path.split('.');
  const placed = setAt({}, segs, value);
  if (!placed.ok) return value;
  return getAt(absoluteFiles(placed.value, baseDir), segs);
}

/** Messages for the sweep values that hold a relative file path (`sweep["model.initFrom"][0]`). */
export function relativeSweptFiles(config: ResolvedConfig): string[] {
  const out: string[] = [];
  for (const [path, values] of Object.entries(config.sweep)) {
    values.forEach((v, i) => {
      if (canonicalJson(absoluteSweepValue(path, v, '/')) !== canonicalJson(v)) out.push(msg.submitRelativeSweptFile(formatPath(['sweep', path, i]), v));
    });
  }
  return out;
}

/** The object written to the pinned file: the resolved config, files absolute, `seeds` left out when unset. */
function pinnedObject(config: ResolvedConfig, baseDir: string): Record<string, unknown> {
  const { seeds, ...rest } = config;
  return { ...absoluteFiles(rest, baseDir), ...(seeds === null || seeds === undefined ? {} : { seeds }) };
}

/** A cell as compared between two expansions: its id and the hash of its config (as `configHash`). */
const cellKey = (c: Cell, config: unknown): string => `${c.id} ${sha256(canonicalJson(config))}`;

/**
 * Pins `config` (loaded from a file in `baseDir`; without relative paths in its sweep, see
 * `relativeSweptFiles`). Throws an Error when the pinned file would not give the same cells.
 */
export function pinConfig(config: ResolvedConfig, baseDir: string): PinnedConfig {
  const object = pinnedObject(config, baseDir);
  const text = JSON.stringify(object, null, 2) + '\n';
  const original = expandCells(config);
  const again = expandCells(resolveConfig(JSON.parse(text), 'pinned config'));
  const want = original.map((c) => cellKey(c, absoluteFiles(c.config, baseDir)));
  const got = again.map((c) => cellKey(c, c.config));
  if (want.length !== got.length || want.some((k, i) => k !== got[i])) {
    const i = want.findIndex((k, j) => k !== got[j]);
    throw new Error(`gradflow submit: the pinned config of ${config.name} does not give the same cells (first difference at cell ${i}: ${original[i]?.id ?? '-'} vs ${again[i]?.id ?? '-'})`);
  }
  return { name: config.name, text, sha256: sha256(text), cells: original.length };
}
