/**
 * Picks the compute kernels for `model.kernel` and `model.threads`: `ts` is the pure-TypeScript
 * reference (`kernels-ts.ts`), `wasm` the WebAssembly SIMD one (`kernels-wasm.ts`, built from
 * `assembly/` by `npm ci` / `npm run build:wasm`), `auto` the WASM kernel when it loaded and the
 * TypeScript one otherwise. The WASM kernel handles float32; float64 products run on the
 * TypeScript kernel either way. `threads` > 1 splits the WASM kernel's large calls across that
 * many threads (`kernels-threads.ts`) with the same bits; the TypeScript kernel ignores it.
 */
import { tsKernels } from './kernels-ts.js';
import { WASM_PATH, createWasmKernels, wasmVariantPath } from './kernels-wasm.js';
import type { Kernels } from './tensor.js';

export const KERNEL_KINDS = ['auto', 'wasm', 'ts'] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

/** The WASM kernel by thread count, each made once per thread; null when its module does not load. */
const wasm = new Map<number, Kernels | null>();

/** The WASM kernel on `threads` threads, made once per thread; null when build/gemm*.wasm is missing or fails to load. */
export function wasmKernels(threads = 1): Kernels | null {
  let k = wasm.get(threads);
  if (k === undefined) {
    k = createWasmKernels({ threads });
    wasm.set(threads, k);
  }
  return k;
}

export function getKernels(kind: KernelKind, threads = 1): Kernels {
  switch (kind) {
    case 'ts':
      return tsKernels;
    case 'auto':
      return wasmKernels(threads) ?? wasmKernels(1) ?? tsKernels;
    case 'wasm': {
      const k = wasmKernels(threads);
      if (!k) {
        const file = threads > 1 ? wasmVariantPath('gemm-shared') : WASM_PATH;
        throw new Error(`model.kernel "wasm": ${file} is missing or does not load; run npm run build:wasm (or use "auto" or "ts")`);
      }
      return k;
    }
  }
}
