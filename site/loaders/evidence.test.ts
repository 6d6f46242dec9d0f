/**
 * The hand-off of a verification to the build's later readers: `npm run build` verifies the tree, then Astro's
 * loaders, in the same process, read it again and take that verification only when the tree's digest is the same
 * (site/lib/verified.ts); the pages take the loader's verified tree by that digest (site/lib/handoff.ts). A changed
 * byte anywhere, trust roots included, means a fresh verification, which fails for a tree that does not verify.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoaderContext } from 'astro/loaders';
import { EvidenceError, readEvidence, readVerifiedEvidence } from '../lib/verified.ts';
import { siteEvidenceFor } from '../lib/handoff.ts';
import { evidenceCopy } from '../testing/fixtures.ts';
import { EVIDENCE_ENTRY, evidenceLoader } from './evidence.ts';

const codes = (e: unknown): string[] => {
  assert.ok(e instanceof EvidenceError, `expected an EvidenceError, got ${String(e)}`);
  return (e.report?.checks ?? []).flatMap((c) => c.errors.map((x) => x.code));
};

/** A loader context with an in-memory store, enough for a build (no watcher). */
function context() {
  const entries = new Map<string, { data: Record<string, unknown>; digest?: string | number }>();
  const meta = new Map<string, string>();
  const ctx = {
    store: {
      clear: () => entries.clear(),
      set: (e: { id: string; data: Record<string, unknown>; digest?: string | number }) => {
        entries.set(e.id, e);
        return true;
      },
    },
    meta: { get: (k: string) => meta.get(k), set: (k: string, v: string) => meta.set(k, v) },
    logger: { info: () => {} },
  } as unknown as LoaderContext;
  return { ctx, entries };
}

function firstArtifact(dir: string): string {
  const ns = readdirSync(join(dir, 'namespaces'))[0]!;
  return join(dir, 'namespaces', ns, '1', 'artifact.json');
}

describe('a verification handed to the loaders', () => {
  it('when the tree read again has the same digest, the earlier verification is taken, not repeated', async () => {
    const dir = await evidenceCopy();
    const first = readVerifiedEvidence(dir);
    assert.equal(readVerifiedEvidence(dir), first);
  });

  it('when one byte of an epoch file changes after the verification, the next read verifies again and fails with DIGEST_MISMATCH', async () => {
    const dir = await evidenceCopy();
    const before = readVerifiedEvidence(dir);
    const file = firstArtifact(dir);
    const bytes = readFileSync(file);
    bytes[20] = bytes[20]! ^ 0x01;
    writeFileSync(file, bytes);
    assert.throws(
      () => readVerifiedEvidence(dir),
      (e) => codes(e).includes('DIGEST_MISMATCH'),
    );
    const after = readEvidence(dir);
    assert.notEqual(after.treeSha256, before.treeSha256);
    assert.equal(after.report.ok, false);
  });

  it('when the trust roots change after the verification, the next read verifies again and fails', async () => {
    const dir = await evidenceCopy();
    readVerifiedEvidence(dir);
    const file = join(dir, 'trust-roots.json');
    const roots = JSON.parse(readFileSync(file, 'utf8')) as { keys: { role: string; public_key: string }[] };
    const auditor = roots.keys.find((k) => k.role === 'auditor')!;
    auditor.public_key = auditor.public_key.slice(0, -2) + (auditor.public_key.endsWith('00') ? '01' : '00');
    writeFileSync(file, JSON.stringify(roots, null, 2));
    assert.throws(
      () => readVerifiedEvidence(dir),
      (e) =>
        codes(e).some((c) => ['AUDITOR_SIGNATURE_INVALID', 'KEY_INVALID', 'KEY_ID_MISMATCH'].includes(c)),
    );
  });
});

describe('the evidence loader', () => {
  it('when the tree verifies, the store holds only its digest and the pages get the verified tree under it', async () => {
    const dir = await evidenceCopy();
    const { ctx, entries } = context();
    await evidenceLoader({ dir }).load(ctx);
    const entry = entries.get(EVIDENCE_ENTRY)!;
    const v = readVerifiedEvidence(dir);
    assert.deepEqual(entry.data, { treeSha256: v.treeSha256 });
    assert.equal(entry.digest, v.treeSha256);
    const ev = siteEvidenceFor(v.treeSha256);
    assert.equal(ev.treeSha256, v.treeSha256);
    assert.equal(ev.indexJson, v.indexJson);
    assert.equal(ev.model, v.report.model);
  });

  it('when the tree changed after a verification and no longer verifies, the loader fails and hands nothing to the pages', async () => {
    const dir = await evidenceCopy();
    readVerifiedEvidence(dir);
    const file = firstArtifact(dir);
    const bytes = readFileSync(file);
    bytes[20] = bytes[20]! ^ 0x01;
    writeFileSync(file, bytes);
    const { ctx, entries } = context();
    await assert.rejects(evidenceLoader({ dir }).load(ctx), (e) => codes(e).includes('DIGEST_MISMATCH'));
    assert.equal(entries.size, 0);
    const tampered = readEvidence(dir).treeSha256;
    assert.throws(() => siteEvidenceFor(tampered), /no verified evidence for tree/);
  });

  it('when a page asks for a tree the loader did not verify in this process, it gets an error, not a tree', () => {
    assert.throws(() => siteEvidenceFor('0'.repeat(64)), /the evidence loader did not run or failed/);
  });
});
