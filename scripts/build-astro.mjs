// The Astro half of `npm run build` (scripts/build.ts; started by scripts/lib/astro-thread.mjs, from scripts/build.mjs
// before any TypeScript loads), in a worker thread started without tsx's loader: Astro,
// Vite and Rollup load as plain modules (tsx's hooks would see every one of their imports) and Astro bundles our
// TypeScript itself. It starts while the main thread verifies the evidence; the loaders wait (site/lib/verified.ts
// handedVerification) until the main thread hands over its verification, which lands where verified.ts memoises
// one. The loaders still read and hash every file and take it only for a tree of the same digest, else verify again
// (and fail closed). When the evidence does not verify, the main thread ends the process before handing anything.
// The browser scripts, bundled in a child process (scripts/build-client.mjs), are handed over the same way; the
// pages wait for them (site/lib/client-scripts.ts) and the integration writes them out.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { CONFIG_ENTRY, buildBundle } from './lib/bundle-cache.mjs';
import { handClientBundle } from '../site/client/bundle.mjs';

const { root, outDir, renderCache } = workerData;
// The integration keeps the server build there and leaves the state of this build for the next, incremental, one
// (site/lib/render-state.ts), handed to the main thread below.
globalThis[Symbol.for('fleetproof.build.render-cache')] = renderCache;
let verified;
const handedVerification = new Promise((resolve) => (verified = resolve));
let clientDone;
let clientFailed;
handClientBundle(
  new Promise((resolve, reject) => {
    clientDone = resolve;
    clientFailed = reject;
  }),
);
// The keys of site/lib/verified.ts (Symbol.for: one registry per thread).
globalThis[Symbol.for('fleetproof.site.handed-verification')] = handedVerification;
// The main thread writes the evidence files it verified (site/lib/publish-evidence.ts evidenceWrittenByBuild).
globalThis[Symbol.for('fleetproof.build.writes-evidence')] = true;
const onMessage = (m) => {
  if (m.verified) {
    globalThis[Symbol.for('fleetproof.site.verified-evidence')] = new Map([[m.verified.dir, m.verified]]);
    verified();
  } else if (m.client) clientDone(m.client);
  else if (m.clientError) clientFailed(new Error(`the browser scripts were not bundled: ${m.clientError}`));
};
parentPort.on('message', onMessage);
// astro.config.mjs imports TypeScript (the integration, the plugins), so Astro cannot import it natively and loads
// it through a Vite dev server of its own (about 0.6 s). Instead it is bundled with esbuild (local modules inlined,
// packages left to Node, each module's import.meta.url kept) and cached while its sources are unchanged
// (scripts/lib/bundle-cache.mjs buildBundle with CONFIG_ENTRY); where that is impossible, or FLEETPROOF_NO_BUNDLE is
// set, Vite's config loader bundles it the same way on every build. Astro takes the result as its whole
// configuration (configFile: false): the same config object, without the server.
const bundled = process.env.FLEETPROOF_NO_BUNDLE
  ? undefined
  : await buildBundle({ root, entry: CONFIG_ENTRY });
let config;
if (bundled) config = (await import(pathToFileURL(bundled).href)).default;
else {
  const { loadConfigFromFile } = await import('vite');
  const loaded = await loadConfigFromFile(
    { command: 'build', mode: 'production' },
    join(root, CONFIG_ENTRY),
    root,
    'silent',
  );
  if (!loaded) throw new Error('astro.config.mjs did not load');
  config = loaded.config;
}
const { build } = await import('astro');
try {
  await build({ ...config, root, outDir, mode: 'production', configFile: false });
  parentPort.postMessage({ renderState: globalThis[Symbol.for('fleetproof.build.render-state')] });
} finally {
  parentPort.off('message', onMessage); // else the port keeps this thread alive
}
