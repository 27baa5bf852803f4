/**
 * The threads of the wasm kernel (`model.threads` = N > 1): N - 1 helper threads
 * (`kernels-worker.mjs`) and the calling thread share each model's memory (a shared
 * `WebAssembly.Memory`, one instance of build/gemm-shared.wasm per thread) and split every large
 * kernel call between them.
 *
 * What is split, and why the bits do not change:
 * - A product C[m,n] (+)= sum_p a(i,p) b(p,j) is cut into panels of C: column panels (multiples
 *   of NR = 8 columns) when n >= m, else row panels (multiples of MR = 4 rows). k is never cut:
 *   every element is summed by one thread, over the same KC slabs in the same order as the
 *   whole product (assembly/gemm.ts: the order depends on k alone), so each element has the
 *   same bits for any N and any split. The fused bias gradient (colSum) goes with the rows, or
 *   whole to the first panel when the columns are cut.
 * - Activations and the SGD update are elementwise: contiguous ranges, trivially the same.
 * A call is cut into at most CHUNKS_PER_THREAD chunks a thread, none smaller than
 * CHUNK_MIN_MACS multiply-adds, CHUNK_MIN_ELEMENTS elements of a cheap elementwise pass or
 * CHUNK_MIN_COSTLY_ELEMENTS of a costly one (an exp per element); a call too small for two
 * chunks stays on the calling thread, where a hand-off would cost more than it saves.
 *
 * Synchronisation: one control block (a SharedArrayBuffer) and Atomics; the threads take the
 * chunks of a job as they come (see ThreadTeam). Waiting is a short spin, then Atomics.wait,
 * which Node allows on the main thread too.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/** Control block layout, in Int32 slots (kernels-worker.mjs keeps the same numbers). */
const SEQ = 0;
const PENDING = 1;
const OP = 2;
const ARENA = 3;
const FAILED = 4;
const SPIN = 5;
const CLAIM = 6;
const DONE = 7;
const NCHUNKS = 8;
const BCAST = 9;
/** Chunk arguments start at Float64 slot ARGS, ARG_SLOTS a chunk. */
const ARGS = 8;
const ARG_SLOTS = 16;
/** CLAIM = (job sequence number & TAG_MASK) << CHUNK_BITS | next unclaimed chunk. */
const TAG_MASK = 0x1ffffff;
const CHUNK_BITS = 6;
const MAX_CHUNKS = 1 << CHUNK_BITS;

const OP_GEMM = 1;
const OP_FORWARD = 2;
const OP_BACKWARD = 3;
const OP_SGD = 4;
const OP_ATTACH = 5;
const OP_DETACH = 6;
const OP_EXIT = 7;

/** Register tile of assembly/gemm.ts: panels of C are cut at multiples of these. */
const MR = 4;
const NR = 8;

/**
 * The least work a chunk gets, where cutting a call in two measured faster than one thread
 * (`npx tsx bench/threads.ts --crossover`, docs/performance.md "Threads"): a product pays from
 * ~2^18 multiply-adds in all (1.17x at 2.9e5, 0.90x at 1.3e5), so 2^17 a chunk; relu, the
 * cheap derivatives and the sgd update (~0.3-0.5 ns an element) from ~2^15-2^16 elements in
 * all, so 2^15 a chunk; tanh, sigmoid, elu, selu, softsign and silu forward (3-4 ns an element)
 * from ~4,000, so 2^11 a chunk.
 */
export const CHUNK_MIN_MACS = 1 << 17;
export const CHUNK_MIN_ELEMENTS = 1 << 15;
export const CHUNK_MIN_COSTLY_ELEMENTS = 1 << 11;
/** Chunks a job is cut into, per thread: more balance the load when a thread is late. */
export const CHUNKS_PER_THREAD = 2;
/**
 * Most iterations of Atomics.load a thread spins before it sleeps (tens of microseconds): the
 * next job of a training step, or the end of the helpers' chunks, usually comes sooner, and
 * waking from Atomics.wait costs tens of microseconds. Each thread adapts its own budget: it
 * halves after a spin that ended in sleep and doubles after one that did not, so on a machine
 * whose cores are taken by other jobs (where a thread waited for is often not running at all)
 * the threads soon sleep at once instead of burning their share of the cores.
 */
export const SPIN_LOADS = 20000;
/** The least a spin budget shrinks to. */
export const SPIN_MIN = 64;

/** How a team cuts its work; the defaults are the constants above (bench/threads.ts varies them). */
export interface TeamTuning {
  readonly chunkMinMacs?: number;
  readonly chunkMinElements?: number;
  readonly chunkMinCostlyElements?: number;
  readonly chunksPerThread?: number;
  readonly spin?: number;
  /** Leave every chunk to the helpers, the caller only waits (tests: so their path surely runs). */
  readonly helpersOnly?: boolean;
}

/** Most threads a kernel takes (the schema's limit on model.threads). */
export const MAX_THREADS = 32;

/** The exports of build/gemm-shared.wasm the threads call (see assembly/gemm.ts, elementwise.ts). */
export interface SharedExports {
  gemmBlock(op: number, A: number, lda: number, B: number, ldb: number, bias: number, C: number, ldc: number,
    m: number, n: number, k: number, colSum: number, scratch: number): void;
  activationForward(kind: number, z: number, a: number, n: number, alpha: number): void;
  activationBackward(kind: number, z: number, a: number, da: number, dz: number, n: number, alpha: number): void;
  sgdStep(w: number, g: number, n: number, lr: number, wd: number): void;
}

let jobsPosted = 0;

/** Jobs split across threads so far in this thread (all teams): tests read it to see a split happen. */
export function threadedJobs(): number {
  return jobsPosted;
}

/** Product numbers of gemmBlock. */
export const GEMM_ABT = 0;
export const GEMM_AB = 1;
export const GEMM_ATB = 2;

/** [start, end) of part t of `units` units cut into `parts` near-equal ranges. */
function range(units: number, parts: number, t: number): [number, number] {
  const base = Math.floor(units / parts);
  const extra = units % parts;
  const start = t * base + Math.min(t, extra);
  return [start, start + base + (t < extra ? 1 : 0)];
}

/**
 * A team of N threads (the caller and N - 1 helpers) working in shared memories.
 *
 * Protocol. A job is cut into chunks (panels of C, or ranges of elements), each with its own
 * arguments in the control block. The caller writes them, sets NCHUNKS, DONE = 0 and
 * CLAIM = tag(job), then bumps SEQ and notifies the sleepers. Every thread, the caller
 * included, takes chunks by compare-and-swap on CLAIM until none is left, and adds 1 to DONE
 * after each; the caller returns when DONE = NCHUNKS. A helper that wakes late finds the chunks
 * taken (or the tag of a later job) and goes back to sleep, so a helper the OS has not
 * scheduled never holds a job up, unless it is inside a chunk. Broadcasts (attach, detach, exit)
 * are the exception: every helper must act, and the caller waits for all of them (PENDING).
 */
export class ThreadTeam {
  readonly threads: number;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly chunksPerJob: number;
  private readonly callerTakesChunks: boolean;
  private readonly chunkMinMacs: number;
  private readonly chunkMinElements: number;
  private readonly chunkMinCostlyElements: number;
  private readonly spin: number;
  /** This thread's current spin budget (see SPIN_LOADS). */
  private spinNow: number;
  private seq = 0;
  private nextId = 1;
  private closed = false;

  /** `module`: build/gemm-shared.wasm (or gemm-fma.wasm), compiled; `scratchBytes`: one thread's scratch. */
  constructor(module: object, threads: number, readonly scratchBytes: number, tuning: TeamTuning = {}) {
    this.callerTakesChunks = tuning.helpersOnly !== true;
    this.chunkMinMacs = tuning.chunkMinMacs ?? CHUNK_MIN_MACS;
    this.chunkMinElements = tuning.chunkMinElements ?? CHUNK_MIN_ELEMENTS;
    this.chunkMinCostlyElements = tuning.chunkMinCostlyElements ?? CHUNK_MIN_COSTLY_ELEMENTS;
    this.spin = tuning.spin ?? SPIN_LOADS;
    this.spinNow = this.spin;
    if (!(Number.isInteger(threads) && threads >= 2 && threads <= MAX_THREADS)) {
      throw new RangeError(`ThreadTeam: threads must be an integer in [2, ${MAX_THREADS}], got ${threads}`);
    }
    this.threads = threads;
    this.chunksPerJob = Math.min(MAX_CHUNKS, threads * (tuning.chunksPerThread ?? CHUNKS_PER_THREAD));
    const control = new SharedArrayBuffer((ARGS + ARG_SLOTS * MAX_CHUNKS) * 8);
    this.i32 = new Int32Array(control);
    this.f64 = new Float64Array(control);
    this.i32[SPIN] = this.spin;
    for (let t = 1; t < threads; t++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(new URL('./kernels-worker.mjs', import.meta.url), {
        workerData: { control, module, port: port2, index: t, scratchBytes },
        transferList: [port2],
      });
      // Helpers never keep the process alive; a model in use keeps the team referenced.
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  /** Gives every helper an instance on `memory`; returns the id jobs name it by. */
  attach(memory: object): number {
    const id = this.nextId++;
    for (const p of this.ports) p.postMessage({ id, memory });
    this.broadcast(OP_ATTACH, id);
    return id;
  }

  /** Helpers drop their instance on memory `id` (so the memory can be freed). */
  detach(id: number): void {
    if (!this.closed) this.broadcast(OP_DETACH, id);
  }

  /** Ends the helpers (a team is not used after this). */
  close(): void {
    if (this.closed) return;
    this.start(OP_EXIT, 0, 0, true);
    this.closed = true;
  }

  /**
   * Runs gemmBlock `op` over C[m,n], cut into panels. A, B, bias, C, colSum: byte offsets in the
   * arena's memory (bias, colSum: 0 for none); lda, ldb, ldc: leading dimensions in elements.
   * `scratch`: the arena's scratch base (thread t uses scratch + t * scratchBytes).
   */
  gemm(ex: SharedExports, arena: number, op: number, A: number, lda: number, B: number, ldb: number, bias: number,
    C: number, ldc: number, m: number, n: number, k: number, colSum: number, scratch: number): void {
    const byColumns = n >= m;
    const units = byColumns ? Math.ceil(n / NR) : Math.ceil(m / MR);
    const chunks = Math.min(units, this.chunksPerJob, Math.floor((m * n * k) / this.chunkMinMacs));
    if (chunks < 2) {
      ex.gemmBlock(op, A, lda, B, ldb, bias, C, ldc, m, n, k, colSum, scratch);
      return;
    }
    const aTrans = op === GEMM_ATB;
    const bTrans = op === GEMM_ABT;
    for (let c = 0; c < chunks; c++) {
      const [u0, u1] = range(units, chunks, c);
      if (byColumns) {
        const j0 = Math.min(n, u0 * NR);
        const nj = Math.min(n, u1 * NR) - j0;
        // Column j of b is B[j*ldb + p] when B is stored transposed, else B[p*ldb + j].
        const b = B + 4 * (bTrans ? j0 * ldb : j0);
        this.setArgs(c, op, A, lda, b, ldb, bias === 0 ? 0 : bias + 4 * j0, C + 4 * j0, ldc, m, nj, k, c === 0 ? colSum : 0, scratch);
      } else {
        const i0 = Math.min(m, u0 * MR);
        const mi = Math.min(m, u1 * MR) - i0;
        // Row i of a is A[i*lda + p], or A[p*lda + i] when A is stored transposed.
        const a = A + 4 * (aTrans ? i0 : i0 * lda);
        this.setArgs(c, op, a, lda, B, ldb, bias, C + 4 * i0 * ldc, ldc, mi, n, k, colSum === 0 ? 0 : colSum + 4 * i0, scratch);
      }
    }
    this.run(ex, OP_GEMM, arena, chunks);
  }

  /** a = f(z) over n elements (activationForward), cut into ranges; `costly`: an exp or a division an element. */
  forward(ex: SharedExports, arena: number, kind: number, z: number, a: number, n: number, alpha: number, costly: boolean): void {
    const chunks = this.elementChunks(n, costly);
    if (chunks < 2) return ex.activationForward(kind, z, a, n, alpha);
    for (let c = 0; c < chunks; c++) {
      const [i0, len] = this.elementRange(n, chunks, c);
      this.setArgs(c, kind, z + 4 * i0, a + 4 * i0, len, alpha);
    }
    this.run(ex, OP_FORWARD, arena, chunks);
  }

  /** dz = da f'(z) over n elements (activationBackward), cut into ranges. */
  backward(ex: SharedExports, arena: number, kind: number, z: number, a: number, da: number, dz: number, n: number, alpha: number, costly: boolean): void {
    const chunks = this.elementChunks(n, costly);
    if (chunks < 2) return ex.activationBackward(kind, z, a, da, dz, n, alpha);
    for (let c = 0; c < chunks; c++) {
      const [i0, len] = this.elementRange(n, chunks, c);
      this.setArgs(c, kind, z + 4 * i0, a + 4 * i0, da + 4 * i0, dz + 4 * i0, len, alpha);
    }
    this.run(ex, OP_BACKWARD, arena, chunks);
  }

  /** w -= lr (g + wd w) over n elements (sgdStep), cut into ranges. */
  sgd(ex: SharedExports, arena: number, w: number, g: number, n: number, lr: number, wd: number): void {
    const chunks = this.elementChunks(n, false);
    if (chunks < 2) return ex.sgdStep(w, g, n, lr, wd);
    for (let c = 0; c < chunks; c++) {
      const [i0, len] = this.elementRange(n, chunks, c);
      this.setArgs(c, w + 4 * i0, g + 4 * i0, len, lr, wd);
    }
    this.run(ex, OP_SGD, arena, chunks);
  }

  private elementChunks(n: number, costly: boolean): number {
    return Math.min(this.chunksPerJob, Math.floor(n / (costly ? this.chunkMinCostlyElements : this.chunkMinElements)));
  }

  /** Start and length of range c of n elements in `chunks` ranges cut at multiples of 8. */
  private elementRange(n: number, chunks: number, c: number): [number, number] {
    const [u0, u1] = range(Math.ceil(n / 8), chunks, c);
    const i0 = Math.min(n, u0 * 8);
    return [i0, Math.min(n, u1 * 8) - i0];
  }

  private setArgs(c: number, ...args: number[]): void {
    const at = ARGS + c * ARG_SLOTS;
    for (let i = 0; i < args.length; i++) this.f64[at + i] = args[i];
  }

  /** Posts a job of `chunks` chunks, takes chunks on this thread too, and returns when all are done. */
  private run(ex: SharedExports, op: number, arena: number, chunks: number): void {
    const seq = this.start(op, arena, chunks, false);
    jobsPosted++;
    const c = this.i32;
    const tag = (seq & TAG_MASK) << CHUNK_BITS;
    while (this.callerTakesChunks) {
      const w = Atomics.load(c, CLAIM);
      const k = w & (MAX_CHUNKS - 1);
      if (w - k !== tag || k >= chunks) break;
      if (Atomics.compareExchange(c, CLAIM, w, w + 1) !== w) continue;
      this.runChunk(ex, op, k);
      Atomics.add(c, DONE, 1);
    }
    this.waitFor(DONE, chunks);
    const failed = Atomics.exchange(c, FAILED, 0);
    if (failed !== 0) throw new Error(`wasm kernel: helper thread ${failed - 1} failed (its error is on stderr)`);
  }

  private runChunk(ex: SharedExports, op: number, chunk: number): void {
    const f = this.f64;
    const at = ARGS + chunk * ARG_SLOTS;
    const a = (i: number): number => f[at + i];
    if (op === OP_GEMM) ex.gemmBlock(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11), a(12));
    else if (op === OP_FORWARD) ex.activationForward(a(0), a(1), a(2), a(3), a(4));
    else if (op === OP_BACKWARD) ex.activationBackward(a(0), a(1), a(2), a(3), a(4), a(5), a(6));
    else ex.sgdStep(a(0), a(1), a(2), a(3), a(4));
  }

  /** A job every helper must act on; returns when all have. */
  private broadcast(op: number, arena: number): void {
    Atomics.store(this.i32, PENDING, this.threads - 1);
    this.start(op, arena, 0, true);
    this.waitFor(PENDING, 0);
    const failed = Atomics.exchange(this.i32, FAILED, 0);
    if (failed !== 0) throw new Error(`wasm kernel: helper thread ${failed - 1} failed (its error is on stderr)`);
  }

  /** Publishes a job (arguments already written) and wakes the helpers; returns its sequence number. */
  private start(op: number, arena: number, chunks: number, isBroadcast: boolean): number {
    if (this.closed) throw new Error('ThreadTeam: used after close()');
    const c = this.i32;
    const seq = (this.seq = (this.seq + 1) | 0) === 0 ? (this.seq = 1) : this.seq;
    c[OP] = op;
    c[ARENA] = arena;
    Atomics.store(c, NCHUNKS, chunks);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, BCAST, isBroadcast ? seq : 0);
    Atomics.store(c, CLAIM, (seq & TAG_MASK) << CHUNK_BITS);
    Atomics.store(c, SEQ, seq);
    Atomics.notify(c, SEQ);
    return seq;
  }

  /** Spins (adapting the budget), then sleeps, until control slot `slot` holds `value`. */
  private waitFor(slot: number, value: number): void {
    const c = this.i32;
    let v = Atomics.load(c, slot);
    if (v === value) return;
    for (let n = this.spinNow; v !== value && n > 0; n--) v = Atomics.load(c, slot);
    if (v === value) {
      this.spinNow = Math.min(this.spin, this.spinNow * 2);
      return;
    }
    this.spinNow = Math.max(Math.min(SPIN_MIN, this.spin), this.spinNow >> 1);
    while (v !== value) {
      Atomics.wait(c, slot, v);
      v = Atomics.load(c, slot);
    }
  }
}
