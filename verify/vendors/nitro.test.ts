import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { p384 } from '@noble/curves/nist.js';
import { sha384 } from '@noble/hashes/sha2.js';
import { concatBytes, fromBase64, utf8 } from '../encoding.ts';
import { parseNitroDocument, verifyNitroAttestation } from './nitro.ts';
import { CborMap, CborTagged, type CborValue, decodeCbor } from './cbor.ts';
import { decodePemCertificates, parseCertificate } from './x509.ts';
import type { VerifyOptions } from './claim.ts';
import { fails } from '../../tests/lib/verdicts.ts';

const dir = new URL('../../tests/data/vectors/hsm/', import.meta.url);
const DOC = fromBase64(readFileSync(new URL('aws-nitro/nitro_attestation.b64', dir), 'utf8').trim());
const AWS_ROOT = decodePemCertificates(
  readFileSync(new URL('aws-nitro/aws-nitro-enclaves-root-G1.pem', dir), 'utf8'),
)[0]!;
const YUBICO_ROOT = decodePemCertificates(
  readFileSync(new URL('yubihsm2/yubico-yubihsm-root-ca.pem', dir), 'utf8'),
)[0]!;
const NOW = '2026-11-27T00:00:00Z';
const opts = (o: Partial<VerifyOptions> = {}): VerifyOptions => ({
  roots: [{ id: 'aws-nitro-g1', der: AWS_ROOT }],
  now: NOW,
  ...o,
});

/** A minimal canonical CBOR encoder, to rebuild documents after a change. */
function head(major: number, n: number | bigint): Uint8Array {
  const v = BigInt(n);
  const m = major << 5;
  if (v < 24n) return Uint8Array.of(m | Number(v));
  const len = v < 0x100n ? 1 : v < 0x10000n ? 2 : v < 0x100000000n ? 4 : 8;
  const out = new Uint8Array(1 + len);
  out[0] = m | (len === 1 ? 24 : len === 2 ? 25 : len === 4 ? 26 : 27);
  for (let i = 0; i < len; i++) out[len - i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}
function encode(v: CborValue): Uint8Array {
  if (typeof v === 'number' || typeof v === 'bigint')
    return BigInt(v) >= 0n ? head(0, v) : head(1, -1n - BigInt(v));
  if (typeof v === 'string') return concatBytes(head(3, utf8(v).length), utf8(v));
  if (v instanceof Uint8Array) return concatBytes(head(2, v.length), v);
  if (Array.isArray(v)) return concatBytes(head(4, v.length), ...v.map(encode));
  if (v instanceof CborMap)
    return concatBytes(head(5, v.entries.length), ...v.entries.flatMap(([k, x]) => [encode(k), encode(x)]));
  if (v instanceof CborTagged) return concatBytes(head(6, v.tag), encode(v.value));
  if (v === null) return Uint8Array.of(0xf6);
  return Uint8Array.of(v ? 0xf5 : 0xf4);
}

/** The document with its payload changed by `edit` (the signature is kept, so it no longer matches). */
function withPayload(edit: (p: CborMap) => CborMap): Uint8Array {
  const [prot, unprot, payload, sig] = decodeCbor(DOC) as [Uint8Array, CborMap, Uint8Array, Uint8Array];
  const p = decodeCbor(payload) as CborMap;
  return encode([prot, unprot, encode(edit(p)), sig]);
}
const replace = (p: CborMap, key: string, value: CborValue) =>
  new CborMap(p.entries.map(([k, v]) => [k, k === key ? value : v]));

function flip(b: Uint8Array, i: number): Uint8Array {
  const c = b.slice();
  c[i < 0 ? c.length + i : i]! ^= 1;
  return c;
}

describe('AWS Nitro Enclaves attestation documents', () => {
  test('when the real document is checked at its own timestamp, it verifies to the pinned AWS root', () => {
    const c = verifyNitroAttestation(DOC, opts());
    assert.equal(c.vendor, 'AWS');
    assert.equal(c.format, 'aws-nitro-enclaves');
    assert.equal(c.serial, 'i-0a22e5c5f24d22174-enc0191cceb4289903f');
    assert.equal(c.attestedAt, '2024-09-07T14:37:39.545Z');
    assert.equal(c.timeUsed, c.attestedAt);
    assert.equal(c.timeSource, 'attestation');
    assert.equal(c.rootId, 'aws-nitro-g1');
    assert.equal(c.chainComplete, true);
    assert.deepEqual(
      c.chain.map((e) => e.role),
      ['leaf', 'intermediate', 'intermediate', 'intermediate', 'root'],
    );
    assert.equal(c.chain[4]!.fingerprint, '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b');
    assert.equal(Object.keys(c.measurements).length, 16);
    assert.match(c.measurements.PCR0!, /^e72a46ca80a260fb/);
    assert.equal(c.measurements.PCR0!.length, 96);
    assert.ok(
      c.notes.some((n) => /has expired since/.test(n)),
      'the leaf expired three hours later: noted',
    );
    assert.equal(c.generatedOnDevice, false);
    assert.equal(c.exportable, true);
  });

  test('when the document is tagged COSE_Sign1 (tag 18), it verifies the same', () => {
    const c = verifyNitroAttestation(concatBytes(Uint8Array.of(0xd2), DOC), opts());
    assert.equal(c.rootId, 'aws-nitro-g1');
  });

  test('when the test encoder rebuilds the unchanged document, the bytes are identical', () => {
    assert.deepEqual(
      withPayload((p) => p),
      DOC,
    );
  });

  test('when two of the chain link signatures are high-S, they are accepted (lowS: false), which low-S-only would refuse', () => {
    const doc = parseNitroDocument(DOC);
    // The links: leaf and the three intermediates (the root's own self-signature is not a link).
    const certs = [doc.certificate, ...doc.cabundle.slice(1)].map((d) => parseCertificate(d));
    const [root, i1, i2, i3] = doc.cabundle as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const issuers = [i3, root, i1, i2].map((d) => parseCertificate(d));
    const n = p384.Point.Fn.ORDER;
    let high = 0;
    certs.forEach((cert, i) => {
      const sig = p384.Signature.fromBytes(cert.signature, 'der');
      if (sig.s <= n / 2n) return;
      high++;
      const key = issuers[i]!.publicKey;
      assert.ok(key.kind === 'ec');
      const digest = sha384(cert.tbs);
      const opts = { prehash: false, format: 'der' } as const;
      assert.equal(p384.verify(cert.signature, digest, key.point, { ...opts, lowS: true }), false);
      assert.equal(p384.verify(cert.signature, digest, key.point, { ...opts, lowS: false }), true);
    });
    assert.equal(high, 2);
  });

  test('when a byte of the COSE signature is flipped, ATTESTATION_SIGNATURE_INVALID', () => {
    fails('ATTESTATION_SIGNATURE_INVALID', () => verifyNitroAttestation(flip(DOC, -1), opts()));
  });

  test('when a byte of PCR0 is flipped, ATTESTATION_SIGNATURE_INVALID', () => {
    const pcr0 = parseNitroDocument(DOC).pcrs.get(0)!;
    const i = DOC.findIndex((_, j) => pcr0.every((b, k) => DOC[j + k] === b));
    assert.ok(i > 0);
    fails('ATTESTATION_SIGNATURE_INVALID', () => verifyNitroAttestation(flip(DOC, i + 5), opts()));
  });

  test('when a byte of an intermediate certificate signature is flipped, CHAIN_BROKEN', () => {
    const doc = withPayload((p) => {
      const bundle = (p.get('cabundle') as Uint8Array[]).slice();
      bundle[2] = flip(bundle[2]!, -1);
      return replace(p, 'cabundle', bundle);
    });
    fails('CHAIN_BROKEN', () => verifyNitroAttestation(doc, opts()), /does not verify/);
  });

  test("when the leaf is swapped for another valid certificate of the chain, the signature is not that key's: ATTESTATION_SIGNATURE_INVALID", () => {
    const doc = withPayload((p) => {
      const bundle = p.get('cabundle') as Uint8Array[];
      return replace(replace(p, 'certificate', bundle[3]!), 'cabundle', bundle.slice(0, 3));
    });
    fails('ATTESTATION_SIGNATURE_INVALID', () => verifyNitroAttestation(doc, opts()));
  });

  test("when the chain is another vendor's (the YubiHSM device certificate as leaf), the chain fails: UNKNOWN_KEY", () => {
    const device = decodePemCertificates(
      readFileSync(new URL('yubihsm2/device-attestation-31650425.pem', dir), 'utf8'),
    )[0]!;
    const doc = withPayload((p) => replace(p, 'certificate', device));
    fails('UNKNOWN_KEY', () => verifyNitroAttestation(doc, opts()));
  });

  test('when the AWS root is not pinned, UNKNOWN_KEY', () => {
    fails(
      'UNKNOWN_KEY',
      () => verifyNitroAttestation(DOC, opts({ roots: [{ der: YUBICO_ROOT }] })),
      /not a pinned root/,
    );
    fails('UNKNOWN_KEY', () => verifyNitroAttestation(DOC, opts({ roots: [] })));
  });

  test('when the timestamp is moved past the leaf certificate expiry, KEY_OUTSIDE_VALIDITY', () => {
    const doc = withPayload((p) => replace(p, 'timestamp', (p.get('timestamp') as number) + 4 * 3600 * 1000));
    fails('KEY_OUTSIDE_VALIDITY', () => verifyNitroAttestation(doc, opts()));
  });

  test('when the caller gives another time, the document timestamp is still used and the claim says so', () => {
    const c = verifyNitroAttestation(DOC, opts({ at: NOW }));
    assert.equal(c.timeUsed, '2024-09-07T14:37:39.545Z');
    assert.ok(c.notes.some((n) => /own timestamp/.test(n)));
  });

  test('when the protected header names another algorithm, VENDOR_FORMAT_INVALID', () => {
    const [, unprot, payload, sig] = decodeCbor(DOC) as [Uint8Array, CborMap, Uint8Array, Uint8Array];
    const es256 = encode(new CborMap([[1, -7]]));
    fails(
      'VENDOR_FORMAT_INVALID',
      () => verifyNitroAttestation(encode([es256, unprot, payload, sig]), opts()),
      /ES384/,
    );
  });

  test('when the payload has an unknown field or a bad digest, VENDOR_FORMAT_INVALID', () => {
    fails('VENDOR_FORMAT_INVALID', () =>
      verifyNitroAttestation(
        withPayload((p) => new CborMap([...p.entries, ['extra', 1]])),
        opts(),
      ),
    );
    fails('VENDOR_FORMAT_INVALID', () =>
      verifyNitroAttestation(
        withPayload((p) => replace(p, 'digest', 'SHA256')),
        opts(),
      ),
    );
  });

  test('when the document uses a non-shortest length or trailing bytes, VENDOR_FORMAT_INVALID', () => {
    // 0x84 (array of 4) written as 0x98 0x04: the same value, not in shortest form.
    fails('VENDOR_FORMAT_INVALID', () =>
      verifyNitroAttestation(concatBytes(Uint8Array.of(0x98, 0x04), DOC.subarray(1)), opts()),
    );
    fails('VENDOR_FORMAT_INVALID', () => verifyNitroAttestation(concatBytes(DOC, Uint8Array.of(0)), opts()));
  });

  test('when the document is larger than the limit, LIMIT_EXCEEDED', () => {
    fails('LIMIT_EXCEEDED', () => verifyNitroAttestation(new Uint8Array(65 * 1024), opts()));
  });
});
