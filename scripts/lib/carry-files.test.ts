/**
 * The file work of an incremental build (scripts/lib/carry-files.mjs): the new site it lays out must hold exactly
 * the files planned, with the last build's bytes, whether it starts from nothing or from the spare (the site before
 * the last one); nothing of the spare may survive or be written through that is not the new site's, and the last
 * build's output is never written.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../../site/testing/fixtures.ts';
import { filesUnder } from './render-cache.mjs';
import { type CarryPlan, carryFiles, spareBeside, startCarrying } from './carry-files.mjs';

const START = '<footer class="f">';
const END = '</footer>';
const OLD_FOOTER = `${START}tree aaaa, 10 checks${END}`;
const NEW_FOOTER = `${START}tree bbbbbbbb, 12 checks${END}`;
const page = (body: string, footer = OLD_FOOTER) => `<html><body>${body}${footer}</body></html>`;

/** The last build's output: pages (with the old footer), files to link, and what the new site renders anew. */
function lastBuild(): string {
  const out = join(tempDir('carry-out'), 'dist');
  const put = (rel: string, text: string) => {
    mkdirSync(dirname(join(out, rel)), { recursive: true });
    writeFileSync(join(out, rel), text);
  };
  put('index.html', page('home'));
  put('a/index.html', page('A'));
  put('a/b/index.html', page('B'.repeat(5000)));
  put('c/index.html', page('C'));
  put('evidence/f1/one.json', '{"one":1}');
  put('evidence/f1/two.json', '{"two":2}');
  put('evidence/f2/three.json', '{"three":3}');
  put('_astro/w.js', 'console.log(1)');
  put('feed.xml', '<feed/>');
  return out;
}

function plan(out: string, staging: string): CarryPlan {
  return {
    out,
    staging,
    folders: ['a', 'a/b', 'c', 'evidence', 'evidence/f1', 'evidence/f2', 'evidence/f3', '_astro', 'n'],
    links: ['evidence/f1/one.json', 'evidence/f1/two.json', 'evidence/f2/three.json', '_astro/w.js'],
    pages: ['index.html', 'a/index.html', 'a/b/index.html', 'c/index.html'],
    fresh: ['n/index.html', 'evidence/f3/new.json', 'feed.xml', 'sitemap.xml'],
    footerStart: START,
    footerEnd: END,
    oldFooter: OLD_FOOTER,
    newFooter: NEW_FOOTER,
  };
}

/** Every file of `dir` with its bytes (links and pages as the plan says), and `out` as it was. */
function assertLaidOut(out: string, site: string, outBefore: Map<string, string>) {
  const want = [
    '_astro/w.js',
    'a/b/index.html',
    'a/index.html',
    'c/index.html',
    'evidence/f1/one.json',
    'evidence/f1/two.json',
    'evidence/f2/three.json',
    'index.html',
  ];
  assert.deepEqual(filesUnder(site).sort(), want);
  for (const rel of [
    'evidence/f1/one.json',
    'evidence/f1/two.json',
    'evidence/f2/three.json',
    '_astro/w.js',
  ]) {
    assert.equal(
      statSync(join(site, rel)).ino,
      statSync(join(out, rel)).ino,
      `${rel} is the last build's file`,
    );
    assert.ok(!lstatSync(join(site, rel)).isSymbolicLink());
  }
  for (const [rel, body] of [
    ['index.html', 'home'],
    ['a/index.html', 'A'],
    ['a/b/index.html', 'B'.repeat(5000)],
    ['c/index.html', 'C'],
  ] as const) {
    assert.ok(lstatSync(join(site, rel)).isFile(), `${rel} is a file`);
    assert.equal(lstatSync(join(site, rel)).nlink, 1, `${rel} has no other link`);
    assert.equal(readFileSync(join(site, rel), 'utf8'), page(body, NEW_FOOTER));
  }
  for (const d of ['n', 'evidence/f3'])
    assert.ok(statSync(join(site, d)).isDirectory(), `${d} made for the caller`);
  assert.deepEqual(snapshot(out), outBefore, 'the last build’s output is unchanged');
}

/** Every file of `dir` with its text and inode: the same snapshot later means nothing was written or replaced. */
function snapshot(dir: string): Map<string, string> {
  return new Map(
    filesUnder(dir).map((r) => [r, `${statSync(join(dir, r)).ino} ${readFileSync(join(dir, r), 'utf8')}`]),
  );
}

/** lstat, or undefined when the path is missing or under a file. */
function entryAt(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

describe('carrying an incremental build’s files over', () => {
  it('when there is no spare, it makes the new site from nothing', () => {
    const out = lastBuild();
    const before = snapshot(out);
    const site = join(dirname(out), '.dist.inc');
    const r = carryFiles(plan(out, site));
    assert.deepEqual(r, { notAsRecorded: [], reused: 0 });
    assertLaidOut(out, site, before);
  });

  it('when the spare is the site the plan lays out, it reuses its folders, links and pages in place', () => {
    const out = lastBuild();
    const before = snapshot(out);
    const spare = join(dirname(out), '.dist.inc-1');
    carryFiles(plan(out, spare));
    const inodes = new Map(filesUnder(spare).map((r) => [r, statSync(join(spare, r)).ino]));
    const site = join(dirname(out), '.dist.inc-2');
    renameSync(spare, site);
    const r = carryFiles(plan(out, site));
    assert.deepEqual(r, { notAsRecorded: [], reused: 8 });
    assertLaidOut(out, site, before);
    for (const rel of filesUnder(site)) assert.equal(statSync(join(site, rel)).ino, inodes.get(rel), rel);
  });

  it('when the spare was tampered with, nothing of it is written through, and only the planned files remain', () => {
    const out = lastBuild();
    const before = snapshot(out);
    const outside = join(tempDir('carry-outside'), 'secret.txt');
    writeFileSync(outside, 'not to be written');
    const outsideLinked = join(dirname(outside), 'linked.txt');
    writeFileSync(outsideLinked, 'not to be written either');
    const site = join(dirname(out), '.dist.inc');
    cpSync(out, site, { recursive: true });
    // A carried page that is a symbolic link out of the site, one that is a hard link to a file outside it, one
    // whose bytes before the footer are not the last build's; a page where a folder goes and a folder where a page
    // goes; a linked file that is another file with the same bytes; a file of the last build's output linked where
    // the caller writes; stale files and folders.
    rmSync(join(site, 'index.html'));
    symlinkSync(outside, join(site, 'index.html'));
    rmSync(join(site, 'a/index.html'));
    linkSync(outsideLinked, join(site, 'a/index.html'));
    writeFileSync(join(site, 'a/b/index.html'), page('b'.repeat(7000)));
    rmSync(join(site, 'c'), { recursive: true });
    writeFileSync(join(site, 'c'), 'a file where a folder goes');
    mkdirSync(join(site, 'n'));
    mkdirSync(join(site, 'n/index.html'));
    writeFileSync(join(site, 'n/index.html/x'), 'a folder where a file goes');
    mkdirSync(join(site, 'evidence/f3'));
    linkSync(join(out, 'evidence/f1/one.json'), join(site, 'evidence/f3/new.json'));
    mkdirSync(join(site, 'old/deep'), { recursive: true });
    writeFileSync(join(site, 'old/deep/stale.html'), 'stale');
    writeFileSync(join(site, 'evidence/f1/stale.json'), 'stale');
    symlinkSync(out, join(site, 'evidence/f2/to-out'));
    const r = carryFiles(plan(out, site));
    assert.deepEqual(r.notAsRecorded, []);
    assertLaidOut(out, site, before);
    assert.equal(readFileSync(outside, 'utf8'), 'not to be written');
    assert.equal(readFileSync(outsideLinked, 'utf8'), 'not to be written either');
    assert.ok(!existsSync(join(site, 'old')));
  });

  it('when a carried page of the last build does not end with the recorded footer, it says which, and skips it', () => {
    const out = lastBuild();
    writeFileSync(join(out, 'c/index.html'), page('C', `${START}someone else's${END}`));
    const site = join(dirname(out), '.dist.inc');
    const r = carryFiles(plan(out, site));
    assert.deepEqual(r.notAsRecorded, ['c/index.html']);
    assert.ok(!existsSync(join(site, 'c/index.html')));
  });

  it('when run in a worker thread, it gives the same site, and a failing call rejects naming it', async () => {
    const out = lastBuild();
    const before = snapshot(out);
    const site = join(dirname(out), '.dist.inc');
    const r = await startCarrying(plan(out, site)).done;
    assert.deepEqual(r, { notAsRecorded: [], reused: 0 });
    assertLaidOut(out, site, before);
    const bad = { ...plan(out, join(dirname(out), '.dist.inc-2')), links: ['evidence/none.json'] };
    await assert.rejects(
      startCarrying(bad).done,
      /could not carry the unchanged files over: .*ENOENT.*none\.json/,
    );
  });

  it('when the spare holds anything at all (random trees of files, folders and links), the result is exactly the plan, and nothing outside it is written', () => {
    // Paths over a small alphabet, so that the spare's entries collide with the plan's in every way: a file where a
    // folder goes, a folder where a file goes, a link where a page goes, and so on.
    let seed = 0x5eed;
    const rand = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const paths: string[] = [];
    for (const a of 'abc') {
      paths.push(a);
      for (const b of 'abc') {
        paths.push(`${a}/${b}`);
        for (const c of 'abc') paths.push(`${a}/${b}/${c}`);
      }
    }
    const clash = (p: string, q: string) => p === q || p.startsWith(`${q}/`) || q.startsWith(`${p}/`);
    const root = tempDir('carry-random');
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, 'outside');
    for (let run = 0; run < 150; run++) {
      const out = join(root, `out-${run}`);
      const site = join(root, `site-${run}`);
      // The last build's output: files at paths that do not clash; about half of them pages.
      const files: string[] = [];
      for (const p of [...paths].sort(() => rand() - 0.5))
        if (files.length < 8 && !files.some((f) => clash(f, p))) files.push(p);
      const isPage = new Map(files.map((f) => [f, rand() < 0.5]));
      for (const f of files) {
        mkdirSync(dirname(join(out, f)), { recursive: true });
        writeFileSync(join(out, f), isPage.get(f) ? page(`${f}-${run}`) : `file ${f} ${run}`);
      }
      const links = files.filter((f) => !isPage.get(f) && rand() < 0.8);
      const pages = files.filter((f) => isPage.get(f) && rand() < 0.8);
      const fresh: string[] = [];
      for (const p of paths)
        if (rand() < 0.1 && ![...links, ...pages, ...fresh].some((f) => clash(f, p))) fresh.push(p);
      const folders = new Set<string>();
      for (const f of [...links, ...pages, ...fresh])
        for (let d = dirname(f); d !== '.'; d = dirname(d)) folders.add(d);
      const before = snapshot(out);

      // The spare: anything, anywhere.
      mkdirSync(site);
      for (const p of [...paths].sort((x, y) => x.length - y.length)) {
        if (rand() < 0.5) continue;
        const at = join(site, p);
        if (!entryAt(dirname(at))?.isDirectory() || entryAt(at)) continue;
        const outFile = pick(files);
        switch (
          pick(['file', 'folder', 'symlink-out', 'symlink-outside', 'link-out', 'link-outside', 'copy'])
        ) {
          case 'file':
            writeFileSync(at, page('stale'));
            break;
          case 'folder':
            mkdirSync(at);
            break;
          case 'symlink-out':
            symlinkSync(join(out, outFile), at);
            break;
          case 'symlink-outside':
            symlinkSync(outside, at);
            break;
          case 'link-out':
            linkSync(join(out, outFile), at);
            break;
          case 'link-outside':
            linkSync(outside, at);
            break;
          case 'copy':
            if (files.includes(p)) cpSync(join(out, p), at);
            break;
        }
      }

      const r = carryFiles({ ...plan(out, site), folders: [...folders], links, pages, fresh });
      const where = `run ${run}`;
      assert.deepEqual(r.notAsRecorded, [], where);
      assert.deepEqual(filesUnder(site).sort(), [...links, ...pages].sort(), where);
      const dirs: string[] = [];
      const walk = (rel: string) => {
        for (const d of readdirSync(rel ? join(site, rel) : site, { withFileTypes: true }))
          if (d.isDirectory()) {
            dirs.push(rel ? `${rel}/${d.name}` : d.name);
            walk(rel ? `${rel}/${d.name}` : d.name);
          }
      };
      walk('');
      assert.deepEqual(dirs.sort(), [...folders].sort(), where);
      for (const f of links)
        assert.equal(lstatSync(join(site, f)).ino, statSync(join(out, f)).ino, `${where}: ${f}`);
      for (const f of pages) {
        const st = lstatSync(join(site, f));
        assert.ok(st.isFile() && st.nlink === 1, `${where}: ${f} is a file of its own`);
        assert.equal(readFileSync(join(site, f), 'utf8'), page(`${f}-${run}`, NEW_FOOTER), `${where}: ${f}`);
      }
      assert.deepEqual(snapshot(out), before, `${where}: the last build's output is unchanged`);
      assert.equal(readFileSync(outside, 'utf8'), 'outside', `${where}: nothing outside is written`);
    }
  });

  it('when asked where the spare is kept, it is a hidden folder beside the output', () => {
    assert.equal(spareBeside('/srv/www/dist'), '/srv/www/.dist.spare');
    assert.equal(spareBeside('/srv/www/dist/'), '/srv/www/.dist.spare');
  });
});
