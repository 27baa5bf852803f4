import { describe, expect, it } from 'vitest';
import {
  clipGradNorm,
  OPTIMIZER_NAMES,
  OPTIMIZERS,
  optimizerParams,
  resolveOptimizerName,
  type OptimizerParam,
} from '../../src/net/optimizers.js';
import { createRng } from '../../src/net/rng.js';
import { alloc, type DType } from '../../src/net/tensor.js';

function param(name: string, value: number[], dtype: DType = 'float64'): OptimizerParam {
  const v = alloc(dtype, value.length);
  v.set(value);
  return { name, value: v, grad: alloc(dtype, value.length) };
}

/** Runs steps with the given gradients on w0 = [1, -2] and returns the values after each step. */
function run(name: keyof typeof OPTIMIZERS, hyper: Record<string, unknown>, lr: number, wd: number, grads: number[][]): number[][] {
  const p = param('w', [1, -2]);
  const opt = OPTIMIZERS[name].create([p], hyper, 'float64');
  return grads.map((g) => {
    p.grad.set(g);
    opt.step(lr, wd);
    return Array.from(p.value);
  });
}

function expectClose(actual: number[], expected: number[], digits = 14): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a, `index ${i}`).toBeCloseTo(expected[i], digits));
}

// Two steps from w0 = [1, -2] with g1 = [0.5, -1], g2 = [0.2, 0.4] and lr = 0.1 throughout.
const G = [
  [0.5, -1],
  [0.2, 0.4],
];

describe('optimizer names and parameters', () => {
  it('resolves canonical names and aliases, case-insensitively', () => {
    for (const name of OPTIMIZER_NAMES) {
      expect(resolveOptimizerName(name.toUpperCase())).toBe(name);
      for (const alias of OPTIMIZERS[name].aliases) expect(resolveOptimizerName(alias)).toBe(name);
    }
    expect([...OPTIMIZER_NAMES].sort()).toEqual(['adam', 'momentum', 'sgd']);
    expect(resolveOptimizerName('rmsprop')).toBeUndefined();
  });

  it('fills the PyTorch defaults', () => {
    expect(optimizerParams('sgd')).toEqual({});
    expect(optimizerParams('momentum')).toEqual({ momentum: 0.9, nesterov: false });
    expect(optimizerParams('momentum', { nesterov: true })).toEqual({ momentum: 0.9, nesterov: true });
    expect(optimizerParams('adam')).toEqual({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  });

  it('rejects Adam betas outside [0, 1)', () => {
    expect(() => OPTIMIZERS.adam.create([param('w', [1])], { beta2: 1 }, 'float64')).toThrow('adam: beta2 = 1 is outside [0, 1)');
    expect(() => OPTIMIZERS.adam.create([param('w', [1])], { beta1: -0.1 }, 'float64')).toThrow('adam: beta1 = -0.1 is outside [0, 1)');
  });

  it('names its state slots: momentum keeps a velocity, Adam two moments', () => {
    expect(Object.fromEntries(OPTIMIZER_NAMES.map((n) => [n, OPTIMIZERS[n].slots]))).toEqual({ sgd: [], momentum: ['velocity'], adam: ['m', 'v'] });
  });

  it('refuses Nesterov without momentum, as PyTorch does', () => {
    const text = 'momentum: nesterov = true is not allowed: expected false while momentum is 0 (Nesterov momentum needs a momentum above 0, as in PyTorch)';
    expect(() => OPTIMIZERS.momentum.create([param('w', [1])], { momentum: 0, nesterov: true }, 'float64')).toThrow(text);
    expect(() => optimizerParams('momentum', { momentum: 0, nesterov: true })).toThrow(text);
    expect(optimizerParams('momentum', { momentum: 0 })).toEqual({ momentum: 0, nesterov: false });
    expect(optimizerParams('momentum', { momentum: 0.5, nesterov: true })).toEqual({ momentum: 0.5, nesterov: true });
  });

  it('rejects two parameters with the same name', () => {
    expect(() => OPTIMIZERS.sgd.create([param('w', [1]), param('w', [2])], {}, 'float64')).toThrow('parameter name "w" appears twice');
  });
});

describe('hand-computed updates, two steps, lr = 0.1', () => {
  it('sgd: w -= lr g', () => {
    // w1 = [1 - 0.05, -2 + 0.1]; w2 = w1 - 0.1 [0.2, 0.4].
    const [w1, w2] = run('sgd', {}, 0.1, 0, G);
    expectClose(w1, [0.95, -1.9]);
    expectClose(w2, [0.93, -1.94]);
  });

  it('momentum: v = 0.9 v + g, w -= lr v (v1 = g1, as PyTorch)', () => {
    // v1 = [0.5, -1], w1 = [0.95, -1.9]; v2 = [0.45 + 0.2, -0.9 + 0.4] = [0.65, -0.5], w2 = w1 - 0.1 v2.
    const [w1, w2] = run('momentum', { momentum: 0.9 }, 0.1, 0, G);
    expectClose(w1, [0.95, -1.9]);
    expectClose(w2, [0.885, -1.85]);
  });

  it('nesterov: w -= lr (g + 0.9 v)', () => {
    // v1 = [0.5, -1]; step g1 + 0.9 v1 = [0.95, -1.9], w1 = [0.905, -1.81].
    // v2 = [0.65, -0.5]; step g2 + 0.9 v2 = [0.785, -0.05], w2 = [0.8265, -1.805].
    const [w1, w2] = run('momentum', { momentum: 0.9, nesterov: true }, 0.1, 0, G);
    expectClose(w1, [0.905, -1.81]);
    expectClose(w2, [0.8265, -1.805]);
  });

  it('adam: bias-corrected moments, eps outside the square root', () => {
    // Step 1: m = 0.1 g1, v = 0.001 g1^2; m_hat = g1, sqrt(v_hat) = |g1|, so
    // w1 = w0 - 0.1 g1 / (|g1| + 1e-8) = [1 - 0.1 / (1 + 2e-8), -2 + 0.1 / (1 + 1e-8)].
    // Step 2: m = [0.045 + 0.02, -0.09 + 0.04] = [0.065, -0.05];
    // v = [0.999 * 0.00025 + 0.001 * 0.04, 0.999 * 0.001 + 0.001 * 0.16] = [0.00028975, 0.001159];
    // 1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999; m_hat = [0.3421053, -0.2631579],
    // sqrt(v_hat) = [0.3807197, 0.7614394]; w2 = w1 - 0.1 m_hat / (sqrt(v_hat) + 1e-8).
    const [w1, w2] = run('adam', {}, 0.1, 0, G);
    expectClose(w1, [0.900000002, -1.900000001]);
    expectClose(w2, [0.8101424839029276, -1.8654394166626258], 13);
  });

  it('adam honours beta1, beta2 and eps', () => {
    // beta1 = 0.5, beta2 = 0.5, eps = 0.1, one step: m_hat = g, sqrt(v_hat) = |g|;
    // w1 = w0 - 0.1 g / (|g| + 0.1) = [1 - 0.05 / 0.6, -2 + 0.1 / 1.1].
    const [w1] = run('adam', { beta1: 0.5, beta2: 0.5, eps: 0.1 }, 0.1, 0, G);
    expectClose(w1, [1 - 0.05 / 0.6, -2 + 0.1 / 1.1]);
  });
});

describe('weight decay is L2 added to the gradient (PyTorch weight_decay)', () => {
  it('sgd: w -= lr (g + wd w)', () => {
    // g + 0.01 w0 = [0.51, -1.02]; w1 = [1 - 0.051, -2 + 0.102].
    const [w1] = run('sgd', {}, 0.1, 0.01, G);
    expectClose(w1, [0.949, -1.898]);
  });

  it('momentum: the decayed gradient enters the velocity', () => {
    // v1 = [0.51, -1.02], w1 = [0.949, -1.898];
    // v2 = 0.9 v1 + g2 + 0.01 w1 = [0.459 + 0.2 + 0.00949, -0.918 + 0.4 - 0.01898] = [0.66849, -0.53698].
    const [w1, w2] = run('momentum', {}, 0.1, 0.01, G);
    expectClose(w1, [0.949, -1.898]);
    expectClose(w2, [0.949 - 0.066849, -1.898 + 0.053698]);
  });

  it('adam: decay with a zero loss gradient moves each weight by about lr toward 0', () => {
    // g = 0.01 w0 = [0.01, -0.02]; first step w1 = w0 - 0.1 g / (|g| + 1e-8).
    const [w1] = run('adam', {}, 0.1, 0.01, [[0, 0]]);
    expectClose(w1, [1 - 0.1 * 0.01 / (0.01 + 1e-8), -2 + 0.1 * 0.02 / (0.02 + 1e-8)]);
  });

  it('leaves the loss gradient itself untouched', () => {
    for (const name of OPTIMIZER_NAMES) {
      const p = param('w', [1, -2]);
      p.grad.set([0.5, -1]);
      OPTIMIZERS[name].create([p], {}, 'float64').step(0.1, 0.3);
      expect(Array.from(p.grad), name).toEqual([0.5, -1]);
    }
  });
});

describe.each(OPTIMIZER_NAMES)('%s', (name) => {
  const def = OPTIMIZERS[name];

  function quadratic(dtype: DType, steps: number): { values: number[][]; first: number; last: number } {
    // L = 0.5 sum ||w||^2 over two tensors, so grad = w; every optimizer here must shrink it.
    const rng = createRng(`opt/${name}`);
    const ps = [
      param('layers.0.weight', Array.from({ length: 12 }, () => rng.uniform(-1, 1)), dtype),
      param('layers.0.bias', Array.from({ length: 3 }, () => rng.uniform(-1, 1)), dtype),
    ];
    const norm = (): number => Math.hypot(...ps.flatMap((p) => Array.from(p.value)));
    const first = norm();
    const opt = def.create(ps, {}, dtype);
    for (let t = 0; t < steps; t++) {
      for (const p of ps) p.grad.set(p.value);
      opt.step(0.01, 0);
    }
    return { values: ps.map((p) => Array.from(p.value)), first, last: norm() };
  }

  it('descends a quadratic, updating every parameter', () => {
    const { first, last } = quadratic('float64', 50);
    expect(last).toBeLessThan(0.9 * first);
  });

  it('allocates its state once, in the dtype of the model', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const ps = [param('a', [1, 2, 3], dtype), param('b', [4], dtype)];
      const opt = def.create(ps, {}, dtype);
      expect(Object.keys(opt.state)).toEqual(['a', 'b']);
      const before = Object.values(opt.state).flatMap((s) => Object.values(s));
      for (const buf of before) expect(buf instanceof (dtype === 'float32' ? Float32Array : Float64Array)).toBe(true);
      for (let t = 0; t < 3; t++) {
        ps.forEach((p) => p.grad.fill(0.1));
        opt.step(0.1, 0);
      }
      const after = Object.values(opt.state).flatMap((s) => Object.values(s));
      expect(after.length).toBe(before.length);
      after.forEach((buf, i) => expect(buf).toBe(before[i]));
      expect(opt.steps).toBe(3);
    }
  });

  it('keeps one buffer of each parameter\'s size per slot its registry entry names', () => {
    const ps = [param('a', [1, 2, 3]), param('b', [4])];
    const opt = def.create(ps, {}, 'float64');
    for (const p of ps) {
      expect(Object.keys(opt.state[p.name])).toEqual(def.slots);
      for (const buf of Object.values(opt.state[p.name])) expect(buf.length).toBe(p.value.length);
    }
  });

  it('leaves the weights alone when the gradient and weight decay are zero', () => {
    const p = param('w', [0.3, -0.7]);
    const opt = def.create([p], {}, 'float64');
    for (let t = 0; t < 3; t++) opt.step(0.1, 0);
    expect(Array.from(p.value)).toEqual([0.3, -0.7]);
  });

  it('agrees in float32 and float64 to float32 precision', () => {
    const a = quadratic('float32', 20).values.flat();
    const b = quadratic('float64', 20).values.flat();
    a.forEach((x, i) => expect(Math.abs(x - b[i])).toBeLessThan(1e-5));
  });
});

describe('clipGradNorm', () => {
  it('scales all gradients together to maxNorm and returns the norm before clipping', () => {
    // Global norm sqrt(3^2 + 4^2 + 12^2) = 13; maxNorm 6.5 halves every gradient (to 1e-6).
    const a = param('a', [0, 0]);
    const b = param('b', [0]);
    a.grad.set([3, 4]);
    b.grad.set([12]);
    expect(clipGradNorm([a, b], 6.5)).toBe(13);
    const coef = 6.5 / (13 + 1e-6);
    expectClose([...a.grad, ...b.grad], [3 * coef, 4 * coef, 12 * coef], 15);
    expect(Math.hypot(...a.grad, ...b.grad)).toBeCloseTo(6.5, 6);
  });

  it('leaves gradients within the norm untouched', () => {
    const a = param('a', [0, 0]);
    a.grad.set([3, 4]);
    expect(clipGradNorm([a], 5.5)).toBe(5);
    expect(Array.from(a.grad)).toEqual([3, 4]);
  });

  it('leaves non-finite gradients alone and reports the non-finite norm', () => {
    const a = param('a', [0, 0]);
    a.grad.set([Infinity, 1]);
    expect(clipGradNorm([a], 1)).toBe(Infinity);
    expect(Array.from(a.grad)).toEqual([Infinity, 1]);
  });
});
