/**
 * Picks the compute kernels for `model.kernel` and `model.threads`: `ts` is the pure-TypeScript
 * reference (`kernels-ts.ts`), `wasm` the WebAssembly SIMD one (`kernels-wasm.ts`, built from
 * `assembly/` by `npm ci` / `npm run build:wasm`), `auto` the WASM kernel when it loaded and the
 * TypeScript one otherwise. The WASM kernel handles float32; float64 products run on the
 * TypeScript kernel either way. `threads` > 1 splits the WASM kernel's large calls across that
 * many threads (`kernels-threads.ts`) with the same bits; the TypeScript kernel ignores it.
 *
 * `wasm-fma` is opt-in, never picked by `auto`: the products use relaxed SIMD's multiply-add,
 * which V8 compiles to a fused multiply-add (one rounding) on x64 with FMA3 and ARM64, and to
 * a multiply then an add elsewhere, so the same config gives other bits on another machine
 * (still the same on one machine, for any thread count). ~15-20% faster products on this
 * machine (docs/performance.md). Node 20 needs V8's --experimental-wasm-relaxed-simd, which
 * kernels-wasm.ts sets for the process when it first loads this kernel.
 */
import { tsKernels } from './kernels-ts.js';
import { WASM_PATH, createWasmKernels, wasmVariantPath } from './kernels-wasm.js';
import type { Kernels } from './tensor.js';

export const KERNEL_KINDS = ['auto', 'wasm', 'ts', 'wasm-fma'] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

/** WASM kernels by thread count and fma, each made once per thread; null when the module does not load. */
const wasm = new Map<string, Kernels | null>();

/** The WASM kernel on `threads` threads (with fused multiply-adds when `fma`), made once per thread; null when its module is missing or fails to load. */
export function wasmKernels(threads = 1, fma = false): Kernels | null {
  const key = `${threads}${fma ? 'f' : ''}`;
  let k = wasm.get(key);
  if (k === undefined) {
    k = createWasmKernels({ threads, fma });
    wasm.set(key, k);
  }
  return k;
}

export function getKernels(kind: KernelKind, threads = 1): Kernels {
  switch (kind) {
    case 'ts':
      return tsKernels;
    case 'auto':
      return wasmKernels(threads) ?? wasmKernels(1) ?? tsKernels;
    case 'wasm':
    case 'wasm-fma': {
      const fma = kind === 'wasm-fma';
      const k = wasmKernels(threads, fma);
      if (!k) {
        const file = fma ? wasmVariantPath('gemm-fma') : threads > 1 ? wasmVariantPath('gemm-shared') : WASM_PATH;
        throw new Error(`model.kernel "${kind}": ${file} is missing or does not load; run npm run build:wasm (or use "auto" or "ts")`);
      }
      return k;
    }
  }
}
