/**
 * Is a cell already done? A cell folder holds a finished cell when its summary.json says `ok`
 * or `diverged` — both are outcomes of the config alone (a divergence is deterministic, so a
 * rerun would diverge at the same step) — and the sha256 of its config.json (canonical JSON,
 * `configHash`) equals the hash of the cell's resolved config now. `interrupted` and `failed`
 * cells, folders without a summary, and cells whose config changed are trained again.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { configHash } from '../config/expand.js';
import type { ResolvedConfig } from '../config/schema.js';
import type { RunStatus, Summary } from '../metrics/types.js';

/** Statuses that end a cell for good. */
export const FINISHED: readonly RunStatus[] = ['ok', 'diverged'];

export type CellState =
  | { readonly kind: 'finished'; readonly status: RunStatus; readonly summary: Summary }
  /** No summary.json (never started, or still running, or killed). */
  | { readonly kind: 'absent' }
  /** summary.json says interrupted or failed, or cannot be read. */
  | { readonly kind: 'unfinished'; readonly status: string }
  /** Finished, but with another config (hash of config.json differs, or config.json is missing). */
  | { readonly kind: 'changed'; readonly status: RunStatus; readonly hash: string | null };

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The hash of a cell folder's config.json, or null when it is missing or not JSON. */
export function cellConfigHash(dir: string): string | null {
  const config = readJson(join(dir, 'config.json'));
  return config === undefined ? null : configHash(config as ResolvedConfig);
}

/**
 * The state of the cell folder `dir` for a cell whose resolved config hashes to `hash`
 * (null: any config will do, when no hash is known).
 */
export function cellState(dir: string, hash: string | null): CellState {
  const path = join(dir, 'summary.json');
  if (!existsSync(path)) return { kind: 'absent' };
  const summary = readJson(path);
  const status = typeof summary === 'object' && summary !== null ? (summary as { status?: unknown }).status : undefined;
  if (typeof status !== 'string' || !FINISHED.includes(status as RunStatus)) {
    return { kind: 'unfinished', status: typeof status === 'string' ? status : 'unreadable' };
  }
  if (hash !== null) {
    const found = cellConfigHash(dir);
    if (found !== hash) return { kind: 'changed', status: status as RunStatus, hash: found };
  }
  return { kind: 'finished', status: status as RunStatus, summary: summary as Summary };
}

/** The files gradflow writes into a cell folder (and its temporary files). */
const CELL_FILE = /^(config\.json|metrics\.ndjson|histograms\.ndjson|summary\.json|report\.html|weights-step[0-9]+\.safetensors|\..+\.tmp)$/;

/** Whether `name` is a file gradflow writes into a cell folder. */
export function isCellFile(name: string): boolean {
  return CELL_FILE.test(name);
}

/**
 * Removes the files an earlier run of a cell left in `dir` (only the ones gradflow writes), so
 * that a rerun does not leave a stale histograms.ndjson, weights file or summary behind.
 */
export function clearCellFiles(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (isCellFile(name)) rmSync(join(dir, name), { force: true });
  }
}
