import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/index.js';
import { createRng } from '../../src/net/rng.js';
import { BatchStream, probeBatch, splitsOf, type Split } from '../../src/train/batches.js';

/** n rows of 2 features: row i is [i, -i], its label i % 3 (or values [i, 2i] for regression). */
function dataset(n: number, task: 'classification' | 'regression' = 'classification', nTest = 0): Dataset {
  const rows = (m: number, off: number): Float64Array => Float64Array.from({ length: 2 * m }, (_, j) => (j % 2 === 0 ? 1 : -1) * (off + Math.floor(j / 2)));
  const base = { name: 'rows', xTrain: rows(n, 0), xTest: rows(nTest, n), nTrain: n, nTest, inputDim: 2, meta: { params: {}, trainIndex: new Int32Array(0), testIndex: new Int32Array(0), standardization: null } };
  if (task === 'classification') {
    return { ...base, task, outputDim: 3, classes: 3, yTrain: Int32Array.from({ length: n }, (_, i) => i % 3), yTest: Int32Array.from({ length: nTest }, (_, i) => (n + i) % 3) };
  }
  const values = (m: number, off: number): Float64Array => Float64Array.from({ length: 2 * m }, (_, j) => (off + Math.floor(j / 2)) * (j % 2 === 0 ? 1 : 2));
  return { ...base, task, outputDim: 2, yTrain: values(n, 0), yTest: values(nTest, n) };
}

/** The row ids (the first feature) of the batch in xb. */
const ids = (xb: ArrayLike<number>, batch: number): number[] => Array.from({ length: batch }, (_, r) => xb[2 * r]);

function stream(split: Split, batch: number, shuffleSeed: number | null): { s: BatchStream; xb: Float32Array } {
  const xb = new Float32Array(64 * 2);
  const rng = shuffleSeed === null ? null : createRng(shuffleSeed).fork('shuffle');
  return { s: new BatchStream(split, batch, xb, 64, rng, 'float32'), xb };
}

describe('the training batches', () => {
  it('without shuffling, are consecutive rows; the rows left over at the end of an epoch are skipped', () => {
    const { train } = splitsOf(dataset(10), 'float32');
    const { s, xb } = stream(train, 4, null);
    const seen: [number, number[]][] = [];
    for (let i = 0; i < 5; i++) {
      s.next();
      seen.push([s.epoch, ids(xb, 4)]);
    }
    expect(seen).toEqual([[0, [0, 1, 2, 3]], [0, [4, 5, 6, 7]], [1, [0, 1, 2, 3]], [1, [4, 5, 6, 7]], [2, [0, 1, 2, 3]]]);
  });

  it('with shuffling, are a new permutation every epoch, drawn by the seed', () => {
    const { train } = splitsOf(dataset(12), 'float32');
    const epochs = (seed: number): number[][] => {
      const { s, xb } = stream(train, 4, seed);
      const out: number[][] = [[], [], []];
      for (let i = 0; i < 9; i++) {
        s.next();
        out[s.epoch].push(...ids(xb, 4));
      }
      return out;
    };
    const a = epochs(7);
    for (const e of a) expect([...e].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(a[1]).not.toEqual(a[0]);
    expect(epochs(7)).toEqual(a);
    expect(epochs(8)).not.toEqual(a);
  });

  it('carry the labels of their rows', () => {
    const { train } = splitsOf(dataset(30), 'float32');
    const { s, xb } = stream(train, 8, 3);
    for (let i = 0; i < 6; i++) {
      s.next();
      expect(Array.from(s.targets.subarray(0, 8))).toEqual(ids(xb, 8).map((id) => id % 3));
    }
  });

  it('carry the target values of their rows, in the model dtype, for regression', () => {
    const { train } = splitsOf(dataset(30, 'regression'), 'float32');
    expect(train.targets.kind).toBe('values');
    const { s, xb } = stream(train, 8, 3);
    s.next();
    expect(s.targets).toBeInstanceOf(Float32Array);
    expect(Array.from(s.targets.subarray(0, 16))).toEqual(ids(xb, 8).flatMap((id) => [id, 2 * id]));
  });
});

describe('the splits', () => {
  it('are converted to float32, and shared as they are in float64', () => {
    const data = dataset(6, 'regression', 3);
    const f32 = splitsOf(data, 'float32');
    expect(f32.train.x).toBeInstanceOf(Float32Array);
    expect(Array.from(f32.test.x)).toEqual(Array.from(data.xTest));
    expect(f32.test.n).toBe(3);
    const f64 = splitsOf(data, 'float64');
    expect(f64.train.x).toBe(data.xTrain);
    expect(f64.train.targets).toEqual({ kind: 'values', y: data.yTrain, k: 2 });
  });
});

describe('the probe batch', () => {
  it('is distinct training rows drawn by its own stream, the same every time', () => {
    const { train } = splitsOf(dataset(50), 'float32');
    const probe = (seed: number): number[] => ids(probeBatch(train, 20, createRng(seed).fork('probe'), 'float32'), 20);
    const p = probe(1);
    expect(new Set(p).size).toBe(20);
    expect(p.every((id) => Number.isInteger(id) && id >= 0 && id < 50)).toBe(true);
    expect(probe(1)).toEqual(p);
    expect(probe(2)).not.toEqual(p);
  });
});
