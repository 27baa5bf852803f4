/**
 * The plan of a sharded experiment: every cell with its config hash, estimated cost and the
 * shard it belongs to (the cost-balanced partition of partition.ts). Each shard's index file
 * (`index.shard-I-of-N.json`, src/results/types.ts ShardIndex) carries the whole plan, so that
 * `gradflow merge` knows which cells must be present even when a shard never ran.
 */
import type { PlanEntry } from '../results/types.js';
import { assignShards } from './partition.js';

/** A cell as the plan needs it. */
export interface PlanInput {
  readonly id: string;
  readonly overrides: Readonly<Record<string, unknown>>;
  /** sha256 of the cell's resolved config (`configHash`). */
  readonly configHash: string;
  /** Estimated cost (`cellCost`). */
  readonly cost: number;
}

/** Every cell of an experiment, in its order, with its 1-based shard of `count`. */
export function planShards(cells: readonly PlanInput[], count: number): PlanEntry[] {
  return assignShards(cells, (c) => c.id, (c) => c.cost, count).map(({ item, shard }) => ({
    id: item.id, overrides: item.overrides, configHash: item.configHash, cost: item.cost, shard,
  }));
}
