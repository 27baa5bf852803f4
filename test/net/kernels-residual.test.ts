/**
 * The wasm kernel's residual sums (axpy, scale) against MLP's loops: the same bits on values
 * of every kind (NaN, infinities, -0, subnormals, wide magnitudes), lengths that are not a
 * multiple of 4, in place, on one thread and cut between two; and the fall-back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { threadedJobs } from '../../src/net/kernels-threads.js';
import type { WasmKernels } from '../../src/net/kernels-wasm.js';
import { createRng } from '../../src/net/rng.js';
import { wasmKernelPair } from '../helpers/wasm.js';

let one: WasmKernels;
let two: WasmKernels;

beforeAll(async () => {
  // Tiny chunks, so that the test's small calls are cut between the threads.
  ({ one, two } = await wasmKernelPair({ chunkMinElements: 8 }));
});

function values(n: number, seed: string): Float32Array {
  const rng = createRng(seed);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -3e-39, 3.4e38];
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform(0, 1) < 0.1 ? specials[rng.int(specials.length)] : rng.normal() * 10 ** rng.uniform(-6, 6);
  return x;
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let first = -1;
  for (let i = 0; i < x.length && first < 0; i++) if (x[i] !== y[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) first = i;
  expect(first, `${what}: [${first}] is ${b[first]}, the loop gives ${a[first]}`).toBe(-1);
}

describe('wasm residual sums give MLP\'s loops\' bits', () => {
  for (const [label, k] of [['one thread', () => one], ['two threads', () => two]] as const) {
    it(`axpy and scale, ${label}`, () => {
      const before = threadedJobs();
      for (const n of [1, 3, 4, 7, 64, 1001]) {
        for (const alpha of [1, 0.5, -1.7, 1e-30]) {
          const [out, x, y, acc] = k().allocBuffers('float32', [n, n, n, n]) as Float32Array[];
          x.set(values(n, `x${n}`));
          y.set(values(n, `y${n}`));
          const want = new Float32Array(n);
          for (let i = 0; i < n; i++) want[i] = x[i] + alpha * y[i];
          expect(k().axpy(out, x, y, alpha, n)).toBe(true);
          sameBits(want, out, `axpy n=${n} alpha=${alpha}`);
          for (let i = 0; i < n; i++) want[i] = alpha * x[i];
          expect(k().scale(out, x, alpha, n)).toBe(true);
          sameBits(want, out, `scale n=${n} alpha=${alpha}`);
          // In place, as MLP's dx += d.
          acc.set(x);
          for (let i = 0; i < n; i++) want[i] = x[i] + y[i];
          expect(k().axpy(acc, acc, y, 1, n)).toBe(true);
          sameBits(want, acc, `dx += d, n=${n}`);
        }
      }
      if (label === 'two threads') expect(threadedJobs()).toBeGreaterThan(before);
    });
  }

  it('leaves arrays outside its memory to the loop', () => {
    const x = new Float32Array(8);
    expect(one.axpy(x, x, x, 1, 8)).toBe(false);
    expect(one.scale(x, x, 2, 8)).toBe(false);
  });
});
