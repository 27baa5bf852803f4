import { beforeAll, describe, expect, it } from 'vitest';
import { W1 } from '../../bench/w1.js';
import { ACTIVATIONS, activationParams, type ActivationName } from '../../src/net/activations.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import {
  createWasmKernels,
  isWasmKernels,
  WASM_ACTIVATION_KINDS,
  WASM_PATH,
  type WasmKernels,
} from '../../src/net/kernels-wasm.js';
import { LOSSES } from '../../src/net/losses.js';
import { MLP, initializeMLP } from '../../src/net/mlp.js';
import { OPTIMIZERS } from '../../src/net/optimizers.js';
import { createRng, type Rng } from '../../src/net/rng.js';
import type { FloatArray, Kernels } from '../../src/net/tensor.js';
import { ensureWasmBuilt } from '../helpers/wasm.js';

let wasm: WasmKernels;

beforeAll(async () => {
  await ensureWasmBuilt();
  const k = createWasmKernels();
  if (k === null) throw new Error(`could not load ${WASM_PATH}`);
  wasm = k;
});

const U = 2 ** -24; // float32 unit roundoff

function fillUniform(a: FloatArray, rng: Rng): FloatArray {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

type Product = 'gemmABt' | 'gemmABt+bias' | 'gemmAB' | 'gemmAtB' | 'gemmAtB+colSum';

/** Element (i, p) of the left factor and (p, j) of the right one, as each product reads them. */
function readers(product: Product, m: number, n: number, k: number) {
  const aT = product.startsWith('gemmAtB');
  const bT = product.startsWith('gemmABt');
  return {
    a: (A: FloatArray, i: number, p: number) => (aT ? A[p * m + i] : A[i * k + p]),
    b: (B: FloatArray, p: number, j: number) => (bT ? B[j * k + p] : B[p * n + j]),
  };
}

interface Operands {
  A: FloatArray;
  B: FloatArray;
  bias: FloatArray | null;
  C: FloatArray;
  colSum: FloatArray | null;
}

function operands(kernels: Kernels, product: Product, m: number, n: number, k: number, seed: string): Operands {
  const withBias = product === 'gemmABt+bias';
  const withSum = product === 'gemmAtB+colSum';
  const [A, B, C, bias, colSum] = kernels.allocBuffers('float32', [m * k, n * k, m * n, n, m]);
  const rng = createRng(seed);
  fillUniform(A, rng);
  fillUniform(B, rng);
  fillUniform(bias, rng);
  C.fill(Number.NaN); // every element must be written
  colSum.fill(Number.NaN);
  return { A, B, C, bias: withBias ? bias : null, colSum: withSum ? colSum : null };
}

function run(kernels: Kernels, product: Product, o: Operands, m: number, n: number, k: number): void {
  if (product.startsWith('gemmABt')) kernels.gemmABt(o.A, o.B, o.bias, o.C, m, n, k);
  else if (product === 'gemmAB') kernels.gemmAB(o.A, o.B, o.C, m, n, k);
  else kernels.gemmAtB(o.A, o.B, o.C, m, n, k, o.colSum);
}

const PRODUCTS: Product[] = ['gemmABt', 'gemmABt+bias', 'gemmAB', 'gemmAtB', 'gemmAtB+colSum'];
const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [130, 67, 259],
  [256, 784, 128],
];

describe.each(PRODUCTS)('%s in WASM', (product) => {
  it.each(SIZES)('matches a float64 loop within float32 rounding at m=%i n=%i k=%i', (m, n, k) => {
    const o = operands(wasm, product, m, n, k, `${product}/${m}/${n}/${k}`);
    expect(wasm.owns(o.A, o.B, o.C)).toBe(true);
    run(wasm, product, o, m, n, k);
    const { a, b } = readers(product, m, n, k);
    // Recursive summation of k products (plus the bias) errs by at most (k + 2) u sum|terms|.
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = o.bias === null ? 0 : o.bias[j];
        let abs = Math.abs(s);
        for (let p = 0; p < k; p++) {
          const t = a(o.A, i, p) * b(o.B, p, j);
          s += t;
          abs += Math.abs(t);
        }
        const err = Math.abs(o.C[i * n + j] - s) / ((k + 2) * U * abs + 1e-30);
        if (!(err <= worst)) worst = err;
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    if (o.colSum !== null) {
      for (let i = 0; i < m; i++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          s += a(o.A, i, p);
          abs += Math.abs(a(o.A, i, p));
        }
        expect(Math.abs(o.colSum[i] - s), `colSum[${i}]`).toBeLessThanOrEqual((k + 1) * U * abs);
      }
    }
  });

  it('gives the same bytes on every run and in every memory', () => {
    const [m, n, k] = [130, 67, 259];
    const first = operands(wasm, product, m, n, k, 'repeat');
    run(wasm, product, first, m, n, k);
    const C1 = Float32Array.from(first.C);
    const S1 = first.colSum === null ? null : Float32Array.from(first.colSum);
    run(wasm, product, first, m, n, k);
    expect(first.C).toEqual(C1);
    // A second model's memory (another instance) with the same inputs.
    const other = operands(createWasmKernels()!, product, m, n, k, 'repeat');
    expect(other.C.buffer).not.toBe(first.C.buffer);
    run(wasm, product, other, m, n, k);
    expect(new Uint32Array(other.C.buffer, other.C.byteOffset, m * n)).toEqual(new Uint32Array(C1.buffer));
    if (S1 !== null) expect(other.colSum).toEqual(S1);
  });

  it('agrees with the TypeScript kernel within float32 rounding', () => {
    const [m, n, k] = [64, 33, 300];
    const w = operands(wasm, product, m, n, k, 'vs-ts');
    const t = operands(tsKernels, product, m, n, k, 'vs-ts');
    run(wasm, product, w, m, n, k);
    run(tsKernels, product, t, m, n, k);
    for (let i = 0; i < m * n; i++) expect(Math.abs(w.C[i] - t.C[i])).toBeLessThanOrEqual((k + 2) * U * 4 * k);
    if (w.colSum !== null) for (let i = 0; i < m; i++) expect(Math.abs(w.colSum[i] - t.colSum![i])).toBeLessThan(1e-4);
  });
});

/** The k-slab of assembly/gemm.ts (KC): each slab is summed on its own, then added to C. */
const KC = 256;

/**
 * The order assembly/gemm.ts documents for every element, in float32 (Math.fround after each
 * operation): the first slab starts at the bias (or +0) and adds fround(a b) for p = 0, 1, ...;
 * each later slab sums its products from +0 the same way, and C = fround(C + slab sum).
 */
function orderedProduct(product: Product, o: Operands, m: number, n: number, k: number): Float32Array {
  const { a, b } = readers(product, m, n, k);
  const f = Math.fround;
  const C = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let c = o.bias === null ? 0 : o.bias[j];
      for (let p0 = 0; p0 < k; p0 += KC) {
        let s = p0 === 0 ? c : 0;
        for (let p = p0; p < Math.min(k, p0 + KC); p++) s = f(s + f(a(o.A, i, p) * b(o.B, p, j)));
        c = p0 === 0 ? s : f(c + s);
      }
      C[i * n + j] = c;
    }
  }
  return C;
}

describe.each(PRODUCTS)('%s in WASM, bit for bit', (product) => {
  // Every k from 1 to 40 (each count of steps the unrolled k loop can stop after) and k
  // around one and two slabs; m and n leave partial tiles at both edges.
  const ks = [...Array.from({ length: 40 }, (_, i) => i + 1), 255, 256, 257, 258, 511, 513];
  it('sums every element in the documented order for every k from 1 to 40 and across slabs', () => {
    const [m, n] = [6, 10];
    for (const k of ks) {
      const o = operands(wasm, product, m, n, k, `order/${product}/${k}`);
      run(wasm, product, o, m, n, k);
      const want = orderedProduct(product, o, m, n, k);
      expect(new Uint32Array(o.C.buffer, o.C.byteOffset, m * n), `k = ${k}`).toEqual(new Uint32Array(want.buffer));
    }
  });
});

describe('the wasm kernel object', () => {
  it('is recognised by isWasmKernels, and the TypeScript kernel is not', () => {
    expect(isWasmKernels(wasm)).toBe(true);
    expect(isWasmKernels(tsKernels)).toBe(false);
  });

  it('gives each model its own memory, never grown, so earlier views stay valid', () => {
    const [a] = wasm.allocBuffers('float32', [1000]);
    a.fill(3);
    const [b] = wasm.allocBuffers('float32', [1 << 20]);
    expect(b.buffer).not.toBe(a.buffer);
    expect(a.length).toBe(1000);
    expect(a[999]).toBe(3);
    expect(wasm.owns(a)).toBe(true);
    expect(wasm.owns(a, b)).toBe(false);
  });
});

describe('operands outside the WASM memory', () => {
  it('copies a foreign float32 input in and gets the same bytes as in place', () => {
    const [m, n, k] = [9, 20, 31];
    const o = operands(wasm, 'gemmABt+bias', m, n, k, 'foreign');
    run(wasm, 'gemmABt+bias', o, m, n, k);
    const inPlace = Float32Array.from(o.C);
    const x = Float32Array.from(o.A); // the caller's own array, e.g. a data batch
    o.C.fill(0);
    wasm.gemmABt(x, o.B, o.bias, o.C, m, n, k);
    expect(o.C).toEqual(inPlace);
  });

  it('falls back to the TypeScript kernel when the output is not in its memory', () => {
    const [m, n, k] = [5, 6, 7];
    const o = operands(wasm, 'gemmAB', m, n, k, 'foreign-out');
    const C = new Float32Array(m * n);
    wasm.gemmAB(o.A, o.B, C, m, n, k);
    const ref = new Float32Array(m * n);
    tsKernels.gemmAB(o.A, o.B, ref, m, n, k);
    expect(C).toEqual(ref);
  });

  it('runs float64 through the TypeScript kernel, bit for bit', () => {
    const [m, n, k] = [11, 7, 13];
    const o = operands(wasm, 'gemmAtB+colSum', m, n, k, 'f64');
    const [A, B, C, s] = wasm.allocBuffers('float64', [m * k, n * k, m * n, m]);
    A.set(o.A);
    B.set(o.B);
    expect(A).toBeInstanceOf(Float64Array);
    wasm.gemmAtB(A, B, C, m, n, k, s);
    const C2 = new Float64Array(m * n);
    const s2 = new Float64Array(m);
    tsKernels.gemmAtB(A, B, C2, m, n, k, s2);
    expect(C).toEqual(C2);
    expect(s).toEqual(s2);
  });

  it('rejects operands shorter than the sizes say instead of writing past them', () => {
    const [A, B, C] = wasm.allocBuffers('float32', [6, 6, 3]);
    expect(() => wasm.gemmAB(A, B, C, 2, 2, 3)).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: gemmAB: C has 3 elements, needs 4]`,
    );
  });
});

describe('degenerate sizes', () => {
  it('writes the bias when k = 0', () => {
    const [A, B, C, bias] = wasm.allocBuffers('float32', [0, 0, 6, 3]);
    bias.set([1, 2, 3]);
    C.fill(Number.NaN);
    wasm.gemmABt(A, B, bias, C, 2, 3, 0);
    expect(Array.from(C)).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('still sums the bias gradient when n = 0', () => {
    const [A, B, C, s] = wasm.allocBuffers('float32', [6, 0, 0, 2]);
    A.set([1, 2, 3, 4, 5, 6]); // dz: [k=3, m=2]
    wasm.gemmAtB(A, B, C, 2, 0, 3, s);
    expect(Array.from(s)).toEqual([9, 12]);
  });
});

/** Distance in float32 ulps (0 for equal values, including two NaNs). */
function ulps(x: number, y: number): number {
  if (Number.isNaN(x) && Number.isNaN(y)) return 0;
  const f = new Float32Array([x, y]);
  const i = new Int32Array(f.buffer);
  const ord = (v: number) => (v < 0 ? 0x80000000 - v : v) | 0; // sign-magnitude to ordered
  return Math.abs(ord(i[0]) - ord(i[1]));
}

/** The bit patterns of a float32 array, every NaN written as one canonical NaN (signs of NaN vary). */
function bits(x: FloatArray): number[] {
  const u = new Uint32Array(Float32Array.from(x).buffer);
  return Array.from(u, (v, i) => (Number.isNaN(x[i]) ? 0x7fc00000 : v));
}

/** Pre-activations spanning every branch: 0, -0, tiny, kinks, saturation, non-finite. */
function preActivations(n: number): Float32Array {
  const special = [0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 6, -6, 5.999999, 20, -20, 90, -90, 800, -800,
    Infinity, -Infinity, Number.NaN];
  const z = new Float32Array(n);
  const rng = createRng('z');
  for (let i = 0; i < n; i++) z[i] = i < special.length ? special[i] : rng.normal() * (i % 3 === 0 ? 4 : 1);
  return z;
}

const FUSED = Object.keys(WASM_ACTIVATION_KINDS) as ActivationName[];

describe.each(FUSED)('fused %s', (name) => {
  const p = activationParams(name, name === 'leaky_relu' ? { alpha: 0.05 } : name === 'elu' ? { alpha: 0.7 } : {});
  const n = 1003; // not a multiple of 4: the scalar tail runs too

  it('forward is within one float32 ulp of the registry (and nearly always equal)', () => {
    const [z, a] = wasm.allocBuffers('float32', [n, n]);
    z.set(preActivations(n));
    expect(wasm.activationForward(name, p, z, a, n)).toBe(true);
    const ref = new Float32Array(n);
    ACTIVATIONS[name].forward(z, ref, 1, n, p, null);
    let differ = 0;
    for (let i = 0; i < n; i++) {
      const d = ulps(a[i], ref[i]);
      expect(d, `z = ${z[i]}: ${a[i]} vs ${ref[i]}`).toBeLessThanOrEqual(1);
      if (d !== 0) differ++;
    }
    expect(differ).toBeLessThanOrEqual(2);
  });

  it('backward is bit-identical to the registry', () => {
    const [z, a, da, dz] = wasm.allocBuffers('float32', [n, n, n, n]);
    z.set(preActivations(n));
    ACTIVATIONS[name].forward(z, a, 1, n, p, null);
    fillUniform(da, createRng('da'));
    expect(wasm.activationBackward(name, p, z, a, da, dz, n)).toBe(true);
    const ref = new Float32Array(n);
    ACTIVATIONS[name].backward(z, a, da, ref, 1, n, p, null);
    expect(bits(dz)).toEqual(bits(ref));
  });
});

describe('fused paths that do not apply', () => {
  it.each(['gelu', 'prelu', 'crelu'] as const)('declines %s so the caller runs the registry', (name) => {
    const [z, a] = wasm.allocBuffers('float32', [8, 16]);
    expect(wasm.activationForward(name, activationParams(name), z, a, 8)).toBe(false);
  });

  it('declines arrays outside its memory', () => {
    const [z] = wasm.allocBuffers('float32', [8]);
    expect(wasm.activationForward('tanh', {}, z, new Float32Array(8), 8)).toBe(false);
    expect(wasm.sgdStep(new Float32Array(4), new Float32Array(4), 0.1, 0)).toBe(false);
  });
});

describe('fused sgd step', () => {
  it('is bit-identical to the sgd optimizer, weight decay included', () => {
    const n = 1001;
    const [w, g] = wasm.allocBuffers('float32', [n, n]);
    const rng = createRng('sgd');
    fillUniform(w, rng);
    fillUniform(g, rng);
    const ref = { value: Float32Array.from(w), grad: Float32Array.from(g), name: 'w' };
    OPTIMIZERS.sgd.create([ref], {}, 'float32').step(0.1, 0.01);
    expect(wasm.sgdStep(w, g, 0.1, 0.01)).toBe(true);
    expect(new Uint32Array(w.buffer, w.byteOffset, n)).toEqual(new Uint32Array(ref.value.buffer));
  });
});

/**
 * W1 (bench/w1.ts: 784 -> 20 x 256 tanh -> 10, batch 128) through the real MLP: one forward
 * and backward pass with each kernel from the same weights and batch; every layer's dW and db
 * from the wasm kernel within 1e-5 (relative, Frobenius) of the TypeScript kernel's.
 */
describe('W1 gradients', () => {
  it('agree between the wasm and TypeScript kernels within 1e-5 per layer', () => {
    const grads = (kernels: Kernels): Float32Array[][] => {
      const mlp = new MLP({ ...W1, kernels, maxRows: W1.batch });
      initializeMLP(mlp, { init: { name: 'glorot_uniform' }, biasInit: { name: 'standard' } }, createRng(0).fork('init'));
      const rng = createRng(0).fork('data');
      const x = mlp.input;
      for (let i = 0; i < x.length; i++) x[i] = rng.normal();
      const labels = Int32Array.from({ length: W1.batch }, () => rng.int(W1.outputDim));
      const out = mlp.forward(x, W1.batch);
      const dOut = new Float32Array(W1.batch * W1.outputDim);
      LOSSES.cross_entropy.backward(out, labels, dOut, W1.batch, W1.outputDim);
      mlp.backward(dOut, W1.batch);
      return mlp.layers.map((l) => [Float32Array.from(l.dW), Float32Array.from(l.db)]);
    };
    const gw = grads(wasm);
    const gt = grads(tsKernels);
    expect(gw.length).toBe(W1.depth + 1);
    const relErr = (a: Float32Array, b: Float32Array): number => {
      let diff = 0;
      let ref = 0;
      for (let i = 0; i < b.length; i++) {
        diff += (a[i] - b[i]) ** 2;
        ref += b[i] ** 2;
      }
      return Math.sqrt(diff / ref);
    };
    gt.forEach(([dW, db], l) => {
      expect(relErr(gw[l][0], dW), `layers.${l}.weight`).toBeLessThan(1e-5);
      expect(relErr(gw[l][1], db), `layers.${l}.bias`).toBeLessThan(1e-5);
    });
  });
});
