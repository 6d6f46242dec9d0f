// For scripts/lib/v8-flags.test.ts: sets the V8 flags given as arguments at run time, as scripts/lib/astro-thread.mjs
// does, then a worker thread (as Astro's thread of `npm run build`) compiles a WebAssembly function, runs it hot and
// waits up to a second for V8 to have compiled it with TurboFan (with V8's defaults it has within a tenth of a
// second here); prints the tier it is in then. Run with --allow-natives-syntax: %IsTurboFanFunction and
// %IsLiftoffFunction are V8's own test functions (made through Function, so that this file stays JavaScript for the
// linters).
import { setFlagsFromString } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

// (module
//   (func (export "spin") (param $n i32) (result i32) (local $acc i32)
//     (loop $l
//       (local.set $acc (i32.add (i32.add (local.get $acc) (local.get $n)) (i32.const 1)))
//       (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
//     (local.get $acc)))
const MODULE = Buffer.from(
  [
    '0061736d01000000', // magic, version
    '01060160017f017f', // type 0: (i32) -> i32
    '03020100', // function 0: type 0
    '070801047370696e0000', // export "spin"
    '0a1e011c01017f', // code: one body, one i32 local
    '0340200120006a41016a2101', // loop: acc = acc + n + 1
    '200041016b22000d000b', // br_if while (n = n - 1)
    '20010b', // acc
  ].join(''),
  'hex',
);

/** @type {(f: unknown) => boolean} */
const isTurboFan = new Function('f', 'return %IsTurboFanFunction(f)');
/** @type {(f: unknown) => boolean} */
const isLiftoff = new Function('f', 'return %IsLiftoffFunction(f)');

async function tierAfterRunningHot() {
  const { instance } = await globalThis.WebAssembly.instantiate(MODULE);
  const spin = /** @type {(n: number) => number} */ (instance.exports.spin);
  let sum = 0;
  // 20 million iterations, ~16 bytes of code each: ~180 times V8's default budget of 1.8 MB.
  for (let i = 0; i < 200; i++) sum = (sum + spin(100_000)) | 0;
  const deadline = Date.now() + 1000;
  while (!isTurboFan(spin) && Date.now() < deadline) {
    await sleep(20);
    sum = (sum + spin(10_000)) | 0;
  }
  if (sum === 0) throw new Error('spin computed nothing');
  return isTurboFan(spin) ? 'turbofan' : isLiftoff(spin) ? 'liftoff' : 'other';
}

if (isMainThread) {
  for (const flag of process.argv.slice(2)) setFlagsFromString(flag);
  const w = new Worker(new URL(import.meta.url));
  w.once('message', (tier) => console.log(tier));
  w.once('error', (e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  parentPort?.postMessage(await tierAfterRunningHot());
}
