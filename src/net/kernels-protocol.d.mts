/** Types of kernels-protocol.mjs: the threaded kernel's control block slots and job codes. */
import type { SharedExports } from './kernels-threads.js';

export declare const SEQ: 0;
export declare const PENDING: 1;
export declare const OP: 2;
export declare const ARENA: 3;
export declare const FAILED: 4;
export declare const SPIN: 5;
export declare const CLAIM: 6;
export declare const DONE: 7;
export declare const NCHUNKS: 8;
export declare const BCAST: 9;
export declare const PROFILE: 10;
export declare const POSTED: 6;
export declare const TAG_MASK: number;
export declare const CHUNK_BITS: 6;
export declare const MAX_CHUNKS: number;
export declare const ARGS: 8;
export declare const ARG_SLOTS: 16;
export declare const STATS: number;
export declare const STAT_SLOTS: 8;
export declare const SPIN_MIN_US: 2;
/** A thread's next spin budget (ms) after a wait of `waited` ms, from its `current` one and the `max`. */
export declare function nextSpin(waited: number, current: number, max: number): number;
export declare const OP_GEMM: 1;
export declare const OP_FORWARD: 2;
export declare const OP_BACKWARD: 3;
export declare const OP_SGD: 4;
export declare const OP_ATTACH: 5;
export declare const OP_DETACH: 6;
export declare const OP_EXIT: 7;
export declare const OP_PACK: 8;
export declare const OP_NORM: 9;
export declare const OP_AXPY: 10;
export declare const OP_ADAM: 11;
export declare const OP_MOMENTUM: 12;
export declare const OP_SCALE: 13;
/** Runs chunk `chunk` of job `op` on `ex` with its arguments from the control block `f64`; scratchShift: this thread's offset to its scratch. */
export declare function runChunkOp(ex: SharedExports, op: number, f64: Float64Array, chunk: number, scratchShift: number): void;
