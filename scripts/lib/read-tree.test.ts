import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { scratchDir } from '../../tests/lib/scratch.ts';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { SharedTree, TreeReadError, listTree, readListed, readTree } from './read-tree.ts';

test('when a tree holds folders, files, links and a pipe, the listing is sorted, sized, and never follows a link', () => {
  const dir = scratchDir('list');
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
  // The folder given may be a link to the tree (followed); a link to a file is not a folder.
  const linked = join(scratchDir('list-link'), 'evidence');
  symlinkSync(dir, linked);
  assert.deepEqual(
    listTree(linked).map((e) => [e.rel, e.room]),
    entries.map((e) => [e.rel, e.room]),
  );
  assert.throws(() => listTree(join(dir, 'b', 'link-to-file.json')), {
    code: 'FILE_MISSING',
    message: 'not a folder',
  });
  const files = readTree(dir);
  assert.deepEqual(Buffer.from(files.get('a.json')!).toString(), 'abc');
  assert.equal(files.get('b/link-to-file.json')!.length, 0);
  assert.equal(files.get('pipe')!.length, 0);
});

/** The TreeReadError a file of the tree that cannot be read raises: FILE_UNREADABLE, `file`, a message like this. */
const unreadable = (file: string, message: RegExp) => (e: unknown) =>
  e instanceof TreeReadError && e.code === 'FILE_UNREADABLE' && e.file === file && message.test(e.message);

/** A thread that reads `paths` from `tree` (testdata/tree-reader.mjs); its answer. */
function readInThread(tree: SharedTree, paths: string[]): Promise<{ texts?: string[]; error?: string }> {
  const w = new Worker(new URL('./testdata/tree-reader.mjs', import.meta.url), {
    workerData: { handle: tree.handle, paths },
  });
  return once(w, 'message').then(([m]) => m);
}

test('when a thread asks for a file another thread is reading, it waits and takes that read, not its own', async () => {
  const dir = scratchDir('claim');
  writeFileSync(join(dir, 'a.json'), 'abc');
  writeFileSync(join(dir, 'b.json'), 'defg');
  const tree = SharedTree.of(listTree(dir));
  // This thread claims b.json's slot (state -2, being read) as a reader would, then fills it with other bytes.
  const state = new Int32Array(tree.handle.lengths);
  assert.equal(Atomics.compareExchange(state, 1, -1, -2), -1);
  let answered = false;
  const answer = readInThread(tree, ['a.json', 'b.json']).then((m) => ((answered = true), m));
  await sleep(300);
  assert.equal(answered, false, 'the thread waits while the file is being read');
  const offset = 4; // a.json's room: its 3 bytes plus one
  new Uint8Array(tree.handle.memory).set(Buffer.from('xy'), offset);
  Atomics.store(state, 1, 2);
  Atomics.notify(state, 1);
  // Not the file on disk: the bytes the claiming thread read, which every thread then sees.
  assert.deepEqual(await answer, { texts: ['abc', 'xy'] });
  assert.equal(Buffer.from(tree.get('b.json')!).toString(), 'xy');
});

test('when a listed file is gone before it is read, each thread that asks meets FILE_UNREADABLE for it, and none waits forever', async () => {
  const dir = scratchDir('claim');
  mkdirSync(join(dir, 'b'));
  writeFileSync(join(dir, 'b', 'a.json'), 'abc');
  const entries = listTree(dir);
  const tree = SharedTree.of(entries);
  rmSync(join(dir, 'b', 'a.json'));
  assert.throws(() => tree.get('b/a.json'), unreadable('b/a.json', /^the file cannot be read: ENOENT/));
  assert.equal(new Int32Array(tree.handle.lengths)[0], -1, 'the slot is unclaimed again');
  const m = await readInThread(tree, ['b/a.json']);
  assert.match(m.error ?? '', /^the file cannot be read: ENOENT/);
});

/** Both ways of reading a listed tree: each file in its own memory (the build's), and shared (verify --jobs). */
const readBothWays = (entries: ReturnType<typeof listTree>) => [
  () => readListed(entries),
  () => SharedTree.of(entries).files(),
];

test('when a listed file grows before it is read, both ways of reading fail FILE_UNREADABLE naming it', () => {
  const dir = scratchDir('grow');
  writeFileSync(join(dir, 'a.json'), '{}');
  writeFileSync(join(dir, 'b.json'), '{"b":1}');
  for (const read of readBothWays(listTree(dir))) {
    writeFileSync(join(dir, 'b.json'), '{"b":1}');
    appendFileSync(join(dir, 'b.json'), ' ');
    assert.throws(
      read,
      unreadable(
        'b.json',
        /^the file cannot be read: it grew after the tree was listed \(listed at 7 bytes\)$/,
      ),
    );
    // Shorter than listed: what it holds is read, for the core to judge.
    writeFileSync(join(dir, 'b.json'), '{}');
    assert.equal(Buffer.from(read().get('b.json')!).toString(), '{}');
  }
});

test('when a listed file is replaced by a link or a pipe before it is read, the link is not followed and the pipe does not wait', () => {
  const dir = scratchDir('swap');
  writeFileSync(join(dir, 'a.json'), '{"a":1}');
  writeFileSync(join(dir, 'secret'), '{"s":1}');
  const entries = listTree(dir);
  rmSync(join(dir, 'a.json'));
  symlinkSync(join(dir, 'secret'), join(dir, 'a.json'));
  for (const read of readBothWays(entries)) {
    assert.throws(read, unreadable('a.json', /^the file cannot be read: ELOOP/));
  }
  rmSync(join(dir, 'a.json'));
  execFileSync('mkfifo', [join(dir, 'a.json')]);
  // No writer: opened without O_NONBLOCK, the pipe would block this thread for ever, so the reads run in a child
  // that is killed after a while. The pipe reads as no bytes, as a pipe that was one when listed does.
  const lengths = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { SharedTree, readListed } from ${JSON.stringify(new URL('./read-tree.ts', import.meta.url).href)};
       const entries = ${JSON.stringify(entries)};
       const a = [readListed(entries), SharedTree.of(entries).files()].map((f) => f.get('a.json').length);
       process.stdout.write(JSON.stringify(a));`,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(lengths, '[0,0]');
});

test('when the folder is missing or not a folder, listing fails with FILE_MISSING naming it', () => {
  const dir = scratchDir('list');
  writeFileSync(join(dir, 'file'), '');
  for (const [p, why] of [
    [join(dir, 'none'), 'no such folder'],
    [join(dir, 'file'), 'not a folder'],
  ] as const) {
    assert.throws(
      () => listTree(p),
      (e: unknown) =>
        e instanceof TreeReadError && e.code === 'FILE_MISSING' && e.file === p && e.message === why,
    );
  }
});
