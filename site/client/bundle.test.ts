/**
 * The browser scripts' cache (site/client/bundle.mjs): a later build takes the cached files only while every input
 * they were bundled from is unchanged, and never an output that is not byte for byte what was bundled.
 *
 * The edits are made to a copy of the project's sources (node_modules linked), never to the project itself.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientBundle, readCache, type ClientBundle } from './bundle.mjs';
import { ROOT, tempDir } from '../testing/fixtures.ts';
import { scriptRefs } from '../widget/bundle-check.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const digests = (b: ClientBundle) => Object.fromEntries(b.files.map((f) => [f.name, sha256(f.bytes)]));

/** A copy of what the bundle is built from, with the project's node_modules linked in. */
function projectCopy(): string {
  const root = tempDir('client-root');
  for (const p of ['site', 'verify', 'package.json', 'package-lock.json', 'tsconfig.json'])
    cpSync(join(ROOT, p), join(root, p), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

describe('the browser scripts’ cache', () => {
  let root: string;
  let cacheDir: string;
  let first: ClientBundle;

  before(async () => {
    root = projectCopy();
    cacheDir = join(tempDir('client-cache'), 'client-bundle');
    first = await clientBundle({ root, cacheDir });
  });

  it('when nothing changed, the next build takes every file from the cache, byte for byte', async () => {
    assert.equal(first.cached, false);
    assert.deepEqual(Object.keys(first.scripts).sort(), ['attestation-verify', 'fleet-verify']);
    const again = await clientBundle({ root, cacheDir });
    assert.equal(again.cached, true);
    assert.deepEqual(again.scripts, first.scripts);
    assert.deepEqual(digests(again), digests(first));
  });

  it('when the scripts are bundled, every chunk of the widget’s worker starts with V8’s compile hint, and the pages’ own scripts do not', () => {
    const js = first.files.filter((f) => f.name.endsWith('.js'));
    const hinted = (f: { bytes: Uint8Array }) =>
      Buffer.from(f.bytes).toString('utf8').startsWith('//# allFunctionsCalledOnLoad\n');
    // The pages' own: the entries and what they import statically (the worker is started by its URL).
    const byName = new Map(js.map((f) => [f.name, Buffer.from(f.bytes).toString('utf8')]));
    const page = new Set<string>();
    const todo = Object.values(first.scripts).map((url) => url.slice(1));
    for (let name; (name = todo.pop()) !== undefined;) {
      if (page.has(name)) continue;
      page.add(name);
      for (const r of scriptRefs(byName.get(name)!).imports) todo.push(`_astro/${r.replace(/^\.\//, '')}`);
    }
    assert.ok(page.size >= 2 && page.size < js.length, [...page].join());
    assert.ok(
      js.some((f) => /^_astro\/worker-[^/]+\.js$/.test(f.name) && hinted(f)),
      'the worker',
    );
    for (const f of js) assert.equal(hinted(f), !page.has(f.name), f.name);
  });

  it('when the scripts are bundled, the worker’s first chunk imports no other chunk (every module its entry reaches is in it) and loads its lazy parts by import()', () => {
    const worker = first.files.filter((f) => /^_astro\/worker-[^/]+\.js$/.test(f.name));
    assert.equal(worker.length, 1);
    const code = Buffer.from(worker[0]!.bytes).toString('utf8');
    const refs = scriptRefs(code);
    assert.deepEqual(refs.imports, [], 'a static import of another chunk');
    assert.ok(
      refs.loads.some((r) => /^\.\/reference-[^/]+\.js$/.test(r)),
      'noble, a lazy part',
    );
  });

  it('when a cached file was altered, it is not used', () => {
    const manifest = JSON.parse(readFileSync(join(cacheDir, 'manifest.json'), 'utf8')) as {
      outputs: Record<string, string>;
    };
    const [name, digest] = Object.entries(manifest.outputs)[0]!;
    const file = join(cacheDir, 'files', digest);
    const bytes = readFileSync(file);
    writeFileSync(file, Buffer.concat([bytes, Buffer.from('\n')]));
    try {
      assert.equal(readCache(root, cacheDir), undefined, `${name} altered`);
    } finally {
      writeFileSync(file, bytes);
    }
    assert.ok(readCache(root, cacheDir));
  });

  it('when a PUBLIC_ variable or a .env file (what Vite puts in import.meta.env) changes, the cache is not used', () => {
    assert.ok(readCache(root, cacheDir));
    process.env.PUBLIC_FLEETPROOF_CACHE_TEST = '1';
    try {
      assert.equal(readCache(root, cacheDir), undefined);
    } finally {
      delete process.env.PUBLIC_FLEETPROOF_CACHE_TEST;
    }
    assert.ok(readCache(root, cacheDir));
    const env = join(root, '.env.production');
    writeFileSync(env, 'PUBLIC_FLEETPROOF_CACHE_TEST=1\n');
    try {
      assert.equal(readCache(root, cacheDir), undefined);
    } finally {
      rmSync(env);
    }
    assert.ok(readCache(root, cacheDir));
  });

  it('when the manifest misses the key’s own files, it is not used', () => {
    const path = join(cacheDir, 'manifest.json');
    const text = readFileSync(path, 'utf8');
    const m = JSON.parse(text) as { inputs: Record<string, string> };
    delete m.inputs['package-lock.json'];
    writeFileSync(path, JSON.stringify(m));
    try {
      assert.equal(readCache(root, cacheDir), undefined);
    } finally {
      writeFileSync(path, text);
    }
  });

  it('when a source of the worker or a bundling plugin changes, the scripts are bundled again from it (and the key lists the dependencies’ files)', async () => {
    // A message the worker sends: the new text must be in the new bundle.
    const protocol = join(root, 'site', 'widget', 'protocol.ts');
    const before = readFileSync(protocol, 'utf8');
    const edited = `${before}\nexport const CACHE_TEST_MARK = ${JSON.stringify(`cache-test-${process.pid}`)};\n`;
    writeFileSync(protocol, edited);
    // Also import it where the worker will keep it (a side effect Rollup cannot drop).
    const worker = join(root, 'site', 'widget', 'worker.ts');
    writeFileSync(
      worker,
      `${readFileSync(worker, 'utf8')}\nimport { CACHE_TEST_MARK } from './protocol.ts';\n(globalThis as Record<string, unknown>).__mark = CACHE_TEST_MARK;\n`,
    );
    assert.equal(readCache(root, cacheDir), undefined, 'an edited source is a miss');
    const rebuilt = await clientBundle({ root, cacheDir });
    assert.equal(rebuilt.cached, false);
    const workerFile = rebuilt.files.find((f) => /^_astro\/worker-.*\.js$/.test(f.name))!;
    assert.ok(Buffer.from(workerFile.bytes).toString('utf8').includes(`cache-test-${process.pid}`));
    assert.notDeepEqual(digests(rebuilt), digests(first));
    assert.equal((await clientBundle({ root, cacheDir })).cached, true);

    // The key names what the bundle was built from beyond its own sources.
    const m = JSON.parse(readFileSync(join(cacheDir, 'manifest.json'), 'utf8')) as {
      inputs: Record<string, string>;
    };
    const noble = Object.keys(m.inputs).find((p) => p.includes('node_modules/@noble/hashes/'));
    assert.ok(noble, 'the manifest lists the @noble files it bundled');
    assert.ok(m.inputs['site/widget/lazy/plugin.ts'], 'the manifest lists the bundling plugins');
    assert.ok(m.inputs['site/client/vite.config.ts']);

    // A bundling plugin (not a module of the bundle): a miss as well.
    const plugin = join(root, 'site', 'widget', 'lazy', 'plugin.ts');
    writeFileSync(plugin, `${readFileSync(plugin, 'utf8')}\n// edited\n`);
    assert.equal(readCache(root, cacheDir), undefined, 'an edited plugin is a miss');
  });

  it('when the cache folder is empty, nothing is taken from it', () => {
    const empty = join(tempDir('client-cache-empty'), 'client-bundle');
    mkdirSync(empty, { recursive: true });
    assert.equal(readCache(root, empty), undefined);
  });
});
