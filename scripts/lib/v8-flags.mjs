// @ts-check
/**
 * V8 flags for the processes Fleetproof starts itself (the `fleetproof` command, bin/fleetproof.mjs; the browser
 * scripts' bundling process of `npm run build`, scripts/build-client.mjs). Never for Astro's thread: a flag on
 * Astro's and Vite's own work is theirs to choose.
 *
 * V8 optimises a function (TurboFan, on a background thread) once it has run its "interrupt budget" of bytecode,
 * 66 KB in Node 20's V8 11.3. Our processes are short and share the cores with other work (`verify --jobs` with its
 * own threads, the bundling with Astro's thread), so that compiling competes with the work itself. At eight times
 * that budget only the functions that stay hot are optimised:
 *   - `fleetproof verify` at --scale 20: TurboFan compiled ~70 functions instead of ~290 (~490 ms of CPU), and
 *     `verify --jobs 2` and `--jobs 1` on one CPU both ran about 13% shorter;
 *   - the bundling process (Vite and Rollup on the widget and its worker): ~1.3 s of CPU instead of ~1.9 s.
 * Measured on V8 11.3 only, so given there only (later V8s tier up through Maglev, with other defaults).
 */

/** The flag, or undefined on another V8. */
export const INTERRUPT_BUDGET = process.versions.v8.startsWith('11.')
  ? `--interrupt-budget=${528 * 1024}`
  : undefined;
