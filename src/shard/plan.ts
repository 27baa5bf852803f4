/**
 * What a shard writes instead of index.json: `<out>/<name>/index.shard-I-of-N.json`, holding
 * this shard's cells (the RunIndex shape, so tools that read index.json can read it) and the
 * plan of the whole experiment (every cell with its config hash, estimated cost and shard), so
 * that `gradflow merge` knows which cells must be present even when a shard never ran.
 */
import type { RunIndex } from '../metrics/types.js';

export interface PlanEntry {
  readonly id: string;
  readonly overrides: Readonly<Record<string, unknown>>;
  /** sha256 of the cell's resolved config (`configHash`), as its config.json will hash. */
  readonly configHash: string;
  /** Estimated cost, parameters x (steps + 1) x batch (src/shard/partition.ts). */
  readonly cost: number;
  /** 1-based shard the cell belongs to. */
  readonly shard: number;
}

export interface ShardIndex extends RunIndex {
  readonly shard: { readonly index: number; readonly count: number; readonly source: string };
  /** Every cell of the experiment, in the order of index.json. */
  readonly plan: readonly PlanEntry[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a parsed shard index file; null when its shape is wrong. */
export function asShardIndex(v: unknown): ShardIndex | null {
  if (!isObject(v) || typeof v.experiment !== 'string' || !Array.isArray(v.cells) || !Array.isArray(v.plan) || !isObject(v.shard)) return null;
  const planOk = v.plan.every((e) => isObject(e) && typeof e.id === 'string' && isObject(e.overrides) && typeof e.configHash === 'string' && typeof e.shard === 'number');
  const cellsOk = v.cells.every((c) => isObject(c) && typeof c.id === 'string');
  const shardOk = typeof v.shard.index === 'number' && typeof v.shard.count === 'number';
  return planOk && cellsOk && shardOk ? (v as unknown as ShardIndex) : null;
}

/** Reads a parsed index.json; null when its shape is wrong. */
export function asRunIndex(v: unknown): RunIndex | null {
  if (!isObject(v) || typeof v.experiment !== 'string' || !Array.isArray(v.cells)) return null;
  const ok = v.cells.every((c) => isObject(c) && typeof c.id === 'string' && (c.overrides === undefined || isObject(c.overrides)));
  return ok ? (v as unknown as RunIndex) : null;
}
