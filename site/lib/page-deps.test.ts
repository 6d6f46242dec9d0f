/**
 * What a page's view of the evidence notes (the incremental build renders a page again when any of it changed),
 * and what each note stands for.
 */
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SiteEvidence } from '../loaders/evidence.ts';
import { fakeEpoch, fakeFleet, fakeModel } from '../testing/fixtures.ts';
import { fileIndex, fingerprint, noteRead, pageDeps, pageEvidence, rawEvidence } from './page-deps.ts';

function evidence(epochsA = 3, epochsB = 2): SiteEvidence {
  const model = fakeModel([fakeFleet('fleet-a')], []);
  model.namespaces = [
    { name: 'ns.a', rootEpoch: 1, latestEpoch: epochsA, epochs: [] },
    { name: 'ns.b', rootEpoch: 1, latestEpoch: epochsB, epochs: [] },
  ];
  for (let i = 1; i <= epochsA; i++) model.namespaces[0]!.epochs.push(fakeEpoch('ns.a', i));
  for (let i = 1; i <= epochsB; i++) model.namespaces[1]!.epochs.push(fakeEpoch('ns.b', i));
  return {
    treeSha256: `${epochsA}${epochsB}`.padEnd(64, '0'),
    summary: { files: 9, checks: 90 + epochsA + epochsB, passed: 90, failed: 0, errors: 0 },
    model,
    policies: [],
    files: [{ path: 'namespaces/ns.b/1/proof.json', sha256: 'cd'.repeat(32), size: 10 }],
    indexJson: '{}',
    reportJson: '{}',
  };
}

const read = (path: string) => [...(pageDeps().get(path) ?? [])].sort();

describe('a page’s view of the evidence', () => {
  beforeEach(() => pageDeps().clear());

  it('when a page looks a namespace up by name and reads its epochs, it notes the list and that namespace only', () => {
    const v = pageEvidence(evidence(), '/namespaces/ns.b/1/');
    const ns = v.model.namespaces.find((n) => n.name === 'ns.b')!;
    assert.equal(ns.epochs.length, 2);
    assert.deepEqual(read('/namespaces/ns.b/1/'), ['namespaces', 'ns:ns.b']);
  });

  it('when a page reads the fleets, trust roots, summary, digest or files, it notes each', () => {
    const v = pageEvidence(evidence(), '/');
    void v.model.fleets;
    void v.model.trustRoots;
    void v.summary.checks;
    void v.treeSha256;
    void v.files;
    void v.policies;
    assert.deepEqual(read('/'), ['files', 'fleets', 'policies', 'summary', 'tree', 'trust-roots']);
  });

  it('when a view is awaited (returned from an async function), nothing is noted', async () => {
    const v = await (async () => pageEvidence(evidence(), '/x/'))();
    assert.equal(rawEvidence(v).model.namespaces.length, 2);
    assert.deepEqual(read('/x/'), []);
  });

  it('when the same page takes a view twice (its layout too), both note into the page’s one set', () => {
    const ev = evidence();
    void pageEvidence(ev, '/p/').summary;
    void pageEvidence(ev, '/p/').model.fleets;
    assert.deepEqual(read('/p/'), ['fleets', 'summary']);
  });

  it('when a view iterates or slices the namespaces, each one it reads into is noted', () => {
    const v = pageEvidence(evidence(), '/namespaces/');
    for (const n of v.model.namespaces.slice(1)) void n.latestEpoch;
    assert.deepEqual(read('/namespaces/'), ['namespaces', 'ns:ns.b']);
  });

  it('when code past a per-tree cache reads for the page, noteRead notes it; on the evidence itself nothing', () => {
    const ev = evidence();
    const v = pageEvidence(ev, '/f/');
    noteRead(v, 'file:namespaces/ns.b/1/proof.json');
    noteRead(ev, 'fleets');
    assert.equal(rawEvidence(v), ev);
    assert.equal(fileIndex(v), fileIndex(ev));
    assert.deepEqual(read('/f/'), ['file:namespaces/ns.b/1/proof.json']);
  });
});

describe('what a note stands for', () => {
  it('when an epoch is added to one namespace, only that namespace, the summary and the digest change', () => {
    const before = evidence(3, 2);
    const after = evidence(3, 3);
    for (const k of ['ns:ns.a', 'namespaces', 'fleets', 'trust-roots', 'policies'])
      assert.equal(fingerprint(after, k), fingerprint(before, k), k);
    for (const k of ['ns:ns.b', 'summary', 'tree', 'files'])
      assert.notEqual(fingerprint(after, k), fingerprint(before, k), k);
  });

  it('when a file entry changes or disappears, its note changes', () => {
    const a = evidence();
    const b = {
      ...evidence(),
      files: [{ path: 'namespaces/ns.b/1/proof.json', sha256: 'ef'.repeat(32), size: 10 }],
    };
    const k = 'file:namespaces/ns.b/1/proof.json';
    assert.notEqual(fingerprint(b, k), fingerprint(a, k));
    assert.equal(fingerprint({ ...a, files: [] }, k), 'absent');
    assert.equal(fingerprint(a, 'ns:ns.gone'), 'absent');
  });

  it('when a note names a part of the evidence this module does not know, it has no fingerprint', () => {
    assert.equal(fingerprint(evidence(), 'ev.somethingNew'), undefined);
  });
});

describe('the pages’ way to the evidence', () => {
  it('when a page or component reads the evidence, it is through getPageEvidence (getEvidence only in getStaticPaths)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const site = join(import.meta.dirname, '..');
    const astroFiles = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
        d.isDirectory()
          ? astroFiles(join(dir, d.name))
          : d.name.endsWith('.astro')
            ? [join(dir, d.name)]
            : [],
      );
    const files = [
      ...astroFiles(join(site, 'pages')),
      ...astroFiles(join(site, 'components')),
      ...astroFiles(join(site, 'layouts')),
    ];
    assert.ok(files.length > 10);
    const offenders = files.filter((f) => {
      // getStaticPaths lists pages (the incremental build runs it again): it may read the evidence itself.
      const text = readFileSync(f, 'utf8').replace(/export async function getStaticPaths\(\)[^]*?\n\}\n/, '');
      return /\bgetEvidence\s*\(/.test(text) || /\bgetEntry\s*\(\s*['"]evidence/.test(text);
    });
    assert.deepEqual(offenders, []);
  });
});
