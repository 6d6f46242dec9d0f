import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { verifyEd25519Strict } from './ed25519.ts';
import { verifyP256 } from './ecdsa.ts';
import { sha256 } from './sha256.ts';
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
