// @ts-check
/**
 * V8 flags for the `fleetproof` command (bin/fleetproof.mjs) and for `npm run build`'s process (WASM_TIERING_BUDGET
 * only), which Fleetproof starts itself. Not Astro's, Vite's or Rollup's JavaScript: how V8 compiles their work is
 * theirs to choose (the CLI's interrupt budget would also shorten a plain Astro blog's build about as much).
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

/**
 * `npm run build`: WebAssembly functions stay in V8's baseline tier (Liftoff). Astro's compiler is Go compiled to
 * WebAssembly, and the site's ~30 components (77 KB of .astro) are enough work to make its functions hot: V8 then
 * compiles them again with TurboFan on its helper threads, and Go's functions are large. A build compiles each
 * component once, too few for that code to pay for its compiling. Compiling the components twice over in one process
 * (after the compiler's start): 1.22 s of CPU with V8's budget (1.8 MB of a function's code run before it tiers up),
 * 0.46 s with this one, a thousand times larger (the first round 341 → 105 ms, the second 185 → 90 ms). Cold
 * `npm run build`, 8 interleaved runs each: 4,058 → 3,642 ms. A plain Astro blog compiles two small components and
 * gains less; the bench builds it with the same flag (scripts/bench.ts build_vs_plain_astro), so that the figure
 * compares our work with Astro's under the same engine. Set at run time before Astro's thread starts
 * (scripts/lib/astro-thread.mjs): a module's budget is read when the module is compiled
 * (scripts/lib/v8-flags.test.ts shows a function compiled after it stays in Liftoff where one compiled without it
 * reaches TurboFan). Only the tier-up is given up: `--liftoff-only` gave about the same build (3,602 ms), but makes
 * a function Liftoff cannot compile a fatal error. V8 11 only, as measured.
 */
export const WASM_TIERING_BUDGET = process.versions.v8.startsWith('11.')
  ? `--wasm-tiering-budget=${1000 * 1_800_000}`
  : undefined;
