/**
 * The Jacobian of a real MLP at a step and its spectrum, each against an independent
 * computation: central differences of the hidden stack evaluated by hand from the weights
 * (float64), the power sums of J^T J (which fix its eigenvalues, Newton's identities) for the
 * singular values, and the mean-field product of chi_1 for the mean of s^2 on a wide net.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, type ActivationName, type ParamValues } from '../../src/net/activations.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { MLP, initializeMLP } from '../../src/net/mlp.js';
import { normSpec } from '../../src/net/norm.js';
import { createRng } from '../../src/net/rng.js';
import { hiddenJacobian, measureSpectra } from '../../src/metrics/spectra.js';
import { theoryFor } from '../../src/metrics/theory.js';
import { predictedJacobianMeanS2 } from '../../src/metrics/theory-signal.js';

function model(activation: ActivationName, depth: number, width: number, inputDim: number, rows: number, params: ParamValues = {}): MLP {
  return new MLP({ inputDim, outputDim: 3, depth, width, activation, activationParams: params, dtype: 'float64', kernels: tsKernels, maxRows: rows });
}

/** h_{depth-1} from h_0 by the weights, as the formula says (no use of the model's forward). */
function stackFrom(mlp: MLP, h0: Float64Array): Float64Array {
  let h = h0;
  for (let l = 1; l < mlp.depth; l++) {
    const layer = mlp.layers[l];
    const def = ACTIVATIONS[layer.activation];
    const z = new Float64Array(layer.fanOut);
    for (let r = 0; r < layer.fanOut; r++) {
      let acc = layer.b[r];
      for (let k = 0; k < layer.fanIn; k++) acc += layer.W[r * layer.fanIn + k] * h[k];
      z[r] = acc;
    }
    const a = new Float64Array(layer.fanOut * layer.widthFactor);
    def.forward(z, a, 1, layer.fanOut, layer.activationParams, layer.learned);
    h = a;
  }
  return h;
}

/** trace((A^T A)^k) for k = 1..n, A: [m, n]. */
function powerSums(J: Float64Array, m: number, n: number): number[] {
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let r = 0; r < m; r++) g[i * n + j] += J[r * n + i] * J[r * n + j];
  const out: number[] = [];
  let p = Float64Array.from(g);
  for (let k = 1; k <= n; k++) {
    let tr = 0;
    for (let i = 0; i < n; i++) tr += p[i * n + i];
    out.push(tr);
    const next = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let t = 0; t < n; t++) next[i * n + j] += p[i * n + t] * g[t * n + j];
    p = next;
  }
  return out;
}

describe.each([
  ['tanh', {}],
  ['relu', {}],
  ['elu', {}],
  ['crelu', {}],
  ['prelu', { perUnit: true }],
] as const)('the Jacobian of a small %s MLP', (activation, params) => {
  const depth = 4;
  const width = 4;
  const rows = 3;
  const mlp = model(activation, depth, width, 3, rows, params);
  initializeMLP(mlp, { init: { name: 'glorot_normal', gain: 1.4 }, biasInit: { name: 'normal', std: 0.3 } }, createRng(`spectra-${activation}`).fork('init'));
  const rng = createRng('x');
  for (const l of mlp.layers) if (l.learned) for (let i = 0; i < l.learned.value.length; i++) l.learned.value[i] = 0.5 * rng.normal();
  const x = Float64Array.from({ length: rows * 3 }, () => rng.normal());

  it('equals central differences of the hidden stack in float64 to 1e-7, for every example', () => {
    mlp.forward(x, rows);
    const n0 = width * ACTIVATIONS[activation].widthFactor;
    for (let row = 0; row < rows; row++) {
      mlp.forward(x, rows);
      const h0 = Float64Array.from(mlp.layers[0].a.subarray(row * n0, (row + 1) * n0));
      const { J, rows: m, cols } = hiddenJacobian(mlp, row);
      expect([m, cols]).toEqual([n0, n0]);
      const eps = 1e-6;
      for (let k = 0; k < n0; k++) {
        const up = Float64Array.from(h0);
        const dn = Float64Array.from(h0);
        up[k] += eps;
        dn[k] -= eps;
        const fu = stackFrom(mlp, up);
        const fd = stackFrom(mlp, dn);
        for (let r = 0; r < m; r++) {
          const num = (fu[r] - fd[r]) / (2 * eps);
          expect(Math.abs(J[r * cols + k] - num), `row ${row} J[${r}, ${k}]`).toBeLessThan(1e-7 * Math.max(1, Math.abs(num)));
        }
      }
    }
  });

  it('has singular values whose even power sums are the traces of (J^T J)^k, and lines that name step and example', () => {
    const { lines, summary } = measureSpectra(mlp, x, rows, [7, 11, 2], 40);
    expect(lines.map((l) => [l.step, l.example])).toEqual([[40, 7], [40, 11], [40, 2]]);
    for (let row = 0; row < rows; row++) {
      const s = lines[row].singularValues;
      for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
      const { J, rows: m, cols } = hiddenJacobian(mlp, row);
      const traces = powerSums(J, m, cols);
      traces.forEach((tr, k) => {
        const sum = s.reduce((acc, v) => acc + v ** (2 * (k + 1)), 0);
        expect(Math.abs(sum - tr), `power ${2 * (k + 1)}`).toBeLessThan(1e-8 * Math.max(1, tr));
      });
    }
    const pooled = lines.flatMap((l) => l.singularValues);
    const mean = pooled.reduce((a, v) => a + v * v, 0) / pooled.length;
    expect(summary.meanS2).toBeCloseTo(mean, 8);
    expect(summary.max).toBeCloseTo(Math.max(...pooled), 8);
    expect(summary.examples).toBe(rows);
    expect(summary.logJv2).toHaveLength(rows);
  });
});

describe.each([
  ['batch norm', 'batch', null],
  ['layer norm', 'layer', null],
  ['residual connections (alpha 0.5)', 'none', 0.5],
  ['batch norm and residual connections (alpha 1)', 'batch', 1],
] as const)('the Jacobian of a tanh MLP with %s', (_what, norm, alpha) => {
  it('equals central differences of the stack with the batch statistics held fixed, to 1e-7', () => {
    const depth = 4;
    const width = 5;
    const rows = 6;
    const mlp = new MLP({
      inputDim: 3, outputDim: 2, depth, width, activation: 'tanh', dtype: 'float64', kernels: tsKernels, maxRows: rows,
      norm: normSpec(norm), residual: alpha === null ? null : { scale: alpha },
    });
    initializeMLP(mlp, { init: { name: 'glorot_normal', gain: 1.2 }, biasInit: { name: 'normal', std: 0.3 } }, createRng(`norm-${norm}-${alpha}`).fork('init'));
    const rng = createRng('gamma');
    for (const l of mlp.layers) {
      if (l.norm === null) continue;
      for (let c = 0; c < width; c++) {
        l.norm.weight[c] = 0.5 + rng.next();
        l.norm.bias[c] = 0.2 * rng.normal();
      }
    }
    const x = Float64Array.from({ length: rows * 3 }, () => rng.normal());
    mlp.forward(x, rows, 'probe');
    // The probe batch's statistics per unit of each layer's z, computed here from the cached z.
    const stats = mlp.layers.slice(0, depth).map((l) => {
      const mean = new Float64Array(width);
      const inv = new Float64Array(width);
      for (let c = 0; c < width; c++) {
        let m = 0;
        for (let r = 0; r < rows; r++) m += l.z[r * width + c];
        m /= rows;
        let v = 0;
        for (let r = 0; r < rows; r++) v += (l.z[r * width + c] - m) ** 2;
        mean[c] = m;
        inv[c] = 1 / Math.sqrt(v / rows + (l.norm?.spec.eps ?? 0));
      }
      return { mean, inv };
    });
    const stack = (h0: Float64Array): Float64Array => {
      let h = h0;
      for (let l = 1; l < depth; l++) {
        const layer = mlp.layers[l];
        const z = new Float64Array(width);
        for (let r = 0; r < width; r++) {
          let acc = layer.b[r];
          for (let k = 0; k < layer.fanIn; k++) acc += layer.W[r * layer.fanIn + k] * h[k];
          z[r] = acc;
        }
        let n = z;
        if (layer.norm !== null) {
          const g = layer.norm.weight;
          const b = layer.norm.bias;
          if (norm === 'batch') n = z.map((v, c) => g[c] * (v - stats[l].mean[c]) * stats[l].inv[c] + b[c]);
          else {
            const mu = z.reduce((a, v) => a + v, 0) / width;
            const sd = Math.sqrt(z.reduce((a, v) => a + (v - mu) ** 2, 0) / width + layer.norm.spec.eps);
            n = z.map((v, c) => (g[c] * (v - mu)) / sd + b[c]);
          }
        }
        const a = n.map(Math.tanh);
        h = alpha === null ? a : h.map((v, i) => v + alpha * a[i]);
      }
      return h;
    };
    for (let row = 0; row < rows; row += 2) {
      mlp.forward(x, rows, 'probe');
      const h0 = Float64Array.from(mlp.layers[0].a.subarray(row * width, (row + 1) * width));
      const { J, cols } = hiddenJacobian(mlp, row);
      const eps = 1e-6;
      for (let k = 0; k < width; k++) {
        const up = Float64Array.from(h0);
        const dn = Float64Array.from(h0);
        up[k] += eps;
        dn[k] -= eps;
        const fu = stack(up);
        const fd = stack(dn);
        for (let r = 0; r < width; r++) {
          const num = (fu[r] - fd[r]) / (2 * eps);
          expect(Math.abs(J[r * cols + k] - num), `row ${row} J[${r}, ${k}]`).toBeLessThan(1e-7 * Math.max(1, Math.abs(num)));
        }
      }
    }
  });
});

describe('the mean squared singular value of a wide network at init', () => {
  // Width 256, 5 hidden layers (J has 4 factors), He-scaled Gaussian weights with a gain. One
  // network's ||J||_F^2 / n fluctuates by about sqrt(sum 1/n_l) ~ 0.12 of itself (seen: 0.87 to
  // 1.16 over 8 ReLU networks), so the mean over 4 independent networks (one example each) has a
  // spread near 0.06 (seen: -8% to +2%); the prediction is asked to hold within 20%. chi_1 at q* in place of the
  // q_l trajectory misses by 50% for tanh at gain 0.8 (q_0 = 1.33, q* = 0.31).
  it.each([
    ['tanh', 0.8, 0.05],
    ['tanh', 1.3, 0.0],
    ['relu', 1.0, 0.0],
    ['elu', 0.9, 0.1],
  ] as const)('%s (he_normal gain %s, bias std^2 %s) matches the product of chi_1 along the q_l trajectory within 20%%', (activation, gain, sb2) => {
    const depth = 5;
    const width = 256;
    const inputDim = 50;
    const networks = 4;
    const sigmaW2 = 2 * gain * gain;
    let sum = 0;
    let predicted = 0;
    for (let k = 0; k < networks; k++) {
      const mlp = model(activation, depth, width, inputDim, 1);
      initializeMLP(mlp, { init: { name: 'he_normal', gain }, biasInit: { name: 'normal', std: Math.sqrt(sb2) } }, createRng(`wide-${activation}-${gain}-${k}`).fork('init'));
      const rng = createRng(`inputs-${k}`);
      const x = Float64Array.from({ length: inputDim }, () => rng.normal());
      const x2 = x.reduce((a, v) => a + v * v, 0) / x.length;
      const block = theoryFor({
        activation, activationParams: mlp.activationParams, sigmaW2, sigmaB2: sb2, width, depth, initGaussian: true, widthFactor: 1, q0: sigmaW2 * x2 + sb2,
      });
      predicted += predictedJacobianMeanS2(block.chi1PerLayer)! / networks;
      mlp.forward(x, 1);
      const { J, cols } = hiddenJacobian(mlp, 0);
      sum += J.reduce((a, v) => a + v * v, 0) / cols;
    }
    const measured = sum / networks;
    expect(Math.abs(measured / predicted - 1)).toBeLessThan(0.2);
  });
});
