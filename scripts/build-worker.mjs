#!/usr/bin/env node
// Bundles the worker threads' code (src/train/worker.ts and everything it imports) into one
// module, build/train/worker.mjs, so a worker of `gradflow run --workers N` starts without
// compiling TypeScript (src/train/worker-bundle.ts says when it is used). Beside it:
// kernels-worker.mjs and kernels-protocol.mjs (the threaded kernel's helper, found next to the
// module that starts it, and the constants it shares with the kernel) and
// worker-inputs.json, every file the bundle was built from with its size, mtime and SHA-256, by
// which the pool tells a fresh bundle from a stale one. Run by `npm run build` and `prepare` (`npm ci`).
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'train');

export async function buildWorker() {
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'src', 'train', 'worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(out, 'worker.mjs'),
    metafile: true,
    logLevel: 'warning',
  });
  // The helper and the protocol module it imports, beside the bundle that starts it.
  const helper = ['kernels-worker.mjs', 'kernels-protocol.mjs'].map((f) => join(root, 'src', 'net', f));
  for (const f of helper) copyFileSync(f, join(out, relative(join(root, 'src', 'net'), f)));
  const inputs = [...new Set([...Object.keys(result.metafile.inputs).map((p) => resolve(root, p)), ...helper])];
  // [path relative to the repository, size, mtimeMs, sha256 hex]: the format src/train/worker-bundle.ts reads.
  const list = inputs.map((p) => {
    const st = statSync(p);
    return [relative(root, p).split('\\').join('/'), st.size, st.mtimeMs, createHash('sha256').update(readFileSync(p)).digest('hex')];
  });
  writeFileSync(join(out, 'worker-inputs.json'), `${JSON.stringify({ inputs: list })}\n`);
  return { file: join(out, 'worker.mjs'), inputs: inputs.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { file, inputs } = await buildWorker();
  console.log(`built ${relative(process.cwd(), file) || file} from ${inputs} files (${(statSync(file).size / 2 ** 20).toFixed(1)} MiB)`);
}
