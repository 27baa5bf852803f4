/**
 * What a results folder holds right now, read from disk on every request, for the live pages:
 *
 *   experiment folder  holds index.json and/or index.shard-I-of-N.json (or cell folders): its
 *                      cells with status and progress, all shards of a shared folder in one list
 *   cell folder        holds config.json, metrics.ndjson or summary.json
 *   other folder       lists the experiment and cell folders below it
 *
 * A cell's status is the newer of two sources: its summary.json (written when the cell ends) and
 * the index file of the run that owns it (rewritten as cells start and end; a shard's at most once
 * a second, so a cell it calls pending whose metrics.ndjson is newer than the index is running).
 * A running cell whose run no longer holds its lock file on this host (killed with -9) is shown
 * as `stopped`. Progress is the step of the last record in
 * metrics.ndjson (TailCache: only the appended bytes are read) over the config's `train.steps`,
 * or the epoch over `train.epochs`.
 */
import { readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { toRunIndex, toShardIndex } from '../results/read-index.js';
import { SHARD_INDEX_FILE } from '../results/layout.js';
import { readJson as readRunJson } from '../results/read.js';
import type { TailCache } from './tail.js';

export type CellStatus = 'pending' | 'running' | 'stopped' | 'ok' | 'diverged' | 'interrupted' | 'failed';

export interface CellView {
  readonly id: string;
  /** The cell folder, relative to the watched root, '/'-separated. */
  readonly path: string;
  readonly status: CellStatus;
  /** `2/4` when the cell belongs to a shard. */
  readonly shard: string | null;
  readonly step: number | null;
  readonly steps: number | null;
  /** Share done, 0..1 (1 for a cell that ended ok or diverged), or null when unknown. */
  readonly progress: number | null;
  readonly loss: number | null;
  /** The cell's report.html exists. */
  readonly report: boolean;
}

export interface ExperimentView {
  readonly kind: 'experiment';
  readonly name: string;
  readonly path: string;
  readonly cells: readonly CellView[];
  /** Shards seen in the folder's index files, `I/N`, in order. */
  readonly shards: readonly string[];
  /** The experiment's report.html exists (written by an unsharded run or by merge). */
  readonly report: boolean;
}

export interface FolderView {
  readonly kind: 'folder';
  readonly path: string;
  readonly entries: readonly { readonly name: string; readonly path: string; readonly kind: 'experiment' | 'cell' }[];
}

export type FolderKind = 'experiment' | 'cell' | 'folder';

const FINAL: readonly string[] = ['ok', 'diverged', 'interrupted', 'failed'];
const INDEX_STATUSES: readonly string[] = ['pending', 'running', ...FINAL];

/** A run file's JSON through the bounded reader of src/results (regular files, size and depth limits); undefined when unusable. */
function readJson(path: string): unknown {
  try {
    return readRunJson(path);
  } catch {
    return undefined;
  }
}

function mtime(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** A cell id that names a folder right below its experiment folder (index files are read, not trusted). */
const safeId = (id: string): boolean => id !== '' && !/[/\\\0]/.test(id) && !id.startsWith('.');

const CELL_FILES = ['config.json', 'metrics.ndjson', 'summary.json'];
const isIndexFile = (f: string): boolean => f === 'index.json' || SHARD_INDEX_FILE.test(f);

export function isCellFolder(dir: string): boolean {
  const files = list(dir);
  return CELL_FILES.some((f) => files.includes(f)) && !files.some(isIndexFile);
}

export function kindOf(dir: string): FolderKind {
  const files = list(dir);
  if (files.some(isIndexFile)) return 'experiment';
  if (CELL_FILES.some((f) => files.includes(f))) return 'cell';
  if (files.some((f) => !f.startsWith('.') && isCellFolder(join(dir, f)))) return 'experiment';
  return 'folder';
}

/** `a/b` of `dir` below `root` ('' for the root itself). */
export function relPath(root: string, dir: string): string {
  return relative(root, dir).split(sep).filter(Boolean).join('/');
}

/** Whether the run that wrote `lockFile` still holds it: the file exists and names a live process (or another host's). */
function lockHeld(lockFile: string): boolean {
  const v = readJson(lockFile) as { pid?: unknown; host?: unknown } | undefined;
  if (v === undefined || typeof v.pid !== 'number') return false;
  if (v.host !== hostname()) return true;
  try {
    process.kill(v.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface IndexEntry {
  readonly status: string;
  /** mtime of the index file that said it. */
  readonly at: number;
  readonly shard: string | null;
  readonly lock: string;
}

interface Listing {
  readonly name: string;
  /** Cell ids in the order of the run (index.json, else the shard plans), then any other cell folders. */
  readonly order: string[];
  readonly entries: Map<string, IndexEntry>;
  readonly shardOf: Map<string, string>;
  readonly shards: string[];
}

/** The index files of an experiment folder, merged: every cell, the shard it belongs to, its status as last written. */
function readListing(dir: string): Listing {
  const files = list(dir).filter(isIndexFile).sort();
  const order: string[] = [];
  const seen = new Set<string>();
  const add = (id: string): void => {
    if (safeId(id) && !seen.has(id)) {
      seen.add(id);
      order.push(id);
    }
  };
  const entries = new Map<string, IndexEntry>();
  const shardOf = new Map<string, string>();
  const shards: string[] = [];
  let name = basename(dir);
  const note = (id: string, status: unknown, at: number, shard: string | null, lock: string): void => {
    if (typeof status !== 'string' || !INDEX_STATUSES.includes(status) || !safeId(id)) return;
    const prev = entries.get(id);
    if (prev === undefined || at >= prev.at) entries.set(id, { status, at, shard, lock });
  };
  for (const f of files) {
    const file = join(dir, f);
    const parsed = readJson(file);
    const at = mtime(file) ?? 0;
    if (f === 'index.json') {
      const index = toRunIndex(parsed);
      if (index === null) continue;
      name = index.experiment;
      for (const c of index.cells) {
        add(c.id);
        note(c.id, c.status, at, null, join(dir, '.lock'));
      }
    } else {
      const index = toShardIndex(parsed);
      if (index === null) continue;
      name = index.experiment;
      const label = `${index.shard.index}/${index.shard.count}`;
      shards.push(label);
      for (const p of index.plan) {
        add(p.id);
        shardOf.set(p.id, `${p.shard}/${index.shard.count}`);
      }
      const lock = join(dir, `.shard-${index.shard.index}-of-${index.shard.count}.lock`);
      for (const c of index.cells) note(c.id, c.status, at, label, lock);
    }
  }
  for (const f of list(dir).sort()) if (!f.startsWith('.') && !seen.has(f) && isCellFolder(join(dir, f))) add(f);
  shards.sort((a, b) => Number(a.split('/')[1]) - Number(b.split('/')[1]) || Number(a.split('/')[0]) - Number(b.split('/')[0]));
  return { name, order, entries, shardOf, shards };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function cellView(root: string, expDir: string, id: string, listing: Listing, tails: TailCache): CellView {
  const dir = join(expDir, id);
  const summaryFile = join(dir, 'summary.json');
  const summaryAt = mtime(summaryFile);
  const summary = summaryAt === null ? undefined : (readJson(summaryFile) as { status?: unknown; steps?: unknown } | undefined);
  const summaryStatus = typeof summary?.status === 'string' && FINAL.includes(summary.status) ? summary.status : null;
  const entry = listing.entries.get(id);
  const metricsAt = mtime(join(dir, 'metrics.ndjson'));
  let status: string;
  if (summaryStatus !== null && (entry === undefined || summaryAt! >= entry.at)) status = summaryStatus;
  else if (entry === undefined) status = metricsAt === null ? 'pending' : 'running';
  // A shard rewrites its index at most once a second: a cell it still calls pending has started
  // when its metrics were written after that index.
  else if (entry.status === 'pending' && metricsAt !== null && metricsAt >= entry.at) status = 'running';
  else status = entry.status;
  if (status === 'running' && entry !== undefined && !lockHeld(entry.lock)) status = 'stopped';

  const config = readJson(join(dir, 'config.json')) as { train?: { steps?: unknown; epochs?: unknown } } | undefined;
  const last = tails.last(join(dir, 'metrics.ndjson')) as { step?: unknown; epoch?: unknown; loss?: unknown } | null;
  const steps = num(config?.train?.steps);
  const epochs = num(config?.train?.epochs);
  const step = num(last?.step);
  let progress: number | null = null;
  if (status === 'ok' || status === 'diverged') progress = 1;
  else if (step !== null && steps !== null) progress = steps > 0 ? Math.min(1, step / steps) : 1;
  else if (num(last?.epoch) !== null && epochs !== null && epochs > 0) progress = Math.min(1, num(last?.epoch)! / epochs);
  else if (status === 'pending') progress = 0;
  return {
    id,
    path: relPath(root, dir),
    status: status as CellStatus,
    shard: listing.shardOf.get(id) ?? entry?.shard ?? null,
    step,
    steps,
    progress,
    loss: num(last?.loss),
    report: mtime(join(dir, 'report.html')) !== null,
  };
}

/** The experiment folder `dir` (below `root`) as the live page shows it. */
export function experimentView(root: string, dir: string, tails: TailCache): ExperimentView {
  const listing = readListing(dir);
  return {
    kind: 'experiment',
    name: listing.name,
    path: relPath(root, dir),
    cells: listing.order.map((id) => cellView(root, dir, id, listing, tails)),
    shards: listing.shards,
    report: mtime(join(dir, 'report.html')) !== null,
  };
}

/** The experiment name of folder `dir`, from its index files (its folder name when it has none). */
export function experimentName(dir: string): string {
  return readListing(dir).name;
}

/** One cell folder `dir` as its experiment folder (the parent) sees it. */
export function singleCellView(root: string, dir: string, tails: TailCache): CellView {
  const parent = join(dir, '..');
  const listing = readListing(parent);
  return cellView(root, parent, basename(dir), listing, tails);
}

/** The experiment and cell folders directly below `dir`, by name. */
export function folderView(root: string, dir: string): FolderView {
  const entries: { name: string; path: string; kind: 'experiment' | 'cell' }[] = [];
  for (const name of list(dir).sort()) {
    const sub = join(dir, name);
    if (name.startsWith('.') || !isDir(sub)) continue;
    const kind = kindOf(sub);
    if (kind !== 'folder') entries.push({ name, path: relPath(root, sub), kind });
  }
  return { kind: 'folder', path: relPath(root, dir), entries };
}
