/**
 * A worker thread of scripts/lib/parallel-verify.ts: claims units from the shared counter and verifies them over
 * views of the shared tree, posting their checks, errors and results back in small batches (so that this thread's
 * heap holds only the batch in hand), then `null` when no unit is left.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readJson } from '../../verify/json.ts';
import { TRUST_ROOTS_FILE, parseTrustRoots } from '../../verify/trust.ts';
import { newestEpochTime } from '../../verify/tree.ts';
import { useNodeCrypto } from './node-crypto.ts';
import type { WorkerJob, WorkerOutcome } from './parallel-verify.ts';
import { runClaimedUnits } from './units.ts';

useNodeCrypto();
const job = workerData as WorkerJob;
const files = new Map(job.table.map(([p, at, n]) => [p, new Uint8Array(job.memory, at, n)]));
const roots = parseTrustRoots(readJson(files.get(TRUST_ROOTS_FILE)!, TRUST_ROOTS_FILE));
let newest: string | undefined | null = null;
const now = job.now ?? (() => (newest === null ? (newest = newestEpochTime(files)) : newest));
const BATCH = 16;
let batch: WorkerOutcome[] = [];
runClaimedUnits(job.units, new Int32Array(job.counter), files, roots, now, (o) => {
  batch.push({ ...o, errors: o.errors.map((e) => e.toJSON()) });
  if (batch.length === BATCH) {
    parentPort!.postMessage(batch);
    batch = [];
  }
});
if (batch.length) parentPort!.postMessage(batch);
parentPort!.postMessage(null);
