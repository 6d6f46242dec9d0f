/**
 * The citation plugin and the post guard on their own, through Astro's own Markdown pipeline (the one the posts
 * loader uses), against a fake model.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMarkdownProcessor } from '@astrojs/markdown-remark';
import remarkDirective from 'remark-directive';
import type { EvidenceModel } from '../../verify/index.ts';
import remarkEvidenceCitations, { CitationError, citationFingerprint } from './citations.ts';
import remarkPostGuard, { PostGuardError, safeHref } from './guard.ts';
import { fakeEpoch, fakeFleet, fakeModel } from '../testing/fixtures.ts';

const model: EvidenceModel = fakeModel(
  [
    fakeFleet('fleet-2021', true, ['backup-kem', 'vault-signing']),
    fakeFleet('fleet-bad', false, ['backup-kem']),
  ],
  [fakeEpoch('ns.test', 1), fakeEpoch('ns.test', 2), fakeEpoch('ns.test', 3, false)],
);
const fp = model.fleets[0]!.keys[0]!.fingerprint;

async function render(md: string, m: EvidenceModel = model): Promise<string> {
  const p = await createMarkdownProcessor({
    syntaxHighlight: false,
    remarkPlugins: [remarkDirective, [remarkEvidenceCitations, { model: m }], remarkPostGuard],
  });
  return (await p.render(md)).code;
}

async function failure(md: string): Promise<CitationError | PostGuardError> {
  try {
    await render(md);
  } catch (e) {
    if (e instanceof CitationError || e instanceof PostGuardError) return e;
    throw e;
  }
  assert.fail(`expected ${JSON.stringify(md)} to fail`);
}

describe('evidence citations in posts', () => {
  it('when a post cites a key, it renders the shortened fingerprint linked to the key on its fleet page, the full one in the title', async () => {
    const html = await render('The backup key :key[fleet-2021/backup-kem] is active.');
    assert.match(html, /<a href="\/fleets\/fleet-2021\/#key-fleet-2021\/backup-kem"/);
    assert.ok(html.includes(`title="SHA-256 fingerprint of fleet-2021/backup-kem: ${fp}"`), html);
    assert.ok(html.includes(`<code>${fp.slice(0, 16)}…</code>`), html);
    assert.ok(!html.includes(`<code>${fp}</code>`), 'the visible text is shortened');
    assert.match(html, /class="cite cite-key"/);
  });

  it('when a post cites an epoch, it links /namespace/<epoch>/ with the digest in the title', async () => {
    const html = await render('Since :epoch[2], nothing changed.');
    assert.match(
      html,
      /<a href="\/namespace\/2\/" title="Epoch 2 of ns\.test, artifact SHA-256 2{64}" class="cite cite-epoch">epoch 2<\/a>/,
    );
  });

  it('when a post cites a key no fleet declares, rendering fails with the line and column', async () => {
    const e = await failure('## Title\n\nFirst paragraph.\n\nHere :key[fleet-2021/nope] is.\n');
    assert.ok(e instanceof CitationError);
    assert.equal(e.line, 5);
    assert.equal(e.column, 6);
    assert.match(e.reason, /fleet-2021\/nope.*no fleet deployment/);
  });

  it('when a post cites a key of a fleet that did not verify, rendering fails', async () => {
    const e = await failure('See :key[fleet-bad/backup-kem].');
    assert.match(e.reason, /fleet-bad, which did not verify/);
  });

  it('when a post cites an epoch that does not exist or did not verify, rendering fails', async () => {
    assert.match((await failure('In :epoch[9].')).reason, /does not publish/);
    assert.match((await failure('In :epoch[3].')).reason, /did not verify/);
    assert.match((await failure('In :epoch[two].')).reason, /number in decimal/);
    assert.match((await failure('In :epoch[01].')).reason, /number in decimal/);
  });

  it('when a citation is written as a block directive or with an unknown name and a label, rendering fails', async () => {
    assert.match((await failure('::key[fleet-2021/backup-kem]')).reason, /inline citation/);
    assert.match((await failure('See :kye[fleet-2021/backup-kem].')).reason, /unknown directive "kye"/);
    assert.match((await failure(':::note\nx\n:::')).reason, /unknown directive "note"/);
  });

  it('when prose merely contains a colon before a word, the text is kept as written', async () => {
    const html = await render('Ratio 3:2, see note:this and https://example.org/a:b.');
    assert.match(html, /Ratio 3:2, see note:this and/);
  });

  it('when a citation label holds markup, nothing of it reaches the HTML unescaped', async () => {
    const e = await failure('See :key[<script>alert(1)</script>].');
    assert.ok(e instanceof CitationError);
  });
});

describe('the post guard', () => {
  it('when a post holds raw HTML, rendering fails with its line; an HTML comment is dropped', async () => {
    const e = await failure('Fine.\n\n<script>alert(1)</script>\n');
    assert.ok(e instanceof PostGuardError);
    assert.equal(e.line, 3);
    assert.match(e.reason, /raw HTML/);
    const html = await render('Before.\n\n<!-- a note for editors -->\n\nAfter.');
    assert.ok(!html.includes('editors'));
  });

  it('when a post links with a javascript: or data: URL, rendering fails', async () => {
    assert.match((await failure('[x](javascript:alert(1))')).reason, /posts link only/);
    assert.match((await failure('[x]: data:text/html,hi\n\nsee [x]')).reason, /posts link only/);
    for (const ok of [
      'https://a.example/',
      'http://a.example',
      'mailto:a@b.example',
      '/audit/',
      '#k',
      '../x',
      'x/y',
    ])
      assert.ok(safeHref(ok), ok);
    for (const bad of [
      'javascript:x',
      ' JavaScript:x',
      'data:x',
      'vbscript:x',
      '//evil.example/x',
      'file:///etc/passwd',
    ])
      assert.ok(!safeHref(bad), bad);
  });

  it('when a post has a level-one heading, rendering fails: the title is the page’s h1', async () => {
    const e = await failure('Intro.\n\n# Another title\n');
    assert.match(e.reason, /h1/);
  });
});

describe('what a post cites, for the incremental build', () => {
  const refs = ['key:fleet-2021/backup-kem', 'epoch:ns.test/2', 'fleet:fleet-2021', 'namespace:ns.test'];

  it('when a post is rendered, onCited receives what it cited', async () => {
    let cited: string[] = [];
    const p = await createMarkdownProcessor({
      syntaxHighlight: false,
      remarkPlugins: [
        remarkDirective,
        [remarkEvidenceCitations, { model, onCited: (c: string[]) => (cited = c) }],
      ],
    });
    await p.render('Key :key[fleet-2021/backup-kem], epoch :epoch[2].');
    assert.deepEqual(cited, ['key:fleet-2021/backup-kem', 'epoch:ns.test/2']);
  });

  it('when an epoch is added or an uncited one changes, the fingerprint stays the same', () => {
    const grown = fakeModel(model.fleets, [...model.namespaces[0]!.epochs, fakeEpoch('ns.test', 4)]);
    assert.equal(citationFingerprint(grown, refs), citationFingerprint(model, refs));
    const other = fakeModel(model.fleets, [
      fakeEpoch('ns.test', 1, false),
      ...model.namespaces[0]!.epochs.slice(1),
    ]);
    assert.equal(citationFingerprint(other, refs), citationFingerprint(model, refs));
  });

  it('when a cited epoch, a cited key, a named fleet or the first namespace changes, the fingerprint changes', () => {
    const base = citationFingerprint(model, refs);
    const epochs = model.namespaces[0]!.epochs;
    const digest = fakeModel(model.fleets, [
      epochs[0]!,
      { ...epochs[1]!, digest: 'ff'.repeat(32) },
      epochs[2]!,
    ]);
    assert.notEqual(citationFingerprint(digest, refs), base);
    const gone = fakeModel(model.fleets, [epochs[0]!, epochs[2]!]);
    assert.notEqual(citationFingerprint(gone, refs), base);
    const failed = fakeModel(
      [fakeFleet('fleet-2021', false, ['backup-kem', 'vault-signing']), model.fleets[1]!],
      epochs,
    );
    assert.notEqual(citationFingerprint(failed, refs), base);
    const renamed = fakeModel(model.fleets, epochs, 'ns.other');
    assert.notEqual(
      citationFingerprint(renamed, ['epoch:ns.test/2']),
      citationFingerprint(model, ['epoch:ns.test/2']),
    );
    assert.notEqual(
      citationFingerprint(model, ['namespace:ns.gone']),
      citationFingerprint(model, ['namespace:ns.test']),
    );
  });
});
