// @ts-check
/**
 * Fleetproof's site. Build with `npm run build` (scripts/build.ts): it verifies the evidence first, builds into a
 * temporary folder and only then replaces dist/. Inputs come from the environment (site/lib/config.ts):
 * FLEETPROOF_EVIDENCE, FLEETPROOF_POSTS, FLEETPROOF_SITE; FLEETPROOF_CACHE_DIR isolates Astro's cache (tests).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'astro/config';
import { siteInputs } from './site/lib/config.ts';
import fleetproofIntegration from './site/integration.ts';
import { widgetLazyParts } from './site/widget/lazy/plugin.ts';

const inputs = siteInputs();

export default defineConfig({
  site: inputs.site,
  srcDir: 'site',
  publicDir: 'site/public',
  output: 'static',
  trailingSlash: 'always',
  ...(process.env.FLEETPROOF_CACHE_DIR ? { cacheDir: process.env.FLEETPROOF_CACHE_DIR } : {}),
  build: {
    format: 'directory',
    // Every stylesheet is a file: the Content-Security-Policy allows no inline <style>.
    inlineStylesheets: 'never',
    // Up to four pages render at once: while one waits for its file to be written, the next renders (the demo's
    // rendering about 90 ms shorter, medians of 8 interleaved cold builds; the site byte for byte the same). Safe
    // because nothing the pages share depends on their order: what a page read is noted under its own path
    // (site/lib/page-deps.ts), and the memos (timeline layouts and markup, colours, the attestations page's data)
    // hold values computed from the verified evidence, which no page changes. A state that did depend on it would
    // show in site/build-incremental.test.ts, which compares pages rendered one at a time with a clean build.
    concurrency: 4,
  },
  // Scripts are never inlined either (a later widget is a bundled, external <script>).
  vite: {
    // No gzip sizes in the build log: computing them costs time and nobody reads them there (npm run bench does).
    build: { assetsInlineLimit: 0, reportCompressedSize: false },
    // The widget's worker is an ES module, so that the parts of the core it needs only sometimes (noble's curves,
    // the vendor adapters) are chunks of their own, loaded on demand (site/widget/lazy/plugin.ts).
    worker: {
      format: 'es',
      plugins: () => [widgetLazyParts(fileURLToPath(new URL('.', import.meta.url)))],
    },
  },
  markdown: {
    // No Shiki: it colours code with inline style attributes, which the CSP forbids.
    syntaxHighlight: false,
    // The citation plugin needs the verified model; the posts loader adds it (site/loaders/posts.ts).
    remarkPlugins: [],
  },
  devToolbar: { enabled: false },
  prefetch: false,
  integrations: [fleetproofIntegration({ evidenceDir: inputs.evidenceDir })],
});
