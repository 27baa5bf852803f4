import { buildWasm, wasmStale } from '../../scripts/build-wasm.mjs';
import type { TeamTuning } from '../../src/net/kernels-threads.js';
import { createWasmKernels, resetWasmModule, WASM_PATH, type WasmKernels } from '../../src/net/kernels-wasm.js';

/**
 * Builds build/*.wasm when a module is missing or older than assembly/ (a fresh clone has no
 * build/ until `npm ci`'s prepare or `npm run build:wasm` has run), and makes the kernel read
 * the new files.
 */
export async function ensureWasmBuilt(): Promise<void> {
  if (wasmStale()) {
    await buildWasm({ quiet: true });
    resetWasmModule();
  }
}

/**
 * The wasm kernel on one thread and on two, built first if need be; the two-thread one cuts
 * with `tuning` (tests pass tiny minima, so that their small calls are cut between the threads).
 */
export async function wasmKernelPair(tuning: TeamTuning = {}): Promise<{ one: WasmKernels; two: WasmKernels }> {
  await ensureWasmBuilt();
  const one = createWasmKernels();
  const two = createWasmKernels({ threads: 2, tuning });
  if (one === null || two === null) throw new Error(`could not load ${WASM_PATH}`);
  return { one, two };
}
