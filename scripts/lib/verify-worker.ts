/** The worker side of scripts/lib/parallel-verify.ts: verifies its share of the units, each with its own checklist. */
import { parentPort, workerData } from 'node:worker_threads';
import { Checklist } from '../../verify/checklist.ts';
import { readJson } from '../../verify/json.ts';
import { TRUST_ROOTS_FILE, parseTrustRoots } from '../../verify/trust.ts';
import { verifyFleet } from '../../verify/fleet/fleet.ts';
import { verifyEpoch } from '../../verify/bundle/epoch.ts';
import { useNodeCrypto } from './node-crypto.ts';
import type { UnitOutcome, WorkerJob } from './parallel-verify.ts';

useNodeCrypto();
const job = workerData as WorkerJob;
const roots = parseTrustRoots(readJson(job.trustRoots, TRUST_ROOTS_FILE));
const out: UnitOutcome[] = [];
for (const u of job.units) {
  const list = new Checklist();
  let result: unknown;
  if (u.kind === 'fleet') {
    result = verifyFleet(
      list,
      roots,
      { dir: u.dir, deployment: u.deployment, attestations: u.attestations },
      { now: job.now },
    );
  } else {
    result = verifyEpoch(list, roots.namespaces.get(u.namespace)!, {
      dir: u.dir,
      artifact: u.artifact,
      proof: u.proof,
      record: u.record,
    });
  }
  out.push({ key: u.key, checks: list.checks, errors: list.errors.map((e) => e.toJSON()), result });
}
parentPort!.postMessage(out);
