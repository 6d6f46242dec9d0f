import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ATTR, parseMarvellAttestation, verifyMarvellAttestation } from './marvell.ts';
import { gunzip } from './inflate.ts';
import { decodePemCertificates, parseSpki } from './x509.ts';
import { parseDer } from './asn1.ts';
import { toHex } from '../encoding.ts';
import { isValidEcPoint } from './ecdsa.ts';
import type { PinnedRootInput, VerifyOptions } from './claim.ts';
import { fails, flip } from '../../tests/lib/verdicts.ts';

const dir = new URL('../../tests/data/vectors/hsm/gcp-cloudhsm-cavium/', import.meta.url);
const bytes = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
const pems = (name: string) => decodePemCertificates(readFileSync(new URL(name, dir), 'utf8'));

const MARVELL_2034 = pems('marvell-liquidsecurity-root-2034.pem')[0]!;
const HAWKSBILL = pems('google-hawksbill-root-v1-prod.pem')[0]!;
const ROOTS: PinnedRootInput[] = [
  { id: 'marvell-2034', der: MARVELL_2034 },
  { id: 'hawksbill', der: HAWKSBILL },
];
const NOW = '2026-11-27T00:00:00Z';
const DER = { code: 'CERTIFICATE_INVALID' as const };
const AT = '2025-01-01T00:00:00Z';
const opts = (o: Partial<VerifyOptions> = {}): VerifyOptions => ({ roots: ROOTS, at: AT, now: NOW, ...o });

const SAMPLES = ['ec', 'rsa', 'aes'] as const;
const sample = (n: (typeof SAMPLES)[number]) => ({
  attestation: bytes(`${n}.dat`),
  certificates: pems(`${n}.certs`),
});
const raw = (n: (typeof SAMPLES)[number]) => gunzip(bytes(`${n}.dat`), 1 << 20);

/** Offset of the value of attribute `type` in the key object (the last object) of decompressed data. */
function attributeValueOffset(data: Uint8Array, type: number): number {
  const att = parseMarvellAttestation(data);
  const obj = att.objects[att.objects.length - 1]!;
  const a = obj.attributes.find((x) => x.type === type)!;
  return a.value.byteOffset - data.byteOffset;
}

describe('Marvell LiquidSecurity (Google Cloud HSM) attestations', () => {
  for (const n of SAMPLES) {
    test(`when the real ${n} sample is checked, it verifies with both chains to the pinned roots`, () => {
      const c = verifyMarvellAttestation(sample(n), opts());
      assert.equal(c.vendor, 'Marvell');
      assert.equal(c.format, 'marvell-cavium-v2');
      assert.equal(c.generatedOnDevice, true);
      assert.equal(c.exportable, false);
      assert.equal(c.chainComplete, true);
      assert.equal(c.rootId, 'marvell-2034');
      assert.equal(c.details.ownerRootId, 'hawksbill');
      assert.equal(c.timeUsed, '2025-01-01T00:00:00.000Z');
      assert.equal(c.timeSource, 'caller');
      assert.equal(c.attestedAt, undefined);
      assert.deepEqual(
        c.chain.map((e) => `${e.group}:${e.role}`),
        [
          'manufacturer:leaf',
          'manufacturer:intermediate',
          'manufacturer:root',
          'owner:leaf',
          'owner:root',
          'owner:leaf',
        ],
      );
      assert.ok(
        c.notes.some((x) => /X\.509 v1 certificate/.test(x)),
        'the v1 card certificate is noted',
      );
      assert.ok(
        c.notes.some((x) => /bundle's own copy of root/.test(x)),
        'the expired 2015 copy is noted',
      );
      assert.equal(c.details.label, 'app_key');
    });
  }

  test('when the samples are read, their keys are what the attributes say', () => {
    const ec = verifyMarvellAttestation(sample('ec'), opts());
    assert.equal(ec.keyType, 'ec-p256');
    assert.equal(ec.serial, '5.2G1804-ICM000678');
    assert.ok(isValidEcPoint('p256', ec.publicKey!.bytes));
    const rsa = verifyMarvellAttestation(sample('rsa'), opts());
    assert.equal(rsa.keyType, 'rsa');
    assert.equal(rsa.publicKey!.bits, 2048);
    assert.equal(rsa.serial, '5.3G2041-ICM002696');
    // The rebuilt SPKI parses back as a 2048-bit RSA key with exponent 65537.
    const k = parseSpki(parseDer(rsa.publicKey!.spki!, DER), DER);
    assert.ok(k.kind === 'rsa' && k.bits === 2048 && toHex(k.e) === '010001');
    const p = parseSpki(parseDer(ec.publicKey!.spki!, DER), DER);
    assert.ok(p.kind === 'ec' && p.curve === 'p256');
    const aes = verifyMarvellAttestation(sample('aes'), opts());
    assert.equal(aes.keyType, 'aes');
    assert.equal(aes.publicKey, undefined);
    assert.equal(aes.details.keySizeBits, 256);
  });

  test('when parsed, the TLVs are big-endian type/length with extractable, local and never-extractable flags', () => {
    const att = parseMarvellAttestation(raw('ec'));
    assert.equal(att.objects.length, 2);
    assert.deepEqual(att.handles, [0xa1c, 0xa1d]);
    const [pub, priv] = att.objects as [(typeof att.objects)[0], (typeof att.objects)[0]];
    const v = (o: typeof pub, t: number) => Array.from(o.attributes.find((a) => a.type === t)!.value);
    assert.deepEqual(v(pub, ATTR.CLASS), [2]);
    assert.deepEqual(v(priv, ATTR.CLASS), [3]);
    assert.deepEqual(v(priv, ATTR.KEY_TYPE), [3]);
    assert.deepEqual(v(priv, ATTR.EXTRACTABLE), [0]);
    assert.deepEqual(v(priv, ATTR.LOCAL), [1]);
    assert.deepEqual(v(priv, ATTR.NEVER_EXTRACTABLE), [1]);
    assert.deepEqual(v(pub, ATTR.EXTRACTABLE), [1]); // a public key is extractable: the flags are per object
    assert.equal(att.signature.length, 256);
    assert.equal(att.data.length + 256, raw('ec').length);
  });

  test('when the attestation is given already decompressed, it verifies the same', () => {
    const c = verifyMarvellAttestation({ attestation: raw('rsa'), certificates: pems('rsa.certs') }, opts());
    assert.equal(c.keyType, 'rsa');
  });

  test('when a byte of the signature is flipped, ATTESTATION_SIGNATURE_INVALID', () => {
    fails('ATTESTATION_SIGNATURE_INVALID', () =>
      verifyMarvellAttestation({ attestation: flip(raw('ec'), -1), certificates: pems('ec.certs') }, opts()),
    );
  });

  test('when the extractable attribute is flipped to true, ATTESTATION_SIGNATURE_INVALID', () => {
    const data = raw('ec');
    const i = attributeValueOffset(data, ATTR.EXTRACTABLE);
    assert.equal(data[i], 0);
    const tampered = flip(data, i);
    assert.deepEqual(
      Array.from(
        parseMarvellAttestation(tampered).objects[1]!.attributes.find((a) => a.type === 0x0162)!.value,
      ),
      [1],
    );
    fails('ATTESTATION_SIGNATURE_INVALID', () =>
      verifyMarvellAttestation({ attestation: tampered, certificates: pems('ec.certs') }, opts()),
    );
  });

  test('when a byte of the compressed file is flipped, the gzip checks fail: VENDOR_FORMAT_INVALID', () => {
    const gz = bytes('ec.dat');
    fails('VENDOR_FORMAT_INVALID', () =>
      verifyMarvellAttestation(
        { attestation: flip(gz, gz.length - 20), certificates: pems('ec.certs') },
        opts(),
      ),
    );
  });

  test('when a byte of the Cavium card certificate signature is flipped, CHAIN_BROKEN', () => {
    const certs = pems('ec.certs');
    certs[1] = flip(certs[1]!, -1);
    fails(
      'CHAIN_BROKEN',
      () => verifyMarvellAttestation({ attestation: bytes('ec.dat'), certificates: certs }, opts()),
      /does not verify/,
    );
  });

  test("when a byte of Google's partition certificate signature is flipped, CHAIN_BROKEN", () => {
    const certs = pems('ec.certs');
    certs[5] = flip(certs[5]!, -1);
    fails('CHAIN_BROKEN', () =>
      verifyMarvellAttestation({ attestation: bytes('ec.dat'), certificates: certs }, opts()),
    );
  });

  test("when another card's chains are supplied, the signature does not verify: ATTESTATION_SIGNATURE_INVALID", () => {
    fails('ATTESTATION_SIGNATURE_INVALID', () =>
      verifyMarvellAttestation({ attestation: bytes('ec.dat'), certificates: pems('rsa.certs') }, opts()),
    );
  });

  test("when the Google chain is another card's, the twins' keys differ: TWIN_KEY_MISMATCH", () => {
    const mixed = [...pems('ec.certs').slice(0, 3), ...pems('rsa.certs').slice(3)];
    fails('TWIN_KEY_MISMATCH', () =>
      verifyMarvellAttestation({ attestation: bytes('ec.dat'), certificates: mixed }, opts()),
    );
  });

  test('when the Marvell root is not pinned, UNKNOWN_KEY', () => {
    fails(
      'UNKNOWN_KEY',
      () => verifyMarvellAttestation(sample('ec'), opts({ roots: [{ der: HAWKSBILL }] })),
      /not a pinned root/,
    );
  });

  test('when the Google root is not pinned, UNKNOWN_KEY', () => {
    fails('UNKNOWN_KEY', () =>
      verifyMarvellAttestation(sample('ec'), opts({ roots: [{ der: MARVELL_2034 }] })),
    );
  });

  test('when the Google chain is left out, CHAIN_INCOMPLETE', () => {
    fails('CHAIN_INCOMPLETE', () =>
      verifyMarvellAttestation(
        { attestation: bytes('ec.dat'), certificates: pems('ec.certs').slice(0, 3) },
        opts(),
      ),
    );
  });

  test('when only the expired 2015 root is pinned and the time used is before its expiry, a note says it expired since', () => {
    const root2015 = pems('ec.certs')[0]!;
    const c = verifyMarvellAttestation(
      sample('ec'),
      opts({ roots: [{ id: 'cavium-2015', der: root2015 }, { der: HAWKSBILL }] }),
    );
    assert.equal(c.rootId, 'cavium-2015');
    assert.ok(
      c.notes.some((n) => /pinned root cavium-2015 .* has expired since/.test(n)),
      c.notes.join('\n'),
    );
  });

  test('when only the expired 2015 root is pinned and no time is given, the claim says validity was judged now and the root had expired', () => {
    const root2015 = pems('ec.certs')[0]!;
    const c = verifyMarvellAttestation(sample('ec'), {
      roots: [{ id: 'cavium-2015', der: root2015 }, { der: HAWKSBILL }],
      now: NOW,
    });
    assert.equal(c.timeSource, 'clock');
    assert.equal(c.timeUsed, '2026-11-27T00:00:00.000Z');
    assert.ok(
      c.notes.some((n) => /cavium-2015 .* was not valid at the time used/.test(n)),
      c.notes.join('\n'),
    );
    assert.ok(c.notes.some((n) => /carries no time/.test(n)));
  });

  test('when the time used is after the card certificate expired, KEY_OUTSIDE_VALIDITY', () => {
    fails('KEY_OUTSIDE_VALIDITY', () =>
      verifyMarvellAttestation(sample('ec'), opts({ at: '2029-01-01T00:00:00Z' })),
    );
  });

  test('when the header length disagrees with the data, VENDOR_FORMAT_INVALID', () => {
    fails('VENDOR_FORMAT_INVALID', () =>
      verifyMarvellAttestation({ attestation: flip(raw('ec'), 11), certificates: pems('ec.certs') }, opts()),
    );
  });

  test('when an attribute length runs past its object, VENDOR_FORMAT_INVALID', () => {
    const data = raw('ec');
    const i = attributeValueOffset(data, ATTR.EXTRACTABLE) - 2; // inside the 4-byte length (0x00000001)
    fails('VENDOR_FORMAT_INVALID', () => parseMarvellAttestation(flip(data, i, 0x10)));
  });

  test('when the decompressed attestation would pass the size limit, LIMIT_EXCEEDED', async () => {
    const big = new Uint8Array(1024 * 1024);
    const gz = new Uint8Array(
      await new Response(new Blob([big]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer(),
    );
    assert.ok(gz.length < 64 * 1024);
    fails('LIMIT_EXCEEDED', () =>
      verifyMarvellAttestation({ attestation: gz, certificates: pems('ec.certs') }, opts()),
    );
  });

  test('when the time given is not an ISO time, SCHEMA_INVALID', () => {
    fails('SCHEMA_INVALID', () => verifyMarvellAttestation(sample('ec'), opts({ at: '2025-01-01' })));
  });
});
