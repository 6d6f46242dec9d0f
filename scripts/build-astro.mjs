// The Astro half of `npm run build` (scripts/build.ts), in a worker thread started without tsx's loader: Astro,
// Vite and Rollup load as plain modules (tsx's hooks would see every one of their imports) and Astro bundles our
// TypeScript itself. The worker gets the pre-check's verification as data and puts it where site/lib/verified.ts
// memoises a verification: the loaders still read and hash every file and take it only for a tree of the same
// digest, else verify again (and fail closed).
import { workerData } from 'node:worker_threads';

const { root, outDir, verified } = workerData;
// The key of site/lib/verified.ts's memo (Symbol.for: one registry per thread).
globalThis[Symbol.for('fleetproof.site.verified-evidence')] = new Map([[verified.dir, verified]]);
const { build } = await import('astro');
await build({ root, outDir, mode: 'production' });
