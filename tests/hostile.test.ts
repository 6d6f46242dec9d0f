/**
 * Hostile evidence aimed at the verifier: each fails fast with its limit's code, in bounded time and memory, through
 * the real `fleetproof verify` command (docs/evidence-format.md §2, "Limits").
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, openSync, writeSync, closeSync, writeFileSync, readdirSync } from 'node:fs';
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

/**
 * The CLI run by a user who cannot read what mode 000 closes: this one, or, for root (which reads any file whatever
 * its mode), nobody (uid 65534). The scratch folder is opened to that user.
 */
function asReader(args: string[]) {
  const root = process.getuid?.() === 0;
  if (root) chmodSync(tmp, 0o755);
  const r = spawnSync(process.execPath, ['bin/fleetproof.mjs', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    ...(root ? { uid: 65534, gid: 65534 } : {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a tree that cannot be read whole', { skip: process.platform === 'win32' }, () => {
  test('when a file or a folder cannot be read, verify exits 1 with FILE_UNREADABLE naming it, and no check, in 1 and 2 threads', (t) => {
    const ns = artifact.split('/').slice(0, 2).join('/');
    for (const [name, closed] of [
      ['file', artifact],
      ['folder', ns],
    ] as const) {
      const dir = join(tmp, `unreadable-${name}`);
      cpSync('evidence', dir, { recursive: true });
      chmodSync(join(dir, closed), 0);
      // Opened again at the end, so that a user who is not root can remove the scratch folder.
      t.after(() => chmodSync(join(dir, closed), name === 'file' ? 0o644 : 0o755));
      for (const jobs of ['1', '2']) {
        const r = asReader(['verify', '--evidence', dir, '--json', '--jobs', jobs]);
        assert.equal(r.status, 1, r.stderr);
        const report = JSON.parse(r.stdout) as {
          ok: boolean;
          checks?: unknown;
          errors: Record<string, string>[];
        };
        assert.equal(report.ok, false);
        assert.equal(report.checks, undefined, 'nothing verified from a tree read in part');
        assert.deepEqual(
          report.errors.map((e) => [e.code, e.file, e.rule]),
          [
            [
              'FILE_UNREADABLE',
              closed,
              'a file or folder of the evidence tree, or one given to the command, cannot be read',
            ],
          ],
        );
        assert.match(report.errors[0]!.message!, new RegExp(`^the ${name} cannot be read: EACCES`));
        const text = asReader(['verify', '--evidence', dir, '--jobs', jobs]);
        assert.equal(text.status, 1);
        assert.match(
          text.stderr,
          new RegExp(`^✗ FILE_UNREADABLE  ${closed}\n    the ${name} cannot be read`, 'm'),
        );
        assert.doesNotMatch(text.stderr, /\n\s+at /, 'no stack trace');
      }
      // ingest reads the tree before it adds to it: it refuses, and writes nothing.
      const r = asReader(['ingest', '--evidence', dir, '--json', join(dir, 'trust-roots.json')]);
      assert.equal(r.status, 1, r.stderr);
      const out = JSON.parse(r.stdout) as { written: string[]; errors: Record<string, string>[] };
      assert.deepEqual(out.written, []);
      assert.deepEqual(
        out.errors.map((e) => [e.code, e.file]),
        [['FILE_UNREADABLE', closed]],
      );
    }
  });
});
