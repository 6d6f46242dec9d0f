// The Astro half of `npm run build` (scripts/build.ts), in a worker thread started without tsx's loader: Astro,
// Vite and Rollup load as plain modules (tsx's hooks would see every one of their imports) and Astro bundles our
// TypeScript itself. It starts while the main thread verifies the evidence; the loaders wait (site/lib/verified.ts
// handedVerification) until the main thread hands over its verification, which lands where verified.ts memoises
// one. The loaders still read and hash every file and take it only for a tree of the same digest, else verify again
// (and fail closed). When the evidence does not verify, the main thread ends the process before handing anything.
import { parentPort, workerData } from 'node:worker_threads';

const { root, outDir } = workerData;
// The keys of site/lib/verified.ts (Symbol.for: one registry per thread).
globalThis[Symbol.for('fleetproof.site.handed-verification')] = new Promise((resolve) => {
  parentPort.once('message', ({ verified }) => {
    globalThis[Symbol.for('fleetproof.site.verified-evidence')] = new Map([[verified.dir, verified]]);
    resolve();
  });
});
const { build } = await import('astro');
await build({ root, outDir, mode: 'production' });
