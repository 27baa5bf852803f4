import { describe, expect, it } from 'vitest';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { LOSSES } from '../../src/net/losses.js';
import { MLP, initializeMLP } from '../../src/net/mlp.js';
import { createRng } from '../../src/net/rng.js';
import type { Split } from '../../src/train/batches.js';
import { EVAL_CHUNK, TRAIN_EVAL_ROWS, evaluate, evaluateSplit } from '../../src/train/evaluate.js';

/** A float64 tanh net 3 -> 2 x 6 -> k, with `maxRows` rows of buffers. */
function net(k: number, maxRows: number): MLP {
  const mlp = new MLP({ inputDim: 3, outputDim: k, depth: 2, width: 6, activation: 'tanh', dtype: 'float64', kernels: tsKernels, maxRows });
  initializeMLP(mlp, { init: { name: 'he_normal' }, biasInit: { name: 'normal', std: 0.3 } }, createRng(11).fork('init'));
  return mlp;
}

function split(n: number, k: number, task: 'labels' | 'values'): Split {
  const rng = createRng(12 + n);
  const x = Float64Array.from({ length: 3 * n }, () => rng.normal());
  return task === 'labels'
    ? { x, n, d: 3, targets: { kind: 'labels', y: Int32Array.from({ length: n }, () => Math.floor(rng.uniform(0, k))) } }
    : { x, n, d: 3, targets: { kind: 'values', y: Float64Array.from({ length: n * k }, () => rng.normal()), k } };
}

/** Mean loss and accuracy of the first n rows in one forward pass, by hand: argmax per row. */
function direct(split: Split, n: number, k: number): { loss: number; acc: number | null } {
  const big = net(k, n);
  const out = big.forward(split.x.subarray(0, 3 * n), n);
  const t = split.targets;
  if (t.kind === 'values') return { loss: LOSSES.mse.forward(out, t.y.subarray(0, n * k), n, k), acc: null };
  let correct = 0;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (out[r * k + c] > out[r * k + best]) best = c;
    if (best === t.y[r]) correct++;
  }
  return { loss: LOSSES.cross_entropy.forward(out, t.y.subarray(0, n), n, k), acc: correct / n };
}

describe('evaluating a split', () => {
  const n = 2 * EVAL_CHUNK + 77;

  it('gives over chunks of EVAL_CHUNK rows the loss and accuracy of one pass over all rows', () => {
    const s = split(n, 4, 'labels');
    const got = evaluateSplit(net(4, EVAL_CHUNK), LOSSES.cross_entropy, s, n);
    const want = direct(s, n, 4);
    expect(got.loss).toBeCloseTo(want.loss, 12);
    expect(got.acc).toBe(want.acc);
  });

  it('gives the mean squared error and no accuracy for regression targets', () => {
    const s = split(n, 2, 'values');
    const got = evaluateSplit(net(2, EVAL_CHUNK), LOSSES.mse, s, n);
    expect(got.loss).toBeCloseTo(direct(s, n, 2).loss, 12);
    expect(got.acc).toBeNull();
  });

  it('gives NaN and no accuracy for no rows', () => {
    expect(evaluateSplit(net(4, EVAL_CHUNK), LOSSES.cross_entropy, split(0, 4, 'labels'), 0)).toEqual({ loss: NaN, acc: null });
  });
});

describe('evaluating the network', () => {
  it('reads the first TRAIN_EVAL_ROWS training rows and the whole test split', () => {
    const train = split(TRAIN_EVAL_ROWS + 300, 4, 'labels');
    const test = split(700, 4, 'labels');
    const mlp = net(4, EVAL_CHUNK);
    const got = evaluate(mlp, LOSSES.cross_entropy, train, test);
    const tr = direct(train, TRAIN_EVAL_ROWS, 4);
    const te = direct(test, 700, 4);
    expect(got.trainLoss).toBeCloseTo(tr.loss, 12);
    expect(got.trainAcc).toBe(tr.acc);
    expect(got.testLoss).toBeCloseTo(te.loss, 12);
    expect(got.testAcc).toBe(te.acc);
  });

  it('leaves the test values null without a test split', () => {
    const got = evaluate(net(4, EVAL_CHUNK), LOSSES.cross_entropy, split(40, 4, 'labels'), split(0, 4, 'labels'));
    expect(got.testAcc).toBeNull();
    expect(got.testLoss).toBeNull();
    expect(got.trainAcc).not.toBeNull();
  });
});
