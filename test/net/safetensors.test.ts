import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParamValues } from '../../src/net/activations.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { MLP, initializeMLP } from '../../src/net/mlp.js';
import { createRng } from '../../src/net/rng.js';
import {
  WeightsError,
  importWeights,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  toFloat64Array,
} from '../../src/net/safetensors.js';
import { exportWeights, writeSafetensors } from '../../src/results/weights.js';
import type { DType } from '../../src/net/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'gradflow-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(dtype: DType, activation: 'tanh' | 'prelu' = 'prelu', activationParams: ParamValues = {}, depth = 2): MLP {
  return new MLP({ inputDim: 3, outputDim: 2, depth, width: 4, activation, activationParams, dtype, kernels: tsKernels, maxRows: 5 });
}

function initialized(dtype: DType, activationParams: ParamValues = {}): MLP {
  const m = model(dtype, 'prelu', activationParams);
  initializeMLP(m, { init: { name: 'glorot_uniform' }, biasInit: { name: 'normal', std: 0.1 } }, createRng(3).fork('init'));
  // Distinct slopes, so a swapped or dropped slope shows.
  for (const l of m.layers) l.learned?.value.forEach((_, i, s) => (s[i] = 0.1 + 0.05 * i + 0.01 * l.index));
  return m;
}

const values = (m: MLP): Record<string, number[]> => Object.fromEntries(m.params().map((p) => [p.name, Array.from(p.value)]));

/** The message of what `fn` throws, after checking it is a WeightsError. */
function weightsError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError);
    return (e as Error).message;
  }
  throw new Error('expected a WeightsError, nothing was thrown');
}

/** A safetensors file from a header object and raw data bytes, as a hand-written writer would make it. */
function handWritten(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32bytes = (xs: number[]): Uint8Array => new Uint8Array(Float32Array.from(xs).buffer);

describe('exportWeights and importWeights', () => {
  it.each([
    ['float32', { perUnit: false }],
    ['float32', { perUnit: true }],
    ['float64', { perUnit: true }],
  ] as const)('round-trip a %s PReLU model %o exactly, with metadata', (dtype, ap) => {
    const src = initialized(dtype, ap);
    const path = join(dir, `rt-${dtype}-${ap.perUnit}.safetensors`);
    exportWeights(src, path, { step: '7' });
    const dst = model(dtype, 'prelu', ap);
    importWeights(dst, path);
    expect(values(dst)).toEqual(values(src));
    const file = readSafetensors(path);
    expect(file.metadata).toEqual({ format: 'pt', step: '7' });
    expect(file.tensors.get('layers.0.weight')?.dtype).toBe(dtype === 'float32' ? 'F32' : 'F64');
    expect(file.tensors.get('prelu.1.weight')?.shape).toEqual(ap.perUnit ? [4] : [1]);
  });

  it('writes PyTorch nn.Linear names and shapes for every layer', () => {
    const path = join(dir, 'names.safetensors');
    exportWeights(initialized('float32'), path);
    const shapes = [...readSafetensors(path).tensors].map(([k, t]) => `${k} ${t.dtype} [${t.shape}]`);
    expect(shapes).toEqual([
      'layers.0.weight F32 [4,3]', 'layers.0.bias F32 [4]', 'prelu.0.weight F32 [1]',
      'layers.1.weight F32 [4,4]', 'layers.1.bias F32 [4]', 'prelu.1.weight F32 [1]',
      'layers.2.weight F32 [2,4]', 'layers.2.bias F32 [2]',
    ]);
  });

  it('converts F64 files into a float32 model and F32 files into a float64 model', () => {
    const src64 = initialized('float64');
    const p64 = join(dir, 'f64.safetensors');
    exportWeights(src64, p64);
    const m32 = model('float32');
    importWeights(m32, p64);
    const expected = Object.fromEntries(Object.entries(values(src64)).map(([k, v]) => [k, v.map(Math.fround)]));
    expect(values(m32)).toEqual(expected);
    const p32 = join(dir, 'f32.safetensors');
    exportWeights(m32, p32);
    const m64 = model('float64');
    importWeights(m64, p32);
    expect(values(m64)).toEqual(expected);
  });

  it('lets the file decide between one PReLU slope per layer and one per unit', () => {
    const per = initialized('float32', { perUnit: true });
    const path = join(dir, 'per-unit.safetensors');
    exportWeights(per, path);
    const one = model('float32', 'prelu', { perUnit: false });
    importWeights(one, path);
    expect(one.layers[0].learned!.value.length).toBe(4);
    expect(values(one)).toEqual(values(per));
  });

  it('reads a file written by hand in the exact PyTorch layout (header sorted by name, metadata format pt)', () => {
    // What safetensors.torch.save_file(model.state_dict()) writes for nn.Sequential-like
    // `layers` of Linear(3, 2) -> tanh -> Linear(2, 1): keys sorted, F32, little-endian.
    const w0 = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6];
    const b0 = [0.01, -0.02];
    const w1 = [1.5, -2];
    const b1 = [0.25];
    const header = {
      __metadata__: { format: 'pt' },
      'layers.0.bias': { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      'layers.0.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [8, 32] },
      'layers.1.bias': { dtype: 'F32', shape: [1], data_offsets: [32, 36] },
      'layers.1.weight': { dtype: 'F32', shape: [1, 2], data_offsets: [36, 44] },
    };
    const path = join(dir, 'torch.safetensors');
    writeFileSync(path, handWritten(header, f32bytes([...b0, ...w0, ...b1, ...w1])));
    const m = new MLP({ inputDim: 3, outputDim: 1, depth: 1, width: 2, activation: 'tanh', dtype: 'float64', kernels: tsKernels, maxRows: 1 });
    importWeights(m, path);
    const x = [1, 2, -1];
    const f = Math.fround;
    const h = [0, 1].map((j) => Math.tanh(f(b0[j]) + x.reduce((s, xi, i) => s + f(w0[j * 3 + i]) * xi, 0)));
    const y = f(b1[0]) + f(w1[0]) * h[0] + f(w1[1]) * h[1];
    expect(m.forward(new Float64Array(x), 1)[0]).toBeCloseTo(y, 12);
  });

  it('writes atomically: no temporary file is left and an existing file is replaced', () => {
    const sub = mkdtempSync(join(dir, 'atomic-'));
    const path = join(sub, 'w.safetensors');
    writeFileSync(path, 'old');
    exportWeights(initialized('float32'), path);
    expect(readdirSync(sub)).toEqual(['w.safetensors']);
    expect(readFileSync(path).length).toBeGreaterThan(8);
  });
});

describe('importWeights refusals', () => {
  const good = join(dir, 'good.safetensors');
  exportWeights(initialized('float32'), good);
  const tensors = (): Map<string, { dtype?: 'F32' | 'I32'; shape: number[]; data: Float32Array | Int32Array }> =>
    new Map([...readSafetensors(good).tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data as Float32Array }]));

  it('refuses a missing tensor, naming it and its expected shape', () => {
    const t = tensors();
    t.delete('layers.1.bias');
    const path = join(dir, 'missing.safetensors');
    writeSafetensors(path, t);
    expect(weightsError(() => importWeights(model('float32'), path))).toBe(
      `${path}: missing tensor "layers.1.bias" (expected [4]; the file has: layers.0.weight, layers.0.bias, prelu.0.weight, layers.1.weight, prelu.1.weight, layers.2.weight, layers.2.bias)`,
    );
  });

  it('refuses a wrong shape, naming the tensor, the expected and the found shape', () => {
    const t = tensors();
    t.set('layers.1.weight', { shape: [2, 8], data: new Float32Array(16) });
    const path = join(dir, 'shape.safetensors');
    writeSafetensors(path, t);
    expect(weightsError(() => importWeights(model('float32'), path))).toBe(
      `${path}: tensor "layers.1.weight" has shape [2, 8], expected [4, 4]`,
    );
  });

  it('refuses a PReLU slope tensor that is neither [1] nor [units]', () => {
    const t = tensors();
    t.set('prelu.0.weight', { shape: [3], data: new Float32Array(3) });
    const path = join(dir, 'slope.safetensors');
    writeSafetensors(path, t);
    expect(weightsError(() => importWeights(model('float32'), path))).toBe(
      `${path}: tensor "prelu.0.weight" has shape [3], expected [1] or [4]`,
    );
  });

  it('refuses a non-float dtype, naming the tensor and the dtype', () => {
    const t = tensors();
    t.set('layers.0.bias', { dtype: 'I32', shape: [4], data: new Int32Array(4) });
    const path = join(dir, 'dtype.safetensors');
    writeSafetensors(path, t);
    expect(weightsError(() => importWeights(model('float32'), path))).toBe(
      `${path}: tensor "layers.0.bias" has dtype I32; weights must be F32 or F64`,
    );
  });

  it('refuses tensors the model does not have (another depth or activation)', () => {
    const path = join(dir, 'extra.safetensors');
    exportWeights(initialized('float32'), path);
    expect(weightsError(() => importWeights(model('float32', 'tanh'), path))).toBe(
      `${path}: unexpected tensors "prelu.0.weight", "prelu.1.weight" (the model has depth 2, activation tanh)`,
    );
  });

  it('changes nothing when it refuses', () => {
    const t = tensors();
    t.set('layers.2.bias', { shape: [3], data: new Float32Array(3) });
    const path = join(dir, 'partial.safetensors');
    writeSafetensors(path, t);
    const m = model('float32');
    expect(() => importWeights(m, path)).toThrow(WeightsError);
    expect(m.params().filter((p) => p.kind !== 'prelu').every((p) => p.value.every((v) => v === 0))).toBe(true);
  });

  it('refuses a file that does not exist', () => {
    const path = join(dir, 'nope.safetensors');
    expect(weightsError(() => importWeights(model('float32'), path))).toBe(`${path}: no such file`);
  });
});

describe('parseSafetensors refusals name the file and the tensor', () => {
  const header = {
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
  };
  const data = f32bytes([1, 2, 3]);

  it('reads the well-formed file these cases start from', () => {
    const f = parseSafetensors(handWritten(header, data), 'ok.st');
    expect(Array.from(f.tensors.get('a')!.data as Float32Array)).toEqual([1, 2]);
    expect(Array.from(f.tensors.get('b')!.data as Float32Array)).toEqual([3]);
  });

  it.each([
    ['a file shorter than the length prefix', () => new Uint8Array(5), 'f.st: truncated: 5 bytes, less than the 8-byte header length'],
    ['a header length beyond the file', () => {
      const b = handWritten(header, data);
      new DataView(b.buffer).setBigUint64(0, 10_000n, true);
      return b;
    }, 'f.st: header length 10000 runs past the end of the file (128 bytes; truncated or not safetensors)'],
    ['a truncated data buffer', () => handWritten(header, data).subarray(0, 8 + 108 + 10),
      'f.st: tensor "b": data_offsets [8, 12] lie outside the data buffer of 10 bytes (truncated file or lying header)'],
    ['offsets that disagree with shape and dtype', () => handWritten({ ...header, b: { dtype: 'F32', shape: [2], data_offsets: [8, 12] } }, data),
      'f.st: tensor "b": data_offsets [8, 12] hold 4 bytes, but F32 [2] needs 8'],
    ['overlapping tensors', () => handWritten({ ...header, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data),
      'f.st: tensors "a" [0, 8] and "b" [4, 8] overlap in the data buffer'],
    ['an unknown dtype', () => handWritten({ ...header, b: { dtype: 'F8', shape: [1], data_offsets: [8, 12] } }, data),
      'f.st: tensor "b": unknown dtype "F8" (known: F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)'],
    ['a header that is not JSON', () => {
      const b = handWritten(header, data);
      b[8] = 0x5b; // '[' ... no longer valid JSON
      b[9] = 0x7b;
      return b;
    }, /^f\.st: header is not valid UTF-8 JSON \(/],
    ['metadata that is not strings', () => handWritten({ __metadata__: { step: 3 }, ...header }, data),
      'f.st: __metadata__.step is 3, not a string'],
  ] as const)('refuses %s', (_what, bytes, message) => {
    const msg = weightsError(() => parseSafetensors(bytes(), 'f.st'));
    if (typeof message === 'string') expect(msg).toBe(message);
    else expect(msg).toMatch(message);
  });
});

describe('safetensors tensors of other dtypes', () => {
  it('round-trips I32, I64 and F64 tensors and aligns the data buffer to 8 bytes', () => {
    const bytes = serializeSafetensors({
      y: { shape: [3], data: Int32Array.from([0, 2, 1]) },
      big: { shape: [2], data: BigInt64Array.from([5n, -7n]) },
      x: { shape: [2, 2], data: Float64Array.from([1.5, -2, 3, 4]) },
    }, { source: 'test' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const f = parseSafetensors(bytes, 'mixed.st');
    expect(f.metadata).toEqual({ source: 'test' });
    expect(Array.from(f.tensors.get('y')!.data as Int32Array)).toEqual([0, 2, 1]);
    expect(Array.from(toFloat64Array(f.tensors.get('big')!))).toEqual([5, -7]);
    expect(f.tensors.get('x')!.shape).toEqual([2, 2]);
    expect(Array.from(f.tensors.get('x')!.data as Float64Array)).toEqual([1.5, -2, 3, 4]);
  });

  it('decodes F16 and BF16 words to numbers', () => {
    const words = Uint16Array.from([0x3c00, 0xc000, 0x0001, 0x7c00]);
    expect(Array.from(toFloat64Array({ dtype: 'F16', shape: [4], data: words }))).toEqual([1, -2, 2 ** -24, Infinity]);
    expect(Array.from(toFloat64Array({ dtype: 'BF16', shape: [2], data: Uint16Array.from([0x3f80, 0xc040]) }))).toEqual([1, -3]);
  });
});
