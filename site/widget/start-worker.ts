/**
 * The widget's worker (./worker.ts), started by the fleet and epoch pages' <fleet-verify> (./fleet-verify.ts) and
 * by the /attestations/ page's checker (site/attestations/attestation-verify.ts). Named in this one place: Vite
 * bundles a worker for each module that names it in `new Worker(new URL(…))`, and two of them at once do the same
 * bundling twice (its cache is filled only when one is done).
 */
export function startVerifyWorker(name: string): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });
}
