import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { listTree, readTree } from './read-tree.ts';

test('when a tree holds folders, files, links and a pipe, the listing is sorted, sized, and never follows a link', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetproof-list-'));
  try {
    mkdirSync(join(dir, 'b', 'c'), { recursive: true });
    writeFileSync(join(dir, 'b', 'c', 'z.json'), '{}');
    writeFileSync(join(dir, 'a.json'), 'abc');
    writeFileSync(join(dir, 'B.json'), '');
    symlinkSync(join(dir, 'a.json'), join(dir, 'b', 'link-to-file.json'));
    symlinkSync(join(dir, 'b', 'c'), join(dir, 'link-to-folder'));
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const entries = listTree(`${dir}/`);
    assert.deepEqual(
      entries.map((e) => [e.rel, e.room]),
      [
        ['B.json', 1], // code-unit order: upper case first; room = size + 1
        ['a.json', 4],
        ['b/c/z.json', 3],
        ['b/link-to-file.json', -1], // links and special files: no bytes, not followed
        ['link-to-folder', -1],
        ['pipe', -1],
      ],
    );
    assert.equal(entries[1]!.path, join(dir, 'a.json'));
    const files = readTree(dir);
    assert.deepEqual(Buffer.from(files.get('a.json')!).toString(), 'abc');
    assert.equal(files.get('b/link-to-file.json')!.length, 0);
    assert.equal(files.get('pipe')!.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
