// One helper thread of the threaded wasm kernel (src/net/kernels-threads.ts). Plain JavaScript
// (no loader needed): it instantiates the kernel module on each shared memory it is handed and
// takes chunks of every job the calling thread posts in the control block, forever, asleep in
// Atomics.wait between jobs. The layout and the protocol are described in kernels-threads.ts;
// both take their constants from kernels-protocol.mjs.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  ARENA, BCAST, CHUNK_BITS, CLAIM, DONE, FAILED, NCHUNKS, OP, OP_ATTACH, OP_DETACH, OP_EXIT,
  PENDING, POSTED, PROFILE, SEQ, SPIN, STATS, STAT_SLOTS, TAG_MASK, nextSpin, runChunkOp,
} from './kernels-protocol.mjs';

const { control, module, port, index, scratchBytes } = workerData;
const i32 = new Int32Array(control);
const f64 = new Float64Array(control);
/** This thread's counters (ThreadTeam.profile): compute ms, chunks, wait ms, sleeps, jobs. */
const mine = STATS + index * STAT_SLOTS;
const profiling = i32[PROFILE] === 1;
/** Arena id -> this thread's instance of the module on that memory. */
const instances = new Map();

// A helper allocates almost nothing, so its heap would never be collected and a dropped
// instance would keep its memory (the model's buffers) alive: it collects after each detach.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc');

function broadcast(op) {
  if (op === OP_ATTACH) {
    // The calling thread posted { id, memory } before it started the job.
    const got = receiveMessageOnPort(port);
    if (got === undefined) throw new Error('kernel thread: no memory to attach');
    const { id, memory } = got.message;
    instances.set(id, new WebAssembly.Instance(module, { env: { memory } }).exports);
  } else if (op === OP_DETACH) {
    instances.delete(i32[ARENA]);
    collect();
  }
}

/** Takes chunks of job `seq` until none is left (or the job is over). */
function work(seq) {
  const tag = (seq & TAG_MASK) << CHUNK_BITS;
  for (;;) {
    const w = Atomics.load(i32, CLAIM);
    if ((w & ~((1 << CHUNK_BITS) - 1)) !== tag) return;
    const c = w & ((1 << CHUNK_BITS) - 1);
    const n = Atomics.load(i32, NCHUNKS);
    if (c >= n) return;
    if (Atomics.compareExchange(i32, CLAIM, w, w + 1) !== w) continue;
    // Chunk c is ours; the job's arguments stay put until DONE counts it.
    try {
      const ex = instances.get(i32[ARENA]);
      if (ex === undefined) throw new Error(`kernel thread: unknown memory ${i32[ARENA]}`);
      if (profiling) {
        const t0 = performance.now();
        runChunkOp(ex, i32[OP], f64, c, index * scratchBytes);
        f64[mine] += performance.now() - t0;
        f64[mine + 1]++;
      } else {
        runChunkOp(ex, i32[OP], f64, c, index * scratchBytes);
      }
    } catch (err) {
      Atomics.store(i32, FAILED, index + 1);
      // The calling thread throws; the stack is for whoever reads stderr.
      console.error(err instanceof Error ? err.stack : err);
    }
    if (Atomics.add(i32, DONE, 1) + 1 === n) Atomics.notify(i32, DONE);
  }
}

/** Spin budget (ms): the whole SPIN_US after a wait no longer than that, else halved (kernels-threads.ts). */
const spinMax = i32[SPIN] / 1000;
let spin = spinMax;
let seen = 0;
for (;;) {
  // Spin a little before sleeping: the next job of a training step usually follows within
  // microseconds, and waking from Atomics.wait costs tens of them.
  const t0 = performance.now();
  const until = t0 + spin;
  let s = Atomics.load(i32, SEQ);
  for (let n = 1; s === seen; n++) {
    s = Atomics.load(i32, SEQ);
    if ((n & 63) === 0 && performance.now() > until) break;
  }
  const slept = s === seen;
  while (s === seen) {
    Atomics.wait(i32, SEQ, seen);
    s = Atomics.load(i32, SEQ);
  }
  // How long the job came after this wait began (the caller stamps it when it posts): a later
  // wake-up from sleep does not count against spinning.
  const gap = slept ? f64[POSTED] - (performance.timeOrigin + t0) : 0;
  spin = nextSpin(gap, spin, spinMax);
  if (profiling) {
    f64[mine + 2] += performance.now() - t0;
    f64[mine + 3] += slept ? 1 : 0;
    f64[mine + 4]++;
  }
  seen = s;
  if (Atomics.load(i32, BCAST) === s) {
    // Every helper must see this one: the calling thread waits for all of them.
    const op = i32[OP];
    if (op === OP_EXIT) break;
    try {
      broadcast(op);
    } catch (err) {
      Atomics.store(i32, FAILED, index + 1);
      console.error(err instanceof Error ? err.stack : err);
    }
    if (Atomics.sub(i32, PENDING, 1) === 1) Atomics.notify(i32, PENDING);
  } else {
    work(s);
  }
}
port.close();
