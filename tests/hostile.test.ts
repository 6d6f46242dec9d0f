/**
 * Hostile evidence aimed at the verifier: each fails fast with its limit's code, in bounded time and memory, through
 * the real `fleetproof verify` command (docs/evidence-format.md §2, "Limits").
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, openSync, writeSync, closeSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './lib/scratch.ts';

const tmp = scratchDir('hostile');
let artifact = '';

function verify(dir: string) {
  const r = spawnSync(process.execPath, ['bin/fleetproof.mjs', 'verify', '--evidence', dir, '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, report: JSON.parse(r.stdout) as { errors: { code: string; file: string }[] } };
}

function treeWith(name: string, write: (path: string) => void): string {
  const dir = join(tmp, name);
  cpSync('evidence', dir, { recursive: true });
  write(join(dir, artifact));
  return dir;
}

before(() => {
  const ns = readdirSync('evidence/namespaces')[0]!;
  artifact = `namespaces/${ns}/5/artifact.json`;
});

describe('hostile evidence', () => {
  test('when an artifact is a 50 MB file, verify exits 1 with FILE_TOO_LARGE for it', () => {
    const dir = treeWith('large', (p) => {
      const fd = openSync(p, 'w');
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i < 50; i++) writeSync(fd, chunk);
      closeSync(fd);
    });
    const r = verify(dir);
    assert.equal(r.status, 1);
    assert.ok(
      r.report.errors.some((e) => e.code === 'FILE_TOO_LARGE' && e.file === artifact),
      JSON.stringify(r.report.errors),
    );
  });

  test('when an artifact is JSON nested 100,000 deep, verify exits 1 with JSON_TOO_DEEP for it', () => {
    const dir = treeWith('deep', (p) => writeFileSync(p, '['.repeat(100_000) + ']'.repeat(100_000)));
    const r = verify(dir);
    assert.equal(r.status, 1);
    assert.ok(
      r.report.errors.some((e) => e.code === 'JSON_TOO_DEEP' && e.file === artifact),
      JSON.stringify(r.report.errors),
    );
  });

  test('when an artifact is an array of a million entries, verify exits 1 with LIMIT_EXCEEDED for it', () => {
    const dir = treeWith('wide', (p) => writeFileSync(p, `[${new Array(1_000_000).fill('0').join(',')}]`));
    const r = verify(dir);
    assert.equal(r.status, 1);
    assert.ok(
      r.report.errors.some((e) => e.code === 'LIMIT_EXCEEDED' && e.file === artifact),
      JSON.stringify(r.report.errors),
    );
  });
});
