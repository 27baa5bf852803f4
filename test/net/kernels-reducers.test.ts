/**
 * The wasm kernel's reducers of the metrics pass (shiftedSums, binCounts, derivativeCounts)
 * against the TypeScript loops they replace: the same bits, on data chosen to hit every
 * branch (NaN, infinities, -0, values on the edges and beyond them, lengths that are not a
 * multiple of 4), on one thread and on a shared memory; and the fall-backs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { accumulate, emptyCounts, linearBins, symlogBins, type BinSpec } from '../../src/metrics/histogram.js';
import { derivativeCounts, emptyDerivativeCounts, emptyStats, stats } from '../../src/metrics/reducers.js';
import { createWasmKernels, WASM_PATH, type WasmKernels } from '../../src/net/kernels-wasm.js';
import { createRng, type Rng } from '../../src/net/rng.js';
import { ensureWasmBuilt } from '../helpers/wasm.js';

let one: WasmKernels;
let two: WasmKernels;

beforeAll(async () => {
  await ensureWasmBuilt();
  const a = createWasmKernels();
  const b = createWasmKernels({ threads: 2 });
  if (a === null || b === null) throw new Error(`could not load ${WASM_PATH}`);
  one = a;
  two = b;
});

/** Values of every kind a reducer must treat alike: wide magnitudes, signs, zeros, specials, edge values. */
function adversarial(n: number, rng: Rng, edges: readonly number[] = []): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.uniform(0, 1);
    if (r < 0.02) x[i] = NaN;
    else if (r < 0.04) x[i] = rng.uniform(0, 1) < 0.5 ? Infinity : -Infinity;
    else if (r < 0.08) x[i] = rng.uniform(0, 1) < 0.5 ? 0 : -0;
    else if (r < 0.2 && edges.length > 0) x[i] = edges[Math.floor(rng.uniform(0, edges.length))];
    else if (r < 0.3) x[i] = rng.uniform(-1, 1) * 10 ** rng.uniform(-14, 4);
    else if (r < 0.35) x[i] = 1e-45 * rng.uniform(-8, 8);
    else x[i] = rng.uniform(-1.3, 1.3);
  }
  return x;
}

/** x copied into a buffer of kernel k's memory. */
function inKernel(k: WasmKernels, x: Float32Array): Float32Array {
  const [b] = k.allocBuffers('float32', [x.length]) as Float32Array[];
  b.set(x);
  return b;
}

const kernels = (): [string, WasmKernels][] => [['one thread', one], ['shared memory', two]];

describe('wasm reducers give the TypeScript loops\' bits', () => {
  for (const finite of [true, false]) {
    it(`shiftedSums through stats (${finite ? 'finite values' : 'with NaN and infinities'})`, () => {
      const rng = createRng(11);
      for (const [, k] of kernels()) {
        for (const n of [1, 2, 3, 5, 8, 13, 100, 4099]) {
          let x = adversarial(n, rng);
          if (finite) x = x.map((v) => (Number.isFinite(v) ? v : 0.5));
          const w = inKernel(k, x);
          const ours = stats(w, n, emptyStats(), k);
          const ref = stats(x, n);
          for (const f of ['mean', 'std', 'rms', 'maxAbs'] as const) expect(Object.is(ours[f], ref[f]), `${f}, n = ${n}`).toBe(true);
          const sums = new Float64Array(3);
          expect(k.shiftedSums(w, n, sums)).toBe(true);
        }
      }
    });
  }

  const specs: [string, BinSpec][] = [
    ['linear [-1, 1], 40 bins', linearBins(-1, 1, 40)],
    ['linear [0, 6], 7 bins', linearBins(0, 6, 7)],
    ['linear [-0.3, 2e4], 3 bins', linearBins(-0.3, 2e4, 3)],
    ['symlog default', symlogBins()],
    ['symlog 1e-3 .. 1e1, 5 a decade', symlogBins(-3, 1, 5)],
  ];
  for (const [name, spec] of specs) {
    it(`binCounts through accumulate: ${name}`, () => {
      const rng = createRng(12);
      for (const [, k] of kernels()) {
        for (const n of [1, 3, 4, 7, 64, 1001]) {
          const x = adversarial(n, rng, [...spec.edges, ...spec.edges.map((e) => Math.fround(e))]);
          const ours = emptyCounts(spec);
          const ref = emptyCounts(spec);
          // Twice: counts add up across calls.
          accumulate(spec, ours, inKernel(k, x), n, k);
          accumulate(spec, ours, inKernel(k, x), n, k);
          accumulate(spec, ref, x, n);
          accumulate(spec, ref, x, n);
          expect(ours).toEqual(ref);
          expect([...ours.counts].reduce((a, b) => a + b, 0) + ours.under + ours.over + ours.nan).toBe(2 * n);
        }
        const out = new Int32Array(spec.edges.length + 2);
        // Even a 9-element buffer has room for the bins: staging is never below 16 KiB.
        expect(k.binCounts(inKernel(k, new Float32Array(9)), 9, spec, out)).toBe(true);
      }
    });
  }

  for (const widthFactor of [1, 2]) {
    it(`derivativeCounts, widthFactor ${widthFactor}`, () => {
      const rng = createRng(13);
      for (const [, k] of kernels()) {
        for (const [rows, units] of [[1, 1], [3, 5], [64, 33], [257, 16]]) {
          const d = new Float32Array(rows * units * widthFactor);
          // relu-like: exact zeros, a column that is always zero (dead), values on the threshold (0.25), NaN.
          for (let i = 0; i < d.length; i++) {
            const r = rng.uniform(0, 1);
            d[i] = (i % (units * widthFactor)) === 0 ? 0 : r < 0.4 ? 0 : r < 0.45 ? -0 : r < 0.5 ? (r < 0.475 ? 0.25 : -0.25) : r < 0.52 ? NaN : rng.uniform(-1, 1);
          }
          const ours = emptyDerivativeCounts();
          const ref = emptyDerivativeCounts();
          const maskOurs = new Uint8Array(units).fill(7);
          const maskRef = new Uint8Array(units).fill(7);
          derivativeCounts(inKernel(k, d), rows, units, widthFactor, 0.25, maskOurs, new Int32Array(units), ours, k);
          derivativeCounts(d, rows, units, widthFactor, 0.25, maskRef, new Int32Array(units), ref);
          expect(ours).toEqual(ref);
          expect(maskOurs).toEqual(maskRef);
          if (widthFactor === 1) expect(ref.deadUnits).toBeGreaterThan(0);
          expect(k.derivativeCounts(inKernel(k, d), rows, units, widthFactor, 0.05, maskOurs, new Int32Array(3))).toBe(true);
        }
      }
    });
  }
});

describe('wasm reducers fall back to the TypeScript loops', () => {
  it('for arrays outside the kernel\'s memory and for float64', () => {
    const out = new Float64Array(3);
    expect(one.shiftedSums(new Float32Array(8), 8, out)).toBe(false);
    expect(one.shiftedSums(new Float64Array(8), 8, out)).toBe(false);
    expect(one.binCounts(new Float32Array(8), 8, linearBins(0, 1, 4), new Int32Array(7))).toBe(false);
    expect(one.derivativeCounts(new Float32Array(8), 2, 4, 1, 0.1, new Uint8Array(4), new Int32Array(3))).toBe(false);
    // ... and stats still answers, from the loop.
    const x = new Float32Array([1, 2, 3, 4]);
    expect(stats(x, 4, emptyStats(), one)).toEqual(stats(x, 4));
  });

  it('when the bins do not fit the staging area (16 KiB), or n is not a size', () => {
    const [tiny] = one.allocBuffers('float32', [4]) as Float32Array[];
    tiny.set([0.1, 0.2, 0.3, 0.4]);
    expect(one.binCounts(tiny, 4, linearBins(0, 1, 2000), new Int32Array(2003))).toBe(false);
    const ours = emptyCounts(linearBins(0, 1, 2000));
    const ref = emptyCounts(linearBins(0, 1, 2000));
    accumulate(linearBins(0, 1, 2000), ours, tiny, 4, one);
    accumulate(linearBins(0, 1, 2000), ref, Float32Array.from(tiny), 4);
    expect(ours).toEqual(ref);
    expect(one.shiftedSums(tiny, 0, new Float64Array(3))).toBe(false);
    expect(one.shiftedSums(tiny, 5, new Float64Array(3))).toBe(false);
  });
});
