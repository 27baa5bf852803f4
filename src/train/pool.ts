/**
 * Where cells train: inline on the main thread (`--workers 1`) or on a pool of worker threads.
 * Both give the same bytes: a cell's results depend only on its resolved config.
 */
import { Worker } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/schema.js';
import type { Dataset } from '../data/index.js';
import type { Summary } from '../metrics/types.js';
import { trainCell, type Progress } from './trainer.js';
import type { WorkReply, WorkRequest } from './worker.js';

export interface CellJob {
  readonly index: number;
  readonly config: ResolvedConfig;
  readonly dir: string;
  readonly baseDir: string;
  /** Only used inline; workers load their own copy. */
  readonly data?: Dataset;
}

export interface Executor {
  run(job: CellJob, onProgress: (p: Progress) => void): Promise<Summary>;
  /** Asks every running cell to stop at its next step (status `interrupted`). */
  stop(): void;
  close(): Promise<void>;
}

export class InlineExecutor implements Executor {
  private stopped = false;

  async run(job: CellJob, onProgress: (p: Progress) => void): Promise<Summary> {
    return trainCell(job.config, { dir: job.dir, baseDir: job.baseDir, data: job.data, onProgress, shouldStop: () => this.stopped });
  }

  stop(): void {
    this.stopped = true;
  }

  async close(): Promise<void> {}
}

/** An error that a worker reported for its cell, with the worker's stack. */
export class CellError extends Error {
  constructor(message: string, readonly originalName: string) {
    super(message);
    this.name = originalName;
  }
}

interface Slot {
  readonly worker: Worker;
  busy: boolean;
  job?: { resolve: (s: Summary) => void; reject: (e: Error) => void; onProgress: (p: Progress) => void; index: number };
}

export class WorkerPool implements Executor {
  private readonly stopBuf = new SharedArrayBuffer(4);
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { stop: this.stopBuf } });
    const slot: Slot = { worker, busy: false };
    worker.on('message', (m: WorkReply) => {
      const job = slot.job;
      if (!job || m.index !== job.index) return;
      if (m.type === 'progress') job.onProgress(m);
      else if (m.type === 'done') this.finish(slot, () => job.resolve(m.summary as Summary));
      else this.finish(slot, () => job.reject(new CellError(m.message, m.name)));
    });
    // A crashed worker fails its cell only; a fresh worker takes its place.
    worker.on('error', (err) => {
      const job = slot.job;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      if (job) {
        slot.job = undefined;
        job.reject(err instanceof Error ? err : new Error(String(err)));
      }
      this.release();
    });
    worker.unref();
    return slot;
  }

  private finish(slot: Slot, settle: () => void): void {
    slot.job = undefined;
    slot.busy = false;
    settle();
    this.release();
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
  }

  async run(job: CellJob, onProgress: (p: Progress) => void): Promise<Summary> {
    let slot = this.slots.find((s) => !s.busy);
    while (!slot) {
      await new Promise<void>((r) => this.waiting.push(r));
      slot = this.slots.find((s) => !s.busy);
    }
    slot.busy = true;
    const s = slot;
    return new Promise<Summary>((resolve, reject) => {
      s.job = { resolve, reject, onProgress, index: job.index };
      s.worker.ref();
      const req: WorkRequest = { type: 'cell', index: job.index, config: job.config, dir: job.dir, baseDir: job.baseDir };
      s.worker.postMessage(req);
    }).finally(() => s.worker.unref());
  }

  stop(): void {
    Atomics.store(new Int32Array(this.stopBuf), 0, 1);
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
