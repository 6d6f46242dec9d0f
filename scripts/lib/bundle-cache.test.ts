import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONFIG_ENTRY, STALE_MS, buildBundle, cliBundles } from './bundle-cache.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('when the sources are unchanged, the cached bundles are reused; when one changed, they are rebuilt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetproof-bundle-'));
  try {
    const first = cliBundles({ cacheDir: dir });
    assert.ok(first, 'esbuild is a dependency: the bundles build');
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };
    for (const input of ['scripts/fleetproof.ts', 'verify/tree.ts', 'verify/crypto/ed25519.ts'])
      assert.ok(manifest.inputs[input], `${input} is an input the manifest checks`);
    const built = statSync(first.cli).mtimeMs;

    assert.deepEqual(cliBundles({ cacheDir: dir }), first);
    assert.equal(statSync(first.cli).mtimeMs, built, 'reused, not rebuilt');

    // A source whose digest differs from the one recorded (as after an edit): the manifest no longer vouches.
    manifest.inputs['verify/tree.ts'] = '0'.repeat(64);
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const again = cliBundles({ cacheDir: dir });
    assert.ok(again);
    const rebuilt = JSON.parse(readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };
    assert.notEqual(rebuilt.inputs['verify/tree.ts'], '0'.repeat(64), 'the manifest was written afresh');

    // A bundle that disappeared: rebuilt too.
    rmSync(again.worker);
    const third = cliBundles({ cacheDir: dir });
    assert.ok(third && statSync(third.worker).isFile());

    // A bundle whose bytes changed (cut short, altered): not run, rebuilt.
    const code = readFileSync(third.cli, 'utf8');
    writeFileSync(third.cli, code.slice(0, code.length >> 1));
    const fourth = cliBundles({ cacheDir: dir });
    assert.ok(fourth);
    assert.equal(readFileSync(fourth.cli, 'utf8'), code, 'the whole bundle, written again');
    const last = JSON.parse(readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };
    assert.ok(last.inputs['scripts/lib/bundle-cache.mjs'], 'how the bundles are built is an input too');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `bin/fleetproof.mjs ARGS` in the project, with `env` added to this process's. */
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [`${root}bin/fleetproof.mjs`, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });

test('when the CLI runs from its bundles and from the TypeScript, it prints the same report', () => {
  const run = (env: Record<string, string>) => cli(['verify', '--json', '--jobs', '2'], env);
  const bundled = run({});
  // The first run wrote the code caches it did not find (scripts/lib/code-cache.cjs); this one runs from them, on
  // the main thread and in the worker.
  const cached = run({ FLEETPROOF_DEBUG: '1' });
  const plain = run({ FLEETPROOF_NO_BUNDLE: '1' });
  assert.equal(bundled.status, 0, bundled.stderr);
  assert.equal(cached.status, 0, cached.stderr);
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(cached.stderr, /\/fleetproof-[A-Z0-9]+\.cjs\.v8cache: code cache used/);
  assert.match(
    cached.stderr,
    /\/verify-worker-[A-Z0-9]+\.cjs\.v8cache: code cache used/,
    'in the worker too',
  );
  assert.equal(bundled.stdout, plain.stdout);
  assert.equal(cached.stdout, plain.stdout);
});

test('when the CLI runs a command other than verify, or a verify that verified nothing, it writes no code cache; a verify with threads writes both', () => {
  const bundles = cliBundles();
  assert.ok(bundles);
  const caches = [`${bundles.cli}.v8cache`, `${bundles.worker}.v8cache`];
  for (const c of caches) rmSync(c, { force: true });
  const debug = { FLEETPROOF_DEBUG: '1' };
  for (const args of [
    ['--help'],
    ['verify', '--bogus'],
    ['verify', '--evidence', join(tmpdir(), 'no-such-tree')],
  ]) {
    const r = cli(args, debug);
    if (args[0] === 'verify') assert.notEqual(r.status, 0, `${args.join(' ')}: verifies nothing`);
    assert.doesNotMatch(r.stderr, /written/, args.join(' '));
  }
  assert.deepEqual(
    caches.map((c) => existsSync(c)),
    [false, false],
    'a cache written after --help would hold next to none of what verify runs, and would never be written again',
  );
  const verify = cli(['verify', '--json', '--jobs', '2'], debug);
  assert.equal(verify.status, 0, verify.stderr);
  assert.equal(verify.stderr.match(/code cache written/g)?.length, 2, verify.stderr);
  assert.deepEqual(
    caches.map((c) => existsSync(c)),
    [true, true],
  );
});

test("when the build's sources are unchanged, its cached bundle is reused; each module it bundled keeps its own import.meta.url, and the plain .mjs modules stay outside", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetproof-build-bundle-'));
  try {
    const first = await buildBundle({ cacheDir: dir });
    assert.ok(first, 'esbuild is a dependency: the bundle builds');
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };
    for (const input of ['scripts/build.ts', 'site/lib/verify-cache.ts', 'verify/tree.ts'])
      assert.ok(manifest.inputs[input], `${input} is an input the manifest checks`);
    assert.deepEqual(
      Object.keys(manifest.inputs).filter((p) => !p.endsWith('.ts')),
      ['scripts/lib/bundle-cache.mjs'],
      'only TypeScript is bundled (packages and .mjs modules load from their own files); how, is an input too',
    );
    const code = readFileSync(first, 'utf8');
    assert.ok(!code.includes('import.meta.url'), "no module sees the bundle's URL as its own");
    // site/lib/verify-cache.ts finds the project from its own URL; scripts/build.ts its client thread's module.
    for (const ts of ['site/lib/verify-cache.ts', 'scripts/build.ts'])
      assert.ok(code.includes(JSON.stringify(pathToFileURL(join(root, ts)).href)), `${ts} keeps its URL`);
    for (const mjs of [
      'scripts/lib/astro-thread.mjs',
      'scripts/lib/render-cache.mjs',
      'site/client/bundle-cache.mjs',
    ])
      assert.ok(
        code.includes(`from "${pathToFileURL(join(root, mjs)).href}"`),
        `${mjs} is imported, not bundled`,
      );
    const built = statSync(first).mtimeMs;

    assert.equal(await buildBundle({ cacheDir: dir }), first);
    assert.equal(statSync(first).mtimeMs, built, 'reused, not rebuilt');

    manifest.inputs['site/lib/verify-cache.ts'] = '0'.repeat(64);
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const again = await buildBundle({ cacheDir: dir });
    assert.ok(again && statSync(again).isFile());
    const rebuilt = JSON.parse(readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };
    assert.notEqual(
      rebuilt.inputs['site/lib/verify-cache.ts'],
      '0'.repeat(64),
      'the manifest was written afresh',
    );

    // The bundle itself altered: not run, rebuilt.
    writeFileSync(again, `${code}\nprocess.exit(7);\n`);
    const third = await buildBundle({ cacheDir: dir });
    assert.ok(third);
    assert.equal(readFileSync(third, 'utf8'), code, 'the bundle as esbuild wrote it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A project in a folder of its own (its node_modules the real one's, for esbuild) holding `files` and this cache. */
function projectOf(files: Record<string, string>): string {
  const project = mkdtempSync(join(tmpdir(), 'fleetproof-meta-'));
  mkdirSync(join(project, 'scripts', 'lib'), { recursive: true });
  writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'));
  copyFileSync(join(root, 'scripts/lib/bundle-cache.mjs'), join(project, 'scripts/lib/bundle-cache.mjs'));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(project, path), text);
  return project;
}

/**
 * scripts/build.ts and scripts/lib/where.ts, each exporting what `import.meta` says of it, bundled as the build's
 * bundle is.
 */
async function bundleOfTwo(whereSource: string): Promise<{ project: string; bundle: string | undefined }> {
  const meta =
    'export const meta = { url: import.meta.url, dirname: import.meta.dirname, filename: import.meta.filename };\n';
  const project = projectOf({
    'scripts/build.ts': `${meta}export { meta as where } from './lib/where.ts';\n`,
    'scripts/lib/where.ts': whereSource,
  });
  return { project, bundle: await buildBundle({ root: project, cacheDir: join(project, 'cache') }) };
}

test("when a bundled module reads import.meta's url, dirname or filename, it gets its own, not the bundle's", async () => {
  const { project, bundle } = await bundleOfTwo(
    'export const meta = { url: import.meta.url, dirname: import.meta.dirname, filename: import.meta.filename };\n',
  );
  try {
    assert.ok(bundle, 'the two modules bundle');
    const m = (await import(pathToFileURL(bundle).href)) as Record<'meta' | 'where', Record<string, string>>;
    for (const [name, file] of [
      ['meta', 'scripts/build.ts'],
      ['where', 'scripts/lib/where.ts'],
    ] as const) {
      const path = join(project, file);
      assert.deepEqual(
        m[name],
        { url: pathToFileURL(path).href, dirname: join(path, '..'), filename: path },
        `${file} sees itself`,
      );
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test('when a module reads import.meta otherwise (resolve), the build is not bundled: it runs through tsx; a comment or a string naming it is no use', async () => {
  const { project, bundle } = await bundleOfTwo(
    "export const meta = { url: import.meta.resolve('./x.js') };\n",
  );
  try {
    assert.equal(bundle, undefined);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
  // Only uses count, as esbuild parses the code: words in a comment or a string are none.
  const words = await bundleOfTwo(
    "// import.meta.resolve is not used here\nexport const meta = { said: 'import.meta', url: import.meta.url };\n",
  );
  try {
    assert.ok(words.bundle, 'bundled');
  } finally {
    rmSync(words.project, { recursive: true, force: true });
  }
});

test('when a bundle cannot be made, FLEETPROOF_DEBUG=1 says on stderr which and why; unset, nothing is said', async () => {
  const said: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const debug = process.env.FLEETPROOF_DEBUG;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    said.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  const projects: string[] = [];
  try {
    delete process.env.FLEETPROOF_DEBUG;
    const quiet = await bundleOfTwo("export const meta = { url: import.meta.resolve('./x.js') };\n");
    projects.push(quiet.project);
    assert.equal(quiet.bundle, undefined);
    assert.deepEqual(said, []);
    process.env.FLEETPROOF_DEBUG = '1';
    const told = await bundleOfTwo("export const meta = { url: import.meta.resolve('./x.js') };\n");
    projects.push(told.project);
    const cli = cliOf('', "export const where = import.meta.resolve('./x.js');\n");
    projects.push(cli.project);
    assert.equal(told.bundle, undefined);
    assert.equal(cli.bundles, undefined);
    assert.equal(said.length, 2, said.join(''));
    assert.match(
      said[0]!,
      /^fleetproof: scripts\/build\.ts not bundled \(.*import\.meta.*\); running its sources instead\n$/,
    );
    assert.match(
      said[1]!,
      /^fleetproof: the CLI not bundled \(.*import\.meta.*\); running its sources instead\n$/,
    );
  } finally {
    process.stderr.write = write;
    if (debug === undefined) delete process.env.FLEETPROOF_DEBUG;
    else process.env.FLEETPROOF_DEBUG = debug;
    for (const p of projects) rmSync(p, { recursive: true, force: true });
  }
});

/** The CLI's two entries: scripts/fleetproof.ts with `cli`, re-exporting scripts/lib/where.ts; a worker. */
function cliOf(cli: string, where: string): { project: string; bundles: ReturnType<typeof cliBundles> } {
  const project = projectOf({
    'scripts/fleetproof.ts': `${cli}export { where } from './lib/where.ts';\n`,
    'scripts/lib/where.ts': where,
    'scripts/lib/verify-worker.ts': 'export const worker = 1;\n',
  });
  return { project, bundles: cliBundles({ root: project, cacheDir: join(project, 'cache') }) };
}

test('when a module of scripts/lib/ reads import.meta.url in the CLI, its bundle gives it that folder’s URL', async () => {
  const { project, bundles } = cliOf('', 'export const where = import.meta.url;\n');
  try {
    assert.ok(bundles, 'the CLI bundles');
    const { where } = (await import(pathToFileURL(bundles.cli).href)) as { where: string };
    assert.equal(new URL('.', where).href, pathToFileURL(join(project, 'scripts/lib/')).href);
    assert.equal(
      new URL('../../', where).href,
      pathToFileURL(`${project}/`).href,
      'the package root, from it',
    );
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test('when a module of the CLI imports a module it does not bundle with import(), the CLI is not bundled: it runs through tsx', () => {
  const { project, bundles } = cliOf('', "export const where = () => import('node:os');\n");
  try {
    assert.equal(bundles, undefined);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
  // A module it bundles, imported with import(), is bundled in: no import() is left.
  const inside = cliOf('', "export const where = () => import('./verify-worker.ts');\n");
  try {
    assert.ok(inside.bundles);
  } finally {
    rmSync(inside.project, { recursive: true, force: true });
  }
});

test('when another module reads import.meta in the CLI, or one reads more than its url, the CLI is not bundled: it runs through tsx', () => {
  for (const [cli, where] of [
    ['export const here = import.meta.url;\n', 'export const where = 1;\n'],
    ['', 'export const where = import.meta.dirname;\n'],
    ['', "export const where = import.meta.resolve('./x.js');\n"],
  ] as const) {
    const { project, bundles } = cliOf(cli, where);
    try {
      assert.equal(bundles, undefined, `${cli}${where}`);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }
});

test('when bundles are written, those the manifest no longer names are removed once STALE_MS old, not before', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetproof-bundle-'));
  try {
    const first = cliBundles({ cacheDir: dir });
    assert.ok(first);
    const old = join(dir, 'fleetproof-OLDOLDOL.js');
    const recent = join(dir, 'fleetproof-RECENTXX.js');
    writeFileSync(old, '// a bundle of an earlier version\n');
    writeFileSync(recent, '// a bundle a CLI started a moment ago may still load\n');
    const past = (Date.now() - STALE_MS - 60_000) / 1000;
    utimesSync(old, past, past);
    // A named bundle's V8 code cache (scripts/lib/code-cache.cjs), however old, goes with its bundle.
    const codeCache = `${first.cli}.v8cache`;
    writeFileSync(codeCache, 'cached');
    utimesSync(codeCache, past, past);
    // The manifest no longer vouches for the bundles: they are written again, and the folder tidied.
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };
    manifest.inputs['verify/tree.ts'] = '0'.repeat(64);
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const again = cliBundles({ cacheDir: dir });
    assert.deepEqual(again, first, 'the same sources, the same bundles');
    assert.equal(existsSync(old), false, 'older than STALE_MS and unnamed: removed');
    assert.equal(existsSync(recent), true, 'unnamed but recent: kept');
    assert.equal(existsSync(codeCache), true, "a named bundle's code cache: kept");
    assert.equal(existsSync(first.cli) && existsSync(first.worker), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A configuration as data to compare: functions by name (plugins are objects of hooks), everything else as it is.
 * Two loads of astro.config.mjs give two sets of function objects, never equal by identity.
 */
function shape(value: unknown, seen = new Set<unknown>()): unknown {
  if (typeof value === 'function') return `function ${value.name}`;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => shape(v, seen));
  if (value instanceof URL) return `URL ${value.href}`;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v, seen)]));
}

test("when the Astro configuration is bundled (CONFIG_ENTRY), it is cached like the build's and is the configuration Vite's loader gives", async () => {
  // Inside the project, as the real cache is: the bundle imports packages (astro/config) from its node_modules.
  const dir = join(root, 'node_modules', '.cache', `fleetproof-config-bundle-test-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  try {
    const first = await buildBundle({ entry: CONFIG_ENTRY, cacheDir: dir });
    assert.ok(first, 'esbuild is a dependency: the configuration bundles');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      inputs: Record<string, string>;
    };
    for (const input of ['astro.config.mjs', 'site/integration.ts', 'site/widget/lazy/plugin.ts'])
      assert.ok(manifest.inputs[input], `${input} is an input the manifest checks`);
    assert.deepEqual(
      Object.keys(manifest.inputs).filter((p) => !p.endsWith('.ts')),
      ['astro.config.mjs', 'scripts/lib/bundle-cache.mjs'],
      'the entry and the TypeScript it imports are bundled; packages and the other .mjs modules load from their own files',
    );
    const code = readFileSync(first, 'utf8');
    assert.ok(!code.includes('import.meta'), "no module sees the bundle's URL as its own");
    assert.ok(
      code.includes(JSON.stringify(pathToFileURL(join(root, 'astro.config.mjs')).href)),
      'astro.config.mjs keeps its URL (it finds the project with it)',
    );
    assert.ok(
      code.includes(`from "${pathToFileURL(join(root, 'site/client/bundle.mjs')).href}"`),
      'site/client/bundle.mjs is imported, not bundled',
    );
    const built = statSync(first).mtimeMs;
    assert.equal(await buildBundle({ entry: CONFIG_ENTRY, cacheDir: dir }), first);
    assert.equal(statSync(first).mtimeMs, built, 'reused, not rebuilt');

    const bundled = ((await import(pathToFileURL(first).href)) as { default: unknown }).default;
    const vite = await import('vite');
    const loaded = await vite.loadConfigFromFile(
      { command: 'build', mode: 'production' },
      join(root, 'astro.config.mjs'),
      root,
      'silent',
    );
    assert.ok(loaded);
    assert.deepEqual(shape(bundled), shape(loaded.config));
    // Plugins built by functions of the configuration: the worker's, with the project's root from import.meta.url.
    const workerPlugins = (c: unknown) =>
      shape((c as { vite: { worker: { plugins: () => unknown[] } } }).vite.worker.plugins());
    assert.deepEqual(workerPlugins(bundled), workerPlugins(loaded.config));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
