/**
 * The widget's runVerdict (WebCrypto's answers, noble where WebCrypto cannot answer, lazy parts loaded on demand)
 * gives the same verdicts as the reference (noble) on every vector and on whole trees, tampered or not, in one run
 * of the core when every signature is good. Node's WebCrypto stands in for the browser's here; tests/e2e runs the
 * real one.
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
import { PLEXI_VECTORS, signedMessage } from '../../tests/lib/plexi-vectors.ts';
import { verifyEvidence } from '../../verify/tree.ts';
import { readTree } from '../../scripts/lib/read-tree.ts';
import { ed25519 } from '@noble/curves/ed25519.js';
import { runVerdict, type RunStats } from './prefetch.ts';
import { NotLoaded, lazyPart, loadedParts } from './lazy/registry.ts';

const subtle = webcrypto.subtle as unknown as SubtleCrypto;
const vec = (p: string) =>
  JSON.parse(readFileSync(new URL(`../../tests/data/vectors/crypto/${p}`, import.meta.url), 'utf8'));

/** How many questions WebCrypto answered (so that the tests prove its path ran, not only noble's). */
let answered = 0;

/** Runs `fn` the widget's way (./prefetch.ts runVerdict), counting WebCrypto's answers. */
async function prefetched<T>(fn: () => T, stats: RunStats = { runs: 0, webcrypto: 0, reference: false }) {
  const v = await runVerdict(fn, subtle, stats);
  answered += stats.webcrypto;
  return v;
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

test('when the RFC 8032 and RFC 6979 vectors and one-bit changes of them go through the prefetch, WebCrypto and the reference agree', async () => {
  // The prefetch's verdict, asserted equal to the reference's and to `expected`. A good signature is WebCrypto's to
  // answer; a changed one may be refused by the core's own checks first (an S not below the group order).
  let asked = 0;
  const agree = async (fn: () => boolean, expected: boolean, what: string) => {
    const stats = { runs: 0, webcrypto: 0, reference: false };
    assert.equal(await prefetched(fn, stats), expected, what);
    assert.equal(withCryptoProvider(referenceProvider, fn), expected, `${what} (reference)`);
    assert.ok(!stats.reference, `${what}: noble was not needed`);
    if (expected) assert.ok(stats.webcrypto > 0, `${what}: WebCrypto answered`);
    asked += stats.webcrypto;
  };
  const ed = vec('rfc8032/ed25519.json') as { publicKey: string; message: string; signature: string }[];
  assert.ok(ed.length > 0);
  for (const c of ed) {
    const pk = fromHex(c.publicKey);
    const msg = fromHex(c.message);
    await agree(() => verifyEd25519Strict(fromHex(c.signature), msg, pk), true, 'rfc8032');
    for (let bit = 0; bit < 512; bit += 5) {
      const sig = fromHex(c.signature);
      sig[bit >> 3]! ^= 1 << (bit & 7);
      await agree(() => verifyEd25519Strict(sig, msg, pk), false, `rfc8032 bit ${bit}`);
    }
  }
  const [p] = vec('rfc6979/p256.json') as {
    Ux: string;
    Uy: string;
    cases: { hash: string; message: string; r: string; s: string }[];
  }[];
  const pk = fromHex(('04' + p!.Ux + p!.Uy).toLowerCase());
  const cases = p!.cases.filter((c) => c.hash === 'SHA-256');
  assert.equal(cases.length, 2);
  for (const c of cases) {
    const msg = new TextEncoder().encode(c.message);
    const good = fromHex((c.r.padStart(64, '0') + c.s.padStart(64, '0')).toLowerCase());
    await agree(() => verifyP256(good, msg, pk, 'p1363'), true, 'rfc6979');
    for (let bit = 0; bit < 512; bit += 7) {
      const sig = good.slice();
      sig[bit >> 3]! ^= 1 << (bit & 7);
      await agree(() => verifyP256(sig, msg, pk, 'p1363'), false, `rfc6979 bit ${bit}`);
    }
  }
  assert.ok(asked > 300, `WebCrypto answered ${asked} questions`);
});

test('when the Plexi vectors go through the prefetch, WebCrypto and the reference agree: every real auditor signature verifies, a changed one does not', async () => {
  assert.ok(PLEXI_VECTORS.length > 0);
  const ciphersuites = new Set<number>();
  for (const v of PLEXI_VECTORS) {
    const msg = signedMessage(v);
    const pk = fromHex(v.verifying_key);
    const changed = fromHex(v.signature);
    changed[40]! ^= 4;
    for (const [sig, expected] of [
      [fromHex(v.signature), true],
      [changed, false],
    ] as const) {
      const stats = { runs: 0, webcrypto: 0, reference: false };
      const fast = await prefetched(() => verifyEd25519Strict(sig, msg, pk), stats);
      const reference = withCryptoProvider(referenceProvider, () => verifyEd25519Strict(sig, msg, pk));
      assert.equal(
        fast,
        expected,
        `epoch ${v.epoch} of ${v.namespace}, ${expected ? 'as signed' : 'changed'}`,
      );
      assert.equal(reference, expected);
      assert.ok(stats.webcrypto > 0 && !stats.reference, 'WebCrypto answered');
    }
    ciphersuites.add(v.ciphersuite);
  }
  assert.deepEqual([...ciphersuites].sort(), [1, 2], 'both ciphersuites (protobuf and bincode messages)');
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
  // A browser whose WebCrypto answers nothing (every import fails): noble answers instead.
  const mute = {
    importKey: () => Promise.reject(new Error('not supported')),
  } as unknown as SubtleCrypto;
  const runs: number[] = [];
  for (const tree of [subset, tampered]) {
    const reference = withCryptoProvider(referenceProvider, () => verifyEvidence(tree));
    const stats = { runs: 0, webcrypto: 0, reference: false };
    const fast = await prefetched(() => verifyEvidence(tree), stats);
    assert.deepEqual(fast.errors, reference.errors);
    assert.equal(fast.ok, reference.ok);
    assert.ok(stats.webcrypto > 0 && !stats.reference, 'WebCrypto answered every question');
    runs.push(stats.runs);
    for (const subtleOrNot of [undefined, mute]) {
      const s2 = { runs: 0, webcrypto: 0, reference: false };
      const slow = await runVerdict(() => verifyEvidence(tree), subtleOrNot, s2);
      assert.deepEqual(slow.errors, reference.errors);
      assert.equal(s2.webcrypto, 0);
      assert.equal(s2.reference, true);
    }
  }
  assert.equal(withCryptoProvider(referenceProvider, () => verifyEvidence(tampered)).ok, false);
  // Good evidence: the core ran once (every "yes" it assumed was WebCrypto's answer); tampered: again, for real.
  assert.deepEqual(
    runs.map((n) => n > 1),
    [false, true],
    `runs: ${runs}`,
  );
});

test('when the first key tried does not verify and the second does, runVerdict follows the real path to the verdict', async () => {
  const msg = new TextEncoder().encode('fleetproof');
  const good = ed25519.utils.randomSecretKey();
  const other = ed25519.utils.randomSecretKey();
  const sig = ed25519.sign(msg, good);
  const [pk, wrong] = [ed25519.getPublicKey(good), ed25519.getPublicKey(other)];
  const tried: string[][] = [];
  const tryKeys = (keys: Uint8Array[]) => () => {
    const seen: string[] = [];
    tried.push(seen);
    return keys.findIndex((k) => {
      seen.push(k === pk ? 'good' : 'wrong');
      return verifyEd25519Strict(sig, msg, k);
    });
  };
  assert.equal(await runVerdict(tryKeys([wrong, pk]), subtle), 1);
  // The first run assumed "yes" for the wrong key; WebCrypto said no; the second run went on to the good key.
  assert.deepEqual(tried, [['wrong'], ['wrong', 'good']]);
  tried.length = 0;
  assert.equal(await runVerdict(tryKeys([wrong, wrong]), subtle), -1);
  assert.equal(await runVerdict(tryKeys([pk]), undefined), 0);
});

test('when a run needs a part that is not loaded, even if it swallows the error, its result is discarded and the run repeated with the part', async () => {
  let loads = 0;
  const part = lazyPart('test-part', async () => {
    loads++;
    return { answer: 42 };
  });
  let runs = 0;
  const value = await runVerdict(() => {
    runs++;
    try {
      return part().answer;
    } catch (e) {
      assert.ok(e instanceof NotLoaded);
      return -1; // a core that turned the error into a verdict of its own
    }
  }, subtle);
  assert.equal(value, 42);
  assert.equal(runs, 2);
  assert.equal(loads, 1);
  assert.ok(loadedParts().includes('test-part'));
});
