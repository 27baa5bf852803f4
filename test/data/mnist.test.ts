import { describe, expect, it } from 'vitest';
import { DATASETS, type ClassificationDataset } from '../../src/data/index.js';
import { MNIST_PIXELS, mnistDigits } from '../../src/data/mnist.js';
import { createRng } from '../../src/net/rng.js';

const load = (options: Record<string, unknown>, seed = 0): ClassificationDataset => {
  const ds = DATASETS.mnist.load(options, createRng(seed).fork('data'));
  if (ds.task !== 'classification') throw new Error('mnist is classification');
  return ds;
};

/** Byte-for-byte equality, fast on large arrays (vitest's deep equality walks them element by element). */
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Per-class counts of the package's digit files (src/digits/<d>.json). */
const PACKAGE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

describe('mnist', () => {
  const all = load({});

  it('holds the 10,000 digits of the package, 784 pixels in [0, 1], 10 classes', () => {
    expect(all.nTrain + all.nTest).toBe(10_000);
    expect(all.nTest).toBe(2000);
    expect(all.inputDim).toBe(784);
    expect(all.outputDim).toBe(10);
    expect(all.classes).toBe(10);
    expect(all.xTrain.length).toBe(8000 * 784);
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of [all.xTrain, all.xTest]) {
      for (const v of x) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    const counts = new Array(10).fill(0);
    for (const y of [all.yTrain, all.yTest]) for (const v of y) counts[v]++;
    expect(counts).toEqual(PACKAGE_COUNTS);
  });

  it('parses the digit files once per process', () => {
    expect(mnistDigits()).toBe(mnistDigits());
  });

  it('keeps each image with its label', () => {
    const { x, y } = mnistDigits();
    // The first training row is package row (0-digit rows, then 1-digit rows, ...) p, for some p.
    const first = Array.from(all.xTrain.subarray(0, MNIST_PIXELS));
    let match = -1;
    for (let p = 0; p < y.length && match < 0; p++) {
      if (first.every((v, j) => v === x[p * MNIST_PIXELS + j])) match = p;
    }
    expect(match).toBeGreaterThanOrEqual(0);
    expect(all.yTrain[0]).toBe(y[match]);
  });

  it('respects the limit', () => {
    const ds = load({ limit: 500 });
    expect(ds.nTrain + ds.nTest).toBe(500);
    expect(ds.nTest).toBe(100);
    expect(ds.yTrain.length).toBe(400);
    expect(ds.xTest.length).toBe(100 * 784);
  });

  it('gives the same split for the same seed and another for another seed', () => {
    const a = load({ limit: 300 });
    const b = load({ limit: 300 });
    expect(sameBytes(b.xTrain, a.xTrain)).toBe(true);
    expect(b.yTrain).toEqual(a.yTrain);
    expect(b.yTest).toEqual(a.yTest);
    const c = load({ limit: 300 }, 1);
    expect(c.yTrain).not.toEqual(a.yTrain);
    expect(sameBytes(c.xTrain, a.xTrain)).toBe(false);
  });

  it('standardises the pixels with the training statistics, leaving blank pixels at 0', () => {
    const ds = load({ limit: 400, standardize: true });
    const st = ds.meta.standardization!;
    // The corner pixel is blank in every digit: std 1, so it stays 0.
    expect(st.std[0]).toBe(1);
    expect(ds.xTrain[0]).toBe(0);
    let varying = 0;
    for (let j = 0; j < 784; j++) {
      if (st.std[j] === 1) continue;
      varying++;
      let m = 0;
      for (let r = 0; r < ds.nTrain; r++) m += ds.xTrain[r * 784 + j];
      expect(Math.abs(m / ds.nTrain)).toBeLessThan(1e-9);
    }
    expect(varying).toBeGreaterThan(300);
  });
});
