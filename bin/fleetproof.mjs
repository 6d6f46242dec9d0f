#!/usr/bin/env node
// The `fleetproof` command. Runs the CLI from bundles cached while its sources are unchanged
// (scripts/lib/bundle-cache.mjs), or, when bundling is impossible here, the TypeScript through tsx's loader.
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { WORKER_BUNDLE, cliBundles } from '../scripts/lib/bundle-cache.mjs';

// V8 optimises a function (TurboFan, on a background thread) once it has run its "interrupt budget" of bytecode,
// 66 KB in Node 20's V8 11.3. A command is short and `verify --jobs` keeps every core busy, so that compiling
// competes with the verification itself: at --scale 20 TurboFan compiled ~290 functions in ~490 ms of CPU (a third
// of a run on one core). At eight times that budget only the functions that stay hot are optimised (~70):
// `verify --jobs 2` and `--jobs 1` on one CPU both about 13% shorter at --scale 20 (README, Performance).
// Measured on V8 11.3 only, so set there only (later V8s tier up through Maglev, with other defaults); set before
// any of our code loads and before the worker threads start, as V8's flags are the process's. (Flags that change
// the garbage collector cannot be set this way: V8 fails a fatal check.)
if (process.versions.v8.startsWith('11.')) setFlagsFromString(`--interrupt-budget=${528 * 1024}`);

// `fleetproof verify --verbose | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const bundles = process.env.FLEETPROOF_NO_BUNDLE ? undefined : cliBundles();
let cli;
if (bundles) {
  globalThis[WORKER_BUNDLE] = bundles.worker;
  cli = await import(pathToFileURL(bundles.cli).href);
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
