import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES, ACTIVATIONS, type ActivationName, type ParamValues } from '../../src/net/activations.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { getKernels } from '../../src/net/kernels.js';
import { MLP, initializeMLP } from '../../src/net/mlp.js';
import { createRng, type Rng } from '../../src/net/rng.js';
import type { DType, FloatArray } from '../../src/net/tensor.js';
import { expectGradientsClose, logitsDotLoss } from '../helpers/gradcheck.js';

const SMALL = { inputDim: 4, outputDim: 3, depth: 3, width: 5 } as const;
const ROWS = 6;

function small(activation: ActivationName, dtype: DType, extra: Partial<{ activationParams: ParamValues; inputGrad: boolean; inputDim: number }> = {}): MLP {
  return new MLP({ ...SMALL, activation, dtype, kernels: tsKernels, maxRows: ROWS, ...extra });
}

function randomFill(a: FloatArray, rng: Rng, scale = 1): FloatArray {
  for (let i = 0; i < a.length; i++) a[i] = scale * rng.normal();
  return a;
}

/** Weights glorot_normal with a gain, biases N(0, 0.5^2): non-zero everywhere so every path carries gradient. */
function init(mlp: MLP, seed: number): void {
  initializeMLP(mlp, { init: { name: 'glorot_normal', gain: 1.3 }, biasInit: { name: 'normal', std: 0.5 } }, createRng(seed).fork('init'));
}

/** Activations with parameters worth a second gradient check: PReLU one slope per unit. */
const VARIANTS: readonly [ActivationName, ParamValues][] = ACTIVATION_NAMES.flatMap((name): [ActivationName, ParamValues][] =>
  name === 'prelu' ? [[name, { perUnit: false }], [name, { perUnit: true }]] : [[name, {}]],
);

describe.each(VARIANTS)('MLP with %s %o', (activation, activationParams) => {
  it('back-propagates gradients that match central differences for every weight, bias, slope and input', () => {
    const rng = createRng(`gradcheck-${activation}`);
    const mlp = small(activation, 'float64', { activationParams, inputGrad: true });
    init(mlp, 1);
    // Distinct slopes (some negative) so a per-unit slope bug cannot hide behind equal values.
    for (const layer of mlp.layers) if (layer.learned) randomFill(layer.learned.value, rng, 0.5);
    const x = randomFill(new Float64Array(ROWS * SMALL.inputDim), rng) as Float64Array;
    // L = sum(c * logits) with fixed random c, so dL/dlogits = c.
    const c = randomFill(new Float64Array(ROWS * SMALL.outputDim), rng) as Float64Array;
    const loss = logitsDotLoss(mlp, x, c, ROWS);
    loss();
    mlp.backward(c, ROWS);

    const params = mlp.params();
    const names = params.map((p) => p.name);
    for (let i = 0; i <= SMALL.depth; i++) expect(names).toContain(`layers.${i}.weight`);
    if (ACTIVATIONS[activation].learned) expect(names).toContain(`prelu.0.weight`);
    for (const p of params) {
      const analytic = Float64Array.from(p.grad);
      expectGradientsClose({
        label: `${activation} ${p.name}`,
        params: p.value as Float64Array,
        analytic,
        loss,
        tol: 1e-6,
        indexName: (i) => (p.shape.length === 2 ? `${p.name}[${Math.floor(i / p.shape[1])}, ${i % p.shape[1]}]` : `${p.name}[${i}]`),
      });
    }
    // dL/dx of the input, through layer 0's dx.
    loss();
    mlp.backward(c, ROWS);
    expectGradientsClose({ label: `${activation} input`, params: x, analytic: Float64Array.from(mlp.layers[0].dx!), loss });
  });

  it('computes the same logits in float32 as in float64 with the same weights, to float32 precision', () => {
    const rng = createRng(`dtypes-${activation}`);
    const m64 = small(activation, 'float64', { activationParams });
    const m32 = small(activation, 'float32', { activationParams });
    init(m64, 2);
    const p64 = m64.params();
    const p32 = m32.params();
    p32.forEach((p, i) => p.value.set(p64[i].value));
    // Copy the rounded weights back so both models hold exactly the same numbers.
    p64.forEach((p, i) => p.value.set(p32[i].value));
    const x = Float32Array.from(randomFill(new Float64Array(ROWS * SMALL.inputDim), rng));
    const y64 = m64.forward(Float64Array.from(x), ROWS);
    const y32 = m32.forward(x, ROWS);
    expect(y32).toBeInstanceOf(Float32Array);
    let scale = 0;
    for (let i = 0; i < ROWS * SMALL.outputDim; i++) scale = Math.max(scale, Math.abs(y64[i]));
    for (let i = 0; i < ROWS * SMALL.outputDim; i++) expect(Math.abs(y32[i] - y64[i])).toBeLessThan(1e-5 * (1 + scale));
  });
});

describe('MLP structure', () => {
  it('has depth hidden layers of width units and an identity output layer', () => {
    const mlp = small('tanh', 'float32');
    expect(mlp.layers).toHaveLength(SMALL.depth + 1);
    expect(mlp.layers.map((l) => [l.fanIn, l.fanOut, l.activation])).toEqual([
      [4, 5, 'tanh'], [5, 5, 'tanh'], [5, 5, 'tanh'], [5, 3, 'identity'],
    ]);
    expect(mlp.paramCount).toBe(4 * 5 + 5 + 2 * (5 * 5 + 5) + 5 * 3 + 3);
  });

  it('doubles the next layer fan-in for CReLU', () => {
    const mlp = small('crelu', 'float64');
    expect(mlp.layers.map((l) => l.fanIn)).toEqual([4, 10, 10, 10]);
    expect(mlp.layers[0].a.length).toBe(ROWS * 10);
  });

  it('names parameters as PyTorch does, with PReLU slopes per layer or per unit', () => {
    const one = small('prelu', 'float32');
    expect(one.params().map((p) => `${p.name} [${p.shape}]`)).toEqual([
      'layers.0.weight [5,4]', 'layers.0.bias [5]', 'prelu.0.weight [1]',
      'layers.1.weight [5,5]', 'layers.1.bias [5]', 'prelu.1.weight [1]',
      'layers.2.weight [5,5]', 'layers.2.bias [5]', 'prelu.2.weight [1]',
      'layers.3.weight [3,5]', 'layers.3.bias [3]',
    ]);
    const per = small('prelu', 'float32', { activationParams: { perUnit: true, init: 0.1 } });
    const slopes = per.params().filter((p) => p.kind === 'prelu');
    expect(slopes.map((p) => p.shape)).toEqual([[5], [5], [5]]);
    expect(Array.from(slopes[0].value)).toEqual(Array(5).fill(Math.fround(0.1)));
  });

  it('builds a linear model when depth is 0', () => {
    const mlp = new MLP({ inputDim: 2, outputDim: 3, depth: 0, width: 8, activation: 'relu', dtype: 'float64', kernels: tsKernels, maxRows: 4 });
    mlp.layers[0].W.set([1, 2, 3, 4, 5, 6]);
    mlp.layers[0].b.set([0.5, 0, -1]);
    expect(Array.from(mlp.forward(new Float64Array([1, -1]), 1).subarray(0, 3))).toEqual([-0.5, -1, -2]);
  });

  it('is all zeros after construction (initialization is separate)', () => {
    const mlp = small('sigmoid', 'float64');
    expect(mlp.params().every((p) => p.value.every((v) => v === 0))).toBe(true);
  });
});

describe('MLP passes', () => {
  it('uses only the first rows of its buffers when a pass has fewer rows', () => {
    const rng = createRng('prefix');
    const mlp = small('tanh', 'float64');
    init(mlp, 3);
    const x = randomFill(new Float64Array(ROWS * SMALL.inputDim), rng);
    const full = Float64Array.from(mlp.forward(x, ROWS));
    const two = mlp.forward(x.subarray(0, 2 * SMALL.inputDim), 2);
    for (let i = 0; i < 2 * SMALL.outputDim; i++) expect(two[i]).toBeCloseTo(full[i], 12);
    expect(mlp.lastRows).toBe(2);
  });

  it('zeroes the gradients itself, so two backward passes give the same grads', () => {
    const rng = createRng('no-accumulation');
    const mlp = small('prelu', 'float64');
    init(mlp, 4);
    const x = randomFill(new Float64Array(ROWS * SMALL.inputDim), rng);
    const dOut = randomFill(new Float64Array(ROWS * SMALL.outputDim), rng);
    mlp.forward(x, ROWS);
    mlp.backward(dOut, ROWS);
    const first = mlp.params().map((p) => Array.from(p.grad));
    mlp.backward(dOut, ROWS);
    expect(mlp.params().map((p) => Array.from(p.grad))).toEqual(first);
    expect(first.some((g) => g.some((v) => v !== 0))).toBe(true);
  });

  it('fills the dz cache of every layer with dL/dz', () => {
    const mlp = small('identity', 'float64');
    init(mlp, 5);
    const rng = createRng('dz');
    mlp.forward(randomFill(new Float64Array(ROWS * SMALL.inputDim), rng), ROWS);
    const dOut = randomFill(new Float64Array(ROWS * SMALL.outputDim), rng);
    mlp.backward(dOut, ROWS);
    // Identity output layer: dz = dOut; identity hidden layers: dz = next layer's dx.
    expect(Array.from(mlp.layers[3].dz.subarray(0, dOut.length))).toEqual(Array.from(dOut));
    expect(Array.from(mlp.layers[2].dz.subarray(0, ROWS * 5))).toEqual(Array.from(mlp.layers[3].dx!.subarray(0, ROWS * 5)));
  });

  it('refuses more rows than maxRows and a backward pass over other rows than the forward pass', () => {
    const mlp = small('relu', 'float32');
    expect(() => mlp.forward(new Float32Array(7 * 4), 7)).toThrow(/rows must be an integer in \[0, 6\]/);
    mlp.forward(new Float32Array(3 * 4), 3);
    expect(() => mlp.backward(new Float32Array(6 * 3), 6)).toThrow(/6 rows, but the last forward pass had 3/);
  });
});

describe('initializeMLP', () => {
  const weights = (mlp: MLP): number[][] => mlp.params().map((p) => Array.from(p.value));

  it('gives the same weights for the same seed and different ones for another seed', () => {
    const a = small('tanh', 'float32');
    const b = small('tanh', 'float32');
    const c = small('tanh', 'float32');
    init(a, 11);
    init(b, 11);
    init(c, 12);
    expect(weights(b)).toEqual(weights(a));
    expect(weights(c)).not.toEqual(weights(a));
  });

  it('is untouched by draws from other forks of the same root, such as the shuffle stream', () => {
    const spec = { init: { name: 'he_normal' }, biasInit: { name: 'standard' } };
    const a = small('relu', 'float64');
    const rootA = createRng(0);
    initializeMLP(a, spec, rootA.fork('init'));
    const b = small('relu', 'float64');
    const rootB = createRng(0);
    const shuffle = rootB.fork('shuffle');
    for (let i = 0; i < 100; i++) shuffle.next();
    initializeMLP(b, spec, rootB.fork('init'));
    expect(weights(b)).toEqual(weights(a));
  });

  it("draws each layer from its own stream, so a layer's weights do not depend on the other layers' sizes", () => {
    const a = small('tanh', 'float64');
    const b = small('tanh', 'float64', { inputDim: 9 });
    init(a, 7);
    init(b, 7);
    for (const i of [1, 2, 3]) {
      expect(Array.from(b.layers[i].W)).toEqual(Array.from(a.layers[i].W));
      expect(Array.from(b.layers[i].b)).toEqual(Array.from(a.layers[i].b));
    }
    expect(Array.from(b.layers[0].W.subarray(0, 4))).not.toEqual(Array.from(a.layers[0].W.subarray(0, 4)));
  });

  it('resets PReLU slopes to their init parameter and refuses an unknown initializer', () => {
    const mlp = small('prelu', 'float64', { activationParams: { init: 0.3 } });
    mlp.layers[1].learned!.value[0] = 9;
    init(mlp, 1);
    expect(mlp.layers[1].learned!.value[0]).toBe(0.3);
    expect(() => initializeMLP(mlp, { init: { name: 'nope' }, biasInit: { name: 'zeros' } }, createRng(0))).toThrow(/unknown initializer "nope"/);
  });
});

describe('getKernels', () => {
  it('returns the TypeScript kernel for ts, and the built WASM kernel for wasm and auto', () => {
    expect(getKernels('ts').name).toBe('ts');
    // npm ci builds build/gemm.wasm (the prepare script), so auto must find it.
    expect(getKernels('wasm').name).toBe('wasm');
    expect(getKernels('auto').name).toBe('wasm');
  });
});
