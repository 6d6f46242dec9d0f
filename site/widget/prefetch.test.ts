/**
 * The widget's WebCrypto prefetch gives the same verdicts as the reference (noble) on every vector and on whole
 * trees, tampered or not. Node's WebCrypto stands in for the browser's here; tests/e2e runs the real one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { withCryptoProvider } from '../../verify/crypto/provider.ts';
import { referenceProvider } from '../../verify/crypto/reference.ts';
import { verifyEd25519Strict } from '../../verify/crypto/ed25519.ts';
import { verifyP256 } from '../../verify/crypto/ecdsa.ts';
import { fromHex } from '../../verify/encoding.ts';
import { verifyEvidence } from '../../verify/tree.ts';
import { readTree } from '../../scripts/lib/read-tree.ts';
import { answerAll, answeredProvider, recordingProvider } from './prefetch.ts';

const subtle = webcrypto.subtle as unknown as SubtleCrypto;
const vec = (p: string) =>
  JSON.parse(readFileSync(new URL(`../../tests/data/vectors/crypto/${p}`, import.meta.url), 'utf8'));

/** How many questions WebCrypto answered (so that the tests prove its path ran, not only noble's). */
let answered = 0;

/** Runs `fn` the widget's way: a dry run noting the questions, WebCrypto's answers, then the real run. */
async function prefetched<T>(fn: () => T): Promise<T> {
  const questions = new Map();
  withCryptoProvider(recordingProvider(questions), fn);
  const answers = await answerAll(subtle, questions);
  answered += answers.size;
  return withCryptoProvider(answeredProvider(answers), fn);
}

test('when every Wycheproof Ed25519 and P-256 case goes through the prefetch, each verdict is the expected one', async () => {
  answered = 0;
  const ed = vec('wycheproof/ed25519_test.json');
  for (const g of ed.testGroups)
    for (const t of g.tests) {
      const got = await prefetched(() =>
        verifyEd25519Strict(fromHex(t.sig), fromHex(t.msg), fromHex(g.publicKey.pk)),
      );
      assert.equal(got, t.result === 'valid', `ed25519 tcId ${t.tcId}`);
    }
  for (const [file, format] of [
    ['wycheproof/ecdsa_secp256r1_sha256_test.json', 'der'],
    ['wycheproof/ecdsa_secp256r1_sha256_p1363_test.json', 'p1363'],
  ] as const) {
    const w = vec(file);
    for (const g of w.testGroups)
      for (const t of g.tests) {
        const got = await prefetched(() =>
          verifyP256(fromHex(t.sig), fromHex(t.msg), fromHex(g.publicKey.uncompressed), format),
        );
        assert.equal(got, t.result === 'valid', `${format} tcId ${t.tcId}`);
      }
  }
  assert.ok(answered > 400, `WebCrypto answered ${answered} questions`);
});

test('when a tree is verified through the prefetch, the report is the reference’s, tampered or not', async () => {
  const files = readTree('evidence');
  const fleet = [...files.keys()].find((p) => p.endsWith('/deployment.json'))!.split('/')[1]!;
  const subset = new Map(
    [...files].filter(([p]) => p === 'trust-roots.json' || p.startsWith(`fleets/${fleet}/`)),
  );
  const tampered = new Map(subset);
  const att = [...subset.keys()].find((p) => p.includes('/attestations/'))!;
  const bytes = new Uint8Array(subset.get(att)!);
  const i = new TextDecoder().decode(bytes).lastIndexOf('"sig": "') + 10;
  bytes[i] = bytes[i] === 0x41 ? 0x42 : 0x41;
  tampered.set(att, bytes);
  for (const tree of [subset, tampered]) {
    const reference = withCryptoProvider(referenceProvider, () => verifyEvidence(tree));
    const fast = await prefetched(() => verifyEvidence(tree));
    assert.deepEqual(fast.errors, reference.errors);
    assert.equal(fast.ok, reference.ok);
  }
  assert.equal(withCryptoProvider(referenceProvider, () => verifyEvidence(tampered)).ok, false);
});
