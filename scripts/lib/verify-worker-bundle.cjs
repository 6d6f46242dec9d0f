// @ts-check
// A verify worker of the bundled CLI (scripts/lib/parallel-verify.ts): runs the worker's CommonJS bundle, named by
// workerData.bundle, with its V8 code cache (scripts/lib/code-cache.cjs). The bundle calls SAVE_CODE_CACHES when
// its units are done, before it says so: the main thread then ends the worker.
'use strict';
const { workerData } = require('node:worker_threads');
const { SAVE_CODE_CACHES, runBundle, saveCodeCaches } = require('./code-cache.cjs');

/** @type {Record<symbol, unknown>} */ (globalThis)[SAVE_CODE_CACHES] = saveCodeCaches;
runBundle(workerData.bundle);
