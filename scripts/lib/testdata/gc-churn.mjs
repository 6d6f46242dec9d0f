// For scripts/lib/v8-flags.test.ts: sets the V8 flags given as arguments at run time, as bin/fleetproof.mjs does,
// then three threads allocate (objects, strings, array buffers; survivors promoted) and force full collections, and
// the main thread prints what each computed. Run with --expose-gc.
import { setFlagsFromString } from 'node:v8';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

if (isMainThread) for (const flag of process.argv.slice(2)) setFlagsFromString(flag);

function churn() {
  let keep = [];
  let sum = 0;
  for (let round = 0; round < 30; round++) {
    for (let i = 0; i < 20000; i++) {
      const o = { i, s: `k${i}`, b: new Uint8Array(64 + (i % 200)) };
      o.b[0] = i & 255;
      sum = (sum + o.b[0] + o.s.length) | 0;
      if (i % 50 === 0) keep.push(o);
    }
    if (keep.length > 5000) keep = keep.slice(2500);
    if (round % 10 === 9) globalThis.gc();
  }
  return sum + keep.length;
}

if (isMainThread) {
  const workers = [1, 2].map(() => new Worker(new URL(import.meta.url)));
  const theirs = workers.map((w) => new Promise((resolve) => w.once('message', resolve)));
  const mine = churn();
  console.log(JSON.stringify([mine, ...(await Promise.all(theirs))]));
} else parentPort.postMessage(churn());
