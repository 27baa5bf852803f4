import { describe, expect, it } from 'vitest';
import { firstBadActivation, lossDivergence, stepDivergence } from '../../src/metrics/divergence.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { LOSSES } from '../../src/net/losses.js';
import { MLP, initializeMLP } from '../../src/net/mlp.js';
import { createRng } from '../../src/net/rng.js';

/** A tanh net 2 -> 3 x 4 -> 2 after forward and backward on 6 rows; returns it and the loss. */
function stepped(): { mlp: MLP; loss: number } {
  const mlp = new MLP({ inputDim: 2, outputDim: 2, depth: 3, width: 4, activation: 'tanh', dtype: 'float64', kernels: tsKernels, maxRows: 6 });
  initializeMLP(mlp, { init: { name: 'he_normal' }, biasInit: { name: 'zeros' } }, createRng(3).fork('init'));
  const rng = createRng(4);
  const x = Float64Array.from({ length: 12 }, () => rng.normal());
  const t = Float64Array.from({ length: 12 }, () => rng.normal());
  const out = mlp.forward(x, 6);
  const loss = LOSSES.mse.forward(out, t, 6, 2);
  const d = new Float64Array(12);
  LOSSES.mse.backward(out, t, d, 6, 2);
  mlp.backward(d, 6);
  return { mlp, loss };
}

describe('naming the first non-finite value of a step', () => {
  it('finds nothing in a finite step, scanned fully or not', () => {
    const { mlp, loss } = stepped();
    expect(stepDivergence(mlp.layers, 0, loss, 6, true)).toBeNull();
    expect(stepDivergence(mlp.layers, 0, loss, 6, false)).toBeNull();
    expect(lossDivergence(mlp.layers, 0, loss)).toBeNull();
  });

  it('sees an overflowed dW only when it scans every dW; a db or dz reaches the cheap check', () => {
    const { mlp, loss } = stepped();
    mlp.layers[1].dW[2] = Infinity;
    expect(stepDivergence(mlp.layers, 4, loss, 6, false)).toBeNull();
    expect(stepDivergence(mlp.layers, 4, loss, 6, true)).toEqual({ step: 4, layer: 1, what: 'gradient' });
    mlp.layers[1].dW[2] = 0;
    mlp.layers[2].db[0] = NaN;
    expect(stepDivergence(mlp.layers, 4, loss, 6, false)).toEqual({ step: 4, layer: 2, what: 'gradient' });
  });

  it('names in computation order: weights, then activations, then the loss, then gradients from the top down', () => {
    const { mlp, loss } = stepped();
    mlp.layers[0].dz[1] = NaN;
    mlp.layers[2].db[1] = NaN;
    expect(stepDivergence(mlp.layers, 1, loss, 6, false)).toEqual({ step: 1, layer: 2, what: 'gradient' });
    expect(stepDivergence(mlp.layers, 1, NaN, 6, false)).toEqual({ step: 1, layer: null, what: 'loss' });
    mlp.layers[3].a[0] = Infinity;
    mlp.layers[1].a[0] = NaN;
    expect(stepDivergence(mlp.layers, 1, NaN, 6, false)).toEqual({ step: 1, layer: 1, what: 'activation' });
    mlp.layers[2].W[0] = NaN;
    expect(stepDivergence(mlp.layers, 1, NaN, 6, false)).toEqual({ step: 1, layer: 2, what: 'weight' });
  });

  it('names, for a non-finite loss, the first layer whose activations hold a non-finite value (null: none)', () => {
    const { mlp } = stepped();
    expect(lossDivergence(mlp.layers, 2, Infinity)).toEqual({ step: 2, layer: null, what: 'loss' });
    mlp.layers[2].a[3] = NaN;
    mlp.layers[1].a[5] = -Infinity;
    expect(firstBadActivation(mlp.layers)).toBe(1);
    expect(lossDivergence(mlp.layers, 2, NaN)).toEqual({ step: 2, layer: 1, what: 'loss' });
  });
});
