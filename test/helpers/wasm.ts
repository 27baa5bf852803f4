import { buildWasm, wasmStale } from '../../scripts/build-wasm.mjs';
import { resetWasmModule } from '../../src/net/kernels-wasm.js';

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
