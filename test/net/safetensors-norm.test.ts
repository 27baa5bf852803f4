import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { MLP, initializeMLP, type MLPOptions } from '../../src/net/mlp.js';
import { normSpec } from '../../src/net/norm.js';
import { createRng } from '../../src/net/rng.js';
import { importWeights, readSafetensors, WeightsError, type TensorInput } from '../../src/net/safetensors.js';
import { exportWeights, writeSafetensors } from '../../src/results/weights.js';

const dir = mkdtempSync(join(tmpdir(), 'gradflow-st-norm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(extra: Partial<MLPOptions>, dtype: 'float32' | 'float64' = 'float64'): MLP {
  return new MLP({ inputDim: 3, outputDim: 2, depth: 2, width: 4, activation: 'relu', dtype, kernels: tsKernels, maxRows: 8, ...extra });
}

/** A model with random weights, gamma, beta and running statistics. */
function filled(extra: Partial<MLPOptions>): MLP {
  const m = model(extra);
  initializeMLP(m, { init: { name: 'he_normal' }, biasInit: { name: 'normal', std: 0.1 } }, createRng(1).fork('init'));
  const rng = createRng(2);
  for (const l of m.layers) {
    if (l.norm === null) continue;
    for (const a of [l.norm.weight, l.norm.bias, l.norm.runningMean]) for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    for (let i = 0; i < l.norm.runningVar.length; i++) l.norm.runningVar[i] = 0.5 + rng.next();
  }
  return m;
}

const state = (m: MLP): Record<string, number[]> =>
  Object.fromEntries([...m.params(), ...m.buffers()].map((p) => [p.name, Array.from(p.value)]));

function weightsError(f: () => void): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError);
    return (e as Error).message;
  }
  throw new Error('expected a WeightsError');
}

describe.each([
  ['batch norm', { norm: normSpec('batch') }],
  ['layer norm', { norm: normSpec('layer') }],
  ['batch norm without affine', { norm: normSpec('batch', { affine: false }) }],
  ['residual connections', { residual: { scale: 0.5 } }],
] as const)('weights of a model with %s', (_label, extra) => {
  it('round-trip through safetensors with PyTorch names, running statistics included', () => {
    const a = filled(extra);
    const file = join(dir, `${_label.replace(/ /g, '-')}.safetensors`);
    exportWeights(a, file);
    const names = [...readSafetensors(file).tensors.keys()];
    expect(names).toEqual([...a.params(), ...a.buffers()].map((p) => p.name));
    const b = model(extra);
    importWeights(b, file);
    expect(state(b)).toEqual(state(a));
  });
});

describe('importing norm weights', () => {
  const bn = { norm: normSpec('batch') };

  it("accepts PyTorch's num_batches_tracked and ignores it", () => {
    const a = filled(bn);
    const tensors = new Map<string, TensorInput>([...a.params(), ...a.buffers()].map((p) => [p.name, { shape: p.shape, data: p.value }]));
    tensors.set('norms.0.num_batches_tracked', { dtype: 'I64', shape: [], data: new BigInt64Array([7n]) });
    const file = join(dir, 'torch.safetensors');
    writeSafetensors(file, tensors);
    const b = model(bn);
    importWeights(b, file);
    expect(state(b)).toEqual(state(a));
  });

  it('refuses a missing running variance, a negative one, and norm tensors in a model without norm', () => {
    const a = filled(bn);
    const all = [...a.params(), ...a.buffers()];
    const write = (name: string, keep: (n: string) => boolean, edit?: (n: string, v: Float64Array) => void): string => {
      const file = join(dir, `${name}.safetensors`);
      writeSafetensors(file, new Map(all.filter((p) => keep(p.name)).map((p) => {
        const v = Float64Array.from(p.value);
        edit?.(p.name, v);
        return [p.name, { shape: p.shape, data: v }];
      })));
      return file;
    };
    const missing = write('missing', (n) => n !== 'norms.1.running_var');
    expect(weightsError(() => importWeights(model(bn), missing))).toMatch(/missing tensor "norms.1.running_var" \(expected \[4\]/);
    const negative = write('negative', () => true, (n, v) => {
      if (n === 'norms.0.running_var') v[2] = -1;
    });
    expect(weightsError(() => importWeights(model(bn), negative))).toMatch(/"norms.0.running_var" holds -1 at element 2; a running variance must be >= 0/);
    const full = write('full', () => true);
    expect(weightsError(() => importWeights(model({}), full))).toMatch(/unexpected tensors "norms.0.weight", .* \(the model has depth 2, activation relu\)/);
    expect(weightsError(() => importWeights(model({ norm: normSpec('layer') }), full))).toMatch(/unexpected tensors "norms.0.running_mean".*layer norm\)/);
  });

  it('converts float64 files into a float32 model', () => {
    const a = filled(bn);
    const file = join(dir, 'f64.safetensors');
    exportWeights(a, file);
    const b = model(bn, 'float32');
    importWeights(b, file);
    expect(Array.from(b.layers[1].norm!.runningVar)).toEqual(Array.from(Float32Array.from(a.layers[1].norm!.runningVar)));
  });
});
