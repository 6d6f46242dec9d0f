/**
 * The build's guard on the browser bundle (run by site/integration.ts after `astro build`): the emitted JavaScript
 * under dist/_astro/ (the widget and its worker) must not reach for a Node built-in — a `node:` specifier in an
 * import, export or dynamic import, or a `require()` of a built-in module. The core is browser-safe by rule
 * (tests/no-node-imports.test.ts checks its sources); this checks what was actually shipped. And which other scripts
 * an emitted script names (scriptRefs), for the tests and the bench that follow a page's scripts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

export interface BuiltinUse {
  file: string;
  specifier: string;
}

/** Every Node built-in a piece of emitted JavaScript imports or requires. */
export function nodeBuiltinUses(code: string): string[] {
  const found = new Set<string>();
  // Any quoted node: specifier (import … from "node:fs", import("node:fs"), export … from "node:fs").
  for (const m of code.matchAll(/["'`](node:[A-Za-z0-9_/]+)["'`]/g)) found.add(m[1]!);
  // Bare built-ins, only where a module is named: from "fs", import "fs", import("fs"), require("fs").
  for (const m of code.matchAll(
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*|\brequire\s*\(\s*)["'`]([A-Za-z0-9_/]+)["'`]/g,
  )) {
    const s = m[1]!;
    if (BUILTINS.has(s) || BUILTINS.has(s.split('/')[0]!)) found.add(s);
  }
  return [...found];
}

/** A script named in emitted JavaScript: relative (`./x.js`, `../x.js`) or under /_astro/. */
const SCRIPT = String.raw`(\.{1,2}\/[^"'\x60]+\.js|\/_astro\/[^"'\x60]+\.js)`;
const Q = String.raw`["'\x60]`;
const STATIC_REF = new RegExp(String.raw`\b(?:from|import)\s*${Q}${SCRIPT}${Q}`, 'g');
const DYNAMIC_REF = new RegExp(String.raw`\bimport\s*\(\s*${Q}${SCRIPT}${Q}\s*\)`, 'g');
// Vite's worker URL: new URL('…', import.meta.url), or from Rolldown new URL(`…`, ``+import.meta.url).
const WORKER_REF = new RegExp(
  String.raw`new URL\(\s*${Q}${SCRIPT}${Q}\s*,\s*(?:(?:""|''|\x60\x60)\s*\+\s*)?import\.meta\.url\s*\)`,
  'g',
);

/**
 * The other scripts a piece of emitted JavaScript names, as written, quoted or in backquotes (as Rolldown writes
 * them): by a static import or export … from (`imports`), by import() (`loads`), and by new URL(…, import.meta.url),
 * the way a bundle starts its worker (`urls`).
 */
export function scriptRefs(code: string): { imports: string[]; loads: string[]; urls: string[] } {
  const all = (re: RegExp) => [...code.matchAll(re)].map((m) => m[1]!);
  return { imports: all(STATIC_REF), loads: all(DYNAMIC_REF), urls: all(WORKER_REF) };
}

function jsFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? jsFiles(p) : /\.(m?js|cjs)$/.test(n) ? [p] : [];
  });
}

/** Scans every emitted script under `<out>/_astro/`; returns the offences (empty when clean). */
export function scanBundle(outDir: string): { files: string[]; uses: BuiltinUse[] } {
  const files = jsFiles(join(outDir, '_astro'));
  const uses = files.flatMap((f) =>
    nodeBuiltinUses(readFileSync(f, 'utf8')).map((specifier) => ({ file: relative(outDir, f), specifier })),
  );
  return { files: files.map((f) => relative(outDir, f)), uses };
}

/** A Node built-in as a module specifier (`fs`, `fs/promises`, `node:fs`), or undefined. */
export function builtinSpecifier(source: string): string | undefined {
  if (source.startsWith('node:')) return source;
  return BUILTINS.has(source) || BUILTINS.has(source.split('/')[0]!) ? source : undefined;
}

/**
 * The same rule while bundling. Vite does not fail on a Node built-in in browser code: it replaces the module with
 * an empty stub and warns ("externalized for browser compatibility"), so the emitted code carries no `node:` for
 * the scan above to find and would only break at run time. This plugin fails the client and worker builds on the
 * first such import instead. Server-side (SSR, prerendering) imports are the pages' own and are left alone.
 */
export function noNodeBuiltinsInBrowser(where: string) {
  return {
    name: `fleetproof:no-node-builtins-in-browser (${where})`,
    apply: 'build' as const,
    enforce: 'pre' as const,
    resolveId(
      this: { error(msg: string): never },
      source: string,
      importer: string | undefined,
      options?: { ssr?: boolean },
    ) {
      if (options?.ssr) return null;
      const b = builtinSpecifier(source);
      if (b)
        this.error(
          `the ${where} bundle imports the Node built-in "${b}"${importer ? ` (from ${importer})` : ''}; browser code must not use Node built-ins`,
        );
      return null;
    },
  };
}
