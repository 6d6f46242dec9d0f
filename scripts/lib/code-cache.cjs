// @ts-check
/**
 * Runs the CLI's CommonJS bundles (scripts/lib/bundle-cache.mjs) with a V8 code cache beside each, so that a run
 * starts from the bytecode an earlier run compiled instead of compiling every function again as it is first called;
 * each verify worker is an isolate of its own and compiles the whole core again otherwise. `verify --jobs 2` at
 * --scale 20: 10 to 27 ms shorter (1,026 against 999 ms, CPU 1.84 against 1.79 s, medians of 20 interleaved runs;
 * 1,013 against 1,003 ms in 16 others), the demo tree 202 against 188 ms, `--jobs 1` on one CPU the same.
 *
 * The cache of `<bundle>` is `<bundle>.v8cache`: the bundle's name carries esbuild's hash of its content, and the
 * bundle itself was checked against the manifest's SHA-256 before it is run. The file is the SHA-256 of V8's data,
 * then the data: a file cut short or altered is not handed to V8 at all (V8 itself checks only that the data was
 * made by the same V8, with the same flags, for a source of the same length). V8 may still refuse it (another Node,
 * other flags): then, as when there is none, the run compiles as usual and writes a new one when its work is done
 * (`saveCodeCachesOfTheRun`, called by the verify command once a tree verified and by each worker when its units
 * are done), to a temporary name renamed into place, so that concurrent runs read either file whole. A cache V8 took
 * is not written again.
 * Any failure to read or write a cache costs only the time; FLEETPROOF_DEBUG=1 says what happened on stderr.
 *
 * CommonJS because ES modules cannot be given a code cache in Node 20 (`vm.SourceTextModule` is behind a flag,
 * `module.enableCompileCache` is Node 22's), and plain JavaScript because bin/fleetproof.mjs and the worker's
 * entry load it before anything else.
 */
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync, renameSync, rmSync, writeFileSync, writeSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

/** Bytes of the digest that heads a cache file. */
const DIGEST = 32;

/**
 * @typedef {{ bundle: string, script: import('node:vm').Script, state: 'used' | 'rejected' | 'none' | 'written' }} Loaded
 * @type {Loaded[]}
 */
const loaded = [];

/** @param {string} bundle */
const cacheOf = (bundle) => `${bundle}.v8cache`;

/** @param {string} what */
const debug = (what) => {
  // Straight to the file descriptor: a worker's process.stderr goes through the main thread, which may exit first.
  if (process.env.FLEETPROOF_DEBUG) writeSync(2, `fleetproof: ${what}\n`);
};

/**
 * V8's data from a cache file whose digest matches, else undefined.
 * @param {string} file
 * @returns {Buffer | undefined}
 */
function readCache(file) {
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  const data = bytes.subarray(DIGEST);
  if (
    bytes.length <= DIGEST ||
    !createHash('sha256').update(data).digest().equals(bytes.subarray(0, DIGEST))
  ) {
    debug(`${file}: not the code cache it claims to be (digest), not used`);
    return undefined;
  }
  return data;
}

/**
 * Runs the CommonJS bundle at `bundle` (an absolute path) as Node would a .cjs module, with its code cache when
 * there is a sound one, and returns its exports.
 * @param {string} bundle
 * @returns {Record<string, unknown>}
 */
function runBundle(bundle) {
  const source = readFileSync(bundle, 'utf8');
  const cachedData = readCache(cacheOf(bundle));
  // Node's own CommonJS wrapper: the bundle sees the module, require and __filename it would as a file.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  const state = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  debug(`${cacheOf(bundle)}: ${state === 'none' ? 'no code cache yet' : `code cache ${state}`}`);
  loaded.push({ bundle, script, state });
  /** @type {Record<symbol, unknown>} */ (globalThis)[SAVE_CODE_CACHES] = saveCodeCaches;
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return module.exports;
}

/**
 * Writes the code cache of every bundle this thread ran without a usable one, with the bytecode of every function
 * compiled so far: call it once the work is done, so that the next run finds them all.
 */
function saveCodeCaches() {
  for (const l of loaded) {
    if (l.state === 'used' || l.state === 'written') continue;
    const file = cacheOf(l.bundle);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      const data = l.script.createCachedData();
      writeFileSync(tmp, Buffer.concat([createHash('sha256').update(data).digest(), data]));
      renameSync(tmp, file);
      l.state = 'written';
      debug(`${file}: code cache written (${data.length} bytes)`);
    } catch (e) {
      rmSync(tmp, { force: true });
      debug(`${file}: code cache not written (${e instanceof Error ? e.message : String(e)})`);
    }
  }
}

/**
 * Where the code a bundle runs finds this thread's saveCodeCaches: set by runBundle. A bundle that imports this
 * module carries a copy of it, which ran no bundle; the copy's saveCodeCachesOfTheRun reaches the one that did.
 */
const SAVE_CODE_CACHES = Symbol.for('fleetproof.save-code-caches');

/**
 * For the code a bundle runs, once it has done the work its code cache should hold: writes this thread's code
 * caches (saveCodeCaches), when the thread runs from bundles; does nothing under tsx.
 */
function saveCodeCachesOfTheRun() {
  const save = /** @type {Record<symbol, unknown>} */ (globalThis)[SAVE_CODE_CACHES];
  if (typeof save === 'function') save();
}

module.exports = { runBundle, saveCodeCaches, saveCodeCachesOfTheRun };
