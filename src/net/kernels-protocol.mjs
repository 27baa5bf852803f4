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
