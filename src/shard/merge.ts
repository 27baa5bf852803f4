/**
 * `gradflow merge <folder...> --out DIR`: puts the outputs of a sharded run back together.
 *
 * Each folder is an experiment folder — one that holds `index.json` or `index.shard-I-of-N.json`
 * next to its cell folders (`<out>/<name>` of a run) — or a folder whose subfolders are
 * experiment folders (the `--out` of a run, or a downloaded CI artifact). Experiment folders are
 * grouped by the experiment name in their index files; each experiment is merged into
 * `DIR/<name>`, which may be one of the inputs (merging a shared volume in place copies nothing).
 *
 * The plan, the list of cells the experiment must have, comes from the shard index files (all of
 * them must list the same cells with the same config hashes; their shard counts may differ), or
 * from index.json when there are none. A cell folder is a subfolder holding config.json or
 * summary.json. Every planned cell must be found in exactly one folder and be finished there
 * (summary.json `ok` or `diverged`, config.json hashing as planned). If one is missing,
 * duplicated, unfinished or of another config, merge names each and writes nothing (exit 1);
 * unreadable input is exit 2 (`MergeInputError`). Otherwise it copies the cell folders that are
 * not already in place, then writes `DIR/<name>/index.json` and `sweep-summary.json`, and
 * returns the experiment folders it wrote (the CLI renders their sweep reports).
 */
import { copyFileSync, existsSync, lstatSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as msg from '../messages.js';
import { cellState, clearCellFiles } from '../results/cell-state.js';
import { CONFIG_FILE, INDEX_FILE, isCellFile, isTempFile, SHARD_INDEX_FILE, SUMMARY_FILE } from '../results/layout.js';
import { outputProblem } from '../results/place.js';
import { readIndexFile, readShardIndex } from '../results/read-index.js';
import { finite, orNull, readConfig, ResultsFileError } from '../results/read.js';
import { writeSweepSummary } from '../results/sweep.js';
import type { RunIndex, RunStatus, ShardIndex } from '../results/types.js';
import { makeDir, outputError, writeJsonAtomic } from '../results/write.js';

export class MergeInputError extends Error {
  override readonly name = 'MergeInputError';
  constructor(readonly messages: readonly string[]) {
    super(messages.join('\n'));
  }
}

export interface MergeOptions {
  /** Results folder: each experiment goes to `<out>/<name>`. */
  readonly out: string;
  readonly quiet: boolean;
  readonly log: (line: string) => void;
  /** Problems with the cells (missing, duplicate, ...), printed whatever `quiet` says. */
  readonly warn: (line: string) => void;
}

interface ExperimentFolder {
  readonly dir: string;
  readonly real: string;
  readonly name: string;
  readonly shardFiles: readonly { readonly file: string; readonly index: ShardIndex }[];
  readonly runIndex: { readonly file: string; readonly index: RunIndex } | null;
}

interface PlannedCell {
  readonly id: string;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly hash: string | null;
  readonly shard: { readonly index: number; readonly count: number } | null;
}

const show = (p: string): string => relative(process.cwd(), p) || '.';

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The names in folder `dir`, sorted; a folder that cannot be read adds its message to `errors`. */
function list(dir: string, errors: string[]): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (err) {
    errors.push(msg.mergeUnreadable(show(dir), (err as NodeJS.ErrnoException).code ?? String(err)));
    return [];
  }
}

/** The error code of stat on `p`, or null when it succeeds. */
function statCode(p: string): string | null {
  try {
    statSync(p);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

function indexFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f === INDEX_FILE || SHARD_INDEX_FILE.test(f)).sort();
  } catch {
    return [];
  }
}

/** Reads an index file with `read`; a file that cannot be used is added to `errors`. */
function readIndex<T>(file: string, read: (file: string) => T | null, errors: string[]): T | null {
  try {
    return read(file);
  } catch (err) {
    if (!(err instanceof ResultsFileError)) throw err;
    errors.push(msg.mergeBadIndex(show(file), err.reason));
    return null;
  }
}

function readExperimentFolder(dir: string, errors: string[]): ExperimentFolder | null {
  const shardFiles: { file: string; index: ShardIndex }[] = [];
  let runIndex: ExperimentFolder['runIndex'] = null;
  const names = new Set<string>();
  for (const f of indexFiles(dir)) {
    const file = join(dir, f);
    if (f === INDEX_FILE) {
      const index = readIndex(file, readIndexFile, errors);
      if (index !== null) {
        runIndex = { file, index };
        names.add(index.experiment);
      }
    } else {
      const index = readIndex(file, readShardIndex, errors);
      if (index !== null) {
        shardFiles.push({ file, index });
        names.add(index.experiment);
      }
    }
  }
  if (names.size > 1) {
    errors.push(msg.mergeBadIndex(show(dir), `its index files name different experiments: ${[...names].join(', ')}`));
    return null;
  }
  if (names.size === 0) return null;
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (err) {
    errors.push(msg.mergeUnreadable(show(dir), (err as NodeJS.ErrnoException).code ?? String(err)));
    return null;
  }
  return { dir, real, name: [...names][0], shardFiles, runIndex };
}

/** The experiment folders named by `folders` (see the module comment); throws MergeInputError. */
export function findExperimentFolders(folders: readonly string[]): ExperimentFolder[] {
  const errors: string[] = [];
  const out: ExperimentFolder[] = [];
  const seen = new Set<string>();
  const add = (e: ExperimentFolder | null): void => {
    if (e && !seen.has(e.real)) {
      seen.add(e.real);
      out.push(e);
    }
  };
  for (const folder of folders) {
    const dir = resolve(folder);
    if (!isDir(dir)) {
      const code = statCode(dir);
      errors.push(code === null || code === 'ENOENT' || code === 'ENOTDIR' ? msg.mergeNotAFolder(folder) : msg.mergeUnreadable(folder, code));
      continue;
    }
    if (indexFiles(dir).length > 0) {
      add(readExperimentFolder(dir, errors));
      continue;
    }
    const before = errors.length;
    const subs = list(dir, errors).map((f) => join(dir, f)).filter((p) => isDir(p) && indexFiles(p).length > 0);
    if (subs.length === 0 && errors.length === before) errors.push(msg.mergeNothingFound(folder));
    for (const sub of subs) add(readExperimentFolder(sub, errors));
  }
  if (errors.length > 0) throw new MergeInputError(errors);
  return out;
}

/** The planned cells of one experiment from its folders' index files; throws MergeInputError. */
function planOf(name: string, folders: readonly ExperimentFolder[]): PlannedCell[] {
  const shardFiles = folders.flatMap((f) => f.shardFiles);
  if (shardFiles.length > 0) {
    const key = (s: ShardIndex): string => JSON.stringify(s.plan.map((e) => [e.id, e.configHash]));
    const first = shardFiles[0];
    const other = shardFiles.find((s) => key(s.index) !== key(first.index));
    if (other) throw new MergeInputError([msg.mergePlansDisagree(name, show(first.file), show(other.file))]);
    const count = first.index.shard.count;
    return first.index.plan.map((e) => ({ id: e.id, overrides: e.overrides, hash: e.configHash, shard: { index: e.shard, count } }));
  }
  const indexes = folders.map((f) => f.runIndex).filter((r): r is NonNullable<typeof r> => r !== null);
  const key = (r: RunIndex): string => JSON.stringify(r.cells.map((c) => c.id));
  const other = indexes.find((r) => key(r.index) !== key(indexes[0].index));
  if (other) throw new MergeInputError([msg.mergePlansDisagree(name, show(indexes[0].file), show(other.file))]);
  return indexes[0].index.cells.map((c) => ({ id: c.id, overrides: c.overrides, hash: null, shard: null }));
}

/** Cell folders of an experiment folder: subfolders holding config.json or summary.json. */
function cellFolders(dir: string, errors: string[]): string[] {
  return list(dir, errors)
    .filter((f) => isDir(join(dir, f)) && (existsSync(join(dir, f, CONFIG_FILE)) || existsSync(join(dir, f, SUMMARY_FILE))));
}

interface MergePlan {
  readonly name: string;
  readonly dest: string;
  readonly sources: number;
  readonly cells: readonly { readonly cell: PlannedCell; readonly dir: string; readonly status: RunStatus; readonly seed: number | null }[];
}

/**
 * Copies the files gradflow writes into a cell folder from `from` into `to` (cell folders are
 * flat), replacing an older run there: regular files only, so a symbolic link in a shard's
 * folder cannot make merge copy a file from elsewhere. Throws OutputError.
 */
function copyCell(from: string, to: string): void {
  makeDir(to);
  let target = to;
  try {
    clearCellFiles(to);
    for (const f of readdirSync(from)) {
      const src = join(from, f);
      if (!isCellFile(f) || isTempFile(f) || !lstatSync(src).isFile()) continue;
      target = join(to, f);
      copyFileSync(src, target);
    }
  } catch (err) {
    throw outputError(target, err);
  }
}

/** The seed in a cell folder's config.json, or null. */
function seedOf(dir: string): number | null {
  return finite(orNull(() => readConfig(dir))?.seed);
}

/**
 * Copies the cells of `p` into place and writes its index.json and sweep-summary.json. When a
 * write fails (OutputError), the cell folders this merge created are removed again, so a full
 * disk is left with what it held before plus, at most, cleared cell folders of an older merge.
 */
function writeMerged(p: MergePlan, opts: MergeOptions): void {
  const created: string[] = [];
  try {
    const made = !existsSync(p.dest);
    makeDir(p.dest);
    if (made) created.push(p.dest);
    const destReal = realpathSync(p.dest);
    for (const c of p.cells) {
      const target = join(destReal, c.cell.id);
      if (existsSync(target) && realpathSync(c.dir) === realpathSync(target)) continue;
      if (!existsSync(target)) created.push(target);
      copyCell(c.dir, target);
    }
    const index: RunIndex = {
      experiment: p.name,
      cells: p.cells.map((c) => ({ id: c.cell.id, path: c.cell.id, overrides: c.cell.overrides, status: c.status })),
    };
    writeJsonAtomic(join(p.dest, INDEX_FILE), index);
    const summaryFile = writeSweepSummary(p.dest, p.name, p.cells.map((c) => ({ id: c.cell.id, overrides: c.cell.overrides, status: c.status, seed: c.seed })));
    if (!opts.quiet) opts.log(msg.merged(p.name, p.cells.length, p.sources, show(p.dest)));
    if (!opts.quiet) opts.log(show(summaryFile));
  } catch (err) {
    for (const dir of created.reverse()) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** What merge did: complete (every experiment written) or not (nothing written), and the folders written. */
export interface MergeResult {
  readonly complete: boolean;
  /** `<out>/<name>` of each merged experiment. */
  readonly experiments: readonly string[];
}

/**
 * Merges the experiments found in `folders` into `opts.out`. `complete` is false, and nothing
 * is written, when a cell was missing, duplicated or unfinished; throws MergeInputError on
 * unreadable input or an `--out` that cannot be written (exit 2, nothing written), and
 * OutputError when a write fails after all (exit 1).
 */
export function mergeShards(folders: readonly string[], opts: MergeOptions): MergeResult {
  const found = findExperimentFolders(folders);
  const byName = new Map<string, ExperimentFolder[]>();
  for (const f of found) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);

  const plans: MergePlan[] = [];
  const unreadable: string[] = [];
  let complete = true;
  for (const [name, expFolders] of byName) {
    const plan = planOf(name, expFolders);
    const planned = new Set(plan.map((c) => c.id));
    const where = new Map<string, string[]>();
    for (const f of expFolders) {
      for (const id of cellFolders(f.dir, unreadable)) {
        const dir = join(f.dir, id);
        if (!planned.has(id)) {
          if (!opts.quiet) opts.log(msg.mergeExtra(name, id, show(dir)));
          continue;
        }
        where.set(id, [...(where.get(id) ?? []), dir]);
      }
    }
    const problems: string[] = [];
    const cells: MergePlan['cells'][number][] = [];
    for (const cell of plan) {
      const dirs = where.get(cell.id) ?? [];
      if (dirs.length === 0) {
        problems.push(msg.mergeMissing(name, cell.id, cell.shard));
        continue;
      }
      if (dirs.length > 1) {
        problems.push(msg.mergeDuplicate(name, cell.id, dirs.map(show)));
        continue;
      }
      const state = cellState(dirs[0], cell.hash);
      if (state.kind === 'absent' || state.kind === 'unfinished') {
        problems.push(msg.mergeUnfinished(name, cell.id, state.kind === 'absent' ? 'no summary.json' : state.status, show(dirs[0])));
      } else if (state.kind === 'changed') {
        problems.push(msg.mergeChanged(name, cell.id, show(dirs[0])));
      } else {
        cells.push({ cell, dir: dirs[0], status: state.status, seed: seedOf(dirs[0]) });
      }
    }
    if (problems.length > 0) {
      for (const p of problems) opts.warn(p);
      opts.warn(msg.mergeIncomplete(name, problems.length, plan.length));
      complete = false;
      continue;
    }
    plans.push({ name, dest: resolve(opts.out, name), sources: expFolders.length, cells });
  }
  if (unreadable.length > 0) throw new MergeInputError(unreadable);
  if (!complete) return { complete, experiments: [] };
  const places = plans.map((p) => outputProblem(opts.out, p.dest)).filter((m): m is string => m !== null);
  if (places.length > 0) throw new MergeInputError([...new Set(places)]);

  for (const p of plans) writeMerged(p, opts);
  return { complete, experiments: plans.map((p) => p.dest) };
}
