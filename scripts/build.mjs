// @ts-check
/**
 * `npm run build`: starts Astro's thread (scripts/lib/astro-thread.mjs) first, before any TypeScript is loaded, so
 * that Astro starts up while scripts/build.ts loads and verifies the evidence (about a quarter of a second earlier
 * than when scripts/build.ts starts it itself); then runs scripts/build.ts, which takes that thread when its inputs
 * are the ones it resolves, and does everything else (it alone decides what is built, and reports bad options).
 * scripts/build.ts runs from a bundle cached while its sources are unchanged (scripts/lib/bundle-cache.mjs
 * buildBundle: one module to load instead of some eighty through tsx's hooks, whose work would compete with Astro's
 * start), or through tsx when bundling is impossible here or FLEETPROOF_NO_BUNDLE is set.
 * `node --import tsx scripts/build.ts` does the same build, only without the head start.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BUILD_OPTIONS, EARLY_ASTRO, buildEnv, startAstroThread } from './lib/astro-thread.mjs';
import { buildBundle } from './lib/bundle-cache.mjs';
import { INCREMENTAL_STATE, TSX_OFF, holdBuildLock, incrementalState } from './lib/render-cache.mjs';

/** @type {Record<symbol, unknown>} */ (globalThis)[EARLY_ASTRO] = (() => {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: BUILD_OPTIONS,
      strict: true,
      allowPositionals: false,
    }));
  } catch {
    return undefined; // options that do not parse: scripts/build.ts says why
  }
  const env = buildEnv(values);
  // Before the render state is read: one build at a time with this cache (waits for one running).
  holdBuildLock(process.cwd(), env);
  try {
    const out = resolve(values.out ?? env.FLEETPROOF_OUT ?? 'dist');
    // The last build into this output left a state for these inputs: scripts/build.ts tries an incremental build
    // first (scripts/lib/incremental.ts), and starts Astro itself only if it cannot be taken.
    const found = incrementalState(process.cwd(), env, out);
    /** @type {Record<symbol, unknown>} */ (globalThis)[INCREMENTAL_STATE] = found;
    if (found.state) return undefined;
    return startAstroThread(process.cwd(), env);
  } catch {
    return undefined; // scripts/build.ts tries again, and says why if it fails
  }
})();
const bundle = process.env.FLEETPROOF_NO_BUNDLE ? undefined : await buildBundle();
if (bundle) await import(pathToFileURL(bundle).href);
else {
  const { register } = await import('tsx/esm/api');
  // scripts/build.ts switches tsx off once every TypeScript module it needs is loaded (TSX_OFF), before it loads the
  // last build's server build: through tsx's hooks each of those modules costs a round trip to tsx's thread.
  /** @type {Record<symbol, unknown>} */ (globalThis)[TSX_OFF] = register();
  await import('./build.ts');
}
