import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  constants,
  createSign,
  generateKeyPairSync,
  privateEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { p384 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, fromHex, toHex } from '../encoding.ts';
import { emsaPkcs1v15, verifyRsaPkcs1v15, type RsaPublicKey } from './rsa.ts';
import { verifyEcdsa } from './ecdsa.ts';
import { gunzip } from './inflate.ts';
import { decodePemCertificates, isSignedBy, parseCertificate } from './x509.ts';

const dir = new URL('../../tests/data/vectors/hsm/', import.meta.url);
const certs = (p: string) =>
  decodePemCertificates(readFileSync(new URL(p, dir), 'utf8')).map((d) => parseCertificate(d));
const rsaKey = (c: ReturnType<typeof parseCertificate>): RsaPublicKey => {
  assert.ok(c.publicKey.kind === 'rsa');
  return c.publicKey;
};

function flip(b: Uint8Array, i: number): Uint8Array {
  const c = b.slice();
  c[i < 0 ? c.length + i : i]! ^= 1;
  return c;
}

/** The public key of a Node key object as modulus and exponent. */
function jwkKey(k: KeyObject): RsaPublicKey {
  const j = k.export({ format: 'jwk' });
  return {
    n: new Uint8Array(Buffer.from(j.n!, 'base64url')),
    e: new Uint8Array(Buffer.from(j.e!, 'base64url')),
  };
}

describe('RSA PKCS#1 v1.5 (Wycheproof-style sanity)', () => {
  const marvell = certs('gcp-cloudhsm-cavium/ec.certs');
  const att = gunzip(new Uint8Array(readFileSync(new URL('gcp-cloudhsm-cavium/ec.dat', dir))), 1 << 20);
  const data = att.subarray(0, att.length - 256);
  const sig = att.subarray(att.length - 256);
  const partition = rsaKey(marvell[2]!);

  test('when given the real Marvell attestation signature (RSA-2048, SHA-256), it verifies under the partition key', () => {
    assert.equal(verifyRsaPkcs1v15(partition, 'sha256', data, sig), true);
  });

  test('when the real signature, message, hash or key is altered, it does not verify', () => {
    assert.equal(verifyRsaPkcs1v15(partition, 'sha256', data, flip(sig, 0)), false);
    assert.equal(verifyRsaPkcs1v15(partition, 'sha256', data, flip(sig, -1)), false);
    assert.equal(verifyRsaPkcs1v15(partition, 'sha256', flip(data, 100), sig), false);
    assert.equal(verifyRsaPkcs1v15(partition, 'sha384', data, sig), false);
    assert.equal(verifyRsaPkcs1v15(rsaKey(marvell[1]!), 'sha256', data, sig), false);
    // Wrong length: a leading zero byte added, or the last byte dropped.
    assert.equal(verifyRsaPkcs1v15(partition, 'sha256', concatBytes(Uint8Array.of(0), sig), sig), false);
    assert.equal(verifyRsaPkcs1v15(partition, 'sha256', data, sig.subarray(0, 255)), false);
    // s >= n is rejected even though s mod n would verify.
    const n = partition.n;
    let s = 0n;
    for (const b of sig) s = (s << 8n) | BigInt(b);
    let nn = 0n;
    for (const b of n) nn = (nn << 8n) | BigInt(b);
    const sPlusN = s + nn;
    if (sPlusN < 1n << 2048n) {
      const big = fromHex(sPlusN.toString(16).padStart(512, '0'));
      assert.equal(verifyRsaPkcs1v15(partition, 'sha256', data, big), false);
    }
    assert.equal(verifyRsaPkcs1v15(partition, 'sha256', data, new Uint8Array(256)), false);
  });

  test('when given the real certificate signatures (RSA-2048 and the RSA-4096 Yubico root), they verify', () => {
    const [root, card, part] = marvell as [(typeof marvell)[0], (typeof marvell)[0], (typeof marvell)[0]];
    assert.ok(isSignedBy(card, root.publicKey));
    assert.ok(isSignedBy(part, card.publicKey));
    const [yroot] = certs('yubihsm2/yubico-yubihsm-root-ca.pem');
    assert.ok(yroot!.publicKey.kind === 'rsa' && yroot!.publicKey.bits === 4096);
    assert.ok(isSignedBy(yroot!, yroot!.publicKey));
    const [key] = certs('yubihsm2/key-attestation-0x7e57.pem');
    const [dev] = certs('yubihsm2/device-attestation-31650425.pem');
    assert.ok(isSignedBy(key!, dev!.publicKey));
    assert.ok(!isSignedBy(key!, root.publicKey));
  });

  test('when the encoded message is rebuilt for the real signature, it is byte for byte EMSA-PKCS1-v1_5 with the SHA-256 DigestInfo', () => {
    const em = emsaPkcs1v15('sha256', sha256(data), 256)!;
    assert.equal(toHex(em.subarray(0, 2)), '0001');
    assert.equal(toHex(em.subarray(256 - 52, 256 - 32)), '003031300d060960864801650304020105000420');
    assert.ok(em.subarray(2, 256 - 52).every((b) => b === 0xff));
  });

  describe('with keys and signatures made by Node (OpenSSL)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = jwkKey(publicKey);
    const k = 256;
    /** Raw RSA on an encoded message of our choosing: how the invalid-padding cases are made. */
    const rawSign = (em: Uint8Array) =>
      new Uint8Array(privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, em));
    const msg = new TextEncoder().encode('fleetproof');
    const good = emsaPkcs1v15('sha256', sha256(msg), k)!;

    test('when OpenSSL signs with SHA-256 and SHA-384, every signature verifies and the other hash does not', () => {
      for (let i = 0; i < 8; i++) {
        const m = new Uint8Array(randomBytes(i * 37));
        for (const hash of ['sha256', 'sha384'] as const) {
          const s = new Uint8Array(createSign(hash).update(m).sign(privateKey));
          assert.equal(verifyRsaPkcs1v15(key, hash, m, s), true);
          assert.equal(verifyRsaPkcs1v15(key, hash === 'sha256' ? 'sha384' : 'sha256', m, s), false);
        }
      }
    });

    test('when the raw encoding is the correct one, it verifies (the harness itself is right)', () => {
      assert.equal(verifyRsaPkcs1v15(key, 'sha256', msg, rawSign(good)), true);
    });

    const cases: [string, (em: Uint8Array) => Uint8Array][] = [
      ['block type 02 instead of 01', (em) => ((em[1] = 2), em)],
      ['a non-zero first byte', (em) => ((em[0] = 1), em)],
      ['a padding byte that is not FF', (em) => ((em[10] = 0xfe), em)],
      ['no zero separator before the DigestInfo', (em) => ((em[k - 52] = 0xff), em)],
      [
        'the DigestInfo without its NULL parameters',
        (em) => {
          const t = fromHex('302f300b0609608648016503040201' + '0420');
          const out = new Uint8Array(k).fill(0xff);
          out[0] = 0;
          out[1] = 1;
          out[k - t.length - 32 - 1] = 0;
          out.set(t, k - t.length - 32);
          out.set(em.subarray(k - 32), k - 32);
          return out;
        },
      ],
      [
        'garbage after the digest (shorter padding)',
        (em) => {
          const out = em.slice();
          out.copyWithin(k - 52 - 4, k - 52); // shift the separator, DigestInfo and digest left by 4
          out.set([1, 2, 3, 4], k - 4);
          return out;
        },
      ],
      [
        'the SHA-384 DigestInfo prefix with a SHA-256 digest',
        (em) => {
          em.set(fromHex('3041300d060960864801650304020205000430').subarray(0, 19), k - 51);
          return em;
        },
      ],
      ['the digest of another message', (em) => ((em[k - 1]! ^= 1), em)],
    ];
    for (const [name, mutate] of cases)
      test(`when the encoded message has ${name}, the signature is rejected`, () => {
        assert.equal(verifyRsaPkcs1v15(key, 'sha256', msg, rawSign(mutate(good.slice()))), false);
      });

    test('when the key is too small or its exponent even, nothing verifies', () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const s = new Uint8Array(createSign('sha256').update(msg).sign(small.privateKey));
      assert.equal(verifyRsaPkcs1v15(jwkKey(small.publicKey), 'sha256', msg, s), false);
      const s2 = new Uint8Array(createSign('sha256').update(msg).sign(privateKey));
      assert.equal(verifyRsaPkcs1v15({ n: key.n, e: Uint8Array.of(1, 0, 0) }, 'sha256', msg, s2), false);
    });
  });
});

describe('ECDSA P-256 and P-384 with SHA-256 and SHA-384', () => {
  for (const [curve, named] of [
    ['p256', 'prime256v1'],
    ['p384', 'secp384r1'],
  ] as const) {
    test(`when OpenSSL signs on ${curve} (DER and raw r||s, both hashes), every signature verifies; a flipped bit does not`, () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: named });
      const point = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })).subarray(
        curve === 'p256' ? 26 : 23,
      );
      for (let i = 0; i < 6; i++) {
        const m = new Uint8Array(randomBytes(1 + i * 19));
        for (const hash of ['sha256', 'sha384'] as const) {
          for (const [enc, format] of [
            ['der', 'der'],
            ['ieee-p1363', 'raw'],
          ] as const) {
            const s = new Uint8Array(createSign(hash).update(m).sign({ key: privateKey, dsaEncoding: enc }));
            assert.equal(verifyEcdsa(curve, hash, point, m, s, format), true, `${curve} ${hash} ${enc}`);
            assert.equal(verifyEcdsa(curve, hash, point, m, flip(s, -1), format), false);
          }
        }
      }
    });
  }

  test('when a P-384 signature is replaced by its high-S twin (n - s), it still verifies', () => {
    const sk = p384.utils.randomSecretKey();
    const pk = p384.getPublicKey(sk, false);
    const m = new TextEncoder().encode('nitro');
    const sig = p384.Signature.fromBytes(p384.sign(m, sk), 'compact');
    const n = p384.Point.Fn.ORDER;
    const high = new p384.Signature(sig.r, n - sig.s).toBytes('compact');
    assert.equal(verifyEcdsa('p384', 'sha384', pk, m, high, 'raw'), true);
    assert.equal(verifyEcdsa('p384', 'sha384', pk, m, high.subarray(1), 'raw'), false);
  });
});
