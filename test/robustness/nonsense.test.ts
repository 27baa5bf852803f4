/**
 * Values that pass a type check but make no sense: a whole config section swept (it would drop
 * every key a cell does not repeat), integers past 2^53 - 1 (no longer exact), names too long
 * for a folder. Each is refused by validation, naming the field, the value and the bound.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config/index.js';
import { gradflow, listFiles, STACK_FRAME, tmp, writeConfig } from './helpers.js';

const BASE = {
  name: 'nonsense',
  seed: 0,
  data: { kind: 'moons', samples: 40, testFraction: 0.25 },
  model: { depth: 1, width: 3, activation: 'tanh' },
  train: { steps: 1, batchSize: 8, optimizer: 'sgd', lr: 0.1 },
  metrics: { every: 1 },
};

function messages(config: unknown): string[] {
  try {
    resolveConfig(config);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.messages];
    throw e;
  }
  return [];
}

describe('only paths inside a section may be swept', () => {
  it.each([
    ['data', [{ kind: 'moons', samples: 40 }]],
    ['model', [{ depth: 1 }, { depth: 2 }]],
    ['train', [{ steps: 1 }]],
    ['metrics', [{ every: 1 }]],
  ])('sweeping "%s" is refused, naming paths inside it', (section, values) => {
    const m = messages({ ...BASE, sweep: { [section]: values } });
    expect(m).toHaveLength(1);
    expect(m[0]).toMatch(new RegExp(`^sweep\\["${section}"\\]: "${section}" is a section, .* such as "${section}\\.`));
  });

  it('still sweeps a registry field given as objects (a leaf with parameters)', () => {
    expect(messages({ ...BASE, sweep: { 'model.activation': [{ name: 'leaky_relu', alpha: 0.1 }, 'relu'] } })).toEqual([]);
  });
});

describe('integers past 2^53 - 1 are named as such', () => {
  const fields: readonly (readonly [string, (v: number) => unknown])[] = [
    ['seed', (v) => ({ ...BASE, seed: v })],
    ['model.depth', (v) => ({ ...BASE, model: { ...BASE.model, depth: v } })],
    ['model.width', (v) => ({ ...BASE, model: { ...BASE.model, width: v } })],
    ['train.steps', (v) => ({ ...BASE, train: { ...BASE.train, steps: v } })],
    ['metrics.every', (v) => ({ ...BASE, metrics: { every: v } })],
  ];
  const values = [2 ** 53, 2 ** 53 + 2, 1e300];
  it.each(fields.flatMap(([f, make]) => values.map((v) => [f, v, make] as const)))('%s = %s', (field, v, make) => {
    const m = messages(make(v));
    expect(m.length).toBeGreaterThan(0);
    expect(m.find((t) => t.startsWith(`${field}:`))).toMatch(/at most 2\^53 - 1 = 9007199254740991/);
  });

  it('leaves the ordinary message alone for a small bad integer', () => {
    expect(messages({ ...BASE, seed: -1 })).toEqual(['seed: -1 is not allowed: expected an integer >= 0']);
  });
});

describe('a name too long for a folder is blamed on name, not on --out', () => {
  it.each([101, 256, 300, 5000])('%i characters', async (n) => {
    const dir = tmp();
    const file = writeConfig(dir, { ...BASE, name: 'a'.repeat(n) });
    const r = await gradflow(['run', file, '--out', join(dir, 'out'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gradflow: name: "a+\.\.\. is not allowed: expected a name .*at most 100 characters\n$/);
    expect(r.stderr).not.toMatch(/ENAMETOOLONG|--out/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr.length).toBeLessThan(400);
    expect(listFiles(join(dir, 'out'))).toEqual([]);
  });
});

describe('weights saved after the last step are refused, not silently skipped', () => {
  it.each([
    [{ steps: 20 }, [999_999], 20],
    [{ steps: 20 }, [0, 21], 20],
    [{ steps: null, epochs: 2 }, [9], 8],
  ])('%o with saveWeights %o', async (train, save, last) => {
    const dir = tmp();
    const file = writeConfig(dir, { ...BASE, train: { ...BASE.train, ...train, saveWeights: save } });
    const r = await gradflow(['run', file, '--out', join(dir, 'out'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^gradflow: .*train\\.saveWeights: \\[.*\\] is not allowed: the run ends at step ${last}, so nothing would be saved`));
    expect(listFiles(join(dir, 'out'))).toEqual([]);
  });
});
