/**
 * V8's explicit compile hint (`//# allFunctionsCalledOnLoad`, Chromium 136 and later; a comment elsewhere) as the
 * first line of each chunk of the widget's worker: V8 then compiles every function of the chunk when the script
 * loads, and the worker is started with the page (./fleet-verify.ts), so the core's functions are compiled before a
 * reader clicks instead of one by one on their first call, in the middle of the click. Each chunk the worker loads
 * runs nearly all its code (the first chunk is the core; a lazy part is loaded when a verification needs it).
 *
 * The line is added once the chunk is minified (esbuild drops comments) and named; `augmentChunkHash` makes the
 * names differ from those of chunks without it.
 */
import type { Plugin } from 'vite';

const HINT = '//# allFunctionsCalledOnLoad\n';

export function compileHints(): Plugin {
  return {
    name: 'fleetproof:compile-hints',
    enforce: 'post',
    augmentChunkHash: () => HINT,
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) if (chunk.type === 'chunk') chunk.code = HINT + chunk.code;
    },
  };
}
