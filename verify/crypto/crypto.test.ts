import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isValidEd25519PublicKey, verifyEd25519Strict } from './ed25519.ts';
import { verifyP256 } from './ecdsa.ts';
import { fingerprint, sha256 } from './sha256.ts';
import { type CryptoProvider, withCryptoProvider } from './provider.ts';
import { referenceProvider } from './reference.ts';
import { fromHex, toHex } from '../encoding.ts';
import { ed25519 } from '@noble/curves/ed25519.js';

const vec = (p: string) =>
  JSON.parse(readFileSync(new URL(`../../tests/data/vectors/crypto/${p}`, import.meta.url), 'utf8'));
const hex = (s: string) => fromHex(s.toLowerCase());

describe('Ed25519 strict (verify_strict rules)', () => {
  test('when given the RFC 8032 §7.1 vectors, every signature verifies and a flipped bit does not', () => {
    const cases = vec('rfc8032/ed25519.json') as {
      name: string;
      publicKey: string;
      message: string;
      signature: string;
    }[];
    assert.ok(cases.length >= 4);
    for (const c of cases) {
      const sig = hex(c.signature);
      assert.equal(
        verifyEd25519Strict(sig, hex(c.message), hex(c.publicKey)),
        true,
        `RFC 8032 test ${c.name}`,
      );
      sig[0]! ^= 1;
      assert.equal(
        verifyEd25519Strict(sig, hex(c.message), hex(c.publicKey)),
        false,
        `RFC 8032 test ${c.name} tampered`,
      );
    }
  });

  test('when given every Wycheproof ed25519 case, the verdict matches the expected result', () => {
    const w = vec('wycheproof/ed25519_test.json');
    let n = 0;
    for (const g of w.testGroups) {
      for (const t of g.tests) {
        const got = verifyEd25519Strict(hex(t.sig), hex(t.msg), hex(g.publicKey.pk));
        assert.equal(got, t.result === 'valid', `tcId ${t.tcId} (${t.comment})`);
        n++;
      }
    }
    assert.equal(n, w.numberOfTests);
  });

  test('when the key or R is of small order, or S is not reduced, the signature is rejected', () => {
    // The identity point (y = 1) is a small-order key; with R = identity and S = 0 the cofactored equation holds.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const sig = new Uint8Array(64);
    sig.set(identity, 0);
    assert.equal(verifyEd25519Strict(sig, new Uint8Array(0), identity), false);
    // S = L + s for a valid signature: same point equation, non-canonical scalar.
    const sk = new Uint8Array(32).fill(7);
    const pk = ed25519.getPublicKey(sk);
    const msg = new TextEncoder().encode('fleetproof');
    const good = ed25519.sign(msg, sk);
    assert.equal(verifyEd25519Strict(good, msg, pk), true);
    const L = ed25519.Point.Fn.ORDER;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(good[i]!);
    let sL = s + L;
    const bad = good.slice();
    for (let i = 32; i < 64; i++) {
      bad[i] = Number(sL & 255n);
      sL >>= 8n;
    }
    assert.equal(verifyEd25519Strict(bad, msg, pk), false);
  });
});

describe('Ed25519 public key validity', () => {
  /** The reference: noble's strict decoding (RFC 8032 §5.1.3, y < p), then its small-order test. */
  const noble = (b: Uint8Array) => {
    try {
      return !ed25519.Point.fromBytes(b, false).isSmallOrder();
    } catch {
      return false;
    }
  };
  const le = (x: bigint, sign = 0) => {
    const b = new Uint8Array(32);
    for (let i = 0; i < 32; i++, x >>= 8n) b[i] = Number(x & 255n);
    b[31]! |= sign << 7;
    return b;
  };
  const P = (1n << 255n) - 19n;

  test("when given every key of the vectors, the small-order and non-canonical encodings, the verdict is noble's", () => {
    const keys: Uint8Array[] = [];
    for (const g of vec('wycheproof/ed25519_test.json').testGroups) keys.push(hex(g.publicKey.pk));
    for (const c of vec('rfc8032/ed25519.json')) keys.push(hex(c.publicKey));
    // y of the small-order points, y ≥ p (non-canonical), and their neighbours, with either sign bit.
    const ys = [0n, 1n, 2n, P - 1n, P - 2n, P, P + 1n, (1n << 255n) - 1n];
    for (let y = P; y < 1n << 255n; y++) ys.push(y);
    for (const y of ys) for (const sign of [0, 1]) keys.push(le(y, sign));
    keys.push(new Uint8Array(31), new Uint8Array(33));
    let valid = 0;
    for (const k of keys) {
      assert.equal(isValidEd25519PublicKey(k), noble(k), toHex(k));
      if (noble(k)) valid++;
    }
    assert.ok(valid >= 20, `${valid} valid keys among the vectors`);
  });

  test("when given 4,000 random encodings and 1,000 random valid keys, the verdict is noble's", () => {
    // Deterministic: SHA-256 in counter mode. About half of random y are on the curve.
    const rand = (i: number) => sha256(new TextEncoder().encode(`fleetproof ed25519 validity ${i}`));
    let onCurve = 0;
    for (let i = 0; i < 4000; i++) {
      const k = rand(i);
      const got = isValidEd25519PublicKey(k);
      assert.equal(got, noble(k), toHex(k));
      if (got) onCurve++;
    }
    assert.ok(onCurve > 1500 && onCurve < 2500, `${onCurve} of 4000 on the curve`);
    for (let i = 0; i < 1000; i++) {
      const k = ed25519.getPublicKey(rand(10_000 + i));
      assert.equal(isValidEd25519PublicKey(k), true, toHex(k));
    }
  });
});

describe('ECDSA P-256 SHA-256', () => {
  for (const [file, format] of [
    ['wycheproof/ecdsa_secp256r1_sha256_test.json', 'der'],
    ['wycheproof/ecdsa_secp256r1_sha256_p1363_test.json', 'p1363'],
  ] as const) {
    test(`when given every Wycheproof case (${format}), the verdict matches; acceptable cases are rejected`, () => {
      const w = vec(file);
      let n = 0;
      for (const g of w.testGroups) {
        const pk = hex(g.publicKey.uncompressed);
        for (const t of g.tests) {
          const got = verifyP256(hex(t.sig), hex(t.msg), pk, format);
          // 'acceptable' cases are legacy encodings (BER and the like): a strict verifier rejects them.
          assert.equal(got, t.result === 'valid', `tcId ${t.tcId} (${t.comment})`);
          n++;
        }
      }
      assert.equal(n, w.numberOfTests);
    });
  }

  test('when given the RFC 6979 A.2.5 SHA-256 signatures, they verify', () => {
    const [v] = vec('rfc6979/p256.json');
    const pk = hex('04' + v.Ux + v.Uy);
    const cases = v.cases.filter((c: { hash: string }) => c.hash === 'SHA-256');
    assert.equal(cases.length, 2);
    for (const c of cases) {
      const sig = hex(c.r.padStart(64, '0') + c.s.padStart(64, '0'));
      assert.equal(verifyP256(sig, new TextEncoder().encode(c.message), pk, 'p1363'), true);
    }
  });
});

test('when hashing "abc", SHA-256 gives the FIPS 180-4 answer', () => {
  assert.equal(
    toHex(sha256(new TextEncoder().encode('abc'))),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
});

describe('the per-run verdict memo', () => {
  test('when a signature recurs, only the same key and message get the remembered verdict', () => {
    const seed = new Uint8Array(32).fill(7);
    const pk = ed25519.getPublicKey(seed);
    const msg = new TextEncoder().encode('fleetproof memo');
    const sig = ed25519.sign(msg, seed);
    const calls: string[] = [];
    const counting: CryptoProvider = {
      ...referenceProvider,
      name: 'counting',
      ed25519(s, m, k) {
        calls.push(new TextDecoder().decode(m));
        return referenceProvider.ed25519(s, m, k);
      },
    };
    withCryptoProvider(counting, () => {
      assert.equal(verifyEd25519Strict(sig, msg, pk), true);
      assert.equal(verifyEd25519Strict(sig, msg.slice(), pk.slice()), true); // same bytes: remembered
      assert.equal(calls.length, 1);
      const other = msg.slice();
      other[0]! ^= 1;
      assert.equal(verifyEd25519Strict(sig, other, pk), false); // same signature, another message: asked
      const otherKey = ed25519.getPublicKey(new Uint8Array(32).fill(8));
      assert.equal(verifyEd25519Strict(sig, msg, otherKey), false); // another key: asked
      assert.equal(calls.length, 3);
      // Another signature that begins with the same bytes (the memo's key: its first 16 bytes): asked.
      const tail = sig.slice();
      tail[40]! ^= 1;
      assert.equal(verifyEd25519Strict(tail, msg, pk), false);
      assert.equal(calls.length, 4);
      assert.equal(verifyEd25519Strict(sig, msg, pk), true); // the first one still remembered
      assert.equal(calls.length, 4);
      // A caller reusing its buffer cannot change what was remembered.
      const reused = msg.slice();
      assert.equal(verifyEd25519Strict(sig, reused, pk), true);
      reused[0]! ^= 1;
      assert.equal(verifyEd25519Strict(sig, reused, pk), false);
    });
  });
});

test('when a key is fingerprinted twice, or under another provider, or is long, the fingerprint is its SHA-256 in hex', () => {
  const key = ed25519.getPublicKey(new Uint8Array(32).fill(9));
  const want = toHex(sha256(key));
  assert.equal(fingerprint(key), want);
  assert.equal(fingerprint(key.slice()), want); // remembered by its bytes
  const other = key.slice();
  other[31]! ^= 1;
  assert.equal(fingerprint(other), toHex(sha256(other)));
  assert.notEqual(fingerprint(other), want);
  withCryptoProvider(referenceProvider, () => assert.equal(fingerprint(key), want));
  // Inputs past what is remembered (and past any argument-count limit) are hashed directly.
  const long = new Uint8Array(300_000).map((_, i) => i * 7);
  assert.equal(fingerprint(long), toHex(sha256(long)));
  assert.equal(
    fingerprint(new Uint8Array(0)),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});
