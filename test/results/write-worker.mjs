// Worker-thread side of write.test.ts: registers tsx in this thread, then writes one file many
// times through the atomic writer and reports the temporary names it used.
import { register } from 'tsx/esm/api';
import { parentPort, workerData } from 'node:worker_threads';

register();
const { tempPathFor, writeFileAtomic } = await import('../../src/results/write.ts');
const names = [];
const start = new Int32Array(workerData.start);
// Both threads begin together, so their counters run side by side.
parentPort.postMessage('ready');
Atomics.wait(start, 0, 0);
for (let i = 0; i < workerData.writes; i++) {
  names.push(tempPathFor(workerData.file));
  writeFileAtomic(workerData.file, `${workerData.tag} ${i}\n`);
}
parentPort.postMessage(names);
