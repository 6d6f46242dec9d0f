/**
 * A worker thread of scripts/lib/parallel-verify.ts: claims units from the shared counter, reads their files into
 * the shared tree and verifies them, posting their checks, errors and results back in small batches (so that this
 * thread's heap holds only the batch in hand), then `null` when no unit is left.
 */
import { type MessagePort, parentPort } from 'node:worker_threads';
import { readJson } from '../../verify/json.ts';
import { TRUST_ROOTS_FILE, parseTrustRoots } from '../../verify/trust.ts';
import { saveCodeCachesOfTheRun } from './code-cache.cjs';
import { useNodeCrypto } from './node-crypto.ts';
import type { WorkerJob, WorkerOutcome } from './parallel-verify.ts';
import { SharedTree } from './read-tree.ts';
import { newestTime, proofsOf, runClaimedUnits } from './units.ts';

useNodeCrypto();
// Started ahead of its job (spawnWorkers): the code loads while the main thread lists the tree.
parentPort!.once('message', (job: WorkerJob & { port: MessagePort }) => {
  const tree = SharedTree.open(job.tree);
  // Read by the main thread before the job was posted.
  const roots = parseTrustRoots(readJson(tree.get(TRUST_ROOTS_FILE)!, TRUST_ROOTS_FILE));
  const now = job.now ?? newestTime(tree, proofsOf(job.tree.entries));
  const BATCH = 16;
  let batch: WorkerOutcome[] = [];
  runClaimedUnits(
    job.units,
    new Int32Array(job.counter),
    (p) => tree.get(p),
    roots,
    now,
    (o) => {
      batch.push({ ...o, errors: o.errors.map((e) => e.toJSON()) });
      if (batch.length === BATCH) {
        job.port.postMessage(batch);
        batch = [];
      }
    },
    { forRules: job.forRules },
  );
  if (batch.length) job.port.postMessage(batch);
  // Run from the bundle (scripts/lib/verify-worker-bundle.cjs): its code cache, written now if it had none, before
  // the main thread ends this worker.
  saveCodeCachesOfTheRun();
  job.port.postMessage(null);
});
