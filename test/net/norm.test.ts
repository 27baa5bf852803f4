import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES, type ActivationName, type ParamValues } from '../../src/net/activations.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { getKernels } from '../../src/net/kernels.js';
import { MLP, initializeMLP, type MLPOptions } from '../../src/net/mlp.js';
import { NormLayer, normBufferSizes, normSpec, resolveNormName, type ForwardMode, type NormSpec } from '../../src/net/norm.js';
import { createRng, type Rng } from '../../src/net/rng.js';
import type { FloatArray } from '../../src/net/tensor.js';
import { expectGradientsClose, logitsDotLoss } from '../helpers/gradcheck.js';

function randomFill<T extends FloatArray>(a: T, rng: Rng, scale = 1, shift = 0): T {
  for (let i = 0; i < a.length; i++) a[i] = shift + scale * rng.normal();
  return a;
}

function layerOf(spec: NormSpec, units: number, rows: number): NormLayer {
  return new NormLayer(spec, units, rows, normBufferSizes(spec, units, rows).map((n) => new Float64Array(n)));
}

const BATCH = normSpec('batch')!;
const LAYER = normSpec('layer')!;

describe('normSpec', () => {
  it("fills PyTorch's defaults and reads aliases", () => {
    expect(BATCH).toEqual({ name: 'batch', eps: 1e-5, affine: true, momentum: 0.1 });
    expect(normSpec('layer', { eps: 1e-3, affine: false })).toEqual({ name: 'layer', eps: 1e-3, affine: false, momentum: 0.1 });
    expect(normSpec('none')).toBeNull();
    expect(resolveNormName('BatchNorm')).toBe('batch');
    expect(resolveNormName('ln')).toBe('layer');
    expect(() => normSpec('group')).toThrow(/unknown normalization "group"/);
  });
});

describe('batch norm forward', () => {
  it('normalises each unit over the batch with the biased variance and updates running statistics with the unbiased one', () => {
    const rows = 4;
    const bn = layerOf({ ...BATCH, momentum: 0.25, eps: 1e-3 }, 2, rows);
    const z = Float64Array.from([1, 10, 2, 20, 3, 30, 6, 40]);
    const n = new Float64Array(8);
    bn.forward(z, n, rows, 'train');
    // Unit 0: mean 3, biased var (4 + 1 + 0 + 9) / 4 = 3.5, unbiased 14 / 3.
    expect(n[0]).toBeCloseTo((1 - 3) / Math.sqrt(3.5 + 1e-3), 14);
    expect(n[6]).toBeCloseTo((6 - 3) / Math.sqrt(3.5 + 1e-3), 14);
    expect(bn.runningMean[0]).toBeCloseTo(0.25 * 3, 14);
    expect(bn.runningVar[0]).toBeCloseTo(0.75 + 0.25 * (14 / 3), 14);
    // Unit 1: mean 25, var (225 + 25 + 25 + 225) / 4 = 125.
    expect(n[1]).toBeCloseTo((10 - 25) / Math.sqrt(125 + 1e-3), 14);
  });

  it('uses the running statistics in eval mode and leaves them alone in probe and eval modes', () => {
    const bn = layerOf(BATCH, 3, 5);
    const rng = createRng('bn-modes');
    randomFill(bn.runningMean, rng);
    for (let c = 0; c < 3; c++) bn.runningVar[c] = 0.5 + c;
    randomFill(bn.weight, rng, 0.3, 1);
    randomFill(bn.bias, rng, 0.3);
    const rm = Float64Array.from(bn.runningMean);
    const rv = Float64Array.from(bn.runningVar);
    const z = randomFill(new Float64Array(15), rng, 2, 1);
    const n = new Float64Array(15);
    bn.forward(z, n, 5, 'eval');
    for (let i = 0; i < 15; i++) {
      const c = i % 3;
      expect(n[i]).toBeCloseTo(bn.weight[c] * ((z[i] - rm[c]) / Math.sqrt(rv[c] + 1e-5)) + bn.bias[c], 13);
    }
    bn.forward(z, n, 5, 'probe');
    expect(Array.from(bn.runningMean)).toEqual(Array.from(rm));
    expect(Array.from(bn.runningVar)).toEqual(Array.from(rv));
    // Probe: batch statistics, so each unit's xhat has mean 0 over the rows.
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let r = 0; r < 5; r++) s += bn.xhat[r * 3 + c];
      expect(Math.abs(s)).toBeLessThan(1e-12);
    }
    bn.forward(z, n, 5, 'train');
    expect(Array.from(bn.runningMean)).not.toEqual(Array.from(rm));
  });
});

describe('layer norm forward', () => {
  it('normalises each row over its units and has no running statistics', () => {
    const ln = layerOf(LAYER, 4, 2);
    expect(ln.runningMean.length).toBe(0);
    const z = Float64Array.from([1, 2, 3, 6, -1, -1, -1, 3]);
    const n = new Float64Array(8);
    ln.forward(z, n, 2, 'train');
    // Row 0: mean 3, var (4 + 1 + 0 + 9) / 4 = 3.5.
    expect(n[0]).toBeCloseTo(-2 / Math.sqrt(3.5 + 1e-5), 14);
    // Row 1: mean 0, var (1 + 1 + 1 + 9) / 4 = 3.
    expect(n[7]).toBeCloseTo(3 / Math.sqrt(3 + 1e-5), 14);
  });
});

describe.each([
  ['batch', BATCH, 'train'],
  ['batch', BATCH, 'probe'],
  ['batch', BATCH, 'eval'],
  ['batch without affine', { ...BATCH, affine: false }, 'train'],
  ['layer', LAYER, 'train'],
  ['layer', LAYER, 'eval'],
] as const)('%s norm backward (%s mode)', (_label, spec: NormSpec, mode: ForwardMode) => {
  it('gives dz, dgamma and dbeta that match central differences', () => {
    const rows = 6;
    const units = 5;
    const rng = createRng(`norm-grad-${spec.name}-${mode}-${spec.affine}`);
    const nl = layerOf(spec, units, rows);
    if (spec.affine) {
      randomFill(nl.weight, rng, 0.5, 1);
      randomFill(nl.bias, rng, 0.5);
    }
    if (spec.name === 'batch') {
      randomFill(nl.runningMean, rng);
      for (let c = 0; c < units; c++) nl.runningVar[c] = 0.3 + rng.next();
    }
    const z = randomFill(new Float64Array(rows * units), rng, 1.5, 0.3);
    const c = randomFill(new Float64Array(rows * units), rng);
    const n = new Float64Array(rows * units);
    const dz = new Float64Array(rows * units);
    const rm = Float64Array.from(nl.runningMean);
    const rv = Float64Array.from(nl.runningVar);
    // L = sum(c * n) + sum(n^2) / 2: a non-linear loss so that dL/dn depends on the statistics.
    const loss = (): number => {
      nl.runningMean.set(rm);
      nl.runningVar.set(rv);
      nl.forward(z, n, rows, mode);
      let s = 0;
      for (let i = 0; i < n.length; i++) s += c[i] * n[i] + 0.5 * n[i] * n[i];
      return s;
    };
    loss();
    const dn = Float64Array.from(n, (v, i) => c[i] + v);
    nl.backward(dn, dz, rows);
    expectGradientsClose({ label: `${spec.name} dz`, params: z, analytic: Float64Array.from(dz), loss });
    expectGradientsClose({ label: `${spec.name} dgamma`, params: nl.weight as Float64Array, analytic: Float64Array.from(nl.weightGrad), loss });
    expectGradientsClose({ label: `${spec.name} dbeta`, params: nl.bias as Float64Array, analytic: Float64Array.from(nl.biasGrad), loss });
  });
});

const SMALL = { inputDim: 4, outputDim: 3, depth: 3, width: 5 } as const;
const ROWS = 6;

function model(activation: ActivationName, extra: Partial<MLPOptions> = {}): MLP {
  return new MLP({ ...SMALL, activation, dtype: 'float64', kernels: tsKernels, maxRows: ROWS, ...extra });
}

function init(mlp: MLP, seed: number): void {
  initializeMLP(mlp, { init: { name: 'glorot_normal', gain: 1.3 }, biasInit: { name: 'normal', std: 0.5 } }, createRng(seed).fork('init'));
  // gamma and beta away from 1 and 0 so that a bug in their use cannot hide.
  const rng = createRng(seed).fork('norms');
  for (const l of mlp.layers) {
    if (l.norm === null || !l.norm.spec.affine) continue;
    randomFill(l.norm.weight, rng, 0.3, 1);
    randomFill(l.norm.bias, rng, 0.3);
  }
}

const VARIANTS: readonly [string, ActivationName, ParamValues, Partial<MLPOptions>][] = [
  ['batch norm', 'tanh', {}, { norm: BATCH }],
  ['batch norm', 'relu', {}, { norm: BATCH }],
  ['batch norm', 'sigmoid', {}, { norm: BATCH }],
  ['batch norm', 'prelu', { perUnit: true }, { norm: BATCH }],
  ['batch norm', 'crelu', {}, { norm: BATCH }],
  ['batch norm without affine', 'gelu', {}, { norm: { ...BATCH, affine: false } }],
  ['layer norm', 'tanh', {}, { norm: LAYER }],
  ['layer norm', 'elu', {}, { norm: LAYER }],
  ['layer norm', 'silu', {}, { norm: LAYER }],
  ['layer norm', 'crelu', {}, { norm: LAYER }],
  ['residual 1', 'relu', {}, { residual: { scale: 1 } }],
  ['residual 0.5', 'tanh', {}, { residual: { scale: 0.5 } }],
  ['residual 0.7', 'crelu', {}, { residual: { scale: 0.7 } }],
  ['residual 0.5 with batch norm', 'relu', {}, { residual: { scale: 0.5 }, norm: BATCH }],
  ['residual 1 with layer norm', 'selu', {}, { residual: { scale: 1 }, norm: LAYER }],
];

describe.each(VARIANTS)('MLP with %s, %s %o', (_label, activation, activationParams, extra) => {
  it('back-propagates gradients that match central differences for every parameter and the input', () => {
    const rng = createRng(`norm-mlp-${_label}-${activation}`);
    const mlp = model(activation, { activationParams, inputGrad: true, ...extra });
    init(mlp, 1);
    for (const layer of mlp.layers) if (layer.learned) randomFill(layer.learned.value, rng, 0.5);
    const x = randomFill(new Float64Array(ROWS * SMALL.inputDim), rng);
    const c = randomFill(new Float64Array(ROWS * SMALL.outputDim), rng);
    const loss = logitsDotLoss(mlp, x, c, ROWS);
    loss();
    mlp.backward(c, ROWS);
    const params = mlp.params();
    if (extra.norm?.affine) expect(params.map((p) => p.name)).toContain('norms.2.weight');
    for (const p of params) {
      const analytic = Float64Array.from(p.grad);
      // Batch norm cancels the bias of its layer: dL/db is 0 up to round-off.
      const cancelled = extra.norm?.name === 'batch' && p.kind === 'bias' && p.layer < SMALL.depth;
      if (cancelled) for (const v of analytic) expect(Math.abs(v)).toBeLessThan(1e-12);
      expectGradientsClose({ label: `${_label} ${p.name}`, params: p.value as Float64Array, analytic, loss, atol: cancelled ? 1e-7 : 1e-8 });
    }
    loss();
    mlp.backward(c, ROWS);
    expectGradientsClose({ label: `${_label} input`, params: x, analytic: Float64Array.from(mlp.layers[0].dx!), loss });
  });

  it('computes the same logits in float32 as in float64, and on the wasm kernel as on the ts one', () => {
    const rng = createRng(`norm-dtypes-${_label}-${activation}`);
    const m64 = model(activation, { activationParams, ...extra });
    const m32 = new MLP({ ...SMALL, activation, activationParams, dtype: 'float32', kernels: tsKernels, maxRows: ROWS, ...extra });
    const w32 = new MLP({ ...SMALL, activation, activationParams, dtype: 'float32', kernels: getKernels('wasm'), maxRows: ROWS, ...extra });
    init(m64, 2);
    const p64 = m64.params();
    for (const other of [m32, w32]) other.params().forEach((p, i) => p.value.set(p64[i].value));
    p64.forEach((p, i) => p.value.set(m32.params()[i].value));
    const x = Float32Array.from(randomFill(new Float64Array(ROWS * SMALL.inputDim), rng));
    for (const mode of ['train', 'eval'] as const) {
      const y64 = Float64Array.from(m64.forward(Float64Array.from(x), ROWS, mode).subarray(0, ROWS * SMALL.outputDim));
      for (const m of [m32, w32]) {
        const y = m.forward(x, ROWS, mode);
        for (let i = 0; i < y64.length; i++) expect(Math.abs(y[i] - y64[i])).toBeLessThan(1e-4 * (1 + Math.abs(y64[i])));
      }
    }
  });
});

describe.each(ACTIVATION_NAMES)('every activation: %s', (activation) => {
  it.each([
    ['batch norm and residual connections', { norm: BATCH, residual: { scale: 0.6 } }],
    ['layer norm', { norm: LAYER }],
  ] as const)('with %s back-propagates gradients that match central differences', (_label, extra) => {
    const rng = createRng(`norm-battery-${activation}-${_label}`);
    const mlp = model(activation, extra);
    init(mlp, 7);
    const x = randomFill(new Float64Array(ROWS * SMALL.inputDim), rng);
    const c = randomFill(new Float64Array(ROWS * SMALL.outputDim), rng);
    const loss = logitsDotLoss(mlp, x, c, ROWS);
    loss();
    mlp.backward(c, ROWS);
    for (const p of mlp.params()) {
      const cancelled = extra.norm.name === 'batch' && p.kind === 'bias' && p.layer < SMALL.depth;
      expectGradientsClose({ label: `${activation} ${_label} ${p.name}`, params: p.value as Float64Array, analytic: Float64Array.from(p.grad), loss, atol: cancelled ? 1e-7 : 1e-8 });
    }
  });
});

describe('MLP with norms and residual connections', () => {
  it('names norm parameters and running statistics as PyTorch does, and counts gamma and beta as parameters', () => {
    const mlp = model('relu', { norm: BATCH });
    expect(mlp.params().map((p) => `${p.name} [${p.shape}]`)).toEqual([
      'layers.0.weight [5,4]', 'layers.0.bias [5]', 'norms.0.weight [5]', 'norms.0.bias [5]',
      'layers.1.weight [5,5]', 'layers.1.bias [5]', 'norms.1.weight [5]', 'norms.1.bias [5]',
      'layers.2.weight [5,5]', 'layers.2.bias [5]', 'norms.2.weight [5]', 'norms.2.bias [5]',
      'layers.3.weight [3,5]', 'layers.3.bias [3]',
    ]);
    expect(mlp.buffers().map((b) => b.name)).toEqual([
      'norms.0.running_mean', 'norms.0.running_var', 'norms.1.running_mean', 'norms.1.running_var', 'norms.2.running_mean', 'norms.2.running_var',
    ]);
    expect(mlp.paramCount).toBe(4 * 5 + 5 + 2 * (5 * 5 + 5) + 5 * 3 + 3 + 3 * 10);
    expect(model('relu', { norm: LAYER }).buffers()).toEqual([]);
    expect(model('relu', { norm: { ...LAYER, affine: false } }).params().some((p) => p.name.startsWith('norms.'))).toBe(false);
  });

  it('adds the input of every hidden layer after the first, scaled outputs, and nothing around the output layer', () => {
    const alpha = 0.5;
    const mlp = model('tanh', { residual: { scale: alpha } });
    init(mlp, 3);
    const x = randomFill(new Float64Array(ROWS * SMALL.inputDim), createRng('res'));
    const out = Float64Array.from(mlp.forward(x, ROWS).subarray(0, ROWS * SMALL.outputDim));
    const plain = model('tanh');
    plain.params().forEach((p, i) => p.value.set(mlp.params()[i].value));
    // h_0 = a_0, h_l = h_{l-1} + alpha tanh(z_l): rebuild with the plain model's layers one by one.
    let h = Float64Array.from(plain.layers[0].forward(x, ROWS).subarray(0, ROWS * 5));
    expect(Array.from(mlp.hidden[0].subarray(0, ROWS * 5))).toEqual(Array.from(h));
    for (const l of [1, 2]) {
      const a = plain.layers[l].forward(h, ROWS);
      h = Float64Array.from(h, (v, k) => v + alpha * a[k]);
      expect(Array.from(mlp.hidden[l].subarray(0, ROWS * 5))).toEqual(Array.from(h));
    }
    const logits = plain.layers[3].forward(h, ROWS);
    expect(Array.from(out)).toEqual(Array.from(logits.subarray(0, ROWS * SMALL.outputDim)));
  });

  it('resets gamma, beta and the running statistics when initialised, without drawing from the weights streams', () => {
    const a = model('relu', { norm: BATCH });
    const b = model('relu');
    init(a, 5);
    a.forward(randomFill(new Float64Array(ROWS * 4), createRng('x')), ROWS);
    initializeMLP(a, { init: { name: 'he_normal' }, biasInit: { name: 'zeros' } }, createRng(9).fork('init'));
    initializeMLP(b, { init: { name: 'he_normal' }, biasInit: { name: 'zeros' } }, createRng(9).fork('init'));
    expect(Array.from(a.layers[1].W)).toEqual(Array.from(b.layers[1].W));
    const nl = a.layers[1].norm!;
    expect([...nl.weight, ...nl.bias, ...nl.runningMean, ...nl.runningVar]).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });
});
