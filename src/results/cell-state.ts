/**
 * Is a cell already done? A cell folder holds a finished cell when its summary.json says `ok`
 * or `diverged` — both are outcomes of the config alone (a divergence is deterministic, so a
 * rerun would diverge at the same step) — and the sha256 of its config.json (canonical JSON,
 * `configHash`) equals the hash of the cell's resolved config now. `interrupted` and `failed`
 * cells, folders without a summary, and cells whose config changed are trained again.
 * `gradflow run --resume` skips finished cells; `gradflow merge` accepts only finished ones.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonHash } from '../config/expand.js';
import { isCellFile } from './layout.js';
import { orNull, readConfig } from './read.js';
import { readSummary } from './read-summary.js';
import { FINISHED_STATUSES, type RunStatus, type Summary } from './types.js';

export type CellState =
  | { readonly kind: 'finished'; readonly status: RunStatus; readonly summary: Summary }
  /** No summary.json (never started, or still running, or killed). */
  | { readonly kind: 'absent' }
  /** summary.json says interrupted or failed (`status`), or cannot be read (`unreadable`). */
  | { readonly kind: 'unfinished'; readonly status: string }
  /** Finished, but with another config (hash of config.json differs, or config.json is missing). */
  | { readonly kind: 'changed'; readonly status: RunStatus; readonly hash: string | null };

/** The hash of a cell folder's config.json, or null when it is missing or not a JSON object. */
export function cellConfigHash(dir: string): string | null {
  const config = orNull(() => readConfig(dir));
  return config === null ? null : configJsonHash(config);
}

/**
 * The state of the cell folder `dir` for a cell whose resolved config hashes to `hash`
 * (null: any config will do, when no hash is known).
 */
export function cellState(dir: string, hash: string | null): CellState {
  let summary: Summary | null;
  try {
    summary = readSummary(dir);
  } catch {
    return { kind: 'unfinished', status: 'unreadable' };
  }
  if (summary === null) return { kind: 'absent' };
  if (!FINISHED_STATUSES.includes(summary.status)) return { kind: 'unfinished', status: summary.status };
  if (hash !== null) {
    const found = cellConfigHash(dir);
    if (found !== hash) return { kind: 'changed', status: summary.status, hash: found };
  }
  return { kind: 'finished', status: summary.status, summary };
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
