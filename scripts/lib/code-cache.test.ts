import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const codeCache = fileURLToPath(new URL('./code-cache.cjs', import.meta.url));

/** A CommonJS bundle with functions that are compiled only when called (as the CLI's are). */
const BUNDLE = `'use strict';
const twice = (x) => x * 2;
function sum(xs) { let s = 0; for (const x of xs) s += twice(x); return s; }
module.exports = { sum, here: __filename, req: typeof require };
`;

/**
 * Runs `bundle` through code-cache.cjs in a fresh Node (its state is per thread), calls its sum, writes the caches,
 * and gives what FLEETPROOF_DEBUG printed and what the bundle returned.
 */
function run(bundle: string): { said: string; out: { sum: number; here: string; req: string } } {
  const script = `
    const { runBundle, saveCodeCaches } = require(${JSON.stringify(codeCache)});
    const m = runBundle(${JSON.stringify(bundle)});
    const out = { sum: m.sum([1, 2, 3]), here: m.here, req: m.req };
    saveCodeCaches();
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, FLEETPROOF_DEBUG: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  return { said: r.stderr, out: JSON.parse(r.stdout) };
}

function withBundle(fn: (dir: string, bundle: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'fleetproof-code-cache-'));
  try {
    const bundle = join(dir, 'cli-ABCDEFGH.cjs');
    writeFileSync(bundle, BUNDLE);
    fn(dir, bundle);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('when a bundle runs a second time, it runs from the code cache the first run wrote', () => {
  withBundle((dir, bundle) => {
    const first = run(bundle);
    assert.match(first.said, /no code cache yet/);
    assert.match(first.said, /code cache written \(\d+ bytes\)/);
    assert.deepEqual(first.out, { sum: 12, here: bundle, req: 'function' }, 'run as Node runs a .cjs file');
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['cli-ABCDEFGH.cjs', 'cli-ABCDEFGH.cjs.v8cache'],
      'no file left over',
    );

    const second = run(bundle);
    assert.match(second.said, /code cache used/);
    assert.doesNotMatch(second.said, /written/, 'a cache V8 took is not written again');
    assert.deepEqual(second.out, first.out);
  });
});

test('when the cache file is altered or cut short, it is not handed to V8, and a sound one is written', () => {
  withBundle((_dir, bundle) => {
    run(bundle);
    const cache = `${bundle}.v8cache`;
    const sound = readFileSync(cache);
    for (const broken of [
      Buffer.concat([sound.subarray(0, 40), Buffer.from([sound[40]! ^ 1]), sound.subarray(41)]), // one bit of V8's data
      sound.subarray(0, sound.length - 1), // cut short
      sound.subarray(0, 32), // the digest alone
      Buffer.alloc(0),
    ]) {
      writeFileSync(cache, broken);
      const r = run(bundle);
      assert.match(r.said, /not the code cache it claims to be \(digest\), not used/);
      assert.match(r.said, /no code cache yet/);
      assert.match(r.said, /code cache written/);
      assert.equal(r.out.sum, 12);
      assert.match(run(bundle).said, /code cache used/, 'the cache written afresh is sound');
    }
  });
});

test('when V8 refuses a sound cache file (made for another source), the bundle compiles as usual and the cache is written again', () => {
  withBundle((dir, bundle) => {
    const other = join(dir, 'other-ABCDEFGH.cjs');
    writeFileSync(other, `${BUNDLE}module.exports.more = 1;\n`);
    run(other);
    copyFileSync(`${other}.v8cache`, `${bundle}.v8cache`);
    const r = run(bundle);
    assert.match(r.said, /code cache rejected/);
    assert.match(r.said, /code cache written/);
    assert.equal(r.out.sum, 12);
    assert.match(run(bundle).said, /code cache used/);
  });
});

test('when the cache cannot be written, the run is unaffected and says why', () => {
  withBundle((dir, bundle) => {
    // A folder where the cache file would go: the rename fails.
    const cache = `${bundle}.v8cache`;
    mkdirSync(cache);
    const r = run(bundle);
    assert.match(r.said, /code cache not written/);
    assert.equal(r.out.sum, 12);
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['cli-ABCDEFGH.cjs', 'cli-ABCDEFGH.cjs.v8cache'],
      'no temporary file left',
    );
  });
});
