#!/usr/bin/env node
// Compiles the AssemblyScript kernels in assembly/ to build/*.wasm (128-bit SIMD, -O3), one
// module per variant (VARIANTS). Run by `npm run build:wasm` (and `prepare`, so `npm ci` leaves
// built modules); the kernel tests call buildWasm() themselves when a file is missing or older
// than its sources. Without build/gemm.wasm, src/net/kernels-wasm.ts reports the kernel
// unavailable and `auto` is `ts`.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WASM_PATH = resolve(root, 'build', 'gemm.wasm');

/**
 * The modules, from the same sources:
 * - gemm.wasm: its own (unshared) memory, one thread: the `wasm` kernel.
 * - gemm-shared.wasm: imports a shared memory (threads feature), so several instances on
 *   worker threads compute in one memory: the kernel of `model.threads` > 1. Same code, same bits.
 * - gemm-fma.wasm: shared, with relaxed SIMD: the micro-kernel's multiply-add is
 *   f32x4.relaxed_madd (a fused multiply-add where the machine has one: other bits). Opt-in only;
 *   Node 20 compiles it only with V8's --experimental-wasm-relaxed-simd.
 */
export const VARIANTS = {
  gemm: [],
  'gemm-shared': ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'],
  'gemm-fma': ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536', '--enable', 'relaxed-simd'],
};

/** Absolute path of a variant's module. */
export const wasmPath = (variant) => resolve(root, 'build', `${variant}.wasm`);

/** True when a module is missing or older than a source in assembly/. */
export function wasmStale() {
  const dir = resolve(root, 'assembly');
  const newest = Math.max(...readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => statSync(join(dir, f)).mtimeMs));
  return Object.keys(VARIANTS).some((v) => !existsSync(wasmPath(v)) || statSync(wasmPath(v)).mtimeMs < newest);
}

/**
 * Runs asc on assembly/gemm.ts once per variant. The memory is imported (each model supplies
 * its own, sized once), the runtime is the allocation-free stub, assertions are compiled out.
 * Resolves to the path of build/gemm.wasm.
 */
export async function buildWasm({ quiet = false } = {}) {
  const { default: asc } = await import('assemblyscript/asc');
  mkdirSync(dirname(WASM_PATH), { recursive: true });
  for (const [variant, flags] of Object.entries(VARIANTS)) {
    const out = wasmPath(variant);
    // Written beside the target and renamed into place, so a concurrent reader (another test
    // worker) sees either no file or a whole one.
    const tmp = `${out}.${process.pid}.tmp`;
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
        ...flags,
      ],
      {
        stdout: { write: (s) => { if (!quiet) process.stdout.write(s); return true; } },
        stderr: { write: (s) => { errText += s; return true; } },
      },
    );
    if (error) throw new Error(`asc failed (${variant}): ${error.message}\n${errText}`);
    renameSync(tmp, out);
  }
  return WASM_PATH;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildWasm().then(
    () => console.log(`built ${Object.keys(VARIANTS).map((v) => wasmPath(v)).join(', ')}`),
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
