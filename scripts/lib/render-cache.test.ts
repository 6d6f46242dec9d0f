/**
 * The render key (scripts/lib/render-cache.mjs): an incremental build is possible only under the key its state was
 * written for, so the key must change with every input of the pages besides the evidence.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../../site/testing/fixtures.ts';
import { renderKey } from './render-cache.mjs';

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
