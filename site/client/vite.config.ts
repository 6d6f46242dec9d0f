/**
 * The site's browser scripts, bundled by Vite on their own (site/client/bundle.mjs), not by Astro's client build:
 *
 *   fleet-verify        site/widget/fleet-verify.ts, the <fleet-verify> widget of every fleet and epoch page, with
 *                       its module worker (site/widget/worker.ts) and the worker's lazy parts (site/widget/lazy/)
 *   attestation-verify  site/attestations/attestation-verify.ts, the checker of /attestations/, which has the
 *                       widget's worker verify the samples (site/attestations/sample-check.ts, a lazy part of the
 *                       worker): the core is bundled once, for the worker, not a second time for this entry
 *
 * The same Vite and Rollup, the same plugins and the same output options as Astro 5's client build used for them
 * (target esnext, esbuild minifier, `_astro/[name].[hash].js`, the worker as an ES module with its lazy parts),
 * so the shipped code is byte for byte what Astro emitted but for the worker chunks' first line (a V8 compile hint,
 * site/widget/compile-hints.ts); the entries' file names differ too (named after the entry, not after the Astro
 * component that held the <script>). Each entry is, as Astro's hoisted <script> was, a module that only imports the
 * source (`import '…/fleet-verify.ts'`), so the entry exports nothing. The pages link them through
 * site/lib/client-scripts.ts.
 */
import { fileURLToPath } from 'node:url';
import type { Plugin, UserConfig } from 'vite';
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
    rollupOptions: {
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
    plugins: () => [widgetLazyParts(root), noNodeBuiltinsInBrowser('worker'), compileHints()],
  },
};

export default config;
