/**
 * Train/test split and standardisation, shared by every data kind.
 *
 * Split: perm = a seeded Fisher-Yates permutation of 0..n-1 (the rng is the data stream's
 * 'split' fork); nTest = round(n * testFraction), nTrain = n - nTest; the first nTrain rows of
 * perm train, the rest test. Rows keep the permuted order, so classes come interleaved even when
 * the generator wrote them class by class.
 *
 * Standardisation: x'[r, j] = (x[r, j] - mean[j]) / std[j], with mean and the population std
 * (divide by nTrain) of the training rows only, applied to both splits so that nothing about the
 * test rows leaks into training. Targets are never standardised.
 */
import type { Rng } from '../net/rng.js';
import { DataError, dataMessages } from './errors.js';
import type { Dataset, DatasetMeta, RawData, Standardization } from './types.js';

export interface SplitOptions {
  readonly testFraction: number;
  readonly standardize: boolean;
}

/** The seeded permutation and the split point: train = perm[0, nTrain), test = perm[nTrain, n). */
export function splitIndices(n: number, testFraction: number, rng: Rng): { train: Int32Array; test: Int32Array } {
  const nTest = Math.round(n * testFraction);
  const nTrain = n - nTest;
  if (nTrain < 1) throw new DataError(dataMessages.noTrainingRows(n, testFraction), 'data.testFraction');
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  rng.shuffle(perm);
  return { train: perm.slice(0, nTrain), test: perm.slice(nTrain) };
}

/** out[i, :] = src[rows[i], :] for rows of `width` values. */
export function gatherRows<T extends Float64Array | Int32Array>(src: T, rows: Int32Array, width: number, out: T): T {
  for (let i = 0; i < rows.length; i++) {
    const from = rows[i] * width;
    out.set(src.subarray(from, from + width), i * width);
  }
  return out;
}

/** mean[j] and population std[j] over the rows of x: [n, d]; std 1 where a feature is constant. */
export function featureStats(x: Float64Array, n: number, d: number): Standardization {
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += x[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const c = x[r * d + j] - mean[j];
      std[j] += c * c;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j] / n);
    // Two-pass variance of a constant column is rounding noise, not signal: centre only.
    std[j] = s > 1e-12 * Math.max(1, Math.abs(mean[j])) ? s : 1;
  }
  return { mean, std };
}

/** x[r, j] <- (x[r, j] - mean[j]) / std[j], in place. */
export function applyStandardization(x: Float64Array, d: number, { mean, std }: Standardization): void {
  for (let i = 0; i < x.length; i++) {
    const j = i % d;
    x[i] = (x[i] - mean[j]) / std[j];
  }
}

/**
 * Splits `raw` into train and test rows with `rng` (pass the data stream's 'split' fork) and
 * standardises the features when asked.
 */
export function splitDataset(
  name: string,
  raw: RawData,
  opts: SplitOptions,
  rng: Rng,
  meta: Pick<DatasetMeta, 'params' | 'source'>,
): Dataset {
  const { n, d } = raw;
  const { train, test } = splitIndices(n, opts.testFraction, rng);
  const xTrain = gatherRows(raw.x, train, d, new Float64Array(train.length * d));
  const xTest = gatherRows(raw.x, test, d, new Float64Array(test.length * d));
  let standardization: Standardization | null = null;
  if (opts.standardize) {
    standardization = featureStats(xTrain, train.length, d);
    applyStandardization(xTrain, d, standardization);
    applyStandardization(xTest, d, standardization);
  }
  const common = {
    name,
    xTrain,
    xTest,
    nTrain: train.length,
    nTest: test.length,
    inputDim: d,
    meta: { ...meta, trainIndex: train, testIndex: test, standardization },
  };
  if (raw.task === 'classification') {
    return {
      ...common,
      task: 'classification',
      outputDim: raw.classes,
      classes: raw.classes,
      yTrain: gatherRows(raw.y, train, 1, new Int32Array(train.length)),
      yTest: gatherRows(raw.y, test, 1, new Int32Array(test.length)),
    };
  }
  return {
    ...common,
    task: 'regression',
    outputDim: raw.k,
    yTrain: gatherRows(raw.y, train, raw.k, new Float64Array(train.length * raw.k)),
    yTest: gatherRows(raw.y, test, raw.k, new Float64Array(test.length * raw.k)),
  };
}
