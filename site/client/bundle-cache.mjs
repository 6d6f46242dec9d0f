// @ts-check
/**
 * The cache of the site's browser scripts (./bundle.mjs): its key and its reading, without Vite (which
 * ./bundle.mjs loads to bundle): the incremental build (scripts/lib/incremental.ts) takes the scripts' URLs from
 * here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Bump when what is cached, or how, changes. */
export const FORMAT = 'fleetproof-client-bundle-2';
export const CONFIG = 'site/client/vite.config.ts';
export const SELF = 'site/client/bundle.mjs';

/**
 * @typedef {{ name: string, bytes: Uint8Array }} ClientFile  a file to publish, `name` relative to the site's root
 * @typedef {{ scripts: Record<string, string>, files: ClientFile[], cached: boolean }} ClientBundle
 *   scripts: entry name → URL path of its script (`/_astro/…`)
 * @typedef {{ format: string, node: string, env: string, inputs: Record<string, string>,
 *   outputs: Record<string, string>, scripts: Record<string, string> }} Manifest
 */

/** @param {Uint8Array | string} b */
export const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/** The .env files Vite reads in a production build (envDir is the root). */
const ENV_FILES = ['.env', '.env.local', '.env.production', '.env.production.local'];

/**
 * What the bundle may take from the environment (Vite's `import.meta.env`: envPrefix PUBLIC_, as in Astro's client
 * build): the PUBLIC_* variables and the .env files, as one digest.
 * @param {string} root
 */
export function envDigest(root) {
  const vars = Object.entries(process.env)
    .filter(([k]) => k.startsWith('PUBLIC_'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const files = ENV_FILES.map((f) => {
    try {
      return [f, sha256(readFileSync(join(root, f)))];
    } catch {
      return [f, null];
    }
  });
  return sha256(JSON.stringify({ vars, files }));
}

/**
 * The cache folder of a build.
 * @param {string} root
 * @param {NodeJS.ProcessEnv} [env]
 */
export function clientCacheDir(root, env = process.env) {
  return join(
    env.FLEETPROOF_CACHE_DIR || join(root, 'node_modules', '.cache', 'fleetproof'),
    'client-bundle',
  );
}

/**
 * @param {string} root
 * @param {string} dir
 * @returns {ClientBundle | undefined}
 */
export function readCache(root, dir) {
  /** @type {Manifest} */
  let m;
  try {
    m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (m.format !== FORMAT || m.node !== process.version || m.env !== envDigest(root)) return undefined;
  if (typeof m.inputs !== 'object' || typeof m.outputs !== 'object' || typeof m.scripts !== 'object')
    return undefined;
  // Every file this module's own key names must be listed (a manifest that forgot one is not trusted).
  for (const must of [CONFIG, SELF, 'package-lock.json']) if (!(must in m.inputs)) return undefined;
  try {
    for (const [path, digest] of Object.entries(m.inputs))
      if (sha256(readFileSync(resolve(root, path))) !== digest) return undefined;
    /** @type {ClientFile[]} */
    const files = [];
    for (const [name, digest] of Object.entries(m.outputs)) {
      const bytes = readFileSync(join(dir, 'files', digest));
      if (sha256(bytes) !== digest) return undefined;
      files.push({ name, bytes });
    }
    for (const url of Object.values(m.scripts)) if (!(url.slice(1) in m.outputs)) return undefined;
    return { scripts: m.scripts, files, cached: true };
  } catch {
    return undefined; // an input or an output is gone
  }
}
