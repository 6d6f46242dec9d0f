// @ts-check
/**
 * The render cache of `npm run build` (scripts/lib/incremental.ts): where it lives, the key it is valid for, and its
 * state file (site/lib/render-state.ts) read and written. Plain JavaScript: scripts/build.mjs reads it before any
 * TypeScript loads, to decide whether to start Astro early.
 *
 * The key is the SHA-256 of everything a page's bytes can depend on besides the evidence: every file of site/,
 * verify/ and scripts/ (pages, components, the integration, the core the pages import), astro.config.mjs,
 * package.json, package-lock.json (the versions of Astro and every other package), tsconfig.json, the posts (each
 * file's name and bytes), the site's URL, the evidence and posts folders' paths, and the Node version. A build
 * whose key differs from the cached state's is a full `astro build`.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { LockRefused, acquireLock, announced } from './lock.mjs';

const FORMAT = 'fleetproof-render-key-1';
/**
 * The states in the render cache folder: one file per output folder (`state-`, then the SHA-256 of the output's
 * absolute path), so that builds into two outputs with one cache, as `npm run build` into dist/ and the release job
 * into `.DIR.releases/build/`, do not make each other's next build a full one. `state.json`, the one state of the
 * caches written before, is removed when a state is saved.
 */
const STATE_PREFIX = 'state-';
const LEGACY_STATE_FILE = 'state.json';
/** At most this many outputs keep a state (and the server build it names): the least recently saved goes first. */
export const MAX_STATES = 4;
const CODE_DIRS = ['site', 'verify', 'scripts'];
const CODE_FILES = ['astro.config.mjs', 'package.json', 'package-lock.json', 'tsconfig.json'];

/**
 * The build's cache folder: FLEETPROOF_CACHE_DIR (Astro's cache too, astro.config.mjs), else
 * node_modules/.cache/fleetproof.
 * @param {string} root
 * @param {NodeJS.ProcessEnv} env
 */
function cacheFolder(root, env) {
  return env.FLEETPROOF_CACHE_DIR || join(root, 'node_modules', '.cache', 'fleetproof');
}

/**
 * The folder of the render cache: the cache folder's render/.
 * @param {string} root
 * @param {NodeJS.ProcessEnv} env
 */
export function renderCacheDir(root, env) {
  return join(cacheFolder(root, env), 'render');
}

/** Set on globalThis to the build lock this process holds (holdBuildLock). */
export const BUILD_LOCK = Symbol.for('fleetproof.build-lock');

/**
 * Builds that share a cache run one at a time. From before a build reads its render state (scripts/build.mjs, which
 * decides from it whether to start Astro early) until its process exits, it holds `build.lock` in the cache folder
 * (scripts/lib/lock.mjs). Two builds at once would remove each other's server build while it is being written
 * (saveRenderState keeps only the server builds that saved states name) and share Astro's cache; into one output,
 * each would replace the site the other is laying out its pages from. A second build waits, saying for which
 * process; a killed build's lock is taken over. Taken once per process; a lock that cannot be judged (another
 * host's, or not a lock) fails the build, naming the file.
 * @param {string} root
 * @param {NodeJS.ProcessEnv} env
 */
export function holdBuildLock(root, env) {
  const g = /** @type {Record<symbol, unknown>} */ (globalThis);
  if (g[BUILD_LOCK]) return;
  const dir = cacheFolder(root, env);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'build.lock');
  /** @type {import('./lock.mjs').HeldLock} */
  let lock;
  try {
    lock = acquireLock(path, announced('build', 'with this cache', path));
  } catch (e) {
    if (!(e instanceof LockRefused)) throw e;
    console.error(`build: refused: ${e.message}; nothing was built`);
    process.exit(1);
  }
  g[BUILD_LOCK] = lock;
  process.on('exit', () => lock.release());
}

/**
 * Every file under `dir` (anything but a folder), as paths relative to it with `/`, sorted: the render key's
 * inputs, the output's files, the server build's modules.
 * @param {string} dir
 * @returns {string[]}
 */
export function filesUnder(dir) {
  /** @type {string[]} */
  const out = [];
  const walk = (/** @type {string} */ rel) => {
    const found = readdirSync(rel ? join(dir, rel) : dir, { withFileTypes: true });
    found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of found) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out;
}

/**
 * @param {string} root  the project's root
 * @param {NodeJS.ProcessEnv} env  the build's environment (scripts/lib/astro-thread.mjs buildEnv): its inputs as
 *   site/lib/config.ts siteInputs reads them (the site's URL as given: the key only has to differ when it does)
 * @returns {string} hex SHA-256
 */
export function renderKey(root, env) {
  const inputs = {
    site: env.FLEETPROOF_SITE ?? '',
    evidenceDir: resolve(root, env.FLEETPROOF_EVIDENCE || 'evidence'),
    postsDir: resolve(root, env.FLEETPROOF_POSTS || 'content/posts'),
  };
  const h = createHash('sha256');
  const add = (/** @type {string} */ label, /** @type {string | Uint8Array} */ bytes) => {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    h.update(`${label}\u0000${b.length}\u0000`);
    h.update(b);
  };
  add('format', FORMAT);
  add('node', process.version);
  add('site', inputs.site);
  add('evidence-dir', inputs.evidenceDir);
  add('posts-dir', inputs.postsDir);
  for (const d of CODE_DIRS)
    for (const f of filesUnder(join(root, d))) add(`${d}/${f}`, readFileSync(join(root, d, f)));
  for (const f of CODE_FILES) add(f, readFileSync(join(root, f)));
  // A missing or unreadable posts folder is the build's to report (it stops before anything is built).
  let posts;
  try {
    posts = filesUnder(inputs.postsDir);
  } catch {
    posts = undefined;
  }
  if (posts) for (const f of posts) add(`posts:${f}`, readFileSync(join(inputs.postsDir, f)));
  else add('posts', 'unreadable');
  return h.digest('hex');
}

/** The format of the render cache's state files (their fields: site/lib/render-state.ts RenderState). */
export const RENDER_STATE_FORMAT = 'fleetproof-render-state-1';

/**
 * The state file of the last build into `out`.
 * @param {string} cacheDir  renderCacheDir's
 * @param {string} out  absolute
 */
export function stateFileOf(cacheDir, out) {
  return join(cacheDir, `${STATE_PREFIX}${createHash('sha256').update(out).digest('hex')}.json`);
}

/**
 * A state file's state (site/lib/render-state.ts), if readable and of this format.
 * @param {string} file
 * @returns {any}
 */
function readStateFile(file) {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8'));
    return s && s.format === RENDER_STATE_FORMAT ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The saved state of the last build into `out` (site/lib/render-state.ts), if any and readable.
 * @param {string} cacheDir  renderCacheDir's
 * @param {string} out  absolute
 * @returns {any}
 */
export function readRenderState(cacheDir, out) {
  const s = readStateFile(stateFileOf(cacheDir, out));
  return s && s.out === out ? s : undefined;
}

/**
 * This build's render key, computed once, before anything reads the sources (the state this build saves carries
 * it), and the state the last build into this output folder left, when an incremental build may be possible: the
 * folder exists, and the state is for this key. scripts/build.mjs and scripts/build.ts then try it before starting
 * Astro; scripts/build.mjs hands both on (INCREMENTAL_STATE) rather than have them read again.
 * @param {string} root
 * @param {NodeJS.ProcessEnv} env
 * @param {string} out  absolute
 * @returns {{ key: string, state: any, reason: string | undefined }}
 */
export function incrementalState(root, env, out) {
  const key = renderKey(root, env);
  const s = readRenderState(renderCacheDir(root, env), out);
  /** @type {string | undefined} why not, when the last build into `out` left a state */
  const reason = !s
    ? undefined
    : !existsSync(out)
      ? `${out} is gone`
      : s.key !== key
        ? 'the code, configuration, posts or site changed since the last build'
        : undefined;
  return { key, state: s && !reason ? s : undefined, reason };
}

/** Where scripts/build.mjs leaves what incrementalState returned for scripts/build.ts. */
export const INCREMENTAL_STATE = Symbol.for('fleetproof.build.incremental-state');

/** Where scripts/build.mjs leaves tsx's unregister function for scripts/build.ts. */
export const TSX_OFF = Symbol.for('fleetproof.build.tsx-off');

/**
 * [size, inode, mtimeMs] of every file under `dir`, by path relative to it.
 * @param {string} dir
 * @returns {Record<string, [number, number, number]>}
 */
export function outputStats(dir) {
  /** @type {Record<string, [number, number, number]>} */
  const out = {};
  for (const r of filesUnder(dir)) {
    const s = statSync(join(dir, r));
    out[r] = [s.size, s.ino, s.mtimeMs];
  }
  return out;
}

/**
 * Saves `state` (with the render key of the inputs it was built from) for the site now at `out`, with the output's
 * file stats; forgets the least recently saved states past MAX_STATES, and removes every server build no state
 * names.
 * @param {string} root
 * @param {NodeJS.ProcessEnv} env
 * @param {string} out
 * @param {any} state  site/lib/render-state.ts RenderState
 */
export function saveRenderState(root, env, out, state) {
  const cacheDir = renderCacheDir(root, env);
  const full = { ...state, out, output: outputStats(out) };
  mkdirSync(cacheDir, { recursive: true });
  // The server build imports Astro and its dependencies: from a cache folder outside the project
  // (FLEETPROOF_CACHE_DIR) Node finds them through a link to the project's node_modules; inside it, as any module
  // of the project does.
  const modules = join(cacheDir, 'node_modules');
  const rel = relative(root, cacheDir);
  if ((rel.startsWith('..') || isAbsolute(rel)) && !existsSync(modules)) {
    try {
      symlinkSync(join(root, 'node_modules'), modules, 'dir');
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
    }
  }
  const file = stateFileOf(cacheDir, out);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(full));
  renameSync(tmp, file);
  rmSync(join(cacheDir, LEGACY_STATE_FILE), { force: true });
  // Another build with this cache may forget a state meanwhile: a state gone is no error.
  /** @type {{ path: string, mtime: number }[]} */
  const states = [];
  for (const n of readdirSync(cacheDir)) {
    if (!n.startsWith(STATE_PREFIX) || !n.endsWith('.json')) continue;
    const st = statSync(join(cacheDir, n), { throwIfNoEntry: false });
    if (st) states.push({ path: join(cacheDir, n), mtime: st.mtimeMs });
  }
  states.sort((a, b) => b.mtime - a.mtime || (a.path < b.path ? -1 : 1));
  /** The server builds the states kept name: this one's first, whatever the clock says. */
  const named = new Set([state.ssr]);
  let kept = 1;
  for (const st of states) {
    if (st.path === file) continue;
    const other = kept < MAX_STATES ? readStateFile(st.path) : undefined;
    if (other && typeof other.ssr === 'string') {
      named.add(other.ssr);
      kept++;
    } else rmSync(st.path, { force: true });
  }
  for (const name of readdirSync(cacheDir))
    if (name.startsWith('ssr-') && !named.has(name))
      rmSync(join(cacheDir, name), { recursive: true, force: true });
}

/**
 * Forgets the state saved for `out` (a full build into it that left none: the output it described is gone).
 * @param {string} root
 * @param {NodeJS.ProcessEnv} env
 * @param {string} out  absolute
 */
export function dropRenderState(root, env, out) {
  rmSync(stateFileOf(renderCacheDir(root, env), out), { force: true });
}
