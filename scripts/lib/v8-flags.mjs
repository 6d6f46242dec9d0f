// @ts-check
/**
 * V8 flags for the `fleetproof` command (bin/fleetproof.mjs), which Fleetproof starts itself. Never for Astro's
 * thread: a flag on Astro's and Vite's own work is theirs to choose.
 *
 * V8 optimises a function (TurboFan, on a background thread) once it has run its "interrupt budget" of bytecode,
 * 66 KB in Node 20's V8 11.3. The command is short and `verify --jobs` keeps every core busy with its own threads, so
 * that compiling competes with the work itself. At eight times that budget only the functions that stay hot are
 * optimised: at --scale 20 TurboFan compiled ~70 functions instead of ~290 (~490 ms of CPU), and `verify --jobs 2`
 * and `--jobs 1` on one CPU both ran about 13% shorter. `npm run build`'s bundling process had it too while Rollup
 * bundled the browser scripts (1.9 → 1.3 s of CPU); with Rolldown (Vite 8) it made no difference (about 0.55 s
 * either way, 5 runs each), so that process runs with V8's defaults.
 * Measured on V8 11.3 only, so given there only (later V8s tier up through Maglev, with other defaults).
 */

/** The flag, or undefined on another V8. */
export const INTERRUPT_BUDGET = process.versions.v8.startsWith('11.')
  ? `--interrupt-budget=${528 * 1024}`
  : undefined;

/**
 * The garbage collector's work on the thread that needs it, not handed to V8's helper threads. `verify --jobs` keeps
 * every core busy with a verifying thread, so a helper task has no idle core to run on: the collecting thread waits
 * for helpers that wait for a core (a scavenge split into parallel tasks, compaction and pointer updating after a
 * full collection, the sweeping of pages and of array buffers after it). Interleaved A/B at --scale 20 (medians of
 * 12): `--jobs 2` 909 → 871 ms, `--jobs 1` on one CPU 1,417 → 1,403 ms, the demo tree 181 → 178 ms; at --scale 100
 * 4.13-4.27 → 3.88-3.92 s (peak RSS 371 → 388 MB). The scavenge, compaction and pointer-update flags alone gave
 * about a third of that.
 *
 * Set at run time (bin/fleetproof.mjs), which V8 tolerates for these: each is read when a collection starts (how
 * many tasks to split it into, whether to start a background job), and V8's own tests switch them on a live
 * isolate. Not `--single-threaded-gc`, nor `--no-parallel-marking`, which it implies: the marking set up at the
 * heap's start then fails a fatal check (scripts/lib/v8-flags.test.ts runs threads that collect under these flags,
 * and under that one, which must crash, to show the check can fail). Not `--no-concurrent-marking` either: slower
 * here (936 against 919 ms). V8 11 only, as measured.
 */
export const GC_ON_THE_CALLING_THREAD = process.versions.v8.startsWith('11.')
  ? [
      '--no-parallel-scavenge',
      '--no-parallel-compaction',
      '--no-parallel-pointer-update',
      '--no-concurrent-sweeping',
      '--no-concurrent-array-buffer-sweeping',
    ]
  : [];
