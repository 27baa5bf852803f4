/**
 * Splitting a sweep's cells into N shards of about equal cost, as a pure function of the cells
 * and N, so that every process of a job array computes the same split without talking.
 *
 * Cost of a cell (its estimated multiply-adds, up to a constant):
 *   cost = P * (steps + 1) * batch
 *   P = sum over layers i = 0..depth of fanIn_i * fanOut_i + fanOut_i (weights and biases),
 *   fanIn_0 = inputDim, fanIn_i = width * widthFactor (CReLU doubles it), fanOut_depth = outputDim.
 * A step's forward and backward passes cost about 6 P batch flops; `steps + 1` because step 0
 * (the initial network) is measured too. Evaluation and metrics scale the same way, so the
 * constant drops out of the comparison.
 *
 * Partition: greedy longest-processing-time first (Graham 1969). Cells in their stable order
 * (sorted by id) are sorted by cost, largest first, ties by that order; each goes to the shard
 * with the least cost so far, ties to the one with fewer cells, then the lowest number. Every
 * cell lands in exactly one shard and the largest shard's cost is at most 4/3 of the optimum
 * (and never less than the largest single cell).
 */
import { ACTIVATIONS, type ActivationName } from '../net/activations.js';

export interface CostShape {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly depth: number;
  readonly width: number;
  readonly activation: ActivationName;
  readonly steps: number;
  /** Rows per step: the batch size, capped by the training rows. */
  readonly batch: number;
}

/** Weights and biases of the MLP a cell trains (PReLU slopes, a few per layer, are left out). */
export function parameterCount(s: Pick<CostShape, 'inputDim' | 'outputDim' | 'depth' | 'width' | 'activation'>): number {
  const factor = ACTIVATIONS[s.activation]?.widthFactor ?? 1;
  let p = 0;
  for (let i = 0; i <= s.depth; i++) {
    const fanIn = i === 0 ? s.inputDim : s.width * factor;
    const fanOut = i === s.depth ? s.outputDim : s.width;
    p += fanIn * fanOut + fanOut;
  }
  return p;
}

/** cost = parameters * (steps + 1) * batch (see the module comment). */
export function cellCost(s: CostShape): number {
  return parameterCount(s) * (s.steps + 1) * Math.max(1, s.batch);
}

/**
 * Shard (0-based) of each item, given the items' costs in their stable order; `count` >= 1.
 * Pure: the same costs and count always give the same answer.
 */
export function partitionByCost(costs: readonly number[], count: number): number[] {
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`partitionByCost: count must be an integer >= 1, got ${count}`);
  const order = costs.map((_, i) => i).sort((a, b) => costs[b] - costs[a] || a - b);
  const load = new Float64Array(count);
  const cells = new Int32Array(count);
  const out = new Array<number>(costs.length);
  for (const i of order) {
    let best = 0;
    for (let b = 1; b < count; b++) {
      if (load[b] < load[best] || (load[b] === load[best] && cells[b] < cells[best])) best = b;
    }
    out[i] = best;
    load[best] += costs[i];
    cells[best]++;
  }
  return out;
}

export interface Planned<T> {
  readonly item: T;
  /** 1-based shard. */
  readonly shard: number;
}

/**
 * Assigns each item a 1-based shard of `count`: items are put in their stable order by `id`
 * (code-point order, so the written order of the sweep does not matter), then partitioned by
 * `cost`. Returns the items in their original order.
 */
export function assignShards<T>(items: readonly T[], id: (t: T) => string, cost: (t: T) => number, count: number): Planned<T>[] {
  const stable = items.map((_, i) => i).sort((a, b) => {
    const x = id(items[a]);
    const y = id(items[b]);
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  const bins = partitionByCost(stable.map((i) => cost(items[i])), count);
  const shard = new Array<number>(items.length);
  stable.forEach((i, k) => {
    shard[i] = bins[k] + 1;
  });
  return items.map((item, i) => ({ item, shard: shard[i] }));
}
