/**
 * Builds that share a cache run one at a time (scripts/lib/render-cache.mjs holdBuildLock): a build started while
 * another holds the cache's lock waits for it without writing anything, then builds; a killed build's lock is taken
 * over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from '../scripts/lib/lock.mjs';
import { scratchDir } from './lib/scratch.ts';

const tmp = scratchDir('build-lock');
const cache = join(tmp, 'cache');
const lockPath = join(cache, 'build.lock');

/** `npm run build` into `out` with the test's cache; resolves when `line` is printed or the build exits. */
function startBuild(out: string, line: string) {
  const child = spawn(process.execPath, ['scripts/build.mjs', '--out', out], {
    env: { ...process.env, FLEETPROOF_CACHE_DIR: cache },
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const seen = new Promise<void>((resolve) => {
    const see = (d: Buffer) => {
      output += d;
      if (output.includes(line)) resolve();
    };
    child.stdout.on('data', see);
    child.stderr.on('data', see);
  });
  return { seen: Promise.race([seen, exited]), exited, output: () => output };
}

test('when another build holds the cache, a build waits for it, writing nothing, then builds', async () => {
  mkdirSync(cache, { recursive: true });
  const out = join(tmp, 'a');
  const held = acquireLock(lockPath); // as a build in progress, in this live process
  const b = startBuild(out, 'waiting for the build already running with this cache');
  try {
    await b.seen;
    assert.match(b.output(), new RegExp(`\\(pid ${process.pid}, since [^;]+; its lock: ${lockPath}\\)`));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(existsSync(out), false, 'no site while it waits');
    assert.deepEqual(readdirSync(cache), ['build.lock'], 'no cache written while it waits');
  } finally {
    held.release();
  }
  assert.equal(await b.exited, 0, b.output());
  assert.match(b.output(), /✓ site written to/);
  assert.equal(existsSync(lockPath), false);
});

test('when the build that held the cache was killed, its lock is taken over', async () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  writeFileSync(
    lockPath,
    `${JSON.stringify({ host: hostname(), pid: dead, token: 'ab'.repeat(16), since: '2026-01-01T00:00:00.000Z' })}\n`,
  );
  const b = startBuild(join(tmp, 'b'), '✓ site written to');
  assert.equal(await b.exited, 0, b.output());
  assert.match(
    b.output(),
    new RegExp(
      `taking over the lock of a build that is gone \\(pid ${dead}, since 2026-01-01T00:00:00.000Z\\): no process ${dead} is running`,
    ),
  );
  assert.equal(existsSync(lockPath), false);
});
