/**
 * Picks the compute kernels for `model.kernel`: `ts` is the pure-TypeScript reference
 * (`kernels-ts.ts`), `wasm` the WebAssembly SIMD one, `auto` the fastest available.
 * The WebAssembly kernel is not built yet, so `auto` is `ts` and `wasm` is refused.
 */
import { tsKernels } from './kernels-ts.js';
import type { Kernels } from './tensor.js';

export const KERNEL_KINDS = ['auto', 'wasm', 'ts'] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

export function getKernels(kind: KernelKind): Kernels {
  switch (kind) {
    case 'ts':
    case 'auto':
      return tsKernels;
    case 'wasm':
      throw new Error('wasm kernel not available: this build has only the TypeScript kernel (use model.kernel "ts" or "auto")');
  }
}
