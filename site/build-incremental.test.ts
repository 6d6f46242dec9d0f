/**
 * A build that reuses what an earlier build cached (the verified units, site/lib/verify-cache.ts; the browser
 * scripts, site/client/bundle.mjs; Astro's own content cache) must publish exactly what a clean build of the same
 * inputs publishes: the tree without its last epoch is built (with the posts that do not cite that epoch), the epoch is added (as `fleetproof ingest` writes
 * it: its three files) and the site built again into the same output with the same cache; then the same tree is
 * built from nothing, with a fresh cache, and every file of both outputs is compared byte for byte.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertSameFiles, evidenceCopy, ROOT, runBuild, tempDir } from './testing/fixtures.ts';

function build(evidence: string, posts: string, out: string, cache: string): string {
  const r = runBuild(
    ['--evidence', evidence, '--posts', posts, '--out', out],
    {
      ...process.env,
      ASTRO_TELEMETRY_DISABLED: '1',
      FLEETPROOF_CACHE_DIR: cache,
      FLEETPROOF_SITE: 'https://fleet.test',
    },
    'scripts/build.ts',
  );
  assert.equal(r.status, 0, r.out);
  return r.out;
}

describe('an incremental build', () => {
  let ev: string;
  let incremental: string;
  let clean: string;
  let second: string;
  let epochPath: string;
  /** The epoch's page (the primary namespace's epochs are under /namespace/). */
  let epochPage: string;

  before(async () => {
    ev = await evidenceCopy();
    const ns = readdirSync(join(ev, 'namespaces')).sort()[0]!;
    const last = Math.max(...readdirSync(join(ev, 'namespaces', ns)).map(Number));
    epochPath = `namespaces/${ns}/${last}`;
    epochPage = `namespace/${last}/index.html`;
    const held = join(tempDir('held-back'), String(last));
    renameSync(join(ev, epochPath), held);
    const posts = tempDir('posts');
    for (const f of readdirSync(join(ROOT, 'content', 'posts')).filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(ROOT, 'content', 'posts', f), 'utf8');
      if (!text.includes(`:epoch[${last}]`)) writeFileSync(join(posts, f), text);
    }
    assert.ok(readdirSync(posts).length > 0);

    incremental = join(tempDir('incremental'), 'dist');
    const cache = tempDir('incremental-cache');
    build(ev, posts, incremental, cache);
    assert.ok(existsSync(join(incremental, `namespace/${last - 1}/index.html`)));
    assert.ok(!existsSync(join(incremental, epochPage)));
    cpSync(held, join(ev, epochPath), { recursive: true });
    second = build(ev, posts, incremental, cache);

    clean = join(tempDir('clean'), 'dist');
    build(ev, posts, clean, tempDir('clean-cache'));
  });

  it('when it reused the earlier build’s caches, it says so', () => {
    assert.match(second, /unchanged units \(fleets, epochs\) replayed from the last build/);
    assert.match(second, /browser scripts: \d+ files, unchanged since the last build \(cached\)/);
  });

  it('when an epoch was added, it publishes the epoch’s page and files', () => {
    assert.ok(existsSync(join(incremental, epochPage)));
    assert.ok(existsSync(join(incremental, 'evidence', epochPath, 'proof.json')));
  });

  it('when compared with a clean build of the same tree, every file is the same, byte for byte', () => {
    assertSameFiles(incremental, clean);
  });
});
