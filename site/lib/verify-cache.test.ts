/**
 * The build's unit cache (site/lib/verify-cache.ts): a unit is replayed only for the very same bytes, trust roots,
 * verifier and (for vendor members) time; the report is always the core's, byte for byte; a tree that does not
 * verify fails whatever the cache holds.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyEvidence } from '../../verify/index.ts';
import { useNodeCrypto } from '../../scripts/lib/node-crypto.ts';
import { Checklist } from '../../verify/checklist.ts';
import { VerificationError } from '../../verify/errors.ts';
import { UnitCache, verifierDigest, verifyEvidenceCached } from './verify-cache.ts';
import { ROOT, evidenceCopy, readFiles, tempDir } from '../testing/fixtures.ts';

let base: Map<string, Uint8Array>;
let units: number;

const cacheFile = () => join(tempDir('verify-cache'), 'units.bin');
const codes = (r: ReturnType<typeof verifyEvidence>) => r.checks.flatMap((c) => c.errors.map((e) => e.code));
const same = (a: unknown, b: unknown) => assert.equal(JSON.stringify(a), JSON.stringify(b));

function withFile(path: string, edit: (b: Uint8Array) => Uint8Array): Map<string, Uint8Array> {
  const files = new Map(base);
  files.set(path, edit(files.get(path)!));
  return files;
}
const flipByte = (b: Uint8Array) => {
  const c = new Uint8Array(b); // a copy (Buffer#slice would be a view)
  c[20]! ^= 1;
  return c;
};
const firstEpochFile = () => [...base.keys()].find((p) => /^namespaces\/[^/]+\/1\/artifact\.json$/.test(p))!;

before(async () => {
  useNodeCrypto();
  base = readFiles(await evidenceCopy());
  units = verifyEvidenceCached(base, cacheFile()).misses;
});

describe('the verification cache of the build', () => {
  it('when nothing changed, every unit is replayed and the report is the core’s, byte for byte', () => {
    const file = cacheFile();
    const first = verifyEvidenceCached(base, file);
    assert.equal(first.hits, 0);
    const second = verifyEvidenceCached(base, file);
    assert.equal(second.misses, 0);
    assert.equal(second.hits, units);
    assert.ok(second.report.ok);
    same(second.report, verifyEvidence(base));
  });

  it('when one byte of an epoch file changes, that epoch is verified again and the build fails with DIGEST_MISMATCH', () => {
    const file = cacheFile();
    verifyEvidenceCached(base, file);
    const tampered = withFile(firstEpochFile(), flipByte);
    const r = verifyEvidenceCached(tampered, file);
    assert.equal(r.misses, 1);
    assert.equal(r.report.ok, false);
    assert.ok(codes(r.report).includes('DIGEST_MISMATCH'));
    same(r.report, verifyEvidence(tampered));
    // A unit that failed is not stored: the next run verifies it again, and fails again.
    const again = verifyEvidenceCached(tampered, file);
    assert.equal(again.misses, 1);
    assert.equal(again.report.ok, false);
  });

  it('when the trust roots change, no unit is replayed and the tree fails', () => {
    const file = cacheFile();
    verifyEvidenceCached(base, file);
    const roots = JSON.parse(new TextDecoder().decode(base.get('trust-roots.json')!)) as {
      keys: { role: string; public_key: string }[];
    };
    const auditor = roots.keys.find((k) => k.role === 'auditor')!;
    auditor.public_key = auditor.public_key.slice(0, -2) + (auditor.public_key.endsWith('00') ? '01' : '00');
    const changed = withFile('trust-roots.json', () =>
      new TextEncoder().encode(JSON.stringify(roots, null, 2)),
    );
    const r = verifyEvidenceCached(changed, file);
    assert.equal(r.hits, 0);
    assert.equal(r.report.ok, false);
    same(r.report, verifyEvidence(changed));
  });

  it('when the verifier’s code changes, no unit is replayed', () => {
    const file = cacheFile();
    verifyEvidenceCached(base, file, { verifier: 'a' });
    assert.equal(verifyEvidenceCached(base, file, { verifier: 'a' }).misses, 0);
    const r = verifyEvidenceCached(base, file, { verifier: 'b' });
    assert.equal(r.hits, 0);
    assert.ok(r.report.ok);
  });

  it('when any source file of the verifier changes, its digest (part of every key) changes', () => {
    const root = tempDir('verifier');
    cpSync(join(ROOT, 'verify'), join(root, 'verify'), { recursive: true });
    mkdirSync(join(root, 'site', 'lib'), { recursive: true });
    cpSync(join(ROOT, 'site', 'lib', 'verify-cache.ts'), join(root, 'site', 'lib', 'verify-cache.ts'));
    cpSync(join(ROOT, 'package-lock.json'), join(root, 'package-lock.json'));
    const before = verifierDigest(root);
    assert.equal(before, verifierDigest());
    const file = join(root, 'verify', 'bundle', 'epoch.ts');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n// changed\n`);
    assert.notEqual(verifierDigest(root), before);
  });

  it('when the time changes, units that never asked for it (the demo has no vendor-format member) are replayed, and the report is the core’s for the new time', () => {
    const file = cacheFile();
    verifyEvidenceCached(base, file, { now: '2030-01-01T00:00:00Z' });
    const later = verifyEvidenceCached(base, file, { now: '2031-01-01T00:00:00Z' });
    assert.equal(later.misses, 0);
    same(later.report, verifyEvidence(base, { now: '2031-01-01T00:00:00Z' }));
  });

  it('when the cache file is not one (garbage, or truncated), every unit is verified', () => {
    const file = cacheFile();
    writeFileSync(file, 'not a cache');
    const r = verifyEvidenceCached(base, file);
    assert.equal(r.hits, 0);
    assert.ok(r.report.ok);
    const tampered = withFile(firstEpochFile(), flipByte);
    writeFileSync(file, 'not a cache');
    assert.equal(verifyEvidenceCached(tampered, file).report.ok, false);
  });
});

describe('a unit that asks for the time (a fleet with vendor-format members)', () => {
  const passing = (own: Checklist, now: () => string | undefined) => {
    own.run('t', 'asks for the time', 'unit', () => `judged at ${now()}`);
    return { judgedAt: now() };
  };
  /** Runs the unit once on a fresh cache, then once on what that run stored; says whether the second replayed. */
  const replayed = (
    first: string | undefined,
    second: string | undefined,
    compute: (own: Checklist, now: () => string | undefined) => unknown = passing,
  ) => {
    const a = new UnitCache(new Map());
    a.unit(new Checklist(), 'k', () => first, compute);
    const b = new UnitCache(a.fresh);
    const list = new Checklist();
    const result = b.unit(list, 'k', () => second, compute);
    return { hit: b.hits === 1, result, list };
  };

  it('when the time is the same, its checks are replayed', () => {
    const r = replayed('2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z');
    assert.equal(r.hit, true);
    assert.deepEqual(r.result, { judgedAt: '2030-01-01T00:00:00Z' });
    assert.equal(r.list.checks[0]!.detail, 'judged at 2030-01-01T00:00:00Z');
  });

  it('when the time changed, it runs again and its checks name the new time', () => {
    const r = replayed('2030-01-01T00:00:00Z', '2031-01-01T00:00:00Z');
    assert.equal(r.hit, false);
    assert.deepEqual(r.result, { judgedAt: '2031-01-01T00:00:00Z' });
    assert.equal(r.list.checks[0]!.detail, 'judged at 2031-01-01T00:00:00Z');
  });

  it('when it got no time (the clock), it is never stored', () => {
    assert.equal(replayed(undefined, undefined).hit, false);
  });

  it('when one of its checks failed, it is never stored', () => {
    const failing = (own: Checklist) =>
      own.run('t', 'fails', 'unit', () => {
        throw new VerificationError('DIGEST_MISMATCH', 'no');
      });
    const r = replayed('2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z', failing);
    assert.equal(r.hit, false);
    assert.equal(r.list.errors[0]!.code, 'DIGEST_MISMATCH');
  });
});
