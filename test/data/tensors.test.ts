import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASETS, DataError, type Dataset } from '../../src/data/index.js';
import { createRng } from '../../src/net/rng.js';
import { writeSafetensors, type TestTensor } from './write-safetensors.js';

const DIR = mkdtempSync(join(tmpdir(), 'gradflow-tensors-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

let files = 0;
/** Writes `tensors` to a fresh file in DIR and returns its name (relative to DIR). */
function file(tensors: Record<string, TestTensor>, header?: (h: Record<string, unknown>) => void): string {
  const name = `t${files++}.safetensors`;
  writeSafetensors(join(DIR, name), tensors, header);
  return name;
}

const load = (path: string, more: Record<string, unknown> = {}, seed = 0): Dataset =>
  DATASETS.tensors.load({ kind: 'tensors', path, ...more }, createRng(seed).fork('data'), { baseDir: DIR });

/** The message of the DataError `f` throws, with the temporary folder written as <dir>. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message.replaceAll(DIR, '<dir>');
  }
  throw new Error('expected a DataError');
}

const N = 7;
const D = 3;
/** x[r, j] = r + j / 4 - 1: exact in float32, distinct per row. */
const X = Array.from({ length: N * D }, (_, i) => Math.floor(i / D) + (i % D) / 4 - 1);
const LABELS = [0, 2, 4, 1, 2, 0, 4];

describe.each([
  ['F32', 'I32'],
  ['F64', 'I64'],
  ['F32', 'I64'],
  ['F64', 'I32'],
] as const)('x %s with %s labels', (xd, yd) => {
  const path = file({ x: { dtype: xd, shape: [N, D], data: X }, y: { dtype: yd, shape: [N], data: LABELS } });

  it('round-trips every row exactly, labels attached, classes = largest label + 1', () => {
    const ds = load(path, { testFraction: 0 });
    if (ds.task !== 'classification') throw new Error('expected classification');
    expect(ds.nTrain).toBe(N);
    expect(ds.nTest).toBe(0);
    expect(ds.xTest.length).toBe(0);
    expect(ds.yTest.length).toBe(0);
    expect(ds.inputDim).toBe(D);
    expect(ds.classes).toBe(5);
    expect(ds.outputDim).toBe(5);
    expect(ds.yTrain).toBeInstanceOf(Int32Array);
    ds.meta.trainIndex.forEach((orig, i) => {
      expect(Array.from(ds.xTrain.subarray(i * D, i * D + D))).toEqual(X.slice(orig * D, orig * D + D));
      expect(ds.yTrain[i]).toBe(LABELS[orig]);
    });
    expect(ds.meta.standardization).toBeNull();
    expect(ds.meta.source).toBe(join(DIR, path));
  });
});

describe('regression targets', () => {
  const Y = Array.from({ length: N * 2 }, (_, i) => i / 8 - 0.5);

  it('reads F32 [n, k] targets as they are', () => {
    const path = file({ x: { dtype: 'F32', shape: [N, D], data: X }, y: { dtype: 'F32', shape: [N, 2], data: Y } });
    const ds = load(path, { testFraction: 0 });
    if (ds.task !== 'regression') throw new Error('expected regression');
    expect(ds.outputDim).toBe(2);
    expect(ds.classes).toBeUndefined();
    expect(ds.yTrain).toBeInstanceOf(Float64Array);
    ds.meta.trainIndex.forEach((orig, i) => {
      expect(Array.from(ds.yTrain.subarray(2 * i, 2 * i + 2))).toEqual(Y.slice(2 * orig, 2 * orig + 2));
    });
  });

  it('reads F64 [n] targets as one output', () => {
    const path = file({ x: { dtype: 'F64', shape: [N, D], data: X }, y: { dtype: 'F64', shape: [N], data: Y.slice(0, N) } });
    const ds = load(path);
    expect(ds.task).toBe('regression');
    expect(ds.outputDim).toBe(1);
    expect(ds.yTrain.length + ds.yTest.length).toBe(N);
  });
});

describe('split and standardisation of a file', () => {
  const n = 40;
  const x = Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? 10 + i : -3 * i));
  const y = Array.from({ length: n }, (_, i) => i % 3);
  const path = file({ x: { dtype: 'F64', shape: [n, 2], data: x }, y: { dtype: 'I32', shape: [n], data: y } });

  it('holds out round(n * testFraction) rows, disjoint from training, the same for the same seed', () => {
    const ds = load(path, { testFraction: 0.25 });
    expect(ds.nTest).toBe(10);
    expect(ds.nTrain).toBe(30);
    const all = [...ds.meta.trainIndex, ...ds.meta.testIndex].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(load(path, { testFraction: 0.25 }).meta.testIndex).toEqual(ds.meta.testIndex);
    expect(load(path, { testFraction: 0.25 }, 1).meta.testIndex).not.toEqual(ds.meta.testIndex);
  });

  it('standardises only when asked, with the training rows', () => {
    const ds = load(path, { standardize: true });
    for (let j = 0; j < 2; j++) {
      let m = 0;
      let s = 0;
      for (let r = 0; r < ds.nTrain; r++) m += ds.xTrain[r * 2 + j];
      m /= ds.nTrain;
      for (let r = 0; r < ds.nTrain; r++) s += (ds.xTrain[r * 2 + j] - m) ** 2;
      expect(m).toBeCloseTo(0, 12);
      expect(Math.sqrt(s / ds.nTrain)).toBeCloseTo(1, 12);
    }
    expect(ds.yTrain).toEqual(load(path).yTrain);
  });

  it('refuses a testFraction that leaves no training rows', () => {
    const one = file({ x: { dtype: 'F32', shape: [2, 1], data: [1, 2] }, y: { dtype: 'I32', shape: [2], data: [0, 1] } });
    expect(refusal(() => load(one, { testFraction: 0.9 }))).toMatchInlineSnapshot(`"data.testFraction: 0.9 is not allowed: expected a fraction that leaves at least one of the 2 rows for training"`);
  });
});

describe('labels of a single class', () => {
  it.each([
    ['all zeros', [0, 0, 0, 0], 0],
    ['all threes', [3, 3, 3, 3], 3],
    ['I64 all ones', [1, 1, 1, 1], 1],
  ] as const)('are refused (%s): a one-class classifier is trivially 100%% accurate', (what, labels, label) => {
    const dtype = what.startsWith('I64') ? 'I64' : 'I32';
    const path = file({ x: { dtype: 'F32', shape: [4, 1], data: [1, 2, 3, 4] }, y: { dtype, shape: [4], data: [...labels] } });
    expect(refusal(() => load(path))).toBe(`<dir>/${path}: tensor "y": every label is ${label}; expected at least two classes for a classification task (float targets [n, k] give a regression)`);
  });

  it('accept two classes however unbalanced', () => {
    const path = file({ x: { dtype: 'F32', shape: [4, 1], data: [1, 2, 3, 4] }, y: { dtype: 'I32', shape: [4], data: [0, 0, 0, 1] } });
    expect(load(path, { testFraction: 0 }).classes).toBe(2);
  });
});

describe('refusals name the file and the tensor', () => {
  const x: TestTensor = { dtype: 'F32', shape: [N, D], data: X };
  const y: TestTensor = { dtype: 'I32', shape: [N], data: LABELS };

  it.each<[string, () => string, string]>([
    ['a missing file', () => 'nope.safetensors', '<file>: cannot read the tensors file (no such file)'],
    ['a missing x', () => file({ y }), '<file>: no tensor "x" (features, [n, d] F32 or F64); the file holds: y'],
    [
      'a missing y',
      () => file({ x, z: y }),
      '<file>: no tensor "y" (class labels [n] I32 or I64, or targets [n, k] F32 or F64); the file holds: x, z',
    ],
    [
      'x of rank 1',
      () => file({ x: { dtype: 'F32', shape: [N * D], data: X }, y }),
      '<file>: tensor "x" has shape [21]; expected [n, d] (rank 2)',
    ],
    [
      'x of dtype F16',
      () => file({ x: { dtype: 'F16', shape: [N, D], data: X }, y }),
      '<file>: tensor "x" has dtype F16; allowed: F32, F64',
    ],
    [
      'y of dtype U8',
      () => file({ x, y: { dtype: 'U8', shape: [N], data: LABELS } }),
      '<file>: tensor "y" has dtype U8; allowed: I32, I64, F32, F64',
    ],
    [
      'integer y of rank 2',
      () => file({ x, y: { dtype: 'I64', shape: [N, 1], data: LABELS } }),
      '<file>: tensor "y" has shape [7, 1]; expected [n] for integer class labels',
    ],
    [
      'fewer labels than rows',
      () => file({ x, y: { dtype: 'I32', shape: [N - 1], data: LABELS.slice(1) } }),
      '<file>: tensor "y" has 6 rows but tensor "x" has 7; they must match',
    ],
    [
      'a negative label',
      () => file({ x, y: { dtype: 'I64', shape: [N], data: [0, 1, 2, -1, 0, 1, 2] } }),
      '<file>: tensor "y" row 3 holds label -1; class labels must be integers in [0, 2^31)',
    ],
    [
      'a NaN feature',
      () => file({ x: { dtype: 'F64', shape: [N, D], data: X.map((v, i) => (i === 5 ? NaN : v)) }, y }),
      '<file>: tensor "x" row 1, column 2 is NaN; values must be finite',
    ],
    [
      'offsets that disagree with the shape',
      () => file({ x, y }, (h) => ((h.x as { shape: number[] }).shape = [N, D + 1])),
      '<file>: tensor "x": data_offsets [0, 84] hold 84 bytes; shape [7, 4] of F32 needs 112',
    ],
    [
      'offsets past the end',
      () => file({ x, y }, (h) => ((h.y as { data_offsets: number[] }).data_offsets = [84, 200])),
      '<file>: tensor "y": data_offsets [84, 200] run past the 112-byte buffer',
    ],
  ])('refuses %s', (_what, make, expected) => {
    const path = make();
    const message = refusal(() => load(path));
    expect(message).toBe(expected.replace('<file>', `<dir>/${path}`));
  });

  it('refuses bytes that are not a safetensors file', () => {
    writeFileSync(join(DIR, 'short.safetensors'), new Uint8Array([1, 2, 3]));
    expect(refusal(() => load('short.safetensors'))).toMatchInlineSnapshot(`"<dir>/short.safetensors: not a safetensors file: 3 bytes, fewer than the 8-byte header length"`);
    const big = new Uint8Array(16);
    new DataView(big.buffer).setBigUint64(0, 1000n, true);
    writeFileSync(join(DIR, 'big.safetensors'), big);
    expect(refusal(() => load('big.safetensors'))).toMatchInlineSnapshot(`"<dir>/big.safetensors: not a safetensors file: the header length in the first 8 bytes does not fit in a file of 16 bytes"`);
    const bad = new Uint8Array(8 + 5);
    new DataView(bad.buffer).setBigUint64(0, 5n, true);
    bad.set(new TextEncoder().encode('{"x":'), 8);
    writeFileSync(join(DIR, 'bad.safetensors'), bad);
    expect(refusal(() => load('bad.safetensors'))).toMatch(/^<dir>\/bad\.safetensors: not a safetensors file: the header is not a JSON object/);
  });
});
