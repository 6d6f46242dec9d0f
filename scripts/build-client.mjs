// The browser scripts of `npm run build` (scripts/build.ts): the widget with its worker and lazy chunks and the
// attestation checker, bundled by Vite (site/client/bundle.mjs) in a worker thread of their own, without tsx's
// loader, while the main thread verifies the evidence and Astro's thread builds the pages. Taken from the cache
// when every input is unchanged. Posts { bundle } or { error } to the main thread, which hands it to Astro's.
import { parentPort, workerData } from 'node:worker_threads';
import { clientBundle } from '../site/client/bundle.mjs';

try {
  const bundle = await clientBundle({ root: workerData.root });
  parentPort.postMessage({ bundle });
} catch (e) {
  parentPort.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
