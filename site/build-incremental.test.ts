/**
 * A build that reuses what an earlier build left (the verified units, site/lib/verify-cache.ts; the server build,
 * each page's reads and the output, scripts/lib/incremental.ts) must publish exactly what a clean build of the same
 * inputs publishes: a tree without its last epoch is built (with the posts that do not cite that epoch), the epoch
 * is added (as `fleetproof ingest` writes it: its three files) and the site built again into the same output with
 * the same cache; then the same tree is built from nothing, with a fresh cache, and every file of both outputs is
 * compared byte for byte. Anything that rules the incremental path out (here: an output changed by hand) means a
 * full build, with the same result.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { assertSameFiles, evidenceCopy, ROOT, runBuild, tempDir } from './testing/fixtures.ts';

function build(
  evidence: string,
  posts: string,
  out: string,
  cache: string,
  script: 'scripts/build.ts' | 'scripts/build.mjs' = 'scripts/build.ts',
): string {
  const r = runBuild(
    ['--evidence', evidence, '--posts', posts, '--out', out],
    {
      ...process.env,
      ASTRO_TELEMETRY_DISABLED: '1',
      FLEETPROOF_CACHE_DIR: cache,
      FLEETPROOF_SITE: 'https://fleet.test',
    },
    script,
  );
  assert.equal(r.status, 0, r.out);
  return r.out;
}

/** The tree's `which`-th namespace (sorted) without its last epoch, held back; the posts that do not cite it. */
function withoutLastEpoch(ev: string, which: number) {
  const ns = readdirSync(join(ev, 'namespaces')).sort()[which]!;
  const last = Math.max(...readdirSync(join(ev, 'namespaces', ns)).map(Number));
  const epochPath = `namespaces/${ns}/${last}`;
  const held = join(tempDir('held-back'), String(last));
  renameSync(join(ev, epochPath), held);
  const posts = tempDir('posts');
  for (const f of readdirSync(join(ROOT, 'content', 'posts')).filter((f) => f.endsWith('.md'))) {
    const text = readFileSync(join(ROOT, 'content', 'posts', f), 'utf8');
    if (!text.includes(`:epoch[${last}]`)) writeFileSync(join(posts, f), text);
  }
  assert.ok(readdirSync(posts).length > 0);
  return {
    ns,
    last,
    epochPath,
    held,
    posts,
    add: () => cpSync(held, join(ev, epochPath), { recursive: true }),
  };
}

const STEP = /incremental build: (\d+) pages? rendered, (\d+) carried over from the last build/;

describe('an incremental build', () => {
  let ev: string;
  let incremental: string;
  let clean: string;
  let second: string;
  let secondOut: string;
  let third: string;
  let fourth: string;
  let spare: string;
  let outside: string;
  let epochPath: string;
  /** The epoch's page (the primary namespace's epochs are under /namespace/). */
  let epochPage: string;

  before(async () => {
    ev = await evidenceCopy();
    const t = withoutLastEpoch(ev, 0);
    epochPath = t.epochPath;
    epochPage = `namespace/${t.last}/index.html`;

    incremental = join(tempDir('incremental'), 'dist');
    const cache = tempDir('incremental-cache');
    build(ev, t.posts, incremental, cache);
    assert.ok(existsSync(join(incremental, `namespace/${t.last - 1}/index.html`)));
    assert.ok(!existsSync(join(incremental, epochPage)));
    t.add();
    second = build(ev, t.posts, incremental, cache);
    secondOut = join(tempDir('incremental-copy'), 'dist');
    cpSync(incremental, secondOut, { recursive: true });

    clean = join(tempDir('clean'), 'dist');
    build(ev, t.posts, clean, tempDir('clean-cache'));

    // Twice more, the epoch taken away and added again: each build reuses the spare, the site before the last
    // (scripts/lib/carry-files.mjs); before the last one, the spare is tampered with.
    rmSync(join(ev, epochPath), { recursive: true });
    third = build(ev, t.posts, incremental, cache);
    t.add();
    spare = join(dirname(incremental), '.dist.spare');
    assert.ok(existsSync(join(spare, epochPage)), 'the spare is the site before the last');
    outside = join(tempDir('outside'), 'outside.html');
    writeFileSync(outside, 'outside the site');
    // Every other page a symbolic link out of the site, the rest changed; a stale file.
    const spares = (readdirSync(spare, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.html'))
      .sort();
    for (const [i, f] of spares.entries()) {
      if (i % 2) appendFileSync(join(spare, f), '<!-- changed -->');
      else {
        rmSync(join(spare, f));
        symlinkSync(outside, join(spare, f));
      }
    }
    writeFileSync(join(spare, 'evidence', 'stale.json'), '{}');
    fourth = build(ev, t.posts, incremental, cache);
  });

  it('when it reused the earlier build’s checks and pages, it says so', () => {
    assert.match(second, /unchanged units \(fleets, epochs\) replayed from the last build/);
    assert.match(second, STEP);
    assert.doesNotMatch(second, /not an incremental build/);
  });

  it('when an epoch was added, it publishes the epoch’s page and files', () => {
    assert.ok(existsSync(join(incremental, epochPage)));
    assert.ok(existsSync(join(incremental, 'evidence', epochPath, 'proof.json')));
  });

  it('when compared with a clean build of the same tree, every file is the same, byte for byte', () => {
    assertSameFiles(secondOut, clean);
  });

  it('when it reuses the spare, even one tampered with, the result is still a clean build’s, written nowhere else', () => {
    for (const out of [third, fourth]) {
      assert.match(out, STEP);
      assert.doesNotMatch(out, /not an incremental build/);
    }
    assertSameFiles(incremental, clean);
    assert.equal(readFileSync(outside, 'utf8'), 'outside the site');
    assert.ok(!existsSync(join(spare, epochPage)), 'the spare is now the site without the epoch');
  });
});

describe('builds into two outputs with one cache (as npm run build into dist/ and the release job)', () => {
  let first: string;
  let other: string;
  let again: string;
  let out: string;
  let clean: string;

  before(async () => {
    const ev = await evidenceCopy();
    const t = withoutLastEpoch(ev, 0);
    const cache = tempDir('two-outputs-cache');
    out = join(tempDir('two-outputs-a'), 'dist');
    first = build(ev, t.posts, out, cache);
    other = build(ev, t.posts, join(tempDir('two-outputs-b'), 'site'), cache);
    t.add();
    again = build(ev, t.posts, out, cache);
    clean = join(tempDir('two-outputs-clean'), 'dist');
    build(ev, t.posts, clean, tempDir('two-outputs-clean-cache'));
  });

  it('when the other output was built in between, the next build into the first is still incremental', () => {
    for (const log of [first, other]) assert.doesNotMatch(log, STEP);
    assert.match(again, STEP);
    assert.doesNotMatch(again, /not an incremental build/);
    assertSameFiles(out, clean);
  });
});

describe('an incremental build after an epoch of a namespace other than the first', () => {
  let ev: string;
  let out: string;
  let clean: string;
  let second: string;
  let third: string;
  let ns: string;
  /** A copy of the incremental build's output, before the change below. */
  let secondOut: string;
  /** Built without the namespace, then with it. */
  let firstOut: string;
  let firstThen: string;

  before(async () => {
    // Two namespaces: the demo generator at scale 2.
    const { generateEvidence } = await import('../demo/generate.ts');
    ev = join(tempDir('evidence-2'), 'evidence');
    for (const [path, bytes] of generateEvidence({ scale: 2 })) {
      mkdirSync(dirname(join(ev, path)), { recursive: true });
      writeFileSync(join(ev, path), bytes);
    }
    const t = withoutLastEpoch(ev, 1);
    ns = t.ns;
    // First, that namespace not there at all: its routes build no page, so the state knows no stylesheets for them.
    const nsHeld = join(tempDir('namespace-held-back'), 'ns');
    renameSync(join(ev, 'namespaces', ns), nsHeld);
    firstOut = join(tempDir('incremental-first'), 'dist');
    const firstCache = tempDir('incremental-first-cache');
    build(ev, t.posts, firstOut, firstCache, 'scripts/build.mjs');
    renameSync(nsHeld, join(ev, 'namespaces', ns));
    t.add();
    firstThen = build(ev, t.posts, firstOut, firstCache, 'scripts/build.mjs');
    rmSync(join(ev, t.epochPath), { recursive: true });
    out = join(tempDir('incremental-2'), 'dist');
    const cache = tempDir('incremental-2-cache');
    build(ev, t.posts, out, cache, 'scripts/build.mjs');
    t.add();
    second = build(ev, t.posts, out, cache, 'scripts/build.mjs');
    clean = join(tempDir('clean-2'), 'dist');
    build(ev, t.posts, clean, tempDir('clean-2-cache'), 'scripts/build.mjs');
    secondOut = join(tempDir('incremental-2-copy'), 'dist');
    cpSync(out, secondOut, { recursive: true });
    // A file of the output changed after the build: the next build does not start from that output.
    appendFileSync(join(out, 'attestations', 'index.html'), '<!-- changed -->');
    third = build(ev, t.posts, out, cache, 'scripts/build.mjs');
  });

  it('when only that namespace changed, it renders its pages and those that read it, and carries the rest over', () => {
    const [, rendered, carried] = STEP.exec(second)!.map(Number);
    const namespacePages = readdirSync(join(clean, 'namespaces', ns)).length; // its epochs and its index
    assert.ok(carried! > 0, second);
    assert.ok(rendered! >= 1 && rendered! < namespacePages + 10, second);
  });

  it('when compared with a clean build of the same tree, every file is the same, byte for byte', () => {
    assertSameFiles(secondOut, clean);
  });

  it('when a route renders its first page (a new namespace), it builds in full, and the result is a clean build’s', () => {
    assert.match(firstThen, /not an incremental build \(.*renders its first page.*\): building in full/);
    assertSameFiles(firstOut, clean);
  });

  it('when a file of the output was changed after the build, it builds in full, and the result is a clean build’s', () => {
    assert.match(
      third,
      /not an incremental build \(.* is not exactly what the last build wrote\): building in full/,
    );
    assertSameFiles(out, clean);
  });
});
