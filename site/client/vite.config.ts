/**
 * The site's browser scripts, bundled by Vite 8 (Rolldown) on their own (site/client/bundle.mjs), not by Astro's
 * client build:
 *
 *   fleet-verify        site/widget/fleet-verify.ts, the <fleet-verify> widget of every fleet and epoch page, with
 *                       its module worker (site/widget/worker.ts) and the worker's lazy parts (site/widget/lazy/)
 *   attestation-verify  site/attestations/attestation-verify.ts, the checker of /attestations/, which has the
 *                       widget's worker verify the samples (site/attestations/sample-check.ts, a lazy part of the
 *                       worker): the core is bundled once, for the worker, not a second time for this entry
 *
 * Vite 8, not the Vite 6 that Astro 5 builds with: the same plugins (the dev server, Astro's Vite 6, runs the
 * worker's through astro.config.mjs), the same kind of output (target esnext, minified, `_astro/[name].[hash].js`,
 * the worker as an ES module with its lazy parts), about a third of Rollup's time (docs/performance.md). The worker's
 * chunks start with a V8 compile hint (site/widget/compile-hints.ts). Each entry is, as Astro's hoisted <script>
 * was, a module that only imports the source (`import '…/fleet-verify.ts'`), so the entry exports nothing. The pages
 * link them through site/lib/client-scripts.ts.
 *
 * The worker's first chunk: every module its entry reaches by static imports, in one chunk (workerFirstChunk,
 * below), as Rollup made it. Rolldown's automatic chunking would give each module that the first chunk shares with a
 * lazy part a chunk of its own (some ten more files for a page to fetch, and more bytes than one chunk gzipped);
 * held in one chunk, the lazy parts import what they share from it.
 */
import { fileURLToPath } from 'node:url';
import type { Plugin, UserConfig } from 'vite8';
import { widgetLazyParts } from '../widget/lazy/plugin.ts';
import { noNodeBuiltinsInBrowser } from '../widget/bundle-check.ts';
import { compileHints } from '../widget/compile-hints.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ASSETS = '_astro';

/** Entry name → source, relative to the project's root. Names are what pages ask site/lib/client-scripts.ts for. */
export const CLIENT_ENTRIES = {
  'fleet-verify': 'site/widget/fleet-verify.ts',
  'attestation-verify': 'site/attestations/attestation-verify.ts',
} as const;

const ENTRY = '\0fleetproof-client-entry:';

/** `fleetproof-client-entry:<name>` → a module that imports the entry's source and nothing else. */
function clientEntries(): Plugin {
  return {
    name: 'fleetproof:client-entries',
    enforce: 'pre',
    resolveId(source) {
      return source.startsWith(ENTRY.slice(1)) ? `\0${source}` : null;
    },
    load(id) {
      if (!id.startsWith(ENTRY)) return null;
      const src = CLIENT_ENTRIES[id.slice(ENTRY.length) as keyof typeof CLIENT_ENTRIES];
      return src ? `import ${JSON.stringify(`${root}${src}`)};\n` : null;
    },
  };
}

const config: UserConfig = {
  root,
  base: '/',
  mode: 'production',
  publicDir: false,
  logLevel: 'warn',
  clearScreen: false,
  envPrefix: 'PUBLIC_',
  build: {
    target: 'esnext',
    write: false,
    outDir: 'dist',
    assetsDir: ASSETS,
    emptyOutDir: false,
    copyPublicDir: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rolldownOptions: {
      input: Object.fromEntries(Object.keys(CLIENT_ENTRIES).map((k) => [k, `${ENTRY.slice(1)}${k}`])),
      output: {
        format: 'esm',
        entryFileNames: `${ASSETS}/[name].[hash].js`,
        chunkFileNames: `${ASSETS}/[name].[hash].js`,
        assetFileNames: `${ASSETS}/[name].[hash][extname]`,
      },
      preserveEntrySignatures: 'exports-only',
    },
  },
  plugins: [clientEntries(), noNodeBuiltinsInBrowser('browser')],
  worker: {
    format: 'es',
    // The worker's chunks start with V8's compile hint (../widget/compile-hints.ts).
    plugins: () => [
      widgetLazyParts(root),
      noNodeBuiltinsInBrowser('worker'),
      compileHints(),
      firstChunk.plugin,
    ],
    rolldownOptions: {
      output: { codeSplitting: { groups: [{ name: 'worker', test: (id: string) => firstChunk.has(id) }] } },
    },
  },
};

const firstChunk = workerFirstChunk();

/**
 * The modules the worker's entry reaches by static imports (taken once its module graph is complete: `buildEnd`),
 * for the one chunk they are bundled into (the group above).
 */
function workerFirstChunk(): { plugin: Plugin; has: (id: string) => boolean } {
  const reached = new Set<string>();
  return {
    has: (id) => reached.has(id),
    plugin: {
      name: 'fleetproof:worker-first-chunk',
      buildEnd() {
        reached.clear();
        const todo = [...this.getModuleIds()].filter((id) => this.getModuleInfo(id)?.isEntry);
        if (todo.length !== 1) throw new Error(`the worker's bundle has ${todo.length} entries, not 1`);
        for (let id; (id = todo.pop()) !== undefined;) {
          if (reached.has(id)) continue;
          reached.add(id);
          todo.push(...(this.getModuleInfo(id)?.importedIds ?? []));
        }
      },
    },
  };
}

export default config;
