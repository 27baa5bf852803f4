import { beforeAll, describe, expect, it } from 'vitest';
import { activationParams } from '../../src/net/activations.js';
import { CHUNK_MIN_COSTLY_ELEMENTS, CHUNK_MIN_ELEMENTS, CHUNK_MIN_MACS, CHUNK_MIN_PACK, CHUNKS_PER_THREAD, threadedJobs } from '../../src/net/kernels-threads.js';
import { createWasmKernels, WASM_ACTIVATION_KINDS, type WasmKernels } from '../../src/net/kernels-wasm.js';
import { createRng } from '../../src/net/rng.js';
import type { FloatArray } from '../../src/net/tensor.js';
import { ensureWasmBuilt } from '../helpers/wasm.js';

/**
 * One thread (build/gemm.wasm), and the shared module on 2 and 3 threads: with the caller taking
 * chunks, leaving them all to the helpers, and with every panel packing a itself.
 */
let one: WasmKernels;
let teams: [string, WasmKernels][];

beforeAll(async () => {
  await ensureWasmBuilt();
  const make = (threads: number, helpersOnly = false, sharedPack = true, chunkMinPack?: number): WasmKernels => {
    const k = createWasmKernels({ threads, tuning: { helpersOnly, sharedPack, chunkMinPack } });
    if (k === null) throw new Error('could not load build/gemm*.wasm');
    return k;
  };
  one = make(1);
  teams = [['2 threads', make(2)], ['3 threads', make(3)], ['2 threads, helpers only', make(2, true)], ['2 threads, a packed per panel', make(2, false, false)],
    ['2 threads, a packed by the caller alone', make(2, false, true, Infinity)]];
});

const bits = (a: FloatArray): Uint32Array => new Uint32Array(Float32Array.from(a).buffer);

/** Index of the first element whose bits differ, or -1 (a plain loop: toEqual on 10^5 elements is slow). */
function firstDiff(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

type Product = 'gemmABt' | 'gemmAB' | 'gemmAtB';

/**
 * Runs one product with every operand in `kernels`' memory (bias and colSum included) and
 * returns C followed by colSum (gemmAtB) as float32 bits.
 */
function product(kernels: WasmKernels, p: Product, m: number, n: number, k: number): Uint32Array {
  const [A, B, C, bias, colSum] = kernels.allocBuffers('float32', [m * k, n * k, m * n, n, m]);
  const rng = createRng(`${p}/${m}/${n}/${k}`);
  for (const x of [A, B, bias]) for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
  C.fill(Number.NaN);
  colSum.fill(Number.NaN);
  if (p === 'gemmABt') kernels.gemmABt(A, B, bias, C, m, n, k);
  else if (p === 'gemmAB') kernels.gemmAB(A, B, C, m, n, k);
  else kernels.gemmAtB(A, B, C, m, n, k, colSum);
  if (p !== 'gemmAtB') return bits(C);
  const out = new Float32Array(m * n + m);
  out.set(C);
  out.set(colSum, m * n);
  return bits(out);
}

// Large enough to be split (m n k >= 2 CHUNK_MIN_MACS): columns when n >= m, rows otherwise,
// with edges (n not a multiple of 8, m not of 4) and k over several 256-deep slabs.
const SPLIT_SIZES: [number, number, number][] = [
  [128, 256, 784],
  [256, 784, 128],
  [130, 67, 259],
  [517, 33, 300],
  [64, 1030, 520],
  [1024, 10, 256],
  // columns cut, and the shared packing of a cut by rows with a partial last panel (66 = 16 * 4 + 2)
  [66, 1030, 300],
];

describe.each(['gemmABt', 'gemmAB', 'gemmAtB'] as const)('%s on several threads', (p) => {
  it.each(SPLIT_SIZES)('gives the bits of one thread at m=%i n=%i k=%i', (m, n, k) => {
    expect(m * n * k).toBeGreaterThanOrEqual(2 * CHUNK_MIN_MACS);
    const want = product(one, p, m, n, k);
    for (const [label, kernels] of teams) {
      const before = threadedJobs();
      const got = product(kernels, p, m, n, k);
      expect(threadedJobs(), `${label}: the product was split`).toBeGreaterThan(before);
      expect(firstDiff(got, want), label).toBe(-1);
    }
  });

  it('runs small products on the calling thread, with the same bits', () => {
    const [m, n, k] = [7, 13, 5];
    const want = product(one, p, m, n, k);
    const before = threadedJobs();
    for (const [label, kernels] of teams) expect(firstDiff(product(kernels, p, m, n, k), want), label).toBe(-1);
    expect(threadedJobs()).toBe(before);
  });
});

const FUSED = Object.keys(WASM_ACTIVATION_KINDS) as (keyof typeof WASM_ACTIVATION_KINDS)[];

describe.each(FUSED)('fused %s on several threads', (name) => {
  // Odd sizes, so the ranges end off a multiple of 8; one too small to be cut even when costly.
  it.each([CHUNK_MIN_ELEMENTS * 6 + 5, CHUNK_MIN_COSTLY_ELEMENTS * 2 - 1])('gives the bits of one thread forward and backward over %i elements', (n) => {
    const p = activationParams(name, {});
    const run = (kernels: WasmKernels): Uint32Array => {
      const [z, a, da, dz] = kernels.allocBuffers('float32', [n, n, n, n]);
      const rng = createRng(`${name}/${n}`);
      for (let i = 0; i < n; i++) {
        // Wide inputs reach the saturated and the exp-clamped ranges; a few exact kinks.
        z[i] = i % 97 === 0 ? 0 : rng.normal() * 8;
        da[i] = rng.normal();
      }
      expect(kernels.activationForward(name, p, z, a, n)).toBe(true);
      expect(kernels.activationBackward(name, p, z, a, da, dz, n)).toBe(true);
      const out = new Float32Array(2 * n);
      out.set(a);
      out.set(dz, n);
      return bits(out);
    };
    const want = run(one);
    for (const [label, kernels] of teams) {
      const before = threadedJobs();
      expect(firstDiff(run(kernels), want), label).toBe(-1);
      if (n >= 2 * CHUNK_MIN_ELEMENTS) expect(threadedJobs(), `${label}: split`).toBe(before + 2);
      else expect(threadedJobs(), `${label}: not split`).toBe(before);
    }
  });
});

describe('the sgd step on several threads', () => {
  it('gives the bits of one thread, weight decay included', () => {
    const n = CHUNK_MIN_ELEMENTS * 10 + 3;
    const run = (kernels: WasmKernels): Uint32Array => {
      const [w, g] = kernels.allocBuffers('float32', [n, n]);
      const rng = createRng('sgd');
      for (let i = 0; i < n; i++) {
        w[i] = rng.normal();
        g[i] = rng.normal();
      }
      expect(kernels.sgdStep(w, g, 0.05, 1e-3)).toBe(true);
      return bits(w);
    };
    const want = run(one);
    for (const [label, kernels] of teams) expect(firstDiff(run(kernels), want), label).toBe(-1);
  });
});

describe('jobs of changing sizes, back to back', () => {
  it('give the bits of one thread', () => {
    // A 2-chunk product right after an 8-chunk one and back, thousands of times, each feeding
    // its input from its last output: a chunk of one job taken as a chunk of the next, missed
    // or run twice, shows in the bits (or as a caller waiting forever). The claim protocol is
    // argued in ThreadTeam.start; this checks the common paths, not that narrow window.
    const sizes: [number, number, number][] = [[128, 1024, 64], [64, 48, 96]];
    const run = (kernels: WasmKernels): Uint32Array[] => {
      const bufs = sizes.map(([m, n, k]) => {
        const [A, B, bias, C] = kernels.allocBuffers('float32', [m * k, n * k, n, m * n]);
        const rng = createRng(`${m}/${n}/${k}`);
        for (const x of [A, B, bias]) for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
        return { A, B, bias, C };
      });
      const out = sizes.map(() => [] as Uint32Array[]);
      for (let r = 0; r < 1500; r++) {
        sizes.forEach(([m, n, k], i) => {
          const { A, B, bias, C } = bufs[i];
          // Feed the output back in (scaled by the product), so a chunk missed or run twice shows.
          kernels.gemmABt(A, B, bias, C, m, n, k);
          for (let j = 0; j < Math.min(A.length, C.length); j += 7) A[j] = Math.tanh(C[j]);
        });
      }
      bufs.forEach(({ C }, i) => out[i].push(bits(C)));
      return out.flat();
    };
    const want = run(one);
    for (const [label, kernels] of teams.slice(0, 2)) {
      const got = run(kernels);
      got.forEach((g, i) => expect(firstDiff(g, want[i]), `${label}, size ${i}`).toBe(-1));
    }
  });
});

describe('the thread profile', () => {
  it('counts the chunks each thread took, and is null on one thread', () => {
    const k2 = createWasmKernels({ threads: 2, tuning: { profile: true } });
    if (k2 === null) throw new Error('could not load build/gemm-shared.wasm');
    expect(one.threadProfile()).toBeNull();
    const [m, n, k] = [128, 512, 256];
    const [A, B, C] = k2.allocBuffers('float32', [m * k, n * k, m * n]);
    k2.threadProfile(true);
    for (let r = 0; r < 10; r++) k2.gemmABt(A, B, null, C, m, n, k);
    k2.gemmABt(A, B, null, C, 4, 4, 4);
    const p = k2.threadProfile(true);
    expect(p).not.toBeNull();
    const [caller, helper] = p!;
    // Two jobs a product: packing a (128 x 256 = 2^15 elements, cut in 2 by rows), then the
    // columns.
    expect(m * k).toBeGreaterThanOrEqual(2 * CHUNK_MIN_PACK);
    expect(caller.jobs).toBe(20);
    expect(caller.aloneCalls).toBe(1);
    // 128 x 512 x 256 = 2^24 multiply-adds: CHUNK_GRAIN caps nothing, so 2 * CHUNKS_PER_THREAD chunks a job.
    expect(caller.chunks + helper.chunks).toBe(10 * (2 + 2 * CHUNKS_PER_THREAD));
    expect(k2.threadProfile()![0].jobs).toBe(0);
  });
});

describe('a helper thread that never starts', () => {
  it('fails the first call that needs the helpers within the deadline instead of waiting forever', () => {
    const k = createWasmKernels({ threads: 2, tuning: { helperScript: new URL('./no-such-helper.mjs', import.meta.url), answerMs: 1500 } });
    if (k === null) throw new Error('could not load build/gemm*.wasm');
    expect(() => k.allocBuffers('float32', [1000])).toThrow(/1 helper thread\(s\) did not answer within 1.5 s/);
  });
});

describe('a threaded kernel object', () => {
  it('says how many threads it uses, in memories the caller can read and write', () => {
    const [, k2] = teams[0];
    expect(k2.threads).toBe(2);
    expect(k2.fma).toBe(false);
    expect(one.threads).toBe(1);
    const [a] = k2.allocBuffers('float32', [1000]);
    a.fill(2);
    expect(k2.owns(a)).toBe(true);
    expect(a[999]).toBe(2);
  });
});

describe('the relaxed-SIMD multiply-add kernel (wasm-fma)', () => {
  const U = 2 ** -24;

  it.each(['gemmABt', 'gemmAB', 'gemmAtB'] as const)('%s is within float32 rounding of float64, and the same on 1 and 2 threads', (p) => {
    const fma1 = createWasmKernels({ fma: true });
    const fma2 = createWasmKernels({ fma: true, threads: 2 });
    expect(fma1?.name).toBe('wasm-fma');
    expect(fma2?.fma).toBe(true);
    const [m, n, k] = [130, 67, 259];
    const got = product(fma1!, p, m, n, k);
    expect(firstDiff(product(fma2!, p, m, n, k), got)).toBe(-1);
    // The operands as product() fills them, and the float64 sums, with sum |terms| for the bound.
    const rng = createRng(`${p}/${m}/${n}/${k}`);
    const fill = (len: number): Float32Array => Float32Array.from({ length: len }, () => rng.uniform(-1, 1));
    const A = fill(m * k);
    const B = fill(n * k);
    const bias = fill(n);
    const C = new Float32Array(got.buffer, 0, m * n);
    const a = (i: number, q: number): number => (p === 'gemmAtB' ? A[q * m + i] : A[i * k + q]);
    const b = (q: number, j: number): number => (p === 'gemmABt' ? B[j * k + q] : B[q * n + j]);
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = p === 'gemmABt' ? bias[j] : 0;
        let abs = Math.abs(s);
        for (let q = 0; q < k; q++) {
          s += a(i, q) * b(q, j);
          abs += Math.abs(a(i, q) * b(q, j));
        }
        worst = Math.max(worst, Math.abs(C[i * n + j] - s) / ((k + 2) * U * abs));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
});
