/**
 * The wasm kernel's batch and layer norm (assembly/norm.ts, Kernels.normForward/normBackward)
 * against NormLayer's TypeScript loops: the same bits in every buffer the layer writes (n,
 * xhat, mean, 1/std, the running statistics, dz, dgamma, dbeta), in every mode, for unit
 * counts odd and even, on one thread, on two (cut into ranges of units and rows) and on the
 * ts kernel's fall-back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { threadedJobs } from '../../src/net/kernels-threads.js';
import type { WasmKernels } from '../../src/net/kernels-wasm.js';
import { NormLayer, normBufferSizes, normSpec, type ForwardMode } from '../../src/net/norm.js';
import { createRng, type Rng } from '../../src/net/rng.js';
import type { Kernels } from '../../src/net/tensor.js';
import { wasmKernelPair } from '../helpers/wasm.js';

let one: WasmKernels;
let two: WasmKernels;

beforeAll(async () => {
  // Tiny chunks, so that the test's small calls are cut between the threads.
  ({ one, two } = await wasmKernelPair({ chunkMinElements: 8 }));
});

/** A norm layer with its buffers (z, n, dn, dz, then the norm's) from `kernels`, or plain arrays when null. */
function layer(name: 'batch' | 'layer', units: number, rows: number, kernels: Kernels | null, momentum: number) {
  const spec = normSpec(name, name === 'batch' ? { momentum, eps: 1e-3 } : { eps: 1e-3 })!;
  const sizes = [rows * units, rows * units, rows * units, rows * units, ...normBufferSizes(spec, units, rows)];
  const bufs = kernels === null ? sizes.map((n) => new Float32Array(n)) : (kernels.allocBuffers('float32', sizes) as Float32Array[]);
  const [z, n, dn, dz, ...rest] = bufs;
  return { norm: new NormLayer(spec, units, rows, rest, kernels), z, n, dn, dz };
}

type Layer = ReturnType<typeof layer>;

/** Every buffer the layer reads or writes, by name. */
function buffers(l: Layer): Record<string, Float32Array> {
  const m = l.norm as unknown as Record<string, Float32Array>;
  const out: Record<string, Float32Array> = { z: l.z, n: l.n, dn: l.dn, dz: l.dz };
  for (const k of ['weight', 'bias', 'weightGrad', 'biasGrad', 'runningMean', 'runningVar', 'xhat', 'invstd', 'mean']) out[k] = m[k];
  return out;
}

/** Fills the inputs and parameters of a and b with the same values (z with a per-unit offset and scale). */
function fill(a: Layer, b: Layer, rng: Rng, units: number): void {
  const A = buffers(a);
  const B = buffers(b);
  for (const k of ['z', 'dn', 'weight', 'bias', 'runningMean', 'runningVar']) {
    for (let i = 0; i < A[k].length; i++) {
      const c = i % units;
      let v = k === 'z' ? (c - units / 2) * 0.3 + (1 + c) * rng.normal() : rng.normal();
      if (k === 'runningVar') v = Math.abs(v) + 0.1;
      A[k][i] = v;
      B[k][i] = v;
    }
  }
}

function expectSameBits(a: Layer, b: Layer, what: string): void {
  const A = buffers(a);
  const B = buffers(b);
  for (const k of Object.keys(A)) {
    const x = new Uint32Array(A[k].buffer, A[k].byteOffset, A[k].length);
    const y = new Uint32Array(B[k].buffer, B[k].byteOffset, B[k].length);
    let first = -1;
    for (let i = 0; i < x.length && first < 0; i++) if (x[i] !== y[i]) first = i;
    expect(first, `${what}: ${k}[${first}] is ${B[k][first]}, the TypeScript loop gives ${A[k][first]}`).toBe(-1);
  }
}

const MODES: ForwardMode[] = ['train', 'eval', 'probe'];

describe('wasm batch and layer norm give the TypeScript loops\' bits', () => {
  for (const name of ['batch', 'layer'] as const) {
    it(`${name} norm, forward and backward, every mode, one thread and two`, () => {
      const rng = createRng(`norm-${name}`);
      for (const [label, k] of [['one thread', one], ['two threads', two]] as const) {
        for (const units of [1, 2, 3, 7, 8, 33]) {
          for (const rows of [1, 2, 5, 19]) {
            // Two steps in each mode, so the running statistics a step updates feed the next.
            const ref = layer(name, units, rows, null, 0.3);
            const ours = layer(name, units, rows, k, 0.3);
            fill(ref, ours, rng, units);
            for (const mode of [...MODES, ...MODES]) {
              for (const l of [ref, ours]) {
                l.norm.forward(l.z, l.n, rows, mode);
                l.norm.backward(l.dn, l.dz, rows);
              }
              expectSameBits(ref, ours, `${label}, ${units} units, ${rows} rows, ${mode}`);
            }
          }
        }
      }
    });
  }

  it('keeps the threads\' per-unit sums apart on an odd number of units (batch norm, many passes at once)', () => {
    const rng = createRng('norm-race');
    for (const name of ['batch', 'layer'] as const) {
      const ref = layer(name, 7, 256, null, 0.1);
      const ours = layer(name, 7, 256, two, 0.1);
      fill(ref, ours, rng, 7);
      for (let i = 0; i < 200; i++) {
        for (const l of [ref, ours]) {
          l.norm.forward(l.z, l.n, 256, 'train');
          l.norm.backward(l.dn, l.dz, 256);
        }
      }
      expectSameBits(ref, ours, `${name} norm, 7 units, 256 rows, two threads, 200 passes`);
    }
  });

  it('cuts a pass between the threads', () => {
    const before = threadedJobs();
    const l = layer('layer', 16, 16, two, 0.1);
    l.z.fill(1);
    l.norm.forward(l.z, l.n, 16, 'train');
    l.norm.backward(l.dn, l.dz, 16);
    expect(threadedJobs() - before).toBe(2);
  });

  it('uses the passes in the wasm kernel\'s memory only (float64 and plain arrays run the loops)', () => {
    const state = layer('batch', 4, 4, null, 0.1).norm;
    const z = new Float32Array(16);
    expect(one.normForward(state, z, z, 4, 'train')).toBe(false);
    expect(one.normBackward(state, z, z, 4, 'train')).toBe(false);
  });
});
