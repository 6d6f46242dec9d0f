// A verify worker that claims three units from the shared counter and dies without posting them
// (scripts/lib/parallel-verify.test.ts): the main thread must verify them itself.
import { parentPort } from 'node:worker_threads';

parentPort.once('message', (job) => {
  Atomics.add(new Int32Array(job.counter), 0, 3);
  process.exit(3);
});
