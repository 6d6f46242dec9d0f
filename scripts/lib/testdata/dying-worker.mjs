// A verify worker that claims three units from the shared counter and dies without posting them
// (scripts/lib/parallel-verify.test.ts): the main thread must verify them itself.
import { parentPort } from 'node:worker_threads';

parentPort.once('message', (job) => {
  // As scripts/lib/units.ts claimUnit does, three times: counted, then taken from the worker's end.
  const counter = new Int32Array(job.counter);
  Atomics.add(counter, 0, 3);
  Atomics.add(counter, job.fromBack ? 2 : 1, 3);
  process.exit(3);
});
