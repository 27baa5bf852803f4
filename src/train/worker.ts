/**
 * One worker thread of `gradflow run --workers N`: trains the cells the pool hands it, one at a
 * time, and reports progress and summaries. A crash here fails that cell, not the sweep.
 */
import { basename } from 'node:path';
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

/**
 * TEST ONLY (test/robustness/worker-crash.test.ts): `GRADFLOW_TEST_CRASH_CELL=<cell folder name>`
 * makes this worker die while it trains that cell, right after the cell's first metrics record:
 * `throw:<id>` (or just `<id>`) with an uncaught exception, `exit:<id>` with process.exit(70);
 * `after:<id>` dies 300 ms after finishing that cell, ignoring the next cell it is handed (which
 * the pool must then give to a fresh worker). It exists to prove that a crashed worker fails its
 * cell and no other; never set it otherwise.
 */
const CRASH = ((): { mode: 'throw' | 'exit' | 'after'; cell: string } | null => {
  const v = process.env.GRADFLOW_TEST_CRASH_CELL;
  if (!v) return null;
  const m = /^(throw|exit|after):(.*)$/.exec(v);
  return m ? { mode: m[1] as 'throw' | 'exit' | 'after', cell: m[2] } : { mode: 'throw', cell: v };
})();
let dying = false;

/** The error of a simulated crash: nothing may catch it. */
class SimulatedCrash extends Error {}

parentPort!.on('message', async (m: WorkRequest) => {
  if (dying) return;
  // Before anything else: the pool hands a job that never got here to a fresh worker.
  parentPort!.postMessage({ type: 'started', index: m.index } satisfies WorkReply);
  const crash = CRASH !== null && basename(m.dir) === CRASH.cell ? CRASH.mode : null;
  try {
    const summary = await trainCell(m.config, {
      dir: m.dir,
      baseDir: m.baseDir,
      shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
      onProgress: (p) => {
        if (crash === 'exit') process.exit(70);
        if (crash === 'throw') throw new SimulatedCrash('GRADFLOW_TEST_CRASH_CELL: simulated crash');
        parentPort!.postMessage({ type: 'progress', index: m.index, ...p } satisfies WorkReply);
      },
    });
    parentPort!.postMessage({ type: 'done', index: m.index, summary } satisfies WorkReply);
    if (crash === 'after') {
      dying = true;
      setTimeout(() => process.exit(71), 300);
    }
  } catch (err) {
    // Rethrown from this listener, it is an unhandled rejection: the worker dies of it.
    if (err instanceof SimulatedCrash) throw err;
    const e = err instanceof Error ? err : new Error(String(err));
    const message = EXPECTED.has(e.name) ? e.message : (e.stack ?? e.message);
    parentPort!.postMessage({ type: 'error', index: m.index, message, name: e.name } satisfies WorkReply);
  }
});
