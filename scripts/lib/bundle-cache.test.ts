import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliBundles } from './bundle-cache.mjs';

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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when the CLI runs from its bundles and from the TypeScript, it prints the same report', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [`${root}bin/fleetproof.mjs`, 'verify', '--json', '--jobs', '2'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
  const bundled = run({});
  const plain = run({ FLEETPROOF_NO_BUNDLE: '1' });
  assert.equal(bundled.status, 0, bundled.stderr);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(bundled.stdout, plain.stdout);
});
