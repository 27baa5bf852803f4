/**
 * Picks the compute kernels for `model.kernel`: `ts` is the pure-TypeScript reference
 * (`kernels-ts.ts`), `wasm` the WebAssembly SIMD one (`kernels-wasm.ts`, built from
 * `assembly/` by `npm ci` / `npm run build:wasm`), `auto` the WASM kernel when it loaded and the
 * TypeScript one otherwise. The WASM kernel handles float32; float64 products run on the
 * TypeScript kernel either way.
 */
import { tsKernels } from './kernels-ts.js';
import { WASM_PATH, createWasmKernels } from './kernels-wasm.js';
import type { Kernels } from './tensor.js';

export const KERNEL_KINDS = ['auto', 'wasm', 'ts'] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

let wasm: Kernels | null | undefined;

/** The WASM kernel, loaded once per thread; null when build/gemm.wasm is missing or fails to load. */
export function wasmKernels(): Kernels | null {
  if (wasm === undefined) wasm = createWasmKernels();
  return wasm;
}

export function getKernels(kind: KernelKind): Kernels {
  switch (kind) {
    case 'ts':
      return tsKernels;
    case 'auto':
      return wasmKernels() ?? tsKernels;
    case 'wasm': {
      const k = wasmKernels();
      if (!k) throw new Error(`model.kernel "wasm": ${WASM_PATH} is missing or does not load; run npm run build:wasm (or use "auto" or "ts")`);
      return k;
    }
  }
}
