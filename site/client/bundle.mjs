// @ts-check
/**
 * The site's browser scripts (site/client/vite.config.ts: the widget with its worker and lazy chunks, the
 * attestation checker), bundled by Vite 8 (Rolldown; the `vite8` dependency) apart from Astro's build, and cached by
 * the digest of their inputs.
 *
 * Why apart: Astro 5 bundles the <script>s of its pages in a client build that starts only after its server build
 * and before any page is rendered, on one thread. Bundled on their own, the scripts are built in a process of
 * their own at the lowest priority (scripts/build-client.mjs) while the evidence is verified and Astro starts,
 * syncs content and builds the pages' server code; Astro has no client build left to do (no page holds a processed
 * <script>).
 *
 * The cache (FLEETPROOF_CACHE_DIR, else node_modules/.cache/fleetproof, folder client-bundle/): `manifest.json`
 * lists every input the last bundling read — each module of the graphs Rollup built (entries, worker, lazy
 * chunks, the @noble packages it took from node_modules), the config file and the modules it imports (the
 * plugins), this file, package-lock.json (the Vite, Rollup and esbuild versions) — with its SHA-256, the Node
 * version, what Vite would put in `import.meta.env` (the PUBLIC_* variables and the .env files it reads), and the
 * SHA-256 of every output file. The outputs are reused only when every listed input still has
 * its digest and every output file its own; anything else (an edited source, another dependency, a missing or
 * altered cache file) means bundling again. The files are written aside and renamed, the manifest last, so a
 * concurrent build sees the old set or the new one (or misses and bundles).
 *
 * Plain JavaScript: it runs in a worker thread without a TypeScript loader; Vite compiles the config and the
 * plugins it imports.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CONFIG, FORMAT, SELF, clientCacheDir, envDigest, readCache, sha256 } from './bundle-cache.mjs';

export { clientCacheDir, envDigest, readCache };
/** @typedef {import('./bundle-cache.mjs').ClientBundle} ClientBundle */
/** @typedef {import('./bundle-cache.mjs').ClientFile} ClientFile */
/** @typedef {import('./bundle-cache.mjs').Manifest} Manifest */

/**
 * The scripts, from the cache when every input is unchanged, else bundled (and cached).
 * @param {{ root: string, cacheDir?: string, useCache?: boolean }} opts
 * @returns {Promise<ClientBundle>}
 */
export async function clientBundle(opts) {
  const root = opts.root.endsWith(sep) ? opts.root : `${opts.root}${sep}`;
  const dir = opts.cacheDir ?? clientCacheDir(root);
  if (opts.useCache !== false) {
    const hit = readCache(root, dir);
    if (hit) return hit;
  }
  const built = await bundle(root);
  try {
    writeCache(dir, built.manifest, built.files);
  } catch {
    /* a read-only cache folder: the next build bundles again */
  }
  return { scripts: built.manifest.scripts, files: built.files, cached: false };
}

/**
 * @param {string} dir
 * @param {Manifest} manifest
 * @param {ClientFile[]} files
 */
function writeCache(dir, manifest, files) {
  mkdirSync(join(dir, 'files'), { recursive: true });
  for (const f of files) {
    const target = join(dir, 'files', /** @type {string} */ (manifest.outputs[f.name]));
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, f.bytes);
    renameSync(tmp, target);
  }
  const tmp = join(dir, `manifest.json.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(tmp, join(dir, 'manifest.json'));
  const keep = new Set(Object.values(manifest.outputs));
  for (const name of readdirSync(join(dir, 'files')))
    if (!keep.has(name) && !name.endsWith('.tmp')) rmSync(join(dir, 'files', name), { force: true });
}

/**
 * Bundles with Vite, recording every module the bundles were built from.
 * @param {string} root
 */
async function bundle(root) {
  // Loaded only to bundle: Astro's thread imports this module with the integration, and under npm run build it is
  // handed the scripts (handedClientBundle) and never bundles (Vite 8 takes about 0.1 s to load). Through Node's own
  // require, not import(): a bare `astro build` loads this module through its Vite 6 module runner, which handles
  // the module's import() calls and is closed by the time the integration bundles. Astro 5's own Vite (6, Rollup)
  // is not used: Vite 8 bundles the same entries with the same plugins in about a third of the time
  // (docs/performance.md).
  const vite = /** @type {typeof import('vite8')} */ (createRequire(import.meta.url)('vite8'));
  const env = envDigest(root);
  const loaded = await vite.loadConfigFromFile(
    { command: 'build', mode: 'production', isSsrBuild: false, isPreview: false },
    join(root, CONFIG),
    root,
    'silent',
  );
  if (!loaded) throw new Error(`${CONFIG} did not load`);
  /** Path (relative to the root) → SHA-256 of the bytes this bundling used. */
  /** @type {Map<string, string>} */
  const inputs = new Map();
  /**
   * @param {string} path  absolute
   * @param {Uint8Array} bytes
   */
  const note = (path, bytes) => {
    // Relative to the root; a file outside it (node_modules reached through a link) by its absolute path.
    const inside = relative(root, path).split(sep).join('/');
    const rel = inside.startsWith('../') ? path : inside;
    const digest = sha256(bytes);
    const seen = inputs.get(rel);
    if (seen !== undefined && seen !== digest)
      throw new Error(`${rel} changed while the client bundle was built`);
    inputs.set(rel, digest);
  };
  for (const path of [CONFIG, SELF, 'package-lock.json', ...loaded.dependencies])
    note(resolve(root, path), readFileSync(resolve(root, path)));
  /**
   * First of every plugin: reads each module's file itself, records its digest and hands Vite those very bytes, so
   * the digest in the manifest is that of the code bundled (an edit during the bundling cannot slip in between).
   * A module with a query (the worker's entry as Vite names it, the lazy parts' own copy of @noble/hashes) is
   * loaded from the same file by Vite or the lazy parts' plugin: its digest is recorded here and its bytes come from
   * another read of a file that, for those, is a node_modules package (the lockfile is an input too) or is also
   * loaded plainly.
   * @returns {import('vite8').Plugin}
   */
  const recorder = () => ({
    name: 'fleetproof:client-inputs',
    enforce: 'pre',
    load(id) {
      if (id.startsWith('\0')) return null;
      const q = id.indexOf('?');
      const path = q < 0 ? id : id.slice(0, q);
      if (!isAbsolute(path)) return null;
      /** @type {Buffer} */
      let bytes;
      try {
        bytes = readFileSync(path);
      } catch {
        return null;
      }
      note(path, bytes);
      return q < 0 ? bytes.toString('utf8') : null;
    },
  });
  const config = loaded.config;
  const worker = config.worker ?? {};
  const workerPlugins = worker.plugins;
  const output = await vite.build({
    ...config,
    configFile: false,
    plugins: [recorder(), ...(config.plugins ?? [])],
    worker: {
      ...worker,
      plugins: () => [recorder(), ...(workerPlugins ? workerPlugins() : [])],
    },
  });
  // The config's modules again: loading it read them before the digests above were taken. The environment too.
  for (const path of loaded.dependencies) note(path, readFileSync(path));
  if (envDigest(root) !== env) throw new Error('the PUBLIC_* variables or .env files changed while bundling');
  const results = /** @type {import('vite8').Rolldown.RolldownOutput[]} */ (
    Array.isArray(output) ? output : [output]
  );
  /** @type {ClientFile[]} */
  const files = [];
  /** @type {Record<string, string>} */
  const scripts = {};
  const entries = new Set(
    Object.keys(/** @type {Record<string, string>} */ (config.build?.rolldownOptions?.input)),
  );
  for (const r of results) {
    for (const o of r.output) {
      const bytes =
        o.type === 'chunk'
          ? Buffer.from(o.code, 'utf8')
          : typeof o.source === 'string'
            ? Buffer.from(o.source)
            : o.source;
      files.push({ name: o.fileName, bytes });
      if (o.type === 'chunk' && o.isEntry && entries.has(o.name)) scripts[o.name] = `/${o.fileName}`;
    }
  }
  for (const name of entries)
    if (!scripts[name]) throw new Error(`the client bundle has no script for ${name}`);
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  /** @type {Record<string, string>} */
  const digests = {};
  for (const path of [...inputs.keys()].sort()) digests[path] = /** @type {string} */ (inputs.get(path));
  /** @type {Manifest} */
  const manifest = {
    format: FORMAT,
    node: process.version,
    env,
    inputs: digests,
    outputs: Object.fromEntries(files.map((f) => [f.name, sha256(f.bytes)])),
    scripts,
  };
  return { manifest, files };
}

const HANDED = Symbol.for('fleetproof.site.handed-client-bundle');

/**
 * The bundle scripts/build.ts is making in a process of its own (scripts/build-client.mjs), when this is its Astro
 * thread; else undefined (a bare `astro build` bundles in its own process).
 * @returns {Promise<ClientBundle> | undefined}
 */
export function handedClientBundle() {
  return /** @type {Record<symbol, Promise<ClientBundle> | undefined>} */ (
    /** @type {unknown} */ (globalThis)
  )[HANDED];
}

/**
 * Where scripts/build-astro.mjs puts the bundle it is handed (before Astro loads its config).
 * @param {Promise<ClientBundle>} bundle
 */
export function handClientBundle(bundle) {
  bundle.catch(() => undefined);
  /** @type {Record<symbol, Promise<ClientBundle> | undefined>} */ (/** @type {unknown} */ (globalThis))[
    HANDED
  ] = bundle;
}
