/**
 * Sweeps and seeds: a resolved config -> the cells a run trains. `sweep` maps config paths to
 * lists of values; the cells are their cartesian product (paths in sorted order, the first
 * path varying slowest, each list in the order written), each repeated over `seeds` (the
 * innermost loop). Every cell's config is validated like a file, and a bad value is reported
 * at its place in the sweep: `sweep["model.depth"][2]: -1 is not allowed: ...`.
 *
 * Cell ids are readable, stable and safe as folder names: `activation=tanh,depth=10,seed=1`,
 * one `key=value` per swept path in sorted path order (the key is the path's last segment, or
 * the whole path when two swept paths share it; registry values show their canonical name),
 * then `seed=S` when seeds are set; a config without sweep or seeds has the single cell `run`.
 */
import { createHash } from 'node:crypto';
import { resolveDataKind } from '../data/index.js';
import { resolveLossName } from '../net/losses.js';
import * as msg from '../messages.js';
import { ConfigError } from './errors.js';
import { sortMessages, type Located } from './issues.js';
import { formatPath, formatSegment, getAt, isPlainObject, knownPaths, setAt, type PathSeg } from './paths.js';
import { MAX_CELL_ID_LENGTH, MAX_CELLS, REF_FIELDS, type ResolvedConfig } from './schema.js';
import { nearest } from './suggest.js';
import { inputOf, register, validate } from './validate.js';

export interface Cell {
  /** `activation=tanh,depth=10`, `seed=2`, or `run`. */
  readonly id: string;
  /** Swept path -> the value as written in the sweep (and `seed` when seeds are set). */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** The resolved config of this cell alone: `sweep` is {}, `seeds` null, `seed` the cell's seed. */
  readonly config: ResolvedConfig;
}

/** Paths a sweep may not set: they name the experiment or the expansion itself. */
const FORBIDDEN = ['sweep', 'seeds', 'name', '$schema'];
/**
 * Config sections: sweeping one would replace the whole object and drop every key the cell does
 * not repeat (a `--set model.width` among them), so only paths inside them may be swept.
 */
const SECTIONS = ['data', 'model', 'train', 'metrics'];

const sweepLabel = (path: string): string => formatPath(['sweep', path]);

/**
 * Problems with the sweep's paths and size, before any cell is built; `sweep` and `seeds` as
 * resolved, or as written when the rest of the config is invalid (then lists only count).
 */
export function sweepStructureMessages(sweep: Readonly<Record<string, unknown>>, seeds: readonly unknown[] | null): Located[] {
  const out: Located[] = [];
  const paths = Object.keys(sweep).sort();
  const known = knownPaths();
  for (const path of paths) {
    const segs = ['sweep', path];
    const at = sweepLabel(path);
    const root = path.split('.')[0];
    if (FORBIDDEN.includes(root)) out.push({ segs, at, text: msg.sweepForbiddenPath(at, path) });
    else if (!known.includes(path)) out.push({ segs, at, text: msg.sweepUnknownPath(at, path, nearest(path, known)) });
    else if (SECTIONS.includes(path)) {
      const inside = known.filter((k) => k.startsWith(`${path}.`) && !k.slice(path.length + 1).includes('.'));
      out.push({ segs, at, text: msg.sweepSection(at, path, inside) });
    }
    else if (path === 'seed' && seeds !== null) out.push({ segs, at, text: msg.sweepSeedWithSeeds(at) });
    else {
      const outer = paths.find((p) => p !== path && path.startsWith(`${p}.`));
      if (outer !== undefined) out.push({ segs, at, text: msg.sweepOverlap(at, path, outer) });
    }
  }
  const size = (v: unknown): number => (Array.isArray(v) ? v.length : 1);
  // An empty (invalid, reported on its own) seed list must not hide a sweep that is too large.
  const factors = [...paths.map((p) => size(sweep[p])), ...(seeds && seeds.length > 0 ? [seeds.length] : [])];
  const count = factors.reduce((a, b) => a * b, 1);
  if (count > MAX_CELLS) out.push({ segs: ['sweep'], at: 'sweep', text: msg.sweepTooLarge(count, factors, MAX_CELLS) });
  return out;
}

/** The key of a swept path in a cell id: its last segment, or the whole path when that is ambiguous. */
function idKeys(paths: readonly string[]): string[] {
  const last = paths.map((p) => p.split('.').pop()!);
  return paths.map((p, i) => (last.filter((l) => l === last[i]).length > 1 ? p : last[i]));
}

const unsafe = /[^A-Za-z0-9._+-]/g;

/** A swept value in a cell id: registry values by canonical name (plus any parameters written), lists joined by "+". */
function valueLabel(path: string, value: unknown): string {
  const fam = REF_FIELDS.find((f) => f.path.join('.') === path)?.family;
  if (fam && (typeof value === 'string' || isPlainObject(value))) {
    const given = typeof value === 'string' ? { name: value } : value;
    const name = typeof given.name === 'string' ? fam.resolve(given.name) ?? given.name : 'unnamed';
    const extra = Object.keys(given).filter((k) => k !== 'name').sort();
    return [name, ...extra.map((k) => `${k}${valueLabel('', given[k])}`)].join('_');
  }
  if (typeof value === 'string') {
    if (path === 'data.kind') return resolveDataKind(value) ?? value;
    if (path === 'train.loss') return resolveLossName(value) ?? value;
    return value;
  }
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => valueLabel('', v)).join('+');
  if (isPlainObject(value)) {
    const named = value.name ?? value.kind;
    return typeof named === 'string' ? named : 'object';
  }
  return String(value);
}

/** Labels for one path's values, made distinct (and filesystem-safe) in order. */
function labelsFor(path: string, values: readonly unknown[]): string[] {
  const labels = values.map((v) => valueLabel(path, v).replace(unsafe, '_') || '_');
  return labels.map((l, i) => (labels.indexOf(l) !== labels.lastIndexOf(l) ? `${l}-${i}` : l));
}

/** Long ids keep their start and gain a hash of the whole, so they stay unique and under file-name limits. */
function capId(id: string): string {
  return id.length <= MAX_CELL_ID_LENGTH ? id : `${id.slice(0, MAX_CELL_ID_LENGTH - 10)}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

/** JSON with object keys sorted at every level: the same config gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * sha256 (hex) of the canonical JSON of a resolved config: equal configs, equal hashes, whatever
 * the key order. `model.threads` is left out: it changes the speed, never a byte of the results,
 * so a finished cell is not retrained for another thread count (and older hashes still match).
 */
export function configHash(config: ResolvedConfig): string {
  return configJsonHash(config);
}

/**
 * configHash of a config as JSON (a cell's config.json read back): `model.threads` is left out,
 * since it changes no byte of the results, so resume and merge compare a config written by a
 * run with the same hash as the config that planned it.
 */
export function configJsonHash(value: unknown): string {
  if (!isPlainObject(value) || !isPlainObject(value.model)) return jsonHash(value);
  const { threads: _threads, ...model } = value.model;
  return jsonHash({ ...value, model });
}

/** sha256 of the canonical JSON of any value (configHash of a config read back from disk). */
export function jsonHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

interface Plan {
  readonly errors: Located[];
  readonly cells: Cell[];
}

/** Every combination of indices into lists of the given lengths, the first varying slowest. */
function* product(lengths: readonly number[]): Generator<number[]> {
  const idx = lengths.map(() => 0);
  if (lengths.some((n) => n === 0)) return;
  for (;;) {
    yield [...idx];
    let k = lengths.length - 1;
    while (k >= 0 && ++idx[k] === lengths[k]) idx[k--] = 0;
    if (k < 0) return;
  }
}

const plans = new WeakMap<ResolvedConfig, Plan>();

/** The cells of `config` and the messages of a bad sweep, computed once per (frozen) config. */
function plan(config: ResolvedConfig): Plan {
  let p = plans.get(config);
  if (p === undefined) {
    p = buildPlan(config);
    for (const c of p.cells) Object.freeze(c);
    plans.set(config, p);
  }
  return p;
}

function buildPlan(config: ResolvedConfig): Plan {
  const errors = sweepStructureMessages(config.sweep, config.seeds);
  if (errors.length > 0) return { errors, cells: [] };
  const paths = Object.keys(config.sweep).sort();
  const seeds = config.seeds;
  if (paths.length === 0 && seeds === null) return { errors, cells: [{ id: 'run', overrides: {}, config }] };

  const input = inputOf(config);
  const base: Record<string, unknown> = isPlainObject(input) ? { ...input } : {};
  delete base.sweep;
  delete base.seeds;
  const keys = idKeys(paths);
  const labels = paths.map((p) => labelsFor(p, config.sweep[p]));
  const pathSegs = paths.map((p) => p.split('.'));

  const swept: Cell[] = [];
  // Per path: resolved value (canonical JSON) -> first index giving it; and whole configs -> cell id.
  const firstIndex = paths.map(() => new Map<string, number>());
  const repeats: Located[] = [];
  const twins: Located[] = [];
  const byHash = new Map<string, string>();
  for (const idx of product(paths.map((p) => config.sweep[p].length))) {
    const id = capId(paths.map((_, k) => `${keys[k]}=${labels[k][idx[k]]}`).join(','));
    const overrides: Record<string, unknown> = {};
    let cellInput = base;
    paths.forEach((p, k) => {
      const value = config.sweep[p][idx[k]];
      overrides[p] = value;
      const set = setAt(cellInput, pathSegs[k], value);
      // Paths are known and do not overlap, so only a non-object in the base can stop a write.
      if (set.ok) cellInput = set.value;
    });
    // A swept field's messages point into the sweep; any other message says which cell it is from.
    const owner = (segs: readonly PathSeg[]): number =>
      pathSegs.findIndex((ps) => ps.length <= segs.length && ps.every((s, i) => s === segs[i]));
    const label = (segs: readonly PathSeg[]): string => {
      const k = owner(segs);
      if (k < 0) return formatPath(segs);
      return `${sweepLabel(paths[k])}[${idx[k]}]${segs.slice(pathSegs[k].length).map(formatSegment).join('')}`;
    };
    const v = validate(cellInput, label);
    if (!v.ok) {
      for (const m of v.messages) errors.push(owner(m.segs) < 0 ? { ...m, text: msg.inCell(id, m.text) } : m);
      continue;
    }
    paths.forEach((p, k) => {
      const seen = firstIndex[k];
      const key = canonicalJson(getAt(v.config, pathSegs[k]));
      const first = seen.get(key);
      if (first === undefined) seen.set(key, idx[k]);
      else if (first !== idx[k] && !repeats.some((r) => r.at === `${sweepLabel(p)}[${idx[k]}]`)) {
        const at = `${sweepLabel(p)}[${idx[k]}]`;
        repeats.push({ segs: ['sweep', p, idx[k]], at, text: msg.sweepDuplicateValue(at, config.sweep[p][idx[k]], `${sweepLabel(p)}[${first}]`) });
      }
    });
    const hash = configHash(v.config);
    const twin = byHash.get(hash);
    if (twin !== undefined) twins.push({ segs: ['sweep'], at: 'sweep', text: msg.sweepDuplicateCells(twin, id) });
    else byHash.set(hash, id);
    swept.push({ id, overrides, config: register(v.config, cellInput) });
  }
  // Twins that a repeated value explains need no message of their own.
  errors.push(...(repeats.length > 0 ? repeats : twins));
  if (errors.length > 0 || seeds === null) return { errors, cells: swept };

  const cells: Cell[] = [];
  const units = paths.length === 0 ? [{ id: '', overrides: {}, config }] : swept;
  for (const unit of units) {
    for (const seed of seeds) {
      const cellInput: Record<string, unknown> = { ...(inputOf(unit.config) as Record<string, unknown>), seed };
      delete cellInput.seeds;
      delete cellInput.sweep;
      const config = register({ ...unit.config, seed, seeds: null, sweep: {} }, cellInput);
      cells.push({ id: unit.id === '' ? `seed=${seed}` : `${unit.id},seed=${seed}`, overrides: { ...unit.overrides, seed }, config });
    }
  }
  return { errors, cells };
}

/** Messages for a config whose sweep is malformed or has an invalid cell (none when all is well). */
export function sweepMessages(config: ResolvedConfig): Located[] {
  return sortMessages(plan(config).errors);
}

/**
 * The cells of a run, in a deterministic order (see the module comment). Throws `ConfigError`
 * when the sweep is invalid; a config from `resolveConfig` or `loadConfig` has already passed.
 */
export function expandCells(config: ResolvedConfig): Cell[] {
  const { errors, cells } = plan(config);
  if (errors.length > 0) throw new ConfigError(config.name, sortMessages(errors).map((m) => m.text));
  return [...cells];
}

export { checkAgainstData } from './check.js';
