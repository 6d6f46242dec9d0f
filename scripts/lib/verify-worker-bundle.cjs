// @ts-check
// A verify worker of the bundled CLI (scripts/lib/parallel-verify.ts): runs the worker's CommonJS bundle, named by
// workerData.bundle, with its V8 code cache (scripts/lib/code-cache.cjs), which the bundle writes when its units are
// done (saveCodeCachesOfTheRun), before it says so: the main thread then ends the worker.
'use strict';
const { workerData } = require('node:worker_threads');
const { runBundle } = require('./code-cache.cjs');

runBundle(workerData.bundle);
