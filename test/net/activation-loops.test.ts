/**
 * The hand-written batched loops of the activations must compute exactly what the scalar
 * definitions compute: the baselines are bit-exact, and the figures and theory use `f`/`df`.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES, ACTIVATIONS, activationParams } from '../../src/net/activations.js';
import { createRng } from '../../src/net/rng.js';

const elementwise = ACTIVATION_NAMES.filter((n) => ACTIVATIONS[n].widthFactor === 1 && !ACTIVATIONS[n].learned);

describe.each(elementwise)('%s batched loops', (name) => {
  const act = ACTIVATIONS[name];
  const p = activationParams(name, name === 'leaky_relu' ? { alpha: 0.07 } : name === 'elu' ? { alpha: 0.6 } : {});
  const rng = createRng(`loops-${name}`);
  const n = 4001;
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = i % 7 === 0 ? 0 : i % 11 === 0 ? 6 : 8 * rng.normal();
  z[1] = Number.NaN;
  z[2] = -0;

  it('forward equals the scalar f bit for bit, NaN included', () => {
    const a = new Float64Array(n);
    act.forward(z, a, 1, n, p, null);
    for (let i = 0; i < n; i++) expect(Object.is(a[i], act.f(z[i], p)), `z = ${z[i]}`).toBe(true);
  });

  it('backward equals da times the derivative from the cached output, bit for bit', () => {
    const a = new Float64Array(n);
    const da = new Float64Array(n);
    const dz = new Float64Array(n);
    const deriv = new Float64Array(n);
    for (let i = 0; i < n; i++) da[i] = rng.normal();
    act.forward(z, a, 1, n, p, null);
    act.backward(z, a, da, dz, 1, n, p, null);
    act.derivative(z, a, deriv, 1, n, p, null);
    for (let i = 2; i < n; i++) {
      expect(Object.is(dz[i], da[i] * deriv[i]), `z = ${z[i]}`).toBe(true);
      // In float64 the cached a is exactly f(z), so the batched derivative must be df(z) exactly.
      expect(Object.is(deriv[i], act.df(z[i], p)), `f'(${z[i]})`).toBe(true);
    }
  });
});
