#!/usr/bin/env node
// The `fleetproof` command. Runs the CLI from bundles cached while its sources are unchanged
// (scripts/lib/bundle-cache.mjs), or, when bundling is impossible here, the TypeScript through tsx's loader.
import { pathToFileURL } from 'node:url';
import { WORKER_BUNDLE, cliBundles } from '../scripts/lib/bundle-cache.mjs';

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
