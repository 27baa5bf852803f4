/** Bundles src/train/worker.ts into build/train/worker.mjs with its input list; see build-worker.mjs. */
export function buildWorker(): Promise<{ file: string; inputs: number }>;
