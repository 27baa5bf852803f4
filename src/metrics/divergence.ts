/**
 * Finding the first non-finite value (NaN, ±Infinity) of a training step, and naming it.
 *
 * Detection is cheap: a non-finite activation reaches the logits (and the loss), a non-finite
 * dz reaches every db below it (0 * inf is NaN, so even relu's zero derivative passes it on).
 * dW = dz^T x can also overflow on its own; scanning it whole every step cost ~4% of a step,
 * so it is scanned only at sampled steps (`fullScan`), and between them an overflowed dW shows up
 * one step later as a non-finite weight (reported as such, with its layer). Only when one of
 * those is bad are all buffers scanned, in computation order (weights, activations, loss, then
 * gradients from the output layer down), to name the first bad one.
 */
import type { Dense } from '../net/dense.js';
import { allFinite } from './reducers.js';
import type { DivergenceInfo } from './types.js';

/** Index of the first layer whose whole activation buffer holds a non-finite value, or null. */
export function firstBadActivation(layers: readonly Dense[]): number | null {
  for (let i = 0; i < layers.length; i++) {
    if (!allFinite(layers[i].a)) return i;
  }
  return null;
}

/**
 * A non-finite loss, seen before backward: named `loss`, with the first layer whose activations
 * went bad on the way (null when only the loss did).
 */
export function lossDivergence(layers: readonly Dense[], step: number, loss: number): DivergenceInfo | null {
  return Number.isFinite(loss) ? null : { step, layer: firstBadActivation(layers), what: 'loss' };
}

/**
 * Checks a step after backward, over the `rows` rows of its training batch. `fullScan` also
 * scans every dW (see the module comment).
 */
export function stepDivergence(layers: readonly Dense[], step: number, loss: number, rows: number, fullScan: boolean): DivergenceInfo | null {
  const L = layers;
  if (L.length === 0) return Number.isFinite(loss) ? null : { step, layer: null, what: 'loss' };
  const top = L[L.length - 1];
  let suspect = !Number.isFinite(loss) || !allFinite(top.a, rows * top.fanOut * top.widthFactor);
  for (let i = 0; !suspect && i < L.length; i++) suspect = !allFinite(L[i].db) || (fullScan && !allFinite(L[i].dW));
  if (!suspect) return null;
  return nameFirstBad(L, step, loss, rows);
}

/** The first non-finite buffer of the step in computation order, or null when all are finite. */
function nameFirstBad(L: readonly Dense[], step: number, loss: number, rows: number): DivergenceInfo | null {
  // The weights of this step (made by the previous update) come first in computation order.
  for (let i = 0; i < L.length; i++) {
    if (!allFinite(L[i].W) || !allFinite(L[i].b)) return { step, layer: i, what: 'weight' };
  }
  for (let i = 0; i < L.length; i++) {
    if (!allFinite(L[i].a, rows * L[i].fanOut * L[i].widthFactor)) return { step, layer: i, what: 'activation' };
  }
  if (!Number.isFinite(loss)) return { step, layer: null, what: 'loss' };
  for (let i = L.length - 1; i >= 0; i--) {
    const l = L[i];
    if (!allFinite(l.dz, rows * l.fanOut) || !allFinite(l.dW) || !allFinite(l.db)) return { step, layer: i, what: 'gradient' };
  }
  return null;
}
