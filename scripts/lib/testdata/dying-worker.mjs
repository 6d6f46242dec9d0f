// A verify worker that claims three units from the shared counter and dies without posting them
// (scripts/lib/parallel-verify.test.ts): the main thread must verify them itself.
import { workerData } from 'node:worker_threads';

Atomics.add(new Int32Array(workerData.counter), 0, 3);
process.exit(3);
