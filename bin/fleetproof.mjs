#!/usr/bin/env node
// The `fleetproof` command. Runs the CLI from bundles cached while its sources are unchanged
// (scripts/lib/bundle-cache.mjs), or, when bundling is impossible here, the TypeScript through tsx's loader.
import { setFlagsFromString } from 'node:v8';
import { WORKER_BUNDLE, cliBundles } from '../scripts/lib/bundle-cache.mjs';
import codeCache from '../scripts/lib/code-cache.cjs';
import { GC_ON_THE_CALLING_THREAD, INTERRUPT_BUDGET } from '../scripts/lib/v8-flags.mjs';

// A larger interrupt budget for V8's optimising compiler, so that it competes less with the verification, and the
// garbage collector's work kept on the thread that collects, as `verify --jobs` leaves no core idle for V8's helpers
// (scripts/lib/v8-flags.mjs: `verify` about 13% and 4% shorter at --scale 20). Set before any of our code loads and
// before the worker threads start, as V8's flags are the process's. (Not every flag of the collector can be set this
// way: `--single-threaded-gc` fails a fatal check.)
if (INTERRUPT_BUDGET) setFlagsFromString(INTERRUPT_BUDGET);
for (const flag of GC_ON_THE_CALLING_THREAD) setFlagsFromString(flag);

// `fleetproof verify --verbose | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const bundles = process.env.FLEETPROOF_NO_BUNDLE ? undefined : cliBundles();
let cli;
if (bundles) {
  globalThis[WORKER_BUNDLE] = bundles.worker;
  cli = codeCache.runBundle(bundles.cli); // CommonJS, with its V8 code cache
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../scripts/fleetproof.ts');
}
process.exitCode = await cli.mainAsync(process.argv.slice(2));
// Done (every command writes synchronously): exit as soon as what it printed has reached the OS, rather than after
// Node's teardown, which waits for `verify --jobs`'s worker threads to end and frees their heaps (~20 ms at
// --scale 20). The write callbacks wait for output still queued where stdout or stderr is asynchronous.
const flushed = (stream) => new Promise((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit();
