/**
 * Which module a worker thread of the pool starts from. build/train/worker.mjs (written by
 * scripts/build-worker.mjs at `npm ci` and `npm run build`) is src/train/worker.ts with
 * everything it imports in one JavaScript module: a worker starts from it in ~0.1 s and ~0.1 s
 * of CPU, against ~0.35 s and ~0.5 s when tsx compiles the sources again in every new thread.
 * It is used only while fresh: every file it was built from (worker-inputs.json beside it,
 * `[path, size, mtimeMs, sha256]` each) still has its size and either its mtime or, when that
 * moved (a checkout, a file put back), its content. Otherwise, and with
 * GRADFLOW_WORKER_BUNDLE=0, the workers load the sources through tsx (worker-entry.mjs), so an
 * edited source never runs from a stale bundle.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What the build writes beside the list: the bundle, and the threaded kernel's helper (with its protocol module) that the bundle starts from its own folder. */
const OUTPUTS = ['worker.mjs', 'kernels-worker.mjs', 'kernels-protocol.mjs'];

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_ENTRY = new URL('./worker-entry.mjs', import.meta.url);

/** Whether the bundle in `dir` was built from the files under `root` as they are now. */
export function bundleIsFresh(dir: string, root: string): boolean {
  const listFile = join(dir, 'worker-inputs.json');
  if (!OUTPUTS.every((f) => existsSync(join(dir, f))) || !existsSync(listFile)) return false;
  try {
    const { inputs } = JSON.parse(readFileSync(listFile, 'utf8')) as { inputs: [string, number, number, string?][] };
    if (!Array.isArray(inputs) || inputs.length === 0) return false;
    return inputs.every(([path, size, mtimeMs, sha256]) => {
      const file = join(root, path);
      const st = statSync(file, { throwIfNoEntry: false });
      if (st === undefined || st.size !== size) return false;
      return st.mtimeMs === mtimeMs || (typeof sha256 === 'string' && createHash('sha256').update(readFileSync(file)).digest('hex') === sha256);
    });
  } catch {
    return false;
  }
}

let entry: URL | undefined;

/** The module the pool's workers start from (decided once per process). */
export function workerEntry(): URL {
  if (entry === undefined) {
    const dir = join(ROOT, 'build', 'train');
    entry = process.env.GRADFLOW_WORKER_BUNDLE !== '0' && bundleIsFresh(dir, ROOT) ? pathToFileURL(join(dir, 'worker.mjs')) : SOURCE_ENTRY;
  }
  return entry;
}
