/**
 * The `fleetproof` CLI and its verify worker as two bundled CommonJS modules (esbuild, which tsx already brings; run
 * with a V8 code cache by scripts/lib/code-cache.cjs), built once and reused for as long as every source file they
 * were built from is unchanged. Loading the TypeScript through tsx costs about half a second of compiling on each
 * run; loading a bundle costs a few milliseconds. The same for `npm run build`'s main thread (buildBundle:
 * scripts/build.ts and what it imports) and for the Astro configuration its Astro thread loads (buildBundle with
 * CONFIG_ENTRY: astro.config.mjs and what it imports).
 *
 * The caches live in node_modules/.cache/fleetproof-cli/, node_modules/.cache/fleetproof-build-bundle/ and
 * node_modules/.cache/fleetproof-config-bundle/:
 * `manifest.json` names the bundles, with the SHA-256 of each, and lists every input file esbuild read (esbuild's
 * metafile) and this module with its SHA-256. A bundle is used only when every listed input still has that digest
 * and the bundle its own, so an edited source, a changed dependency, a different esbuild version or a bundle file
 * altered or cut short means a rebuild, never a stale CLI or build. Bundles and manifest are written to temporary
 * names and renamed into place, so concurrent runs see either the old set or the new one. When a cache cannot be
 * used (no esbuild, a read-only install), the callers fall back to the TypeScript through tsx: same code, slower
 * start (FLEETPROOF_DEBUG=1 says why on stderr).
 *
 * Plain JavaScript: bin/fleetproof.mjs and scripts/build.mjs import it before any TypeScript loader exists.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package root (this file is scripts/lib/bundle-cache.mjs). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const ENTRIES = { cli: 'scripts/fleetproof.ts', worker: 'scripts/lib/verify-worker.ts' };
const BUILD_ENTRY = 'scripts/build.ts';
/** The Astro configuration, for buildBundle: what scripts/build-astro.mjs hands Astro. */
export const CONFIG_ENTRY = 'astro.config.mjs';
/** Each entry buildBundle takes → its cache folder under node_modules/.cache/. */
const BUNDLE_DIRS = { [BUILD_ENTRY]: 'fleetproof-build-bundle', [CONFIG_ENTRY]: 'fleetproof-config-bundle' };
/** This module, an input of every bundle (how they are built is written here). */
const SELF = 'scripts/lib/bundle-cache.mjs';
/** Bump when the way bundles are built or described changes (options below, the manifest's shape). */
const FORMAT = 4;
/**
 * Bundles older than this that the manifest no longer names are removed when bundles are written. Not at once: a CLI
 * or build started before may still be about to load its own (each loads its bundle, and spawns its workers, as it
 * starts). A day's edits had left some 60 MB of them.
 */
export const STALE_MS = 60 * 60 * 1000;

/** @param {Uint8Array | string} bytes */
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * No bundle of `what`: undefined, for the caller to run the sources instead (through tsx, or Vite's config loader:
 * the same code, a slower start). With FLEETPROOF_DEBUG set it says why on stderr, for whoever finds a run slower
 * than it should be.
 * @param {string} what
 * @param {unknown} why
 * @returns {undefined}
 */
function notBundled(what, why) {
  if (process.env.FLEETPROOF_DEBUG)
    process.stderr.write(
      `fleetproof: ${what} not bundled (${why instanceof Error ? why.message.split('\n')[0] : String(why)}); running its sources instead\n`,
    );
  return undefined;
}

/** @param {string} path */
const sha256File = (path) => sha256(readFileSync(path));

/**
 * What both bundlings ask of esbuild: ES modules for Node 20, named by their content, kept in memory (save writes
 * them), with the list of every input read.
 * @param {string} root
 * @param {string} dir
 */
const esbuildOptions = (root, dir) =>
  /** @type {const} */ ({
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    outdir: dir,
    entryNames: '[name]-[hash]',
    logLevel: 'silent',
  });

/**
 * @typedef {{ cli: string, worker: string }} CliBundles  absolute paths of the two bundles
 * @typedef {{ format: number, esbuild: string, bundles: Record<string, string>, outputs: Record<string, string>, inputs: Record<string, string> }} Manifest
 *   `bundles`: entry's name → the bundle's file name in the cache folder; `outputs`: each file written → its SHA-256
 */

/**
 * The bundles, from the cache when every input is unchanged, else freshly built into it; undefined when bundling is
 * impossible here (the caller then loads the TypeScript through tsx).
 * @param {{ root?: string, cacheDir?: string }} [opts]
 * @returns {CliBundles | undefined}
 */
export function cliBundles(opts = {}) {
  const root = resolve(opts.root ?? PACKAGE_ROOT);
  const dir = opts.cacheDir ?? join(root, 'node_modules', '.cache', 'fleetproof-cli');
  const version = esbuildVersion(root);
  if (!version) return notBundled('the CLI', 'esbuild is not installed');
  const cached = cliPaths(readManifest(root, dir, version));
  if (cached) return cached;
  try {
    const built = cliPaths(build(root, dir, loadEsbuild(root)));
    if (!built) throw new Error('esbuild did not emit both bundles');
    return built;
  } catch (e) {
    return notBundled('the CLI', e);
  }
}

/**
 * The version of the esbuild the project installed (from its package.json: loading esbuild itself is needed only
 * to bundle), or undefined when there is none.
 * @param {string} root
 */
function esbuildVersion(root) {
  try {
    const require = createRequire(join(root, 'package.json'));
    const v = JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} root */
const loadEsbuild = (root) =>
  /** @type {typeof import('esbuild')} */ (createRequire(join(root, 'package.json'))('esbuild'));

/**
 * The name under which a bundle's entry point is recorded, as esbuild names its output `[name]-[hash].js`
 * (`scripts/lib/verify-worker.ts` → `verify-worker`, `astro.config.mjs` → `astro.config`).
 */
const entryName = (/** @type {string} */ file) => file.replace(/^.*\//, '').replace(/\.(ts|mjs)$/, '');

/**
 * @param {Record<string, string> | undefined} paths  entry's name → bundle
 * @returns {CliBundles | undefined}
 */
function cliPaths(paths) {
  const cli = paths?.[entryName(ENTRIES.cli)];
  const worker = paths?.[entryName(ENTRIES.worker)];
  return cli && worker ? { cli, worker } : undefined;
}

/**
 * `npm run build`'s main thread, scripts/build.ts and every module of the project it imports, bundled into one ES
 * module (from the cache when its inputs are unchanged); undefined when bundling is impossible here (scripts/build.mjs
 * then loads the TypeScript through tsx). Unlike the CLI's bundles, packages stay outside (Astro, Vite and the rest
 * load from node_modules, as under tsx), and so do the project's plain JavaScript modules (`.mjs`: the Astro thread's
 * launcher, the render and client caches), loaded from their own files, once, by scripts/build.mjs and the bundle
 * alike. Each bundled module keeps its own `import.meta.url`, `dirname` and `filename` (site/lib/verify-cache.ts
 * finds the project with its URL; any other use of `import.meta` means no bundle, the TypeScript through tsx),
 * and the digest recorded for each is that of the very bytes bundled.
 *
 * With `entry: CONFIG_ENTRY`, the same for astro.config.mjs (itself plain JavaScript, bundled with the TypeScript it
 * imports, the .mjs modules it reaches left outside as above), in a cache folder of its own: scripts/build-astro.mjs
 * hands its default export to Astro. Vite's config loader does the same bundling on every build (esbuild, the
 * project's modules inlined, packages left to Node, each module its own import.meta.url), about 0.1 s of Astro's
 * thread.
 * @param {{ root?: string, cacheDir?: string, entry?: typeof BUILD_ENTRY | typeof CONFIG_ENTRY }} [opts]
 * @returns {Promise<string | undefined>} the bundle's absolute path
 */
export async function buildBundle(opts = {}) {
  const root = resolve(opts.root ?? PACKAGE_ROOT);
  const entry = opts.entry ?? BUILD_ENTRY;
  const dir = opts.cacheDir ?? join(root, 'node_modules', '.cache', BUNDLE_DIRS[entry]);
  const version = esbuildVersion(root);
  if (!version) return notBundled(entry, 'esbuild is not installed');
  const name = entryName(entry);
  const cached = readManifest(root, dir, version);
  if (cached?.[name]) return cached[name];
  /** Path relative to the root → SHA-256 of the bytes bundled. */
  /** @type {Map<string, string>} */
  const read = new Map();
  try {
    const esbuild = loadEsbuild(root);
    /** @param {Map<string, string>} noted */
    const options = (noted) =>
      /** @type {const} */ ({
        ...esbuildOptions(root, dir),
        entryPoints: [entry],
        packages: 'external',
        define: {
          'import.meta.url': MODULE_URL,
          'import.meta.dirname': MODULE_DIRNAME,
          'import.meta.filename': MODULE_FILENAME,
        },
        plugins: [asWritten(root, noted, entry)],
      });
    // Any other use of import.meta (`resolve`, the object) would see the bundle's: such a module is not bundled.
    const left = importMetaUses(
      await esbuild.build({ ...options(new Map()), format: 'cjs', metafile: false }),
    );
    if (left.length)
      throw new Error(`${left[0]?.where}: a use of import.meta a bundle cannot give its own value`);
    const out = await esbuild.build(options(read));
    return save(root, dir, version, out, read)[name];
  } catch (e) {
    return notBundled(entry, e);
  }
}

/**
 * What each bundled module's `import.meta.url`, `dirname` and `filename` are replaced with: constants the module is
 * given (asWritten), each its own (unused ones are dropped from the bundle).
 */
const MODULE_URL = '__fleetproof_module_url';
const MODULE_DIRNAME = '__fleetproof_module_dirname';
const MODULE_FILENAME = '__fleetproof_module_filename';

/**
 * The uses of `import.meta` a bundling leaves in the code (those its `define` does not replace), as esbuild parses
 * the sources (comments and strings are not uses): `result` is a CommonJS build with the bundling's options, which
 * warns at each one. `read`: the property read (`url`, `resolve`…), '' for the object itself.
 * @param {{ warnings: import('esbuild').Message[] }} result
 * @returns {{ file: string, read: string, where: string }[]}
 */
function importMetaUses(result) {
  return result.warnings.flatMap((w) => {
    const at = w.location;
    if (w.id !== 'empty-import-meta' || !at) return [];
    const read = /^import\.meta(?:\.(\w+))?/.exec(at.lineText.slice(at.column))?.[1] ?? '';
    return [{ file: at.file, read, where: `${at.file}:${at.line}` }];
  });
}

/**
 * esbuild plugin for buildBundle: a relative import of a `.mjs` module stays an import, of that file's URL; a
 * TypeScript module, and the entry, are read here (their digests noted in `read`) and given their own URL, folder and
 * path as MODULE_URL, MODULE_DIRNAME and MODULE_FILENAME.
 * @param {string} root
 * @param {Map<string, string>} read
 * @param {string} entry  relative to the root
 * @returns {import('esbuild').Plugin}
 */
function asWritten(root, read, entry) {
  const entryPath = resolve(root, entry);
  return {
    name: 'fleetproof-as-written',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\/.*\.mjs$/ }, (a) =>
        a.kind === 'entry-point'
          ? undefined // astro.config.mjs, bundled
          : { path: pathToFileURL(resolve(dirname(a.importer), a.path)).href, external: true },
      );
      b.onLoad({ filter: /\.(ts|mjs)$/ }, (a) => {
        const ts = a.path.endsWith('.ts');
        // Every other .mjs the project imports is imported by a relative path, so stays outside (above).
        if (!ts && a.path !== entryPath) return undefined;
        const bytes = readFileSync(a.path);
        read.set(relativeTo(root, a.path), sha256(bytes));
        const consts = [
          [MODULE_URL, pathToFileURL(a.path).href],
          [MODULE_DIRNAME, dirname(a.path)],
          [MODULE_FILENAME, a.path],
        ].map(([name, value]) => `const ${name} = ${JSON.stringify(value)};`);
        return { contents: `${consts.join(' ')}\n${bytes.toString('utf8')}`, loader: ts ? 'ts' : 'js' };
      });
    },
  };
}

/** `path` as esbuild's metafile names it: relative to the root, with `/`. */
const relativeTo = (/** @type {string} */ root, /** @type {string} */ path) =>
  path
    .slice(root.length + 1)
    .split('\\')
    .join('/');

/**
 * The bundles a cache folder's manifest names (entry's name → absolute path), when they and every input are as it
 * recorded.
 * @param {string} root
 * @param {string} dir
 * @param {string} version
 * @returns {Record<string, string> | undefined}
 */
function readManifest(root, dir, version) {
  /** @type {Manifest} */
  let m;
  try {
    m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (
    m.format !== FORMAT ||
    m.esbuild !== version ||
    typeof m.inputs !== 'object' ||
    typeof m.bundles !== 'object' ||
    typeof m.outputs !== 'object'
  )
    return undefined;
  try {
    for (const [path, digest] of Object.entries(m.inputs))
      if (sha256File(join(root, path)) !== digest) return undefined;
    /** @type {Record<string, string>} */
    const paths = {};
    for (const [entry, file] of Object.entries(m.bundles)) {
      paths[entry] = join(dir, file);
      if (sha256File(paths[entry]) !== m.outputs?.[file]) return undefined;
    }
    return paths;
  } catch {
    return undefined; // an input or a bundle is gone
  }
}

/**
 * Where the CLI's modules that read `import.meta.url` live (this module, for the package's root; parallel-verify.ts,
 * for its worker under tsx). The CLI's bundles are built synchronously, which allows no plugin to give each module
 * its own URL as buildBundle does: every use gets this folder's, and a bundle in which any other module reads
 * `import.meta`, or any module reads more of it than `url`, is refused (the CLI then runs through tsx).
 */
const CLI_META_DIR = 'scripts/lib/';

/**
 * @param {string} root
 * @param {string} dir
 * @param {typeof import('esbuild')} esbuild
 * @returns {Record<string, string>} entry's name → bundle
 */
function build(root, dir, esbuild) {
  const entryPoints = Object.values(ENTRIES);
  const uses = importMetaUses(
    esbuild.buildSync({ ...esbuildOptions(root, dir), entryPoints, format: 'cjs', metafile: false }),
  );
  const wrong = uses.find((u) => !(u.file.startsWith(CLI_META_DIR) && u.read === 'url'));
  if (wrong)
    throw new Error(`${wrong.where}: a use of import.meta the CLI's bundles cannot give its own value`);
  // CommonJS, which Node 20 can run with a V8 code cache (scripts/lib/code-cache.cjs); ES modules it cannot.
  const out = esbuild.buildSync({
    ...esbuildOptions(root, dir),
    entryPoints,
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(root, CLI_META_DIR, 'bundled.js')).href) },
  });
  // An import() esbuild leaves in the bundle (of a module it does not bundle) would fail at run time there: Node 20
  // lets code run through vm.Script import only with --experimental-vm-modules. Such a CLI runs through tsx.
  for (const [file, input] of Object.entries(out.metafile.inputs))
    for (const i of input.imports)
      if (i.kind === 'dynamic-import' && i.external)
        throw new Error(
          `${file}: import('${i.path}'), which the CLI's bundles cannot make (run through vm.Script)`,
        );
  return save(root, dir, esbuild.version, out);
}

/**
 * Writes bundles and then their manifest into `dir` (each to a temporary name, then renamed), and removes what the
 * manifest does not name once it is STALE_MS old (a running CLI may still need its own). The manifest's inputs are
 * every file esbuild read and this module, each with the digest in `read` (the bytes bundled) or else its file's.
 * @param {string} root
 * @param {string} dir
 * @param {string} version  esbuild's
 * @param {{ outputFiles: import('esbuild').OutputFile[], metafile: import('esbuild').Metafile }} out
 * @param {Map<string, string>} [read]  path relative to the root → SHA-256
 * @returns {Record<string, string>} entry's name → the bundle's absolute path
 */
function save(root, dir, version, out, read = new Map()) {
  /** @type {Record<string, string>} */
  const inputs = {};
  for (const path of [...Object.keys(out.metafile.inputs), SELF].sort())
    inputs[path] = read.get(path) ?? sha256File(join(root, path));
  mkdirSync(dir, { recursive: true });
  /** @type {Record<string, string>} */
  const bundles = {};
  /** @type {Record<string, string>} */
  const outputs = {};
  for (const f of out.outputFiles) {
    const name = f.path.slice(dir.length + 1);
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
    bundles[name.replace(/-[A-Z0-9]+\.c?js$/, '')] = name;
    outputs[name] = sha256(f.contents);
  }
  /** @type {Manifest} */
  const manifest = { format: FORMAT, esbuild: version, bundles, outputs, inputs };
  const tmp = join(dir, `manifest.json.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(tmp, join(dir, 'manifest.json'));
  // A bundle's V8 code cache (code-cache.cjs) goes with it.
  const keep = new Set(['manifest.json', ...Object.values(bundles).flatMap((b) => [b, `${b}.v8cache`])]);
  for (const name of readdirSync(dir)) {
    if (keep.has(name)) continue;
    const p = join(dir, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > STALE_MS) rmSync(p, { force: true });
    } catch {
      /* removed by another run */
    }
  }
  return Object.fromEntries(Object.entries(bundles).map(([entry, name]) => [entry, join(dir, name)]));
}

/** Where a verify worker started by the bundled CLI finds its own bundle (set by bin/fleetproof.mjs). */
export const WORKER_BUNDLE = Symbol.for('fleetproof.verify-worker-bundle');
