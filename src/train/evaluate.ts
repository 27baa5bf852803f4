/**
 * Evaluation of the network as it is now: mean loss (and accuracy, for classification) over the
 * first rows of the training split and over the whole test split.
 *
 *   loss = sum over chunks of loss(chunk) * rows(chunk) / n     (NaN for n = 0)
 *   acc  = correct / n                                           (null for regression or n = 0)
 *
 * Rows go through the model EVAL_CHUNK at a time in 'eval' mode (batch norm normalises with its
 * running statistics and leaves them as they are), which overwrites its forward caches (x, z,
 * n, a) but no gradient.
 */
import type { EvalValues } from '../metrics/events.js';
import { accuracy, type LossDef } from '../net/losses.js';
import type { MLP } from '../net/mlp.js';
import type { Split } from './batches.js';

/** Rows evaluated per forward pass when measuring a whole split. */
export const EVAL_CHUNK = 512;
/** Training accuracy is measured on at most this many training rows (a fixed prefix). */
export const TRAIN_EVAL_ROWS = 4096;

/** Mean loss and accuracy over the first `n` rows of `split`. */
export function evaluateSplit(mlp: MLP, loss: LossDef, split: Split, n: number): { readonly loss: number; readonly acc: number | null } {
  const { d, targets } = split;
  const k = mlp.outputDim;
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < n; from += EVAL_CHUNK) {
    const rows = Math.min(EVAL_CHUNK, n - from);
    const out = mlp.forward(split.x.subarray(from * d, (from + rows) * d), rows, 'eval');
    if (targets.kind === 'labels') {
      const labels = targets.y.subarray(from, from + rows);
      lossSum += loss.forward(out, labels, rows, k) * rows;
      correct += accuracy(out, labels, rows, k) * rows;
    } else {
      lossSum += loss.forward(out, targets.y.subarray(from * k, (from + rows) * k), rows, k) * rows;
    }
  }
  return { loss: n > 0 ? lossSum / n : NaN, acc: targets.kind === 'labels' && n > 0 ? correct / n : null };
}

/** The first TRAIN_EVAL_ROWS training rows and the whole test split (null values without one). */
export function evaluate(mlp: MLP, loss: LossDef, train: Split, test: Split): EvalValues {
  const tr = evaluateSplit(mlp, loss, train, Math.min(train.n, TRAIN_EVAL_ROWS));
  const te = test.n > 0 ? evaluateSplit(mlp, loss, test, test.n) : null;
  return { trainAcc: tr.acc, trainLoss: tr.loss, testAcc: te?.acc ?? null, testLoss: te?.loss ?? null };
}
