/**
 * Where cells train: inline on the main thread (`--workers 1`) or on a pool of worker threads.
 * Both give the same bytes: a cell's results depend only on its resolved config.
 */
import { Worker } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/schema.js';
import type { Dataset } from '../data/index.js';
import type { Summary } from '../results/types.js';
import { trainCell, type Progress } from './trainer.js';
import type { WorkReply, WorkRequest } from './worker.js';
import { workerEntry } from './worker-bundle.js';
import * as msg from '../messages.js';

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

interface Job {
  readonly resolve: (s: Summary) => void;
  readonly reject: (e: Error) => void;
  readonly onProgress: (p: Progress) => void;
  readonly index: number;
  readonly request: WorkRequest;
  /** The worker said it got the job: from then on a crash is the cell's. */
  started: boolean;
  /** Handed to a fresh worker once already (a worker that cannot even start fails the cell). */
  retried: boolean;
}

interface Slot {
  readonly worker: Worker;
  busy: boolean;
  job?: Job;
  /** The uncaught error that is taking the worker down ('exit' follows 'error'). */
  error?: Error;
}

export class WorkerPool implements Executor {
  private readonly stopBuf = new SharedArrayBuffer(4);
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private closing = false;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(workerEntry(), { workerData: { stop: this.stopBuf } });
    const slot: Slot = { worker, busy: false };
    worker.on('message', (m: WorkReply) => {
      const job = slot.job;
      if (!job || m.index !== job.index) return;
      if (m.type === 'started') job.started = true;
      else if (m.type === 'progress') job.onProgress(m);
      else if (m.type === 'done') this.finish(slot, () => job.resolve(m.summary as Summary));
      else this.finish(slot, () => job.reject(new CellError(m.message, m.name)));
    });
    worker.on('error', (err) => {
      slot.error = err instanceof Error ? err : new Error(String(err));
    });
    // A worker that dies (an uncaught exception, process.exit, out of memory) fails its cell
    // only; a fresh worker takes its place. 'exit' comes after 'error', and also alone.
    worker.on('exit', (code) => {
      if (this.closing) return;
      const fresh = this.spawn();
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = fresh;
      const job = slot.job;
      slot.job = undefined;
      if (job && !job.started && !job.retried) {
        job.retried = true;
        // The worker died before it saw the job (of whatever killed it before): the cell is not
        // to blame, and nothing of it ran. The fresh worker trains it.
        this.post(fresh, job);
        return;
      }
      if (job) job.reject(new CellError(msg.workerDied(code, slot.error?.message ?? null), 'WorkerCrash'));
      this.release();
    });
    worker.unref();
    return slot;
  }

  private finish(slot: Slot, settle: () => void): void {
    slot.job = undefined;
    slot.busy = false;
    slot.worker.unref();
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
    const request: WorkRequest = { type: 'cell', index: job.index, config: job.config, dir: job.dir, baseDir: job.baseDir };
    const s = slot;
    return new Promise<Summary>((resolve, reject) => {
      this.post(s, { resolve, reject, onProgress, index: job.index, request, started: false, retried: false });
    });
  }

  /** Hands `job` to the worker of `slot`; the worker keeps the process alive until it answers. */
  private post(slot: Slot, job: Job): void {
    slot.busy = true;
    slot.job = job;
    slot.worker.ref();
    slot.worker.postMessage(job.request);
  }

  stop(): void {
    Atomics.store(new Int32Array(this.stopBuf), 0, 1);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
