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
