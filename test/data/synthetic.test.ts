import { describe, expect, it } from 'vitest';
import { DATASETS, dataParams, type Dataset } from '../../src/data/index.js';
import { BLOB_RADIUS, generateBlobs, makeTeacher } from '../../src/data/synthetic.js';
import { featureStats } from '../../src/data/split.js';
import { ACTIVATION_NAMES } from '../../src/net/activations.js';
import { createRng } from '../../src/net/rng.js';

type Kind = 'spirals' | 'blobs' | 'moons' | 'checkerboard' | 'teacher';

/** Small versions of each synthetic kind, with what each must look like. */
const CASES: { kind: Kind; options: Record<string, unknown>; d: number; out: number; classes?: number }[] = [
  { kind: 'spirals', options: { samples: 601, classes: 4 }, d: 2, out: 4, classes: 4 },
  { kind: 'blobs', options: { samples: 600, classes: 5, dims: 3 }, d: 3, out: 5, classes: 5 },
  { kind: 'moons', options: { samples: 501 }, d: 2, out: 2, classes: 2 },
  { kind: 'checkerboard', options: { samples: 500, tiles: 3 }, d: 2, out: 2, classes: 2 },
  { kind: 'teacher', options: { samples: 300, inputDim: 7, outputDim: 3 }, d: 7, out: 3 },
];

const load = (kind: Kind, options: Record<string, unknown>, seed: number | string = 0): Dataset =>
  DATASETS[kind].load(options, createRng(seed).fork('data'));

/** Counts of each label in [0, classes). */
const counts = (y: Int32Array, classes: number): number[] => {
  const c = new Array<number>(classes).fill(0);
  for (const v of y) c[v]++;
  return c;
};

/** Row i of x: [n, d]. */
const row = (x: Float64Array, i: number, d: number): number[] => Array.from(x.subarray(i * d, (i + 1) * d));

describe.each(CASES)('$kind', ({ kind, options, d, out, classes }) => {
  const ds = load(kind, options);
  const n = options.samples as number;

  it('has the declared shapes and dtypes', () => {
    expect(ds.name).toBe(kind);
    expect(ds.nTrain + ds.nTest).toBe(n);
    expect(ds.nTest).toBe(Math.round(n * 0.2));
    expect(ds.inputDim).toBe(d);
    expect(ds.outputDim).toBe(out);
    expect(ds.xTrain).toBeInstanceOf(Float64Array);
    expect(ds.xTest).toBeInstanceOf(Float64Array);
    expect(ds.xTrain.length).toBe(ds.nTrain * d);
    expect(ds.xTest.length).toBe(ds.nTest * d);
    expect(ds.xTrain.every(Number.isFinite)).toBe(true);
    if (ds.task === 'classification') {
      expect(ds.classes).toBe(classes);
      expect(ds.yTrain).toBeInstanceOf(Int32Array);
      expect(ds.yTrain.length).toBe(ds.nTrain);
      expect(ds.yTest.length).toBe(ds.nTest);
    } else {
      expect(classes).toBeUndefined();
      expect(ds.classes).toBeUndefined();
      expect(ds.yTrain).toBeInstanceOf(Float64Array);
      expect(ds.yTrain.length).toBe(ds.nTrain * out);
      expect(ds.yTest.length).toBe(ds.nTest * out);
    }
    expect(ds.task).toBe(DATASETS[kind].task);
  });

  it('gives identical arrays for the same seed and different ones for another seed', () => {
    const again = load(kind, options);
    expect(again.xTrain).toEqual(ds.xTrain);
    expect(again.yTrain).toEqual(ds.yTrain);
    expect(again.xTest).toEqual(ds.xTest);
    expect(again.yTest).toEqual(ds.yTest);
    const other = load(kind, options, 1);
    expect(other.xTrain).not.toEqual(ds.xTrain);
    // Seed 0 and seed "0" are the same seed, and 0 is not "no seed".
    expect(load(kind, options, '0').xTrain).toEqual(ds.xTrain);
  });

  it('splits into disjoint train and test rows that cover every row', () => {
    const { trainIndex, testIndex } = ds.meta;
    expect(trainIndex.length).toBe(ds.nTrain);
    expect(testIndex.length).toBe(ds.nTest);
    const seen = [...trainIndex, ...testIndex].sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('keeps each row with its label through the split', () => {
    // With testFraction 0 the same permutation puts every row in training; map rows back by index.
    const full = load(kind, { ...options, testFraction: 0 });
    const at = new Map<number, number>();
    full.meta.trainIndex.forEach((orig, pos) => at.set(orig, pos));
    const yw = ds.task === 'regression' ? ds.outputDim : 1;
    ds.meta.testIndex.forEach((orig, i) => {
      const j = at.get(orig)!;
      expect(row(ds.xTest, i, d)).toEqual(row(full.xTrain, j, d));
      expect(Array.from(ds.yTest.subarray(i * yw, (i + 1) * yw))).toEqual(Array.from(full.yTrain.subarray(j * yw, (j + 1) * yw)));
    });
  });

  it('keeps every row for training when testFraction is 0', () => {
    const all = load(kind, { ...options, testFraction: 0 });
    expect(all.nTrain).toBe(n);
    expect(all.nTest).toBe(0);
    expect(all.xTest.length).toBe(0);
    expect(all.yTest.length).toBe(0);
  });

  it('standardises with the statistics of the training rows only', () => {
    const std = load(kind, { ...options, standardize: true });
    const { mean, std: s } = featureStats(std.xTrain, std.nTrain, d);
    for (let j = 0; j < d; j++) {
      expect(mean[j]).toBeCloseTo(0, 10);
      expect(s[j]).toBeCloseTo(1, 10);
    }
    // Same rows as the plain load, shifted and scaled by the plain training rows' mean and std.
    const st = std.meta.standardization!;
    const plain = featureStats(ds.xTrain, ds.nTrain, d);
    expect(Array.from(st.mean)).toEqual(Array.from(plain.mean));
    expect(Array.from(st.std)).toEqual(Array.from(plain.std));
    for (let i = 0; i < ds.xTest.length; i++) {
      expect(std.xTest[i]).toBeCloseTo((ds.xTest[i] - st.mean[i % d]) / st.std[i % d], 12);
    }
    expect(std.yTrain).toEqual(ds.yTrain);
    expect(ds.meta.standardization).toBeNull();
  });
});

describe.each(CASES.filter((c) => c.classes !== undefined))('$kind classes', ({ kind, options }) => {
  it('are balanced', () => {
    const ds = load(kind, options);
    const n = options.samples as number;
    if (ds.task !== 'classification') throw new Error('not classification');
    const k = ds.classes;
    const all = counts(ds.yTrain, k).map((c, i) => c + counts(ds.yTest, k)[i]);
    for (const c of all) expect(Math.abs(c - n / k)).toBeLessThanOrEqual(1);
    // The random split keeps every class near its share of the training rows.
    for (const c of counts(ds.yTrain, k)) expect(Math.abs(c - ds.nTrain / k)).toBeLessThan(0.15 * (ds.nTrain / k));
  });
});

describe('standardisation statistics', () => {
  it('centres a constant feature without dividing by its zero std', () => {
    const x = Float64Array.from([0.1, 5, 0.1, 7, 0.1, 9]);
    const { mean, std } = featureStats(x, 3, 2);
    expect(mean[0]).toBeCloseTo(0.1, 15);
    expect(std[0]).toBe(1);
    expect(mean[1]).toBe(7);
    expect(std[1]).toBeCloseTo(Math.sqrt(8 / 3), 15);
  });
});

describe('spirals', () => {
  it('puts noiseless points inside the unit disc on their arm', () => {
    const ds = load('spirals', { samples: 300, noise: 0, testFraction: 0, turns: 1 });
    if (ds.task !== 'classification') throw new Error('not classification');
    for (let i = 0; i < ds.nTrain; i++) {
      const [x, y] = row(ds.xTrain, i, 2);
      const r = Math.hypot(x, y);
      expect(r).toBeLessThan(1);
      // theta = 2 pi (r + c/3) mod 2 pi
      const want = 2 * Math.PI * (r + ds.yTrain[i] / 3);
      const diff = Math.atan2(y, x) - want;
      expect(Math.abs(Math.atan2(Math.sin(diff), Math.cos(diff)))).toBeLessThan(1e-9);
    }
  });
});

describe('blobs', () => {
  it('places the centres at the fixed radius and the points around them', () => {
    const p = dataParams('blobs', { samples: 4000, classes: 4, dims: 5, spread: 0.5 });
    const raw = generateBlobs(p, createRng(3));
    for (let c = 0; c < 4; c++) {
      expect(Math.hypot(...raw.centres.subarray(c * 5, c * 5 + 5))).toBeCloseTo(BLOB_RADIUS, 12);
      const mean = new Array(5).fill(0);
      let m = 0;
      for (let i = 0; i < raw.n; i++) {
        if (raw.y[i] !== c) continue;
        m++;
        for (let j = 0; j < 5; j++) mean[j] += raw.x[i * 5 + j];
      }
      for (let j = 0; j < 5; j++) expect(mean[j] / m).toBeCloseTo(raw.centres[c * 5 + j], 0);
    }
  });
});

describe('moons', () => {
  it('puts noiseless points on the two half circles', () => {
    const ds = load('moons', { samples: 200, noise: 0, testFraction: 0 });
    if (ds.task !== 'classification') throw new Error('not classification');
    for (let i = 0; i < ds.nTrain; i++) {
      const [x, y] = row(ds.xTrain, i, 2);
      if (ds.yTrain[i] === 0) {
        expect(Math.hypot(x, y)).toBeCloseTo(1, 12);
        expect(y).toBeGreaterThanOrEqual(-1e-12);
      } else {
        expect(Math.hypot(x - 1, y - 0.5)).toBeCloseTo(1, 12);
        expect(y).toBeLessThanOrEqual(0.5 + 1e-12);
      }
    }
  });
});

describe('checkerboard', () => {
  it('labels the 2 x 2 board by XOR of the signs', () => {
    const ds = load('checkerboard', { samples: 400, testFraction: 0 });
    if (ds.task !== 'classification') throw new Error('not classification');
    for (let i = 0; i < ds.nTrain; i++) {
      const [x, y] = row(ds.xTrain, i, 2);
      expect(Math.abs(x)).toBeLessThanOrEqual(1);
      expect(Math.abs(y)).toBeLessThanOrEqual(1);
      expect(ds.yTrain[i]).toBe(Number(x > 0) ^ Number(y > 0));
    }
  });

  it('flips about `noise` of the labels and leaves the points where they were', () => {
    const clean = load('checkerboard', { samples: 4000, tiles: 4, testFraction: 0 });
    const noisy = load('checkerboard', { samples: 4000, tiles: 4, testFraction: 0, noise: 0.2 });
    expect(noisy.xTrain).toEqual(clean.xTrain);
    let flipped = 0;
    for (let i = 0; i < 4000; i++) flipped += Number(noisy.yTrain[i] !== clean.yTrain[i]);
    expect(flipped / 4000).toBeGreaterThan(0.17);
    expect(flipped / 4000).toBeLessThan(0.23);
  });
});

describe('teacher', () => {
  const options = { samples: 200, inputDim: 4, outputDim: 2, testFraction: 0 };

  it('makes the targets a fixed function of the inputs when noise is 0', () => {
    const ds = load('teacher', options);
    const teacher = makeTeacher(dataParams('teacher', options), createRng(0).fork('data').fork('generate').fork('teacher'));
    expect(teacher.apply(ds.xTrain, ds.nTrain)).toEqual(ds.yTrain);
    // The same input twice gives the same target twice.
    const x0 = ds.xTrain.subarray(0, 4);
    const twice = teacher.apply(Float64Array.from([...x0, ...x0]), 2);
    expect(Array.from(twice.subarray(0, 2))).toEqual(Array.from(twice.subarray(2, 4)));
    expect(Array.from(twice.subarray(0, 2))).toEqual(Array.from(ds.yTrain.subarray(0, 2)));
  });

  it('adds Gaussian noise of the given std to the same inputs and teacher', () => {
    const big = { ...options, samples: 4000 };
    const clean = load('teacher', big);
    const noisy = load('teacher', { ...big, noise: 0.3 });
    expect(noisy.xTrain).toEqual(clean.xTrain);
    let ss = 0;
    for (let i = 0; i < clean.yTrain.length; i++) ss += (noisy.yTrain[i] - clean.yTrain[i]) ** 2;
    expect(Math.sqrt(ss / clean.yTrain.length)).toBeCloseTo(0.3, 1);
  });

  it('draws the teacher weights from N(0, 1/fan_in)', () => {
    const p = dataParams('teacher', { inputDim: 50, teacherWidth: 200, teacherDepth: 1 });
    const { weights } = makeTeacher(p, createRng(5));
    expect(weights.map((w) => w.length)).toEqual([200 * 50, 1 * 200]);
    const variance = weights[0].reduce((a, w) => a + w * w, 0) / weights[0].length;
    expect(variance * 50).toBeCloseTo(1, 1);
  });

  it.each(ACTIVATION_NAMES)('builds a teacher with %s hidden layers', (name) => {
    const ds = load('teacher', { ...options, samples: 50, teacherActivation: name });
    expect(ds.yTrain.every(Number.isFinite)).toBe(true);
    const y = ds.yTrain;
    expect(Math.max(...y) - Math.min(...y)).toBeGreaterThan(1e-3);
  });

  it('accepts an activation alias', () => {
    const a = load('teacher', { ...options, teacherActivation: 'swish' });
    const b = load('teacher', { ...options, teacherActivation: 'silu' });
    expect(a.yTrain).toEqual(b.yTrain);
  });
});
