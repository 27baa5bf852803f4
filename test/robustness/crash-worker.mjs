// Preloaded into every thread of the CLI under test (`NODE_OPTIONS=--import <this file>`), it
// makes the worker thread that trains one cell die, to show that a crashed worker fails its cell
// and no other. It wraps the worker's message port; src/ knows nothing of it.
//
// CRASH_CELL=<mode>:<cell folder name>:
//   throw  an uncaught error right after the cell's first progress report (its first record is
//          written by then): the error escapes the worker's handler and kills the thread;
//   exit   process.exit(70) at the same point;
//   after  the worker reports the cell done, then ignores the next cell it is handed and exits
//          300 ms later (the pool must give that cell to a fresh worker).
// CRASH_LOG=<file>, when set, gets a line for each thing the hook did, so a test can tell that
// it fired: `throw <cell>`, `exit <cell>`, `ignored <cell>`.
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isMainThread, parentPort } from 'node:worker_threads';

export const CRASH_MESSAGE = 'CRASH_CELL: simulated crash';

const spec = /^(throw|exit|after):(.+)$/.exec(process.env.CRASH_CELL ?? '');
if (!isMainThread && parentPort !== null && spec !== null) wrap(parentPort, spec[1], spec[2]);

function log(line) {
  if (process.env.CRASH_LOG) appendFileSync(process.env.CRASH_LOG, `${line}\n`);
}

function wrap(port, mode, cell) {
  const on = port.on.bind(port);
  const post = port.postMessage.bind(port);
  let victim = -1;
  let dying = false;
  let crash = null;
  // Incoming jobs: note the victim's index; a dying worker never sees another job.
  port.on = (event, listener) =>
    event !== 'message'
      ? on(event, listener)
      : on('message', (m) => {
        if (dying) {
          log(`ignored ${basename(m.dir)}`);
          return undefined;
        }
        if (m?.type === 'cell' && basename(m.dir) === cell) victim = m.index;
        return listener(m);
      });
  // Outgoing replies about the victim trigger the crash.
  port.postMessage = (m, ...rest) => {
    if (m?.index !== victim) return post(m, ...rest);
    if (m.type === 'progress' && mode === 'exit') {
      log(`exit ${cell}`);
      process.exit(70);
    }
    if (m.type === 'progress' && mode === 'throw') {
      log(`throw ${cell}`);
      crash = new Error(CRASH_MESSAGE);
      throw crash;
    }
    // The worker caught the crash and reports it: rethrown from its handler, nothing catches it.
    if (m.type === 'error' && crash !== null) throw crash;
    post(m, ...rest);
    if (m.type === 'done' && mode === 'after') {
      dying = true;
      setTimeout(() => process.exit(71), 300);
    }
    return undefined;
  };
}
