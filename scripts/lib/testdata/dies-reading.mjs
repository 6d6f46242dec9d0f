// A verify worker that claims two units from the shared counter, takes the claim on the first file of the first
// (as a thread does while it reads the file) and dies there (scripts/lib/parallel-verify.test.ts): the main thread
// must read that file itself, not wait for the read to end.
import { parentPort } from 'node:worker_threads';

parentPort.once('message', (job) => {
  const first = job.units[Atomics.add(new Int32Array(job.counter), 0, 2)];
  const path = first.kind === 'fleet' ? (first.deployment ?? first.attestations[0][1]) : first.artifact;
  const i = job.tree.entries.findIndex((e) => e.rel === path);
  // -1: not read; -2: being read (scripts/lib/read-tree.ts).
  if (Atomics.compareExchange(new Int32Array(job.tree.lengths), i, -1, -2) !== -1) process.exit(4);
  process.exit(3);
});
