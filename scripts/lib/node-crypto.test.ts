/**
 * The node:crypto provider and the reference (noble, BigInt) give the same verdict on every vector, through the
 * core's own entry points (so the strict checks in front of the providers are part of what is compared), and the
 * same verdict as the vectors expect.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { verifyEd25519Strict } from '../../verify/crypto/ed25519.ts';
import { verifyP256 } from '../../verify/crypto/ecdsa.ts';
import { verifyEcdsa, type EcCurve, type EcHash } from '../../verify/vendors/ecdsa.ts';
import { verifyRsaPkcs1v15, type RsaHash, type RsaPublicKey } from '../../verify/vendors/rsa.ts';
import { type CryptoProvider, getCryptoProvider, withCryptoProvider } from '../../verify/crypto/provider.ts';
import { referenceProvider } from '../../verify/crypto/reference.ts';
import { sha256 } from '../../verify/crypto/sha256.ts';
import { fromHex, toHex } from '../../verify/encoding.ts';
import { PLEXI_VECTORS, signedMessage } from '../../tests/lib/plexi-vectors.ts';
import { verifyEvidence } from '../../verify/tree.ts';
import { nodeCryptoProvider } from './node-crypto.ts';
import { readTree } from './read-tree.ts';
import { runCheckAttestation } from '../check-attestation.ts';

const data = (p: string) => new URL(`../../tests/data/vectors/${p}`, import.meta.url);
const vec = (p: string) => JSON.parse(readFileSync(data(p), 'utf8'));
const hex = (s: string) => fromHex(s.toLowerCase());

/** The verdict of `fn` under each provider; they must agree (and the memo must not hide a provider). */
function both(fn: () => boolean, label: string): boolean {
  const a = withCryptoProvider(referenceProvider, fn);
  const b = withCryptoProvider(nodeCryptoProvider, fn);
  assert.equal(b, a, `providers disagree: ${label}`);
  return a;
}

describe('node:crypto and reference providers agree', () => {
  test('when given every Wycheproof Ed25519 case, both give the expected verdict', () => {
    const w = vec('crypto/wycheproof/ed25519_test.json');
    let n = 0;
    for (const g of w.testGroups)
      for (const t of g.tests) {
        const got = both(
          () => verifyEd25519Strict(hex(t.sig), hex(t.msg), hex(g.publicKey.pk)),
          `tcId ${t.tcId}`,
        );
        assert.equal(got, t.result === 'valid', `tcId ${t.tcId} (${t.comment})`);
        n++;
      }
    assert.equal(n, w.numberOfTests);
  });

  test('when given the RFC 8032 vectors and every one-bit change of their signatures, both agree', () => {
    const cases = vec('crypto/rfc8032/ed25519.json') as {
      publicKey: string;
      message: string;
      signature: string;
    }[];
    for (const c of cases) {
      const pk = hex(c.publicKey);
      const msg = hex(c.message);
      assert.equal(
        both(() => verifyEd25519Strict(hex(c.signature), msg, pk), 'rfc8032'),
        true,
      );
      for (let bit = 0; bit < 512; bit++) {
        const sig = hex(c.signature);
        sig[bit >> 3]! ^= 1 << (bit & 7);
        assert.equal(
          both(() => verifyEd25519Strict(sig, msg, pk), `rfc8032 bit ${bit}`),
          false,
        );
      }
      for (let bit = 0; bit < 256; bit++) {
        const k = pk.slice();
        k[bit >> 3]! ^= 1 << (bit & 7);
        assert.equal(
          both(() => verifyEd25519Strict(hex(c.signature), msg, k), `rfc8032 key bit ${bit}`),
          false,
        );
      }
    }
  });

  test('when the key or R is a small-order point or non-canonical, both reject whatever S is', () => {
    const smallY = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
      // non-canonical: y = p, p + 1, 2^255 − 1
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    const good = vec('crypto/rfc8032/ed25519.json')[1] as {
      publicKey: string;
      message: string;
      signature: string;
    };
    for (const y of smallY)
      for (const sign of [0, 0x80]) {
        const p = hex(y);
        p[31]! |= sign;
        const sigR = hex(good.signature);
        sigR.set(p, 0);
        assert.equal(
          both(() => verifyEd25519Strict(sigR, hex(good.message), hex(good.publicKey)), `R ${y}`),
          false,
        );
        const zeroS = new Uint8Array(64);
        zeroS.set(p, 0);
        assert.equal(
          both(() => verifyEd25519Strict(zeroS, new Uint8Array(0), p), `A=R ${y}, S=0`),
          false,
        );
      }
  });

  for (const [file, format] of [
    ['crypto/wycheproof/ecdsa_secp256r1_sha256_test.json', 'der'],
    ['crypto/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json', 'p1363'],
  ] as const) {
    test(`when given every Wycheproof ECDSA P-256 case (${format}), both give the expected verdict`, () => {
      const w = vec(file);
      let n = 0;
      for (const g of w.testGroups) {
        const pk = hex(g.publicKey.uncompressed);
        for (const t of g.tests) {
          const got = both(() => verifyP256(hex(t.sig), hex(t.msg), pk, format), `tcId ${t.tcId}`);
          assert.equal(got, t.result === 'valid', `tcId ${t.tcId} (${t.comment})`);
          n++;
        }
      }
      assert.equal(n, w.numberOfTests);
    });
  }

  test('when given the RFC 6979 P-256 signatures (and one-bit changes), both agree', () => {
    const [v] = vec('crypto/rfc6979/p256.json');
    const pk = hex('04' + v.Ux + v.Uy);
    const cases = v.cases.filter((c: { hash: string }) => c.hash === 'SHA-256');
    assert.equal(cases.length, 2);
    for (const c of cases) {
      const sig = hex(c.r.padStart(64, '0') + c.s.padStart(64, '0'));
      const msg = new TextEncoder().encode(c.message);
      assert.equal(
        both(() => verifyP256(sig, msg, pk, 'p1363'), 'rfc6979'),
        true,
      );
      for (let bit = 0; bit < 512; bit += 7) {
        const s = sig.slice();
        s[bit >> 3]! ^= 1 << (bit & 7);
        assert.equal(
          both(() => verifyP256(s, msg, pk, 'p1363'), `rfc6979 bit ${bit}`),
          false,
        );
      }
    }
  });

  test('when given the Plexi vectors, both verify every signature and reject a changed one', () => {
    assert.ok(PLEXI_VECTORS.length > 0);
    for (const v of PLEXI_VECTORS) {
      const msg = signedMessage(v);
      const pk = hex(v.verifying_key);
      assert.equal(
        both(() => verifyEd25519Strict(hex(v.signature), msg, pk), 'plexi'),
        true,
      );
      const bad = hex(v.signature);
      bad[40]! ^= 4;
      assert.equal(
        both(() => verifyEd25519Strict(bad, msg, pk), 'plexi changed'),
        false,
      );
    }
  });

  test('when the vendor samples are checked, every ECDSA and RSA signature they carry gets the same verdict', () => {
    const ec: { curve: EcCurve; hash: EcHash; point: Uint8Array; msg: Uint8Array; rs: Uint8Array }[] = [];
    const rsa: { key: RsaPublicKey; hash: RsaHash; msg: Uint8Array; sig: Uint8Array }[] = [];
    const recorder: CryptoProvider = {
      ...referenceProvider,
      name: 'recorder',
      ecdsa: (curve, hash, point, msg, rs) => {
        ec.push({ curve, hash, point, msg, rs });
        return referenceProvider.ecdsa(curve, hash, point, msg, rs);
      },
      rsaPkcs1v15: (key, hash, msg, sig) => {
        rsa.push({ key, hash, msg, sig });
        return referenceProvider.rsaPkcs1v15(key, hash, msg, sig);
      },
    };
    const p = (s: string) => fileURLToPath(data(`hsm/${s}`));
    const log = console.log;
    console.log = () => {};
    try {
      withCryptoProvider(recorder, () => {
        for (const kind of ['ec', 'rsa', 'aes'])
          runCheckAttestation([
            p(`gcp-cloudhsm-cavium/${kind}.dat`),
            '--format',
            'marvell',
            '--chain',
            p(`gcp-cloudhsm-cavium/${kind}.certs`),
            '--at',
            '2025-01-01T00:00:00Z',
          ]);
        runCheckAttestation([p('aws-nitro/nitro_attestation.b64'), '--format', 'nitro']);
        runCheckAttestation([
          p('yubihsm2/key-attestation-0x7e57.pem'),
          '--format',
          'yubihsm2',
          '--chain',
          p('yubihsm2/device-attestation-31650425.pem'),
          '--allow-incomplete-chain',
        ]);
        runCheckAttestation([
          p('yubihsm2/yubihsm-31650558-device-attestation.pem'),
          '--format',
          'yubihsm2',
          '--allow-incomplete-chain',
        ]);
      });
    } finally {
      console.log = log;
    }
    assert.ok(
      ec.some((c) => c.curve === 'p384'),
      'the samples carry P-384 signatures',
    );
    assert.ok(rsa.length > 0, 'the samples carry RSA signatures');
    for (const c of ec) {
      assert.equal(
        both(() => verifyEcdsa(c.curve, c.hash, c.point, c.msg, c.rs, 'raw'), 'vendor ecdsa'),
        true,
      );
      const msg = c.msg.slice();
      msg[msg.length - 1]! ^= 1;
      assert.equal(
        both(() => verifyEcdsa(c.curve, c.hash, c.point, msg, c.rs, 'raw'), 'vendor ecdsa msg'),
        false,
      );
      const rs = c.rs.slice();
      rs[5]! ^= 1;
      assert.equal(
        both(() => verifyEcdsa(c.curve, c.hash, c.point, c.msg, rs, 'raw'), 'vendor ecdsa rs'),
        false,
      );
    }
    for (const c of rsa) {
      assert.equal(
        both(() => verifyRsaPkcs1v15(c.key, c.hash, c.msg, c.sig), 'vendor rsa'),
        true,
      );
      const sig = c.sig.slice();
      sig[sig.length - 1]! ^= 1;
      assert.equal(
        both(() => verifyRsaPkcs1v15(c.key, c.hash, c.msg, sig), 'vendor rsa sig'),
        false,
      );
      const other: RsaHash = c.hash === 'sha256' ? 'sha384' : 'sha256';
      assert.equal(
        both(() => verifyRsaPkcs1v15(c.key, other, c.msg, c.sig), 'vendor rsa hash'),
        false,
      );
    }
  });

  test('when hashing, both give the same SHA-256 and SHA-384', () => {
    for (const n of [0, 1, 55, 56, 64, 1000, 100_000]) {
      const d = new Uint8Array(n).map((_, i) => (i * 31) & 255);
      assert.equal(toHex(nodeCryptoProvider.sha256(d)), toHex(referenceProvider.sha256(d)));
      assert.equal(toHex(nodeCryptoProvider.sha384(d)), toHex(referenceProvider.sha384(d)));
    }
    assert.equal(getCryptoProvider(), referenceProvider, 'the default provider is the reference');
    assert.equal(
      toHex(withCryptoProvider(nodeCryptoProvider, () => sha256(Uint8Array.of(1)))),
      toHex(referenceProvider.sha256(Uint8Array.of(1))),
    );
  });

  test('when the demo evidence is verified, both providers give the same report', () => {
    const files = readTree(fileURLToPath(new URL('../../evidence', import.meta.url)));
    const a = withCryptoProvider(referenceProvider, () => verifyEvidence(files));
    const b = withCryptoProvider(nodeCryptoProvider, () => verifyEvidence(files));
    assert.equal(a.ok, true);
    assert.equal(JSON.stringify(b), JSON.stringify(a));
  });
});
