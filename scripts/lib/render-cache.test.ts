/**
 * The render key (scripts/lib/render-cache.mjs): an incremental build is possible only under the key its state was
 * written for, so the key must change with every input of the pages besides the evidence. The states: one per
 * output folder, so that builds into two outputs with one cache (dist/ and the release job's) keep theirs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../../site/testing/fixtures.ts';
import {
  MAX_STATES,
  RENDER_STATE_FORMAT,
  dropRenderState,
  incrementalState,
  readRenderState,
  renderCacheDir,
  renderKey,
  saveRenderState,
  stateFileOf,
} from './render-cache.mjs';

describe('the render key', () => {
  const posts = tempDir('render-key-posts');
  cpSync(join(ROOT, 'content', 'posts'), posts, { recursive: true });
  const env = { FLEETPROOF_POSTS: posts, FLEETPROOF_SITE: 'https://a.example' };
  const key = renderKey(ROOT, env);

  it('when nothing changed, it is the same', () => {
    assert.equal(renderKey(ROOT, { ...env }), key);
    assert.match(key, /^[0-9a-f]{64}$/);
  });

  it('when the site, the evidence folder or the posts folder is another, it changes', () => {
    assert.notEqual(renderKey(ROOT, { ...env, FLEETPROOF_SITE: 'https://b.example' }), key);
    assert.notEqual(renderKey(ROOT, { ...env, FLEETPROOF_EVIDENCE: '/elsewhere' }), key);
    const other = tempDir('render-key-posts-2');
    cpSync(posts, other, { recursive: true });
    assert.notEqual(renderKey(ROOT, { ...env, FLEETPROOF_POSTS: other }), key);
  });

  it('when a post is edited or added, it changes', () => {
    writeFileSync(join(posts, 'zz-new.md'), '---\ntitle: x\n---\n');
    assert.notEqual(renderKey(ROOT, env), key);
  });

  it('when the posts folder is missing, it is still computed (the build reports the folder), and differs', () => {
    const missing = renderKey(ROOT, { ...env, FLEETPROOF_POSTS: join(posts, 'no-such-folder') });
    assert.match(missing, /^[0-9a-f]{64}$/);
    assert.notEqual(missing, key);
  });
});

describe('the render states', () => {
  /** A cache and `n` built outputs (a file each). */
  function setUp(n: number) {
    const env = {
      FLEETPROOF_CACHE_DIR: tempDir('render-states-cache'),
      FLEETPROOF_SITE: 'https://a.example',
    };
    const cache = renderCacheDir(ROOT, env);
    const key = renderKey(ROOT, env);
    const outs = Array.from({ length: n }, (_, i) => {
      const out = tempDir(`render-states-out-${i}`);
      writeFileSync(join(out, 'index.html'), `<p>${i}</p>`);
      return out;
    });
    /**
     * Builds output i's server build and saves its state, dated `at` seconds after the epoch (so that "least
     * recently saved" is exact).
     */
    const save = (i: number, at: number) => {
      mkdirSync(join(cache, `ssr-${i}`), { recursive: true });
      saveRenderState(ROOT, env, outs[i]!, { format: RENDER_STATE_FORMAT, key, ssr: `ssr-${i}` });
      utimesSync(stateFileOf(cache, outs[i]!), at, at);
    };
    return { env, cache, outs, save };
  }

  it('when two outputs are built with one cache, each finds its own state and server build', () => {
    const { env, cache, outs, save } = setUp(2);
    save(0, 1000);
    save(1, 2000);
    for (const i of [0, 1]) {
      const found = incrementalState(ROOT, env, outs[i]!);
      assert.equal(found.reason, undefined);
      assert.equal(found.state?.ssr, `ssr-${i}`);
      assert.equal(found.state?.out, outs[i]);
      assert.ok(existsSync(join(cache, `ssr-${i}`)));
    }
  });

  it(`when more than ${MAX_STATES} outputs saved states, the least recently saved is forgotten with its server build`, () => {
    const { env, cache, outs, save } = setUp(MAX_STATES + 1);
    for (let i = 0; i <= MAX_STATES; i++) save(i, 1000 * (i + 1));
    assert.equal(incrementalState(ROOT, env, outs[0]!).state, undefined);
    assert.ok(!existsSync(stateFileOf(cache, outs[0]!)));
    assert.ok(!existsSync(join(cache, 'ssr-0')));
    for (let i = 1; i <= MAX_STATES; i++) {
      assert.equal(incrementalState(ROOT, env, outs[i]!).state?.ssr, `ssr-${i}`);
      assert.ok(existsSync(join(cache, `ssr-${i}`)));
    }
  });

  it('when a state is dropped, only that output loses it', () => {
    const { env, outs, save } = setUp(2);
    save(0, 1000);
    save(1, 2000);
    dropRenderState(ROOT, env, outs[0]!);
    assert.equal(incrementalState(ROOT, env, outs[0]!).state, undefined);
    assert.equal(incrementalState(ROOT, env, outs[1]!).state?.ssr, 'ssr-1');
  });

  it("when another output's state sits in this output's file, it is not this output's state", () => {
    const { cache, outs, save } = setUp(2);
    save(0, 1000);
    writeFileSync(stateFileOf(cache, outs[1]!), readFileSync(stateFileOf(cache, outs[0]!)));
    assert.equal(readRenderState(cache, outs[1]!), undefined);
    assert.equal(readRenderState(cache, outs[0]!)?.ssr, 'ssr-0');
  });

  it('when a state is saved, the one state file of older caches and unreadable states are removed, and the server builds no state names', () => {
    const { cache, save } = setUp(1);
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'state.json'), JSON.stringify({ format: RENDER_STATE_FORMAT, ssr: 'ssr-old' }));
    writeFileSync(join(cache, `state-${'0'.repeat(64)}.json`), '{ not json');
    mkdirSync(join(cache, 'ssr-old'));
    save(0, 1000);
    assert.ok(!existsSync(join(cache, 'state.json')));
    assert.ok(!existsSync(join(cache, `state-${'0'.repeat(64)}.json`)));
    assert.ok(!existsSync(join(cache, 'ssr-old')));
    assert.ok(existsSync(join(cache, 'ssr-0')));
  });
});
