/** The build's guard against Node built-ins in the browser bundle, and what a bundle names (site/widget/bundle-check.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  builtinSpecifier,
  nodeBuiltinUses,
  noNodeBuiltinsInBrowser,
  scanBundle,
  scriptRefs,
} from './bundle-check.ts';
import { scratchDir } from '../../tests/lib/scratch.ts';

test('when emitted code imports or requires a Node built-in in any form, the scanner names it', () => {
  assert.deepEqual(nodeBuiltinUses('import{readFileSync as a}from"node:fs";'), ['node:fs']);
  assert.deepEqual(nodeBuiltinUses('const c=await import("node:crypto")'), ['node:crypto']);
  assert.deepEqual(nodeBuiltinUses('export*from"node:path"'), ['node:path']);
  assert.deepEqual(nodeBuiltinUses('var z=require(\'crypto\'),q=require("fs/promises")'), [
    'crypto',
    'fs/promises',
  ]);
  assert.deepEqual(nodeBuiltinUses('import"buffer";'), ['buffer']);
});

test('when emitted code only mentions such words as text or imports its own chunks, the scanner stays quiet', () => {
  assert.deepEqual(
    nodeBuiltinUses(
      'import{a}from"./chunk.js";const s="the path of crypto";new URL("/_astro/w.js",import.meta.url)',
    ),
    [],
  );
  assert.deepEqual(nodeBuiltinUses('const fs = 1; path.join; import("./x.js")'), []);
});

test('when a built site is scanned, only scripts under _astro are read and each offence names its file', () => {
  const out = scratchDir('bundle');
  mkdirSync(join(out, '_astro', 'sub'), { recursive: true });
  writeFileSync(join(out, '_astro', 'ok.js'), 'console.log(1)');
  writeFileSync(join(out, '_astro', 'sub', 'bad.mjs'), 'import "node:zlib"');
  writeFileSync(join(out, 'elsewhere.js'), 'require("fs")');
  const r = scanBundle(out);
  assert.equal(r.files.length, 2);
  assert.deepEqual(r.uses, [{ file: join('_astro', 'sub', 'bad.mjs'), specifier: 'node:zlib' }]);
  assert.deepEqual(scanBundle(join(out, 'missing')).uses, []);
});

test('when browser or worker code imports a Node built-in while bundling, the resolve hook fails the build; server-side imports pass', () => {
  const plugin = noNodeBuiltinsInBrowser('worker');
  const ctx = {
    error(msg: string): never {
      throw new Error(msg);
    },
  };
  assert.throws(
    () => plugin.resolveId.call(ctx, 'node:crypto', '/x/worker.ts', {}),
    /worker bundle imports the Node built-in "node:crypto" \(from \/x\/worker\.ts\)/,
  );
  assert.throws(() => plugin.resolveId.call(ctx, 'fs/promises', undefined, {}), /"fs\/promises"/);
  assert.equal(plugin.resolveId.call(ctx, 'node:fs', '/x/page.astro', { ssr: true }), null);
  assert.equal(plugin.resolveId.call(ctx, '@noble/curves/ed25519.js', '/x/worker.ts', {}), null);
  assert.equal(plugin.resolveId.call(ctx, './plan.ts', '/x/worker.ts', {}), null);
  assert.equal(builtinSpecifier('pathological'), undefined);
});

test('when emitted code names other scripts, scriptRefs finds them quoted or in backquotes: static imports, import() and the worker’s URL', () => {
  const code = [
    'import{a as b}from"./x.js";import`./y.js`;export*from\'/_astro/z.js\';',
    'const p=import(`./lazy-1.js`),q=import ( "./lazy-2.js" );',
    'new Worker(new URL(`/_astro/worker-A.js`,``+import.meta.url),{type:`module`});',
    'new URL("./w.js", import.meta.url);import("node:fs");const s="./not-a-ref.js";',
  ].join('');
  assert.deepEqual(scriptRefs(code), {
    imports: ['./x.js', './y.js', '/_astro/z.js'],
    loads: ['./lazy-1.js', './lazy-2.js'],
    urls: ['/_astro/worker-A.js', './w.js'],
  });
});
