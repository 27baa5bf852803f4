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
 *   same bits for any N and any split. When the columns are cut, every panel needs all of a:
 *   the calling thread packs it once (packWholeA, summing the fused bias gradient colSum on
 *   the way, in gemm's order) and the panels share it; when the rows are cut, colSum goes
 *   with them.
 * - Activations, the optimizers' updates and residual sums are elementwise: contiguous ranges, trivially the same.
 * - Batch norm is cut by units and layer norm by rows (assembly/norm.ts): every sum runs over
 *   one unit's rows or one row's units, whole, in one thread.
 * A call too small for two chunks of CHUNK_MIN_MACS multiply-adds, CHUNK_MIN_ELEMENTS elements
 * of a cheap elementwise pass or CHUNK_MIN_COSTLY_ELEMENTS of a costly one (an exp per element)
 * stays on the calling thread, where a hand-off would cost more than it saves; a larger one is
 * cut into 2, and one more chunk per CHUNK_GRAIN such minima, up to CHUNKS_PER_THREAD a thread.
 *
 * Synchronisation: one control block (a SharedArrayBuffer) and Atomics; the threads take the
 * chunks of a job as they come (see ThreadTeam). Waiting is a spin of up to SPIN_US, then
 * Atomics.wait, which Node allows on the main thread too. With tuning.profile each thread
 * counts its time computing and waiting (ThreadTeam.profile, `bench/threads.ts --profile`).
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import {
  ARENA, ARGS, ARG_SLOTS, BCAST, CHUNK_BITS, CLAIM, DONE, FAILED, MAX_CHUNKS, NCHUNKS, OP, OP_ATTACH, OP_BACKWARD, OP_DETACH,
  OP_EXIT, OP_FORWARD, OP_GEMM, OP_NORM, OP_PACK, PENDING, POSTED, PROFILE, SEQ, SPIN, STATS, STAT_SLOTS, TAG_MASK, nextSpin, runChunkOp,
} from './kernels-protocol.mjs';

/** CLAIM between jobs: tag 0, which no job has (sequence numbers run 1 ... TAG_MASK). */
const CLAIM_CLOSED = 0;

/** Register tile of assembly/gemm.ts: panels of C are cut at multiples of these. */
const MR = 4;
const NR = 8;

/**
 * The least work a chunk gets, where cutting a call in two measured faster than one thread
 * (`npx tsx bench/threads.ts --crossover`, docs/performance.md "Threads"): a product pays from
 * ~2^18 multiply-adds in all (1.17x at 2.9e5, 0.90x at 1.3e5), so 2^17 a chunk; relu, the
 * cheap derivatives and the sgd update (~0.3-0.5 ns an element) from ~2^15 elements in all
 * (0.75-0.95x at 2^14, 0.98-1.14x at 2^15; inside a W1 step its tanh derivative, 2^15
 * elements, took 0.20-0.25 ms a step split against 0.31-0.35 alone), so 2^14 a chunk; tanh,
 * sigmoid, elu, selu, softsign and silu forward (3-4 ns an element) from ~4,000, so 2^11 a chunk.
 */
export const CHUNK_MIN_MACS = 1 << 17;
export const CHUNK_MIN_ELEMENTS = 1 << 14;
export const CHUNK_MIN_COSTLY_ELEMENTS = 1 << 11;
/**
 * The least of a whole packed a (packWholeA, elements of a) a thread packs: packing runs at
 * ~0.5 ns an element and a job costs a few microseconds, so an a of 2^14 elements and more
 * (a batch of 128 at width 128) is packed by the threads together, rows split between them.
 */
export const CHUNK_MIN_PACK = 1 << 13;
/**
 * Past two chunks, a call gets one more only per CHUNK_GRAIN minima of work (2^20 multiply-adds,
 * ~50 us): a chunk costs ~1-2 us of claiming, calling and packing its own operand, so the
 * smallest calls that pay to split (a 128 x 128 x 128 product) stay in two.
 */
export const CHUNK_GRAIN = 8;
/**
 * Chunks a job is cut into, per thread (at most; see CHUNK_GRAIN): the threads take them as
 * they come, so a thread that starts late or runs slower ends at most one small chunk after
 * the other. Measured (docs/performance.md "Threads"): 4 and 8 end the caller's wait for the
 * last chunk sooner than 2 (W2: 9.1 -> 2.9 ms a step) and step as fast as each other.
 */
export const CHUNKS_PER_THREAD = 4;
/**
 * Longest a thread spins (microseconds, by the clock) before it sleeps in Atomics.wait: a
 * helper waiting for the next job, the caller waiting for the helpers' last chunks. Waking from
 * Atomics.wait costs 30-80 us on this machine (a futex and the hypervisor's wake-up), as much
 * as a small job, while the next job of a training step usually follows within microseconds.
 * Each thread adapts its budget to the waits it sees: a wait that ended within SPIN_US (spinning
 * would have caught it) restores the whole budget, a longer one halves it, so where the other
 * thread is often not running (cores taken by other jobs) or the gaps are long (a metrics pass
 * in JavaScript), the threads soon sleep at once instead of burning their share of the cores.
 * The budget follows the observed wait, not the spin's outcome: a budget judged by its own
 * successes never grows back once it is too short to catch anything.
 */
export const SPIN_US = 200;
/** How a team cuts its work; the defaults are the constants above (bench/threads.ts varies them). */
export interface TeamTuning {
  readonly chunkMinMacs?: number;
  readonly chunkMinElements?: number;
  readonly chunkMinCostlyElements?: number;
  readonly chunkGrain?: number;
  readonly chunksPerThread?: number;
  /** Pack a once for all panels of a product cut by columns (default true); false: each panel packs it. */
  readonly sharedPack?: boolean;
  /** The least elements of a shared packed a a thread packs (default CHUNK_MIN_PACK); Infinity: the caller packs it alone. */
  readonly chunkMinPack?: number;
  /** Spin budget in microseconds (default SPIN_US); 0: always sleep at once. */
  readonly spinUs?: number;
  /** Count each thread's compute and waiting time (profile()); off by default. */
  readonly profile?: boolean;
  /** Leave every chunk to the helpers, the caller only waits (tests: so their path surely runs). */
  readonly helpersOnly?: boolean;
  /** The helpers' script (default kernels-worker.mjs beside this module; tests name one that fails). */
  readonly helperScript?: URL;
  /** How long a broadcast (attach, detach) waits for every helper before it fails (default ANSWER_MS). */
  readonly answerMs?: number;
}

/**
 * How long the helpers may take to answer a broadcast. A live helper answers within
 * microseconds (or seconds on a crowded machine); one that never started (its script failed to
 * load) or died never does, and the caller, blocked in Atomics.wait, would not run the event
 * loop that reports it: the deadline turns that hang into an error.
 */
export const ANSWER_MS = 60_000;

/** Most threads a kernel takes (the schema's limit on model.threads). */
export const MAX_THREADS = 32;

/** The exports of build/gemm-shared.wasm the threads call (see assembly/gemm.ts, elementwise.ts). */
export interface SharedExports {
  gemmBlock(op: number, A: number, lda: number, B: number, ldb: number, bias: number, C: number, ldc: number,
    m: number, n: number, k: number, colSum: number, scratch: number, packedA: number): void;
  packWholeA(op: number, A: number, lda: number, m: number, k: number, colSum: number, dst: number): void;
  packRangeA(op: number, A: number, lda: number, m: number, k: number, i0: number, i1: number, colSum: number, dst: number): void;
  packedBytes(m: number, k: number): number;
  activationForward(kind: number, z: number, a: number, n: number, alpha: number): void;
  activationBackward(kind: number, z: number, a: number, da: number, dz: number, n: number, alpha: number): void;
  sgdStep(w: number, g: number, n: number, lr: number, wd: number): void;
  normPass(which: number, params: number, i0: number, i1: number): void;
  axpy(out: number, x: number, y: number, n: number, alpha: number): void;
  scale(out: number, x: number, n: number, alpha: number): void;
  adamStep(w: number, g: number, m: number, v: number, n: number, b1: number, b2: number, c1: number, c2: number,
    eps: number, stepSize: number, bc2Sqrt: number, wd: number): void;
  momentumStep(w: number, g: number, vel: number, n: number, mu: number, lr: number, wd: number, nesterov: number): void;
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
  private readonly chunkGrain: number;
  private readonly sharedPack: boolean;
  private readonly chunkMinPack: number;
  /** Spin budget (ms) and this thread's current one (see SPIN_US). */
  private readonly spinMax: number;
  private spinNow: number;
  private readonly profiling: boolean;
  private readonly answerMs: number;
  private helperError: Error | undefined;
  private seq = 0;
  private nextId = 1;
  private closed = false;

  /** `module`: build/gemm-shared.wasm (or gemm-fma.wasm), compiled; `scratchBytes`: one thread's scratch. */
  constructor(module: object, threads: number, readonly scratchBytes: number, tuning: TeamTuning = {}) {
    this.callerTakesChunks = tuning.helpersOnly !== true;
    this.chunkMinMacs = tuning.chunkMinMacs ?? CHUNK_MIN_MACS;
    this.chunkMinElements = tuning.chunkMinElements ?? CHUNK_MIN_ELEMENTS;
    this.chunkMinCostlyElements = tuning.chunkMinCostlyElements ?? CHUNK_MIN_COSTLY_ELEMENTS;
    this.chunkGrain = tuning.chunkGrain ?? CHUNK_GRAIN;
    this.sharedPack = tuning.sharedPack ?? true;
    this.chunkMinPack = tuning.chunkMinPack ?? CHUNK_MIN_PACK;
    this.spinMax = (tuning.spinUs ?? SPIN_US) / 1000;
    this.spinNow = this.spinMax;
    this.profiling = tuning.profile === true;
    this.answerMs = tuning.answerMs ?? ANSWER_MS;
    if (!(Number.isInteger(threads) && threads >= 2 && threads <= MAX_THREADS)) {
      throw new RangeError(`ThreadTeam: threads must be an integer in [2, ${MAX_THREADS}], got ${threads}`);
    }
    this.threads = threads;
    this.chunksPerJob = Math.min(MAX_CHUNKS, threads * (tuning.chunksPerThread ?? CHUNKS_PER_THREAD));
    const control = new SharedArrayBuffer((STATS + STAT_SLOTS * threads) * 8);
    this.i32 = new Int32Array(control);
    this.f64 = new Float64Array(control);
    this.i32[SPIN] = Math.round(this.spinMax * 1000);
    this.i32[PROFILE] = this.profiling ? 1 : 0;
    for (let t = 1; t < threads; t++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(tuning.helperScript ?? new URL('./kernels-worker.mjs', import.meta.url), {
        workerData: { control, module, port: port2, index: t, scratchBytes },
        transferList: [port2],
      });
      // Helpers never keep the process alive; a model in use keeps the team referenced.
      worker.unref();
      // The event runs only once the caller is back in the event loop; the next job then fails
      // with it. A caller blocked on a helper that died is freed by a broadcast's deadline.
      worker.on('error', (err: unknown) => {
        this.helperError ??= err instanceof Error ? err : new Error(String(err));
      });
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
   * `scratch`: the arena's scratch base (thread t uses scratch + t * scratchBytes); `pack`,
   * `packBytes`: the arena's area for a whole packed a. When the columns are cut, every panel
   * needs all of a: this thread packs it there once (and the bias gradient with it), and the
   * panels read it, instead of each packing it again.
   */
  gemm(ex: SharedExports, arena: number, op: number, A: number, lda: number, B: number, ldb: number, bias: number,
    C: number, ldc: number, m: number, n: number, k: number, colSum: number, scratch: number, pack: number, packBytes: number): void {
    const byColumns = n >= m;
    const units = byColumns ? Math.ceil(n / NR) : Math.ceil(m / MR);
    const chunks = this.chunkCount(m * n * k, this.chunkMinMacs, Math.min(units, this.chunksPerJob));
    if (chunks < 2) return this.alone(() => ex.gemmBlock(op, A, lda, B, ldb, bias, C, ldc, m, n, k, colSum, scratch, 0));
    const aTrans = op === GEMM_ATB;
    const bTrans = op === GEMM_ABT;
    let packed = 0;
    if (this.sharedPack && byColumns && k > 0 && ex.packedBytes(m, k) <= packBytes) {
      this.packA(ex, arena, op, A, lda, m, k, colSum, pack);
      packed = pack;
    }
    for (let c = 0; c < chunks; c++) {
      const [u0, u1] = range(units, chunks, c);
      if (byColumns) {
        const j0 = Math.min(n, u0 * NR);
        const nj = Math.min(n, u1 * NR) - j0;
        // Column j of b is B[j*ldb + p] when B is stored transposed, else B[p*ldb + j].
        const b = B + 4 * (bTrans ? j0 * ldb : j0);
        const cs = packed === 0 && c === 0 ? colSum : 0;
        this.setArgs(c, op, A, lda, b, ldb, bias === 0 ? 0 : bias + 4 * j0, C + 4 * j0, ldc, m, nj, k, cs, scratch, packed);
      } else {
        const i0 = Math.min(m, u0 * MR);
        const mi = Math.min(m, u1 * MR) - i0;
        // Row i of a is A[i*lda + p], or A[p*lda + i] when A is stored transposed.
        const a = A + 4 * (aTrans ? i0 : i0 * lda);
        this.setArgs(c, op, a, lda, B, ldb, bias, C + 4 * i0 * ldc, ldc, mi, n, k, colSum === 0 ? 0 : colSum + 4 * i0, scratch, 0);
      }
    }
    this.run(ex, OP_GEMM, arena, chunks);
  }

  /**
   * Packs the whole a of a product cut by columns (packWholeA) at `pack`, with the bias
   * gradient colSum when given: split by rows of a (multiples of MR) between the threads when
   * large enough; each row's panels and colSum are packed and summed as by one thread.
   */
  private packA(ex: SharedExports, arena: number, op: number, A: number, lda: number, m: number, k: number, colSum: number, pack: number): void {
    const panels = Math.ceil(m / MR);
    const chunks = this.chunkCount(m * k, this.chunkMinPack, Math.min(panels, this.threads));
    if (chunks < 2) return ex.packWholeA(op, A, lda, m, k, colSum, pack);
    for (let c = 0; c < chunks; c++) {
      const [u0, u1] = range(panels, chunks, c);
      this.setArgs(c, op, A, lda, m, k, Math.min(m, u0 * MR), Math.min(m, u1 * MR), colSum, pack);
    }
    this.run(ex, OP_PACK, arena, chunks);
  }

  /** a = f(z) over n elements (activationForward), cut into ranges; `costly`: an exp or a division an element. */
  forward(ex: SharedExports, arena: number, kind: number, z: number, a: number, n: number, alpha: number, costly: boolean): void {
    const chunks = this.elementChunks(n, costly);
    if (chunks < 2) return this.alone(() => ex.activationForward(kind, z, a, n, alpha));
    for (let c = 0; c < chunks; c++) {
      const [i0, len] = this.elementRange(n, chunks, c);
      this.setArgs(c, kind, z + 4 * i0, a + 4 * i0, len, alpha);
    }
    this.run(ex, OP_FORWARD, arena, chunks);
  }

  /** dz = da f'(z) over n elements (activationBackward), cut into ranges. */
  backward(ex: SharedExports, arena: number, kind: number, z: number, a: number, da: number, dz: number, n: number, alpha: number, costly: boolean): void {
    const chunks = this.elementChunks(n, costly);
    if (chunks < 2) return this.alone(() => ex.activationBackward(kind, z, a, da, dz, n, alpha));
    for (let c = 0; c < chunks; c++) {
      const [i0, len] = this.elementRange(n, chunks, c);
      this.setArgs(c, kind, z + 4 * i0, a + 4 * i0, da + 4 * i0, dz + 4 * i0, len, alpha);
    }
    this.run(ex, OP_BACKWARD, arena, chunks);
  }

  /**
   * Elementwise call `op` (OP_SGD, OP_AXPY, OP_SCALE, OP_ADAM, OP_MOMENTUM) over n elements of
   * the float32 arrays at `ptrs`, cut into ranges: each range's call takes its part of every
   * array, its length, then `scalars`, as the export does.
   */
  elementwise(ex: SharedExports, arena: number, op: number, ptrs: readonly number[], n: number, scalars: readonly number[]): void {
    const chunks = this.elementChunks(n, false);
    if (chunks < 2) {
      this.setArgs(0, ...ptrs, n, ...scalars);
      return this.alone(() => this.runChunk(ex, op, 0));
    }
    for (let c = 0; c < chunks; c++) {
      const [i0, len] = this.elementRange(n, chunks, c);
      this.setArgs(c, ...ptrs.map((p) => p + 4 * i0), len, ...scalars);
    }
    this.run(ex, op, arena, chunks);
  }

  /**
   * A norm pass (assembly/norm.ts, parameter block at `params`) over `elements` elements:
   * each part [which, count] runs normPass(which, params, i0, i1) over ranges of [0, count)
   * (units or rows, cut at even numbers: batch norm takes units two at a time), all parts'
   * ranges in one job; each range writes only its own units or rows.
   */
  norm(ex: SharedExports, arena: number, params: number, elements: number, parts: readonly (readonly [number, number])[]): void {
    const args: number[][] = [];
    for (const [which, count] of parts) {
      const pairs = Math.ceil(count / 2);
      const chunks = this.chunkCount(elements, this.chunkMinElements, Math.min(pairs, Math.floor(this.chunksPerJob / parts.length)));
      for (let c = 0; c < chunks; c++) {
        const [u0, u1] = range(pairs, chunks, c);
        args.push([which, params, Math.min(count, 2 * u0), Math.min(count, 2 * u1)]);
      }
    }
    // One range a part: too small to split.
    if (args.length <= parts.length) return this.alone(() => { for (const a of args) ex.normPass(a[0], a[1], a[2], a[3]); });
    args.forEach((a, c) => this.setArgs(c, ...a));
    this.run(ex, OP_NORM, arena, args.length);
  }

  private elementChunks(n: number, costly: boolean): number {
    return this.chunkCount(n, costly ? this.chunkMinCostlyElements : this.chunkMinElements, this.chunksPerJob);
  }

  /** Chunks for `work` units: 1 below two minima, else 2, and one more per chunkGrain minima, at most `most`. */
  private chunkCount(work: number, least: number, most: number): number {
    if (work < 2 * least || most < 2) return Math.min(1, most);
    return Math.max(2, Math.min(most, Math.floor(work / (least * this.chunkGrain))));
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
    const t0 = this.profiling ? performance.now() : 0;
    while (this.callerTakesChunks) {
      const w = Atomics.load(c, CLAIM);
      const k = w & (MAX_CHUNKS - 1);
      if (w - k !== tag || k >= chunks) break;
      if (Atomics.compareExchange(c, CLAIM, w, w + 1) !== w) continue;
      this.runChunk(ex, op, k);
      if (this.profiling) this.f64[STATS + 1]++;
      Atomics.add(c, DONE, 1);
    }
    const t1 = this.profiling ? performance.now() : 0;
    const slept = this.waitFor(DONE, chunks);
    if (this.profiling) {
      const f = this.f64;
      f[STATS] += t1 - t0;
      f[STATS + 2] += performance.now() - t1;
      f[STATS + 3] += slept ? 1 : 0;
      f[STATS + 4]++;
    }
    const failed = Atomics.exchange(c, FAILED, 0);
    if (failed !== 0) throw new Error(`wasm kernel: helper thread ${failed - 1} failed (its error is on stderr)`);
  }

  /** Runs `call` on this thread alone (a call too small to split), timed when profiling. */
  private alone(call: () => void): void {
    if (!this.profiling) return call();
    const t0 = performance.now();
    call();
    this.f64[STATS + 6] += performance.now() - t0;
    this.f64[STATS + 5]++;
  }

  /**
   * Per thread (0: the caller, then the helpers) since the team started or resetProfile():
   * ms computing chunks, chunks, ms waiting (the caller: for the helpers' last chunks; a helper:
   * for a job), waits that ended in sleep, jobs; and for the caller the calls it ran alone
   * (too small to split) and their ms. All zero unless the team was made with `profile`.
   */
  profile(): ThreadProfile[] {
    const out: ThreadProfile[] = [];
    for (let t = 0; t < this.threads; t++) {
      const f = (i: number): number => this.f64[STATS + t * STAT_SLOTS + i];
      out.push({ computeMs: f(0), chunks: f(1), waitMs: f(2), sleeps: f(3), jobs: f(4), aloneCalls: f(5), aloneMs: f(6) });
    }
    return out;
  }

  resetProfile(): void {
    this.f64.fill(0, STATS);
  }

  /** Chunk `chunk` of job `op` on this thread (thread 0: its scratch is the arena's first). */
  private runChunk(ex: SharedExports, op: number, chunk: number): void {
    runChunkOp(ex, op, this.f64, chunk, 0);
  }

  /** A job every helper must act on; returns when all have. */
  private broadcast(op: number, arena: number): void {
    Atomics.store(this.i32, PENDING, this.threads - 1);
    this.start(op, arena, 0, true);
    if (!this.allAnswered(this.answerMs)) {
      this.closed = true;
      throw new Error(`wasm kernel: ${Atomics.load(this.i32, PENDING)} helper thread(s) did not answer within ${this.answerMs / 1000} s (a helper that failed to start or died)`);
    }
    const failed = Atomics.exchange(this.i32, FAILED, 0);
    if (failed !== 0) throw new Error(`wasm kernel: helper thread ${failed - 1} failed (its error is on stderr)`);
  }

  /** Sleeps until every helper has answered a broadcast (PENDING = 0); false after `ms` without. */
  private allAnswered(ms: number): boolean {
    const end = performance.now() + ms;
    for (let v = Atomics.load(this.i32, PENDING); v !== 0; v = Atomics.load(this.i32, PENDING)) {
      const left = end - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.i32, PENDING, v, left);
    }
    return true;
  }

  /** Publishes a job (arguments already written) and wakes the helpers; returns its sequence number. */
  private start(op: number, arena: number, chunks: number, isBroadcast: boolean): number {
    if (this.closed) throw new Error('ThreadTeam: used after close()');
    if (this.helperError !== undefined) throw new Error(`wasm kernel: a helper thread failed: ${this.helperError.message}`);
    const c = this.i32;
    // Close the claims of the last job before NCHUNKS changes: a helper that read CLAIM of the
    // last job and then NCHUNKS of this one would otherwise pass `chunk < NCHUNKS` and claim
    // a chunk that job never had (a stale claim), adding to this job's DONE. Once CLAIM has
    // changed its compare-and-swap fails, and while it has not, NCHUNKS is still the last job's.
    Atomics.store(c, CLAIM, CLAIM_CLOSED);
    let seq = (this.seq + 1) & TAG_MASK;
    if (seq === 0) seq = 1;
    this.seq = seq;
    c[OP] = op;
    c[ARENA] = arena;
    Atomics.store(c, NCHUNKS, chunks);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, BCAST, isBroadcast ? seq : 0);
    Atomics.store(c, CLAIM, seq << CHUNK_BITS);
    this.f64[POSTED] = performance.timeOrigin + performance.now();
    Atomics.store(c, SEQ, seq);
    Atomics.notify(c, SEQ);
    return seq;
  }

  /**
   * Spins for up to the current budget, then sleeps, until control slot `slot` holds `value`;
   * true when it slept. The next budget is the whole SPIN_US when this wait was no longer than
   * that, else half the current one (see SPIN_US).
   */
  private waitFor(slot: number, value: number): boolean {
    const c = this.i32;
    let v = Atomics.load(c, slot);
    if (v === value) return false;
    const t0 = performance.now();
    const until = t0 + this.spinNow;
    for (let n = 1; v !== value; n++) {
      v = Atomics.load(c, slot);
      if ((n & 63) === 0 && performance.now() > until) break;
    }
    const slept = v !== value;
    while (v !== value) {
      Atomics.wait(c, slot, v);
      v = Atomics.load(c, slot);
    }
    const waited = slept ? performance.now() - t0 : 0;
    this.spinNow = nextSpin(waited, this.spinNow, this.spinMax);
    return slept;
  }
}

/** One thread's counters (ThreadTeam.profile). */
export interface ThreadProfile {
  readonly computeMs: number;
  readonly chunks: number;
  readonly waitMs: number;
  readonly sleeps: number;
  readonly jobs: number;
  readonly aloneCalls: number;
  readonly aloneMs: number;
}
