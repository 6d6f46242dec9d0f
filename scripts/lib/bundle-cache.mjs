/**
 * The `fleetproof` CLI and its verify worker as two bundled ES modules (esbuild, which tsx already brings), built
 * once and reused for as long as every source file they were built from is unchanged. Loading the TypeScript
 * through tsx costs about half a second of compiling on each run; loading a bundle costs a few milliseconds.
 *
 * The cache lives in node_modules/.cache/fleetproof-cli/: `manifest.json` names the two bundles and lists every
 * input file esbuild read (esbuild's metafile) with its SHA-256. A bundle is used only when every listed input
 * still has that digest, so an edited source, a changed dependency or a different esbuild version means a rebuild,
 * never a stale CLI. Bundles and manifest are written to temporary names and renamed into place, so concurrent runs
 * see either the old set or the new one. When the cache cannot be used (no esbuild, a read-only install), the
 * callers fall back to the TypeScript through tsx: same code, slower start.
 *
 * Plain JavaScript: bin/fleetproof.mjs imports it before any TypeScript loader exists.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (this file is scripts/lib/bundle-cache.mjs). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const ENTRIES = { cli: 'scripts/fleetproof.ts', worker: 'scripts/lib/verify-worker.ts' };
/** Bump when the way bundles are built changes (options below). */
const FORMAT = 1;
/** Bundles older than this that the manifest no longer names are removed (a running CLI may still need its own). */
const STALE_MS = 24 * 60 * 60 * 1000;

/** @param {string} path */
const sha256File = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * @typedef {{ cli: string, worker: string }} CliBundles  absolute paths of the two bundles
 * @typedef {{ format: number, esbuild: string, cli: string, worker: string, inputs: Record<string, string> }} Manifest
 */

/**
 * The bundles, from the cache when every input is unchanged, else freshly built into it; undefined when bundling is
 * impossible here (the caller then loads the TypeScript through tsx).
 * @param {{ root?: string, cacheDir?: string }} [opts]
 * @returns {CliBundles | undefined}
 */
export function cliBundles(opts = {}) {
  const root = resolve(opts.root ?? PACKAGE_ROOT);
  const dir = opts.cacheDir ?? join(root, 'node_modules', '.cache', 'fleetproof-cli');
  let esbuild;
  try {
    esbuild = /** @type {typeof import('esbuild')} */ (createRequire(join(root, 'package.json'))('esbuild'));
  } catch {
    return undefined;
  }
  const cached = readManifest(root, dir, esbuild.version);
  if (cached) return cached;
  try {
    return build(root, dir, esbuild);
  } catch {
    return undefined;
  }
}

/**
 * @param {string} root
 * @param {string} dir
 * @param {string} version
 * @returns {CliBundles | undefined}
 */
function readManifest(root, dir, version) {
  /** @type {Manifest} */
  let m;
  try {
    m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (m.format !== FORMAT || m.esbuild !== version || typeof m.inputs !== 'object') return undefined;
  try {
    for (const [path, digest] of Object.entries(m.inputs))
      if (sha256File(join(root, path)) !== digest) return undefined;
    const paths = { cli: join(dir, m.cli), worker: join(dir, m.worker) };
    statSync(paths.cli);
    statSync(paths.worker);
    return paths;
  } catch {
    return undefined; // an input or a bundle is gone
  }
}

/**
 * @param {string} root
 * @param {string} dir
 * @param {typeof import('esbuild')} esbuild
 * @returns {CliBundles}
 */
function build(root, dir, esbuild) {
  const out = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: Object.values(ENTRIES),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    outdir: dir,
    entryNames: '[name]-[hash]',
    logLevel: 'silent',
  });
  /** @type {Record<string, string>} */
  const inputs = {};
  for (const path of Object.keys(out.metafile.inputs).sort()) inputs[path] = sha256File(join(root, path));
  mkdirSync(dir, { recursive: true });
  /** @type {Record<string, string>} */
  const names = {};
  for (const f of out.outputFiles) {
    const name = f.path.slice(dir.length + 1);
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
    names[name.replace(/-[A-Z0-9]+\.js$/, '')] = name;
  }
  const cli = names['fleetproof'];
  const worker = names['verify-worker'];
  if (!cli || !worker) throw new Error('esbuild did not emit both bundles');
  /** @type {Manifest} */
  const manifest = { format: FORMAT, esbuild: esbuild.version, cli, worker, inputs };
  const tmp = join(dir, `manifest.json.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(tmp, join(dir, 'manifest.json'));
  for (const name of readdirSync(dir)) {
    if (name === 'manifest.json' || name === cli || name === worker) continue;
    const p = join(dir, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > STALE_MS) rmSync(p, { force: true });
    } catch {
      /* removed by another run */
    }
  }
  return { cli: join(dir, cli), worker: join(dir, worker) };
}

/** Where a verify worker started by the bundled CLI finds its own bundle (set by bin/fleetproof.mjs). */
export const WORKER_BUNDLE = Symbol.for('fleetproof.verify-worker-bundle');
