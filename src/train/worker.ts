/**
 * One worker thread of `gradflow run --workers N`: trains the cells the pool hands it, one at a
 * time, and reports progress and summaries. A crash here fails that cell, not the sweep.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/schema.js';
import { trainCell } from './trainer.js';

export interface WorkRequest {
  readonly type: 'cell';
  readonly index: number;
  readonly config: ResolvedConfig;
  readonly dir: string;
  readonly baseDir: string;
}

export type WorkReply =
  | { readonly type: 'started'; readonly index: number }
  | { readonly type: 'progress'; readonly index: number; readonly step: number; readonly steps: number; readonly loss: number; readonly stepsPerSec: number }
  | { readonly type: 'done'; readonly index: number; readonly summary: unknown }
  | { readonly type: 'error'; readonly index: number; readonly message: string; readonly name: string };

/** Set to 1 by the main thread to stop every worker (SIGINT/SIGTERM); shared, so no message is needed. */
const stopFlag = new Int32Array((workerData as { stop: SharedArrayBuffer }).stop);

/** Errors about the input or the output: their message says it all. Anything else is a bug, sent with its stack. */
const EXPECTED = new Set(['OutputError', 'WeightsError', 'DataError', 'ConfigError']);

parentPort!.on('message', async (m: WorkRequest) => {
  // Before anything else: the pool hands a job that never got here to a fresh worker.
  parentPort!.postMessage({ type: 'started', index: m.index } satisfies WorkReply);
  try {
    const summary = await trainCell(m.config, {
      dir: m.dir,
      baseDir: m.baseDir,
      shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
      onProgress: (p) => parentPort!.postMessage({ type: 'progress', index: m.index, ...p } satisfies WorkReply),
    });
    parentPort!.postMessage({ type: 'done', index: m.index, summary } satisfies WorkReply);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const message = EXPECTED.has(e.name) ? e.message : (e.stack ?? e.message);
    parentPort!.postMessage({ type: 'error', index: m.index, message, name: e.name } satisfies WorkReply);
  }
});
