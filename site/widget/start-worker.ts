/**
 * The widget's worker (./worker.ts), as the pages' scripts use it: the fleet and epoch pages' <fleet-verify>
 * (./fleet-verify.ts) and the /attestations/ page's checker (site/attestations/attestation-verify.ts). Named in this
 * one place: Vite bundles a worker for each module that names it in `new Worker(new URL(…))`, and two of them at once
 * do the same bundling twice (its cache is filled only when one is done).
 */
import { fatalOutcome, type FromWorker, type ToWorker } from './protocol.ts';

/** `Omit<T, K>` of each member of a union `T` (`Omit` of the union itself would keep only the keys all share). */
type EachWithout<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A job as a page asks for it: its message to the worker, without the number the client gives it. */
export type Job = EachWithout<ToWorker, 'job'>;

/**
 * A page's client of the worker: started once (`start`, or with the first job), each job numbered, and each message
 * handed to its job's listener, the last one included (every message but `checks` ends its job). When the worker
 * cannot start or stops, every job still waiting gets a `done` with WIDGET_ERROR; a job it cannot be started for, or
 * that cannot be posted to it, that `done` alone.
 */
export function verifyWorkerClient(name: string) {
  let worker: Worker | undefined;
  let next = 1;
  const listeners = new Map<number, (m: FromWorker) => void>();
  const fail = (job: number, message: string) =>
    listeners.get(job)?.({ type: 'done', job, outcome: fatalOutcome('WIDGET_ERROR', message) });
  const start = (): Worker => {
    if (worker) return worker;
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });
    w.addEventListener('message', (e: MessageEvent<FromWorker>) => listeners.get(e.data.job)?.(e.data));
    w.addEventListener('error', (e) => {
      e.preventDefault();
      w.terminate();
      if (worker === w) worker = undefined;
      for (const job of [...listeners.keys()])
        fail(job, `the verifier could not start (${e.message || 'its script did not load'})`);
    });
    return (worker = w);
  };
  return {
    start,
    run(job: Job, on: (m: FromWorker) => void, transfer: Transferable[] = []): void {
      const id = next++;
      listeners.set(id, (m) => {
        if (m.type !== 'checks') listeners.delete(id);
        on(m);
      });
      let w: Worker;
      try {
        w = start();
      } catch (e) {
        return fail(id, `the verifier could not start: ${(e as Error).message}`);
      }
      try {
        w.postMessage({ ...job, job: id }, transfer);
      } catch (e) {
        fail(id, `the verifier could not be given the job: ${(e as Error).message}`);
      }
    },
  };
}
