/**
 * The cost-balanced partition: a pure function of the sorted cells and N, every cell in exactly
 * one shard, and balanced by cost (not count) on a skewed sweep.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandCells } from '../../src/config/expand.js';
import { resolveConfig } from '../../src/config/load.js';
import type { ActivationName } from '../../src/net/activations.js';
import { assignShards, cellCost, parameterCount, partitionByCost } from '../../src/shard/partition.js';

const loads = (costs: readonly number[], bins: readonly number[], n: number): number[] => {
  const out = new Array<number>(n).fill(0);
  bins.forEach((b, i) => {
    out[b] += costs[i];
  });
  return out;
};

describe('parameterCount and cellCost', () => {
  it('counts weights and biases of every layer, with CReLU doubling the fan-in after layer 0', () => {
    // 2 -> 8 -> 8 -> 3: (2*8 + 8) + (8*8 + 8) + (8*3 + 3)
    expect(parameterCount({ inputDim: 2, outputDim: 3, depth: 2, width: 8, activation: 'tanh' })).toBe(24 + 72 + 27);
    // CReLU: 2 -> 8 (16 out) -> 8 (16 out) -> 3
    expect(parameterCount({ inputDim: 2, outputDim: 3, depth: 2, width: 8, activation: 'crelu' })).toBe(24 + (16 * 8 + 8) + (16 * 3 + 3));
    expect(parameterCount({ inputDim: 5, outputDim: 2, depth: 0, width: 8, activation: 'relu' })).toBe(12);
  });

  it('scales with steps + 1 and the batch', () => {
    const shape = { inputDim: 2, outputDim: 3, depth: 2, width: 8, activation: 'tanh' as ActivationName };
    expect(cellCost({ ...shape, steps: 0, batch: 1 })).toBe(123);
    expect(cellCost({ ...shape, steps: 9, batch: 32 })).toBe(123 * 10 * 32);
  });
});

describe('partitionByCost', () => {
  it('puts every item in exactly one of N shards, the largest within total/N + (1 - 1/N) largest', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e6 }), { maxLength: 200 }), fc.integer({ min: 1, max: 12 }), (costs, n) => {
        const bins = partitionByCost(costs, n);
        expect(bins).toHaveLength(costs.length);
        for (const b of bins) expect(Number.isInteger(b) && b >= 0 && b < n).toBe(true);
        const total = costs.reduce((s, c) => s + c, 0);
        // Any least-loaded-first schedule meets this (Graham 1966); LPT also meets 4/3 of the optimum.
        const bound = total / n + (1 - 1 / n) * Math.max(...costs, 0);
        expect(Math.max(...loads(costs, bins, n))).toBeLessThanOrEqual(bound + 1e-6);
      }),
    );
  });

  it('is a pure function: the same costs and N give the same shards', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (costs, n) => {
        expect(partitionByCost([...costs], n)).toEqual(partitionByCost(costs, n));
      }),
    );
  });

  it('spreads equal (or zero) costs by count, ties to the lowest shard', () => {
    expect(partitionByCost([0, 0, 0, 0, 0], 2)).toEqual([0, 1, 0, 1, 0]);
    expect(partitionByCost([5, 5, 5], 4)).toEqual([0, 1, 2]);
  });

  it('refuses a shard count that is not a positive integer', () => {
    expect(() => partitionByCost([1], 0)).toThrow(RangeError);
  });
});

describe('assignShards on a sweep', () => {
  // Depth 1..16 and width 8..64: the most expensive cell costs ~300x the cheapest.
  const config = resolveConfig({
    name: 'skewed',
    data: { kind: 'moons', samples: 200 },
    model: { depth: 2, width: 8, activation: 'tanh' },
    train: { steps: 20, batchSize: 32 },
    sweep: { 'model.depth': [1, 2, 4, 8, 16], 'model.width': [8, 32, 64] },
    seeds: { count: 2 },
  });
  const cells = expandCells(config);
  const cost = (c: (typeof cells)[number]): number =>
    cellCost({ inputDim: 2, outputDim: 2, depth: c.config.model.depth, width: c.config.model.width, activation: 'tanh', steps: 20, batch: 32 });

  it.each([1, 2, 3, 4, 7, 30, 50])('puts each of the 30 cells in exactly one of %i shards', (n) => {
    const plan = assignShards(cells, (c) => c.id, cost, n);
    const seen = new Map<string, number>();
    for (let i = 1; i <= n; i++) for (const p of plan.filter((x) => x.shard === i)) seen.set(p.item.id, (seen.get(p.item.id) ?? 0) + 1);
    expect(seen.size).toBe(cells.length);
    expect([...seen.values()].every((k) => k === 1)).toBe(true);
  });

  it('balances by cost far better than an equal count of cells a shard', () => {
    const n = 4;
    const costs = cells.map(cost);
    const total = costs.reduce((s, c) => s + c, 0);
    const plan = assignShards(cells, (c) => c.id, cost, n);
    const byCost = loads(costs, plan.map((p) => p.shard - 1), n);
    const byCount = loads(costs, cells.map((_, i) => i % n), n);
    const contiguous = loads(costs, cells.map((_, i) => Math.floor((i * n) / cells.length)), n);
    // No split beats max(total / N, the largest cell); here the largest cell is under total / N.
    const floor = Math.max(total / n, ...costs);
    expect(Math.max(...costs)).toBeLessThan(total / n);
    expect(Math.max(...byCost) / floor).toBeLessThan(1.01);
    expect(Math.max(...byCount) / floor).toBeGreaterThan(1.15);
    expect(Math.max(...contiguous) / floor).toBeGreaterThan(1.15);
  });

  it('depends on the cells and N only, not on the order they come in', () => {
    const plan = assignShards(cells, (c) => c.id, cost, 5);
    const reversed = assignShards([...cells].reverse(), (c) => c.id, cost, 5);
    const byId = (p: typeof plan): Record<string, number> => Object.fromEntries(p.map((x) => [x.item.id, x.shard]));
    expect(byId(reversed)).toEqual(byId(plan));
    expect(plan.map((p) => p.item)).toEqual(cells);
  });
});
