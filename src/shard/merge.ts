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
 * not already in place, then writes `DIR/<name>/index.json`, `sweep-summary.json` and (unless
 * `reports` is off) the sweep report.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { RunIndex, RunStatus } from '../metrics/types.js';
import * as msg from '../messages.js';
import { writeJsonAtomic } from '../train/io.js';
import { writeSweepSummary } from './aggregate.js';
import { asRunIndex, asShardIndex, type ShardIndex } from './plan.js';
import { cellState, clearCellFiles } from './resume.js';
import { SHARD_INDEX_FILE } from './spec.js';

export class MergeInputError extends Error {
  override readonly name = 'MergeInputError';
  constructor(readonly messages: readonly string[]) {
    super(messages.join('\n'));
  }
}

export interface MergeOptions {
  /** Results folder: each experiment goes to `<out>/<name>`. */
  readonly out: string;
  /** Write the sweep report.html (off in tests that only need numbers). */
  readonly reports: boolean;
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

function indexFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f === 'index.json' || SHARD_INDEX_FILE.test(f)).sort();
  } catch {
    return [];
  }
}

function readJsonFile(file: string, errors: string[]): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    errors.push(msg.mergeBadIndex(show(file), err instanceof Error ? err.message : String(err)));
    return undefined;
  }
}

function readExperimentFolder(dir: string, errors: string[]): ExperimentFolder | null {
  const shardFiles: { file: string; index: ShardIndex }[] = [];
  let runIndex: ExperimentFolder['runIndex'] = null;
  const names = new Set<string>();
  for (const f of indexFiles(dir)) {
    const file = join(dir, f);
    const parsed = readJsonFile(file, errors);
    if (parsed === undefined) continue;
    if (f === 'index.json') {
      const index = asRunIndex(parsed);
      if (index === null) errors.push(msg.mergeBadIndex(show(file), 'expected {"experiment", "cells": [{"id", "overrides", ...}]}'));
      else {
        runIndex = { file, index };
        names.add(index.experiment);
      }
    } else {
      const index = asShardIndex(parsed);
      if (index === null) errors.push(msg.mergeBadIndex(show(file), 'expected {"experiment", "shard", "cells", "plan": [{"id", "overrides", "configHash", "shard"}]}'));
      else {
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
  return { dir, real: realpathSync(dir), name: [...names][0], shardFiles, runIndex };
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
      errors.push(msg.mergeNotAFolder(folder));
      continue;
    }
    if (indexFiles(dir).length > 0) {
      add(readExperimentFolder(dir, errors));
      continue;
    }
    const subs = readdirSync(dir).sort().map((f) => join(dir, f)).filter((p) => isDir(p) && indexFiles(p).length > 0);
    if (subs.length === 0) errors.push(msg.mergeNothingFound(folder));
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
  return indexes[0].index.cells.map((c) => ({ id: c.id, overrides: c.overrides ?? {}, hash: null, shard: null }));
}

/** Cell folders of an experiment folder: subfolders holding config.json or summary.json. */
function cellFolders(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .filter((f) => isDir(join(dir, f)) && (existsSync(join(dir, f, 'config.json')) || existsSync(join(dir, f, 'summary.json'))));
}

interface MergePlan {
  readonly name: string;
  readonly dest: string;
  readonly sources: number;
  readonly cells: readonly { readonly cell: PlannedCell; readonly dir: string; readonly status: RunStatus; readonly seed: number | null }[];
}

/** Copies the files of cell folder `from` into `to` (cell folders are flat), replacing an older run there. */
function copyCell(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  clearCellFiles(to);
  for (const f of readdirSync(from)) {
    const src = join(from, f);
    if (f.endsWith('.tmp') || !statSync(src).isFile()) continue;
    copyFileSync(src, join(to, f));
  }
}

function seedOf(dir: string): number | null {
  try {
    const c: unknown = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const seed = typeof c === 'object' && c !== null ? (c as { seed?: unknown }).seed : undefined;
    return typeof seed === 'number' ? seed : null;
  } catch {
    return null;
  }
}

/**
 * Merges the experiments found in `folders` into `opts.out`. Resolves to 0 when every
 * experiment was complete and written, 1 when a cell was missing, duplicated or unfinished
 * (nothing written); throws MergeInputError on unreadable input (exit 2).
 */
export async function mergeShards(folders: readonly string[], opts: MergeOptions): Promise<0 | 1> {
  const found = findExperimentFolders(folders);
  const byName = new Map<string, ExperimentFolder[]>();
  for (const f of found) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);

  const plans: MergePlan[] = [];
  let complete = true;
  for (const [name, expFolders] of byName) {
    const plan = planOf(name, expFolders);
    const planned = new Set(plan.map((c) => c.id));
    const where = new Map<string, string[]>();
    for (const f of expFolders) {
      for (const id of cellFolders(f.dir)) {
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
  if (!complete) return 1;

  for (const p of plans) {
    mkdirSync(p.dest, { recursive: true });
    const destReal = realpathSync(p.dest);
    for (const c of p.cells) {
      const target = join(destReal, c.cell.id);
      if (existsSync(target) && realpathSync(c.dir) === realpathSync(target)) continue;
      copyCell(c.dir, target);
    }
    const index: RunIndex = {
      experiment: p.name,
      cells: p.cells.map((c) => ({ id: c.cell.id, path: c.cell.id, overrides: c.cell.overrides, status: c.status })),
    };
    writeJsonAtomic(join(p.dest, 'index.json'), index);
    const summaryFile = writeSweepSummary(p.dest, p.name, p.cells.map((c) => ({ id: c.cell.id, overrides: c.cell.overrides, status: c.status, seed: c.seed })));
    if (!opts.quiet) opts.log(msg.merged(p.name, p.cells.length, p.sources, show(p.dest)));
    if (!opts.quiet) opts.log(show(summaryFile));
    if (opts.reports) {
      try {
        const { writeSweepReport } = await import('../report/index.js');
        const file = await writeSweepReport(p.dest);
        if (!opts.quiet) opts.log(show(file));
      } catch (err) {
        opts.warn(msg.reportFailed(show(p.dest), err));
      }
    }
  }
  return 0;
}
