/**
 * Per-thread CPU and run-queue times of this process (Linux `/proc/self/task/<tid>/schedstat`:
 * nanoseconds on a CPU, nanoseconds runnable but waiting for one, timeslices), to tell the time
 * a benchmark spent working from the time it spent waiting for a core that other jobs held.
 *
 * On a machine shared with other jobs the wall clock of a parallel run mostly measures the load:
 * here, with the load average at 10 on 2 cores, W1 took as long on 2 threads as on 1 (34.6 ms
 * against 34.5), while the calling thread of the 2-thread run had spent 15.6 ms of each step
 * runnable but off the cores, against 3.5 ms for the 1-thread run. The estimates below remove
 * that waiting:
 *
 * - one thread: wall - runQueue(caller);
 * - several threads, fork-join with the caller on the critical path (it takes chunks and spins
 *   while a helper finishes): cpu(caller) + max(0, sleep(caller) - max over helpers of their
 *   runQueue), sleep = wall - cpu - runQueue. Spinning while a helper waits for a core counts
 *   as work, so the estimate errs on the slow side.
 *
 * Elsewhere (no /proc) `read` returns null and callers keep the wall clock.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ThreadTimes {
  /** ms on a CPU. */
  readonly cpu: number;
  /** ms runnable but waiting for a CPU. */
  readonly runQueue: number;
}

/** Every thread's times by thread id, or null where /proc/self/task is not there. */
export function readThreadTimes(): Map<string, ThreadTimes> | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const out = new Map<string, ThreadTimes>();
  for (const tid of tids) {
    try {
      const [cpu, rq] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
      out.set(tid, { cpu: cpu / 1e6, runQueue: rq / 1e6 });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** Thread times spent between two readings (threads born in between count from 0). */
export function threadTimesSince(before: Map<string, ThreadTimes>, after: Map<string, ThreadTimes>): Map<string, ThreadTimes> {
  const out = new Map<string, ThreadTimes>();
  for (const [tid, a] of after) {
    const b = before.get(tid) ?? { cpu: 0, runQueue: 0 };
    out.set(tid, { cpu: a.cpu - b.cpu, runQueue: a.runQueue - b.runQueue });
  }
  return out;
}

/** The id of the calling thread: the process id on the main thread (Linux), else null. */
export function callerTid(): string | null {
  try {
    // /proc/thread-self names the calling thread of any thread.
    return readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0];
  } catch {
    return null;
  }
}

/**
 * Estimated time of `wall` ms on idle cores, from the thread times of that interval (see the
 * top of the file): the caller's own waiting for a core removed, and with helpers, the caller's
 * sleep while a helper waited for one. Returns `wall` when the times are not available.
 */
export function idleCoreEstimate(wall: number, times: Map<string, ThreadTimes> | null, caller: string | null, helpers: boolean): number {
  const me = caller === null || times === null ? undefined : times.get(caller);
  if (me === undefined || times === null) return wall;
  if (!helpers) return wall - me.runQueue;
  let helperQueue = 0;
  for (const [tid, t] of times) if (tid !== caller) helperQueue = Math.max(helperQueue, t.runQueue);
  const sleep = wall - me.cpu - me.runQueue;
  return me.cpu + Math.max(0, sleep - helperQueue);
}
