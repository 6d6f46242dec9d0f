// @ts-check
/**
 * Astro's thread of `npm run build` (scripts/build-astro.mjs), started the same way by scripts/build.mjs, before
 * any TypeScript is loaded, and by scripts/build.ts when it runs on its own. Plain JavaScript: the launcher imports
 * it before tsx's loader exists.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { renderCacheDir } from './render-cache.mjs';
import { WASM_TIERING_BUDGET } from './v8-flags.mjs';

/** The options of `npm run build` (parsed with node:util parseArgs, strict, no positionals). */
export const BUILD_OPTIONS = /** @type {const} */ ({
  evidence: { type: 'string' },
  posts: { type: 'string' },
  out: { type: 'string' },
  site: { type: 'string' },
});

/**
 * The environment a build reads its inputs from (site/lib/config.ts siteInputs): the process's, with the options
 * given on the command line in place of FLEETPROOF_EVIDENCE, FLEETPROOF_POSTS and FLEETPROOF_SITE.
 * @param {{ evidence?: string, posts?: string, site?: string }} values
 * @param {NodeJS.ProcessEnv} [base]
 * @returns {NodeJS.ProcessEnv}
 */
export function buildEnv(values, base = process.env) {
  const env = { ...base };
  if (values.evidence) env.FLEETPROOF_EVIDENCE = values.evidence;
  if (values.posts) env.FLEETPROOF_POSTS = values.posts;
  if (values.site) env.FLEETPROOF_SITE = values.site;
  return env;
}

/**
 * The folder Astro builds into: inside the project, because for an outDir outside the working directory Astro 5
 * stages its server build in ./.astro/ and then moves all of .astro/ (content types, collection schemas) into the
 * output. node_modules/.cache/ is inside, and ignored by git. One per process.
 * @param {string} root
 */
function stagingDir(root) {
  return join(root, 'node_modules', '.cache', `fleetproof-build-${process.pid}`);
}

/**
 * @typedef {{ worker: Worker, env: NodeJS.ProcessEnv, outDir: string, done: Promise<void> }} AstroThread
 *   `env`: the environment it was started with (its inputs); `done` settles when the thread ends (rejects unless it
 *   exited with 0).
 */

/**
 * Starts Astro's build in a worker thread without tsx (scripts/build-astro.mjs) into a fresh staging folder. Its
 * content loaders wait for the main thread's verification, handed over by message.
 * @param {string} root  the project's root
 * @param {NodeJS.ProcessEnv} env  as buildEnv gives it
 * @returns {AstroThread}
 */
export function startAstroThread(root, env) {
  // Astro's compiler (WebAssembly) without TurboFan's second compiling of its functions (scripts/lib/v8-flags.mjs);
  // V8's flags are the process's, and this one is read when the thread compiles the module.
  if (WASM_TIERING_BUDGET) setFlagsFromString(WASM_TIERING_BUDGET);
  const outDir = stagingDir(root);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(dirname(outDir), { recursive: true });
  const worker = new Worker(new URL('../build-astro.mjs', import.meta.url), {
    execArgv: [],
    env: { ...env, ASTRO_TELEMETRY_DISABLED: env.ASTRO_TELEMETRY_DISABLED ?? '1' },
    workerData: { root, outDir, renderCache: renderCacheDir(root, env) },
  });
  /** @type {Promise<void>} */
  const done = new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`the Astro worker exited with ${code}`)),
    );
  });
  done.catch(() => undefined); // awaited by the build, after the evidence
  return { worker, env, outDir, done };
}

/** Where scripts/build.mjs leaves the thread it started for scripts/build.ts to take. */
export const EARLY_ASTRO = Symbol.for('fleetproof.build.early-astro-thread');
