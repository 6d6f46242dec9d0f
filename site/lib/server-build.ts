/**
 * Astro's server build without Rollup's tree-shaking (a Vite plugin, added by site/integration.ts).
 *
 * A static site's server build is run once, by Astro, to render the pages, and is never shipped. Tree-shaking it
 * only trims what that one run evaluates, and on our pages (some 70 of our modules beside Astro's runtime) Rollup's
 * analysis for it cost more than it saved: its include pass took about 0.4 s of Astro's thread, the thread the
 * whole build waits for. Without it a cold demo build took 130-160 ms less (medians of 8 and 10 interleaved runs),
 * the pages, feeds and every other output byte for byte the same; the server build grows from about 640 to 820 KB
 * (kept for incremental builds). A plain Astro blog gains nothing from this (167 modules, nearly all Astro's own).
 *
 * Only the server build: where Astro builds anything for the browser (no page of ours has a processed <script>:
 * site/client/ bundles the browser scripts apart, tree-shaken), that build keeps Rollup's default.
 */
import type { Plugin } from 'vite';

export function serverBuildWithoutTreeshaking(): Plugin {
  return {
    name: 'fleetproof:server-build-without-treeshaking',
    apply: 'build',
    config(_config, env) {
      return env.isSsrBuild ? { build: { rollupOptions: { treeshake: false } } } : undefined;
    },
  };
}
