/**
 * The content loaders' way to the evidence under `scripts/build.ts` (site/lib/verified-evidence.ts): with a
 * verification handed over, a tree is taken only when it is, byte for byte (by its digest), the tree that was
 * verified and handed over, and that verification passed; anything else is an error, never an unverified tree.
 *
 * This process plays scripts/build-astro.mjs: the hand-over is set before the module loads.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evidenceCopy } from '../testing/fixtures.ts';
import { EvidenceError, HANDED, memo, type VerifiedEvidence } from './evidence-memo.ts';

(globalThis as unknown as Record<symbol, Promise<void>>)[HANDED] = Promise.resolve();
const { verifiedEvidence } = await import('./verified-evidence.ts');
const { readEvidence } = await import('./verified.ts');

describe('the loaders’ evidence under npm run build', () => {
  let dir: string;
  let verified: VerifiedEvidence;

  before(async () => {
    dir = await evidenceCopy();
    verified = readEvidence(dir); // what the main thread verifies and hands over (memoised under dir)
    assert.ok(verified.report.ok);
  });

  it('when the tree is the one verified and handed over, its verification is taken', async () => {
    memo().set(dir, verified);
    assert.equal(await verifiedEvidence(dir), verified);
  });

  it('when the handed verification did not pass, the tree is not taken', async () => {
    memo().set(dir, { ...verified, report: { ...verified.report, ok: false } });
    await assert.rejects(verifiedEvidence(dir), EvidenceError);
  });

  it('when nothing was handed over for the folder, the tree is not taken', async () => {
    memo().delete(dir);
    await assert.rejects(verifiedEvidence(dir), /not the tree the build verified/);
  });

  it('when one byte of the tree changed after it was verified, the tree is not taken', async () => {
    memo().set(dir, verified);
    const file = join(dir, 'trust-roots.json');
    writeFileSync(file, `${verified.files.get('trust-roots.json')!.toString()} `);
    await assert.rejects(verifiedEvidence(dir), /not the tree the build verified/);
    writeFileSync(file, verified.files.get('trust-roots.json')!);
    assert.equal(await verifiedEvidence(dir), verified);
  });
});
