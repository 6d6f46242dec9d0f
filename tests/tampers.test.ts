/**
 * The demo evidence verifies, and every tamper kind of the demo generator makes verification fail with the code it
 * names. Together with the record corpus, every error code that evidence can trigger is exercised.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, verifyEvidence, type ErrorCode } from '../verify/index.ts';
import { readTree } from '../scripts/lib/read-tree.ts';
import { generateEvidence } from '../demo/generate.ts';
import { TAMPERS, applyTamper } from '../demo/tampers.ts';

const SEED = 'fleetproof-demo-v1';
let base: Map<string, Uint8Array>;

before(() => {
  base = generateEvidence({ seed: SEED, scale: 1 });
});

describe('the demo evidence', () => {
  test('when the committed evidence/ is verified, every check passes', () => {
    const r = verifyEvidence(readTree('evidence'));
    assert.deepEqual(r.errors, []);
    assert.equal(r.ok, true);
    assert.ok(r.summary.checks > 300, `${r.summary.checks} checks`);
    assert.equal(r.model.fleets.length, 3);
    assert.ok(r.model.namespaces[0]!.epochs.length >= 60);
  });

  test('when the verified model is read, it has a rotation and a role change', () => {
    const r = verifyEvidence(base);
    const diffs = r.model.namespaces[0]!.epochs.map((e) => e.diff!).filter(Boolean);
    assert.ok(
      diffs.some((d) => d.roleChanged.length > 0),
      'a role change',
    );
    assert.ok(
      diffs.some((d) => d.removed.length > 0),
      'keys retired',
    );
    const states = r.model.fleets.map((f) => f.state);
    assert.ok(states.includes('retired') && states.includes('active'), states.join(','));
  });
});

describe('every tamper fails with its code', () => {
  for (const t of TAMPERS) {
    test(`when the demo is tampered with "${t.kind}", verification fails with ${t.expectedCode}`, () => {
      const files = new Map(base);
      applyTamper(t.kind, files, { seed: SEED });
      const r = verifyEvidence(files);
      assert.equal(r.ok, false);
      const codes = new Set(r.errors.map((e) => e.code));
      assert.ok(codes.has(t.expectedCode as ErrorCode), `${t.kind}: got ${[...codes].join(', ')}`);
      for (const e of r.errors) assert.ok(e.file, `${e.code} names its file`);
    });
  }
});

test('when the error codes are listed, each is documented and triggered by a corpus file, a tamper or a module test', () => {
  const doc = readFileSync('docs/evidence-format.md', 'utf8');
  const corpus = Object.values(
    JSON.parse(readFileSync('tests/corpus/records/expected.json', 'utf8')) as Record<string, string>,
  );
  // Formats outside the evidence tree (vendor attestations, the site's log) assert their codes in their own tests.
  const moduleTests = [...testSources('verify'), ...testSources('tests')].join('\n');
  const covered = new Set([...corpus, ...TAMPERS.map((t) => t.expectedCode)]);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const code of Object.keys(ERROR_CODES)) {
    const rule = ERROR_CODES[code as ErrorCode];
    assert.match(
      doc,
      new RegExp(`\\|\\s*${code}\\s*\\|\\s*${escape(rule)}\\s*\\|`),
      `${code} and its rule in §11`,
    );
    assert.ok(
      covered.has(code) || moduleTests.includes(`'${code}'`),
      `${code} is triggered by no corpus file, no tamper and no module test`,
    );
  }
});

function testSources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory()
      ? testSources(p)
      : n.endsWith('.test.ts')
        ? [readFileSync(p, 'utf8')]
        : [];
  });
}

test('when the demo is verified, its checks are exactly the check ids docs/evidence-format.md §9 lists', () => {
  const doc = readFileSync('docs/evidence-format.md', 'utf8').replace(/\s*\n\s*/g, ' ');
  const from = doc.indexOf("A check's `id`");
  const para = doc.slice(from, doc.indexOf('is not reported.', from));
  assert.ok(from > 0 && para.length > 0, '§9 lists the check ids');
  const listed = new Set([...para.matchAll(/`([a-z]+(?:[.-][a-z-]+)+)`/g)].map((m) => m[1]!));
  const run = new Set(verifyEvidence(readTree('evidence')).checks.map((c) => c.id));
  assert.deepEqual([...run].sort(), [...listed].sort());
});

test('when a pinned witness outside the ceremony signs a deployment, the error is at that signature’s keyid', () => {
  const files = new Map(base);
  applyTamper('deployment-signed-by-outside-witness', files, { seed: SEED });
  const errors = verifyEvidence(files).errors;
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0]!.code, 'WITNESS_SIGNATURE_INVALID');
  assert.match(errors[0]!.file!, /^fleets\/[^/]+\/deployment\.json$/);
  assert.match(errors[0]!.path!, /^\$\.signatures\[\d+\]\.keyid$/);
});
