// The threaded wasm kernel's control block and job codes, shared by the calling thread
// (kernels-threads.ts) and the helper threads (kernels-worker.mjs, plain JavaScript started
// without a loader, which is why this is a .mjs module with kernels-protocol.d.mts beside it).
// The protocol itself is described in kernels-threads.ts.

/** Int32 slots of the control block (a SharedArrayBuffer). */
export const SEQ = 0;
export const PENDING = 1;
export const OP = 2;
export const ARENA = 3;
export const FAILED = 4;
export const SPIN = 5;
export const CLAIM = 6;
export const DONE = 7;
export const NCHUNKS = 8;
export const BCAST = 9;
export const PROFILE = 10;
/** Float64 slot: when the current job was posted (performance.timeOrigin + now(), ms); bytes 48-55. */
export const POSTED = 6;
/** CLAIM = (job sequence number & TAG_MASK) << CHUNK_BITS | next unclaimed chunk. */
export const TAG_MASK = 0x1ffffff;
export const CHUNK_BITS = 6;
export const MAX_CHUNKS = 1 << CHUNK_BITS;
/** Chunk arguments start at Float64 slot ARGS, ARG_SLOTS a chunk (MAX_CHUNKS of them). */
export const ARGS = 8;
export const ARG_SLOTS = 16;
/** Per-thread counters (ThreadTeam.profile) start at Float64 slot STATS, STAT_SLOTS (one cache line) a thread. */
export const STATS = ARGS + ARG_SLOTS * MAX_CHUNKS;
export const STAT_SLOTS = 8;
/** The least a spin budget shrinks to (microseconds). */
export const SPIN_MIN_US = 2;

/**
 * A thread's next spin budget (ms) after a wait of `waited` ms (0 when spinning caught it): the
 * whole `max` when spinning for it would have caught that wait, else half of `current`, down to
 * SPIN_MIN_US (see SPIN_US in kernels-threads.ts).
 */
export function nextSpin(waited, current, max) {
  return waited <= max ? max : Math.max(Math.min(SPIN_MIN_US / 1000, max), current / 2);
}

/** Jobs: chunks of a product, of an activation pass, of the sgd update, of packing a, of a norm pass, of a residual sum, of an adam or momentum update; broadcasts. */
export const OP_GEMM = 1;
export const OP_FORWARD = 2;
export const OP_BACKWARD = 3;
export const OP_SGD = 4;
export const OP_ATTACH = 5;
export const OP_DETACH = 6;
export const OP_EXIT = 7;
export const OP_PACK = 8;
export const OP_NORM = 9;
export const OP_AXPY = 10;
export const OP_ADAM = 11;
export const OP_MOMENTUM = 12;
export const OP_SCALE = 13;

/**
 * Runs chunk `chunk` of a job `op` on `ex` (this thread's instance on the job's memory): its
 * arguments are the Float64 slots ARGS + chunk * ARG_SLOTS ... of the control block `f64`, in
 * the order of the export's parameters. A product's scratch argument is thread 0's area; a
 * thread adds `scratchShift` (its index times one thread's scratch bytes) to reach its own.
 * The one dispatch from job code to export, for the calling thread and the helpers alike.
 */
export function runChunkOp(ex, op, f64, chunk, scratchShift) {
  const at = ARGS + chunk * ARG_SLOTS;
  const a = (i) => f64[at + i];
  if (op === OP_GEMM) ex.gemmBlock(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11), a(12) + scratchShift, a(13));
  else if (op === OP_FORWARD) ex.activationForward(a(0), a(1), a(2), a(3), a(4));
  else if (op === OP_BACKWARD) ex.activationBackward(a(0), a(1), a(2), a(3), a(4), a(5), a(6));
  else if (op === OP_SGD) ex.sgdStep(a(0), a(1), a(2), a(3), a(4));
  else if (op === OP_PACK) ex.packRangeA(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8));
  else if (op === OP_NORM) ex.normPass(a(0), a(1), a(2), a(3));
  else if (op === OP_AXPY) ex.axpy(a(0), a(1), a(2), a(3), a(4));
  else if (op === OP_SCALE) ex.scale(a(0), a(1), a(2), a(3));
  else if (op === OP_ADAM) ex.adamStep(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11), a(12));
  else if (op === OP_MOMENTUM) ex.momentumStep(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7));
  else throw new Error(`wasm kernel: no job ${op}`);
}
