#!/usr/bin/env node
// Compiles the AssemblyScript kernels in assembly/ to build/gemm.wasm (128-bit SIMD, -O3).
// Run by `npm run build:wasm` (and `prepare`, so `npm ci` leaves a built module); the kernel
// tests call buildWasm() themselves when the file is missing or older than its sources.
// Without the file, src/net/kernels-wasm.ts reports the kernel unavailable and `auto` is `ts`.
import { mkdirSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WASM_PATH = resolve(root, 'build', 'gemm.wasm');

/**
 * Runs asc on assembly/gemm.ts. The memory is imported (each model supplies its own, sized
 * once), the runtime is the allocation-free stub, assertions are compiled out.
 */
export async function buildWasm({ quiet = false } = {}) {
  const { default: asc } = await import('assemblyscript/asc');
  mkdirSync(dirname(WASM_PATH), { recursive: true });
  // Written beside the target and renamed into place, so a concurrent reader (another test
  // worker) sees either no file or a whole one.
  const tmp = `${WASM_PATH}.${process.pid}.tmp`;
  let errText = '';
  const { error } = await asc.main(
    [
      resolve(root, 'assembly', 'gemm.ts'),
      '--outFile', tmp,
      '-O3', '--noAssert',
      '--runtime', 'stub',
      '--enable', 'simd',
      '--importMemory',
      '--use', 'abort=',
    ],
    {
      stdout: { write: (s) => { if (!quiet) process.stdout.write(s); return true; } },
      stderr: { write: (s) => { errText += s; return true; } },
    },
  );
  if (error) throw new Error(`asc failed: ${error.message}\n${errText}`);
  renameSync(tmp, WASM_PATH);
  return WASM_PATH;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildWasm().then(
    (p) => console.log(`built ${p}`),
    (e) => {
      // Without the compiler (an install that omits devDependencies) there is nothing to
      // build and gradflow runs on its TypeScript kernel: say so, but do not fail the install.
      if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('assemblyscript')) {
        console.warn('build-wasm: assemblyscript is not installed; skipping (the ts kernel will be used)');
        return;
      }
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
