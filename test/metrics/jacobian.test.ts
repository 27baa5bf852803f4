/**
 * The hidden stack's Jacobian against central differences of the stack itself in float64, for
 * elementwise activations, CReLU's doubled width, residual skips and a normalisation factor.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, activationParams, type ActivationName } from '../../src/net/activations.js';
import { createRng } from '../../src/net/rng.js';
import { stackJacobian, type JacobianLayer } from '../../src/metrics/jacobian.js';

interface Layer {
  readonly W: Float64Array;
  readonly b: Float64Array;
  readonly fanIn: number;
  readonly fanOut: number;
  readonly scale: Float64Array | null;
}

function activate(name: ActivationName, z: Float64Array): Float64Array {
  const p = activationParams(name);
  const f = ACTIVATIONS.relu.f;
  if (name === 'crelu') return Float64Array.from({ length: 2 * z.length }, (_, i) => (i < z.length ? f(z[i], p) : f(-z[i - z.length], p)));
  return z.map((x) => ACTIVATIONS[name].f(x, p));
}

function derivative(name: ActivationName, z: Float64Array): Float64Array {
  const p = activationParams(name);
  const df = ACTIVATIONS.relu.df;
  if (name === 'crelu') return Float64Array.from({ length: 2 * z.length }, (_, i) => (i < z.length ? df(z[i], p) : -df(-z[i - z.length], p)));
  return z.map((x) => ACTIVATIONS[name].df(x, p));
}

function pre(l: Layer, h: Float64Array): Float64Array {
  const z = new Float64Array(l.fanOut);
  for (let r = 0; r < l.fanOut; r++) {
    let acc = l.b[r];
    for (let k = 0; k < l.fanIn; k++) acc += l.W[r * l.fanIn + k] * h[k];
    z[r] = l.scale ? acc * l.scale[r] : acc;
  }
  return z;
}

function forward(name: ActivationName, layers: readonly Layer[], h0: Float64Array, alpha: number | null): Float64Array {
  let h: Float64Array = h0;
  for (const l of layers) {
    const a = activate(name, pre(l, h));
    h = alpha === null ? a : h.map((x, i) => x + alpha * a[i]);
  }
  return h;
}

function build(name: ActivationName, depth: number, width: number, seed: string, withScale: boolean): Layer[] {
  const rng = createRng(seed);
  const wf = ACTIVATIONS[name].widthFactor;
  return Array.from({ length: depth }, () => {
    const fanIn = width * wf;
    return {
      W: Float64Array.from({ length: width * fanIn }, () => rng.normal() * Math.sqrt(1.5 / fanIn)),
      b: Float64Array.from({ length: width }, () => 0.1 * rng.normal()),
      fanIn,
      fanOut: width,
      scale: withScale ? Float64Array.from({ length: width }, () => 0.5 + rng.next()) : null,
    };
  });
}

describe.each([
  ['tanh', null, false],
  ['sigmoid', null, false],
  ['elu', null, false],
  ['selu', null, true],
  ['relu', null, false],
  ['crelu', null, false],
  ['tanh', 0.5, false],
  ['relu', 1, true],
] as const)('%s, residual %s, normalisation factor %s', (name, alpha, withScale) => {
  it('equals central differences of the stack to 1e-7', () => {
    const width = 5;
    const layers = build(name, 4, width, `${name}-${alpha}`, withScale);
    const n0 = width * ACTIVATIONS[name].widthFactor;
    const rng = createRng('h0');
    const h0 = Float64Array.from({ length: n0 }, () => rng.normal());
    const jl: JacobianLayer[] = [];
    let h: Float64Array = h0;
    for (const l of layers) {
      const z = pre(l, h);
      jl.push({
        W: l.W,
        fanIn: l.fanIn,
        fanOut: l.fanOut,
        widthFactor: ACTIVATIONS[name].widthFactor,
        d: derivative(name, z),
        norm: l.scale ? Float64Array.from({ length: width * width }, (_, i) => (i % (width + 1) === 0 ? l.scale![i / (width + 1)] : 0)) : null,
        residualScale: alpha,
      });
      const a = activate(name, z);
      h = alpha === null ? a : h.map((x, i) => x + alpha * a[i]);
    }
    const { J, rows, cols } = stackJacobian(jl, n0);
    expect([rows, cols]).toEqual([n0, n0]);
    const eps = 1e-6;
    for (let k = 0; k < n0; k++) {
      const up = Float64Array.from(h0);
      const dn = Float64Array.from(h0);
      up[k] += eps;
      dn[k] -= eps;
      const fu = forward(name, layers, up, alpha);
      const fd = forward(name, layers, dn, alpha);
      for (let r = 0; r < rows; r++) {
        const num = (fu[r] - fd[r]) / (2 * eps);
        expect(Math.abs(J[r * cols + k] - num), `J[${r}, ${k}]`).toBeLessThan(1e-7 * Math.max(1, Math.abs(num)));
      }
    }
  });
});

it('refuses a stack whose widths do not chain', () => {
  const l: JacobianLayer = { W: new Float64Array(6), fanIn: 3, fanOut: 2, widthFactor: 1, d: new Float64Array(2), norm: null, residualScale: null };
  expect(() => stackJacobian([l, l], 3)).toThrowError(/takes 3 inputs, the stack so far gives 2/);
});
