import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { derBitString, derNull, derOid, derSequence, derTlv, derUnsignedInteger } from './asn1.ts';
import { isVerificationError, type ErrorCode } from '../errors.ts';
import { fromHex, toHex } from '../encoding.ts';
import { YUBICO_OID, capabilityNames, verifyYubiHsm2Attestation } from './yubihsm2.ts';
import { decodePemCertificates, parseCertificate } from './x509.ts';
import { requireCompleteChain, type VerifyOptions } from './claim.ts';
import { checkVendorAttestation } from './index.ts';

const dir = new URL('../../tests/data/vectors/hsm/yubihsm2/', import.meta.url);
const pem = (name: string) => decodePemCertificates(readFileSync(new URL(name, dir), 'utf8'))[0]!;
const KEY = pem('key-attestation-0x7e57.pem');
const DEVICE = pem('device-attestation-31650425.pem');
const OTHER_DEVICE = pem('yubihsm-31650558-device-attestation.pem');
const ROOT = pem('yubico-yubihsm-root-ca.pem');
const opts = (o: Partial<VerifyOptions> = {}): VerifyOptions => ({
  roots: [{ id: 'yubico-root', der: ROOT }],
  at: '2025-01-01T00:00:00Z',
  now: '2026-11-27T00:00:00Z',
  ...o,
});

function fails(code: ErrorCode, f: () => unknown, message?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isVerificationError(e), `expected a VerificationError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

function flip(b: Uint8Array, i: number, bit = 1): Uint8Array {
  const c = b.slice();
  c[i < 0 ? c.length + i : i]! ^= bit;
  return c;
}

/** Offset of a byte sequence in `b`. */
function indexOf(b: Uint8Array, needle: Uint8Array): number {
  for (let i = 0; i + needle.length <= b.length; i++) if (needle.every((x, k) => b[i + k] === x)) return i;
  return -1;
}

describe('YubiHSM 2 key attestations', () => {
  test('when the real key attestation is checked with its device certificate, it verifies and says the chain is incomplete', () => {
    const c = verifyYubiHsm2Attestation({ attestation: KEY, certificates: [DEVICE] }, opts());
    assert.equal(c.vendor, 'Yubico');
    assert.equal(c.model, 'YubiHSM 2');
    assert.equal(c.serial, '31650425');
    assert.equal(c.firmware, '2.4.0');
    assert.equal(c.keyType, 'ec-p256');
    assert.equal(c.publicKey!.bytes.length, 65);
    assert.equal(c.generatedOnDevice, true);
    assert.equal(c.exportable, false);
    assert.equal(c.details.objectId, '0x7e57');
    assert.equal(c.details.label, 'hsmaudit-test');
    assert.deepEqual(c.details.capabilities, ['sign-ecdsa']);
    assert.deepEqual(c.details.domains, ['1']);
    assert.equal(c.details.origin, 'generated');
    assert.equal(c.timeUsed, '2025-01-01T00:00:00.000Z');
    // Never a silent pass: the missing sub-CA is stated, and no root is claimed.
    assert.equal(c.chainComplete, false);
    assert.equal(c.rootId, undefined);
    assert.ok(
      c.notes.some((n) => /^intermediate missing: "CN=Yubico YubiHSM 6742036 Sub-CA"/.test(n)),
      c.notes.join('\n'),
    );
    assert.deepEqual(
      c.chain.map((e) => e.subject),
      ['CN=YubiHSM Attestation id:0x7e57', 'CN=YubiHSM Attestation (31650425)'],
    );
    fails('CHAIN_INCOMPLETE', () => requireCompleteChain(c), /Sub-CA/);
  });

  test('when checked as a report, an incomplete chain fails with CHAIN_INCOMPLETE unless explicitly allowed', () => {
    const strict = checkVendorAttestation('yubihsm2', KEY, [DEVICE], opts());
    assert.equal(strict.ok, false);
    assert.equal(strict.errors[0]!.code, 'CHAIN_INCOMPLETE');
    assert.equal(strict.claim!.chainComplete, false);
    const allowed = checkVendorAttestation('yubihsm2', KEY, [DEVICE], {
      ...opts(),
      allowIncompleteChain: true,
    });
    assert.equal(allowed.ok, true);
  });

  test('when a byte of the key attestation signature is flipped, ATTESTATION_SIGNATURE_INVALID', () => {
    fails('ATTESTATION_SIGNATURE_INVALID', () =>
      verifyYubiHsm2Attestation({ attestation: flip(KEY, -1), certificates: [DEVICE] }, opts()),
    );
  });

  test('when the capabilities are changed to add exportable-under-wrap, ATTESTATION_SIGNATURE_INVALID', () => {
    const caps = fromHex('0309000000000000000080');
    const i = indexOf(KEY, caps);
    assert.ok(i > 0);
    const tampered = KEY.slice();
    tampered[i + 8] = 0x01; // bit 16 of the big-endian u64
    const ext = parseCertificate(tampered).extensions.get(YUBICO_OID.capabilities)!;
    assert.equal(toHex(ext.value), '0309000000000000010080');
    fails('ATTESTATION_SIGNATURE_INVALID', () =>
      verifyYubiHsm2Attestation({ attestation: tampered, certificates: [DEVICE] }, opts()),
    );
  });

  test("when a byte of the device certificate's public key is flipped, ATTESTATION_SIGNATURE_INVALID", () => {
    const dev = parseCertificate(DEVICE);
    assert.ok(dev.publicKey.kind === 'rsa');
    const i = indexOf(DEVICE, dev.publicKey.n.subarray(0, 16));
    fails('ATTESTATION_SIGNATURE_INVALID', () =>
      verifyYubiHsm2Attestation({ attestation: KEY, certificates: [flip(DEVICE, i + 100)] }, opts()),
    );
  });

  test("when a byte of the device certificate's own signature is flipped, it cannot be caught without the sub-CA: the chain stays incomplete", () => {
    const c = verifyYubiHsm2Attestation({ attestation: KEY, certificates: [flip(DEVICE, -1)] }, opts());
    assert.equal(c.chainComplete, false);
    fails('CHAIN_INCOMPLETE', () => requireCompleteChain(c));
  });

  test("when another device's certificate is supplied, CHAIN_BROKEN", () => {
    fails(
      'CHAIN_BROKEN',
      () => verifyYubiHsm2Attestation({ attestation: KEY, certificates: [OTHER_DEVICE] }, opts()),
      /31650425/,
    );
  });

  test('when no device certificate is supplied, CHAIN_INCOMPLETE', () => {
    fails('CHAIN_INCOMPLETE', () =>
      verifyYubiHsm2Attestation({ attestation: KEY, certificates: [] }, opts()),
    );
  });

  test('when the Yubico root is not pinned, no root is claimed and the chain stays incomplete', () => {
    const c = verifyYubiHsm2Attestation({ attestation: KEY, certificates: [DEVICE] }, opts({ roots: [] }));
    assert.equal(c.rootId, undefined);
    assert.equal(c.chainComplete, false);
    fails('CHAIN_INCOMPLETE', () => requireCompleteChain(c));
  });

  test('when an unrelated certificate is supplied too (the Yubico root, unpinned), the claim notes it is off the chain', () => {
    // The root did not issue the device certificate (the sub-CA did): it is reported, not silently ignored.
    const c = verifyYubiHsm2Attestation(
      { attestation: KEY, certificates: [DEVICE, ROOT] },
      opts({ roots: [] }),
    );
    assert.ok(c.notes.some((n) => /was supplied but is not on the chain/.test(n)));
  });

  test('when the capability bits are named, they follow libyubihsm', () => {
    assert.deepEqual(capabilityNames(0x80n), ['sign-ecdsa']);
    assert.deepEqual(capabilityNames(1n << 16n), ['exportable-under-wrap']);
    assert.deepEqual(capabilityNames((1n << 12n) | (1n << 13n)), ['export-wrapped', 'import-wrapped']);
  });
});

/**
 * A synthetic Yubico-like hierarchy made here (root → sub-CA → device → key attestation), because the real
 * sub-CA is not public: it exercises the complete-chain path, an unpinned root, an issuer that is not a CA, and the
 * origin and capability flags the real sample does not have.
 */
describe('YubiHSM 2 key attestations over a complete (synthetic) chain', () => {
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = (cn: string) =>
    derSequence(derTlv(0x31, derSequence(derOid('2.5.4.3'), derTlv(0x0c, new TextEncoder().encode(cn)))));
  const ext = (oid: string, value: Uint8Array, critical = false) =>
    derSequence(derOid(oid), ...(critical ? [Uint8Array.of(0x01, 0x01, 0xff)] : []), derTlv(0x04, value));
  const SHA256_RSA = derSequence(derOid('1.2.840.113549.1.1.11'), derNull());
  const validity = derSequence(
    derTlv(0x17, new TextEncoder().encode('170101000000Z')),
    derTlv(0x18, new TextEncoder().encode('20711005000000Z')),
  );
  let serial = 1;
  function cert(
    issuer: string,
    subject: string,
    spki: KeyObject,
    signer: KeyObject,
    exts: Uint8Array[],
  ): Uint8Array {
    const tbs = derSequence(
      derTlv(0xa0, derUnsignedInteger(Uint8Array.of(2))),
      derUnsignedInteger(Uint8Array.of(serial++)),
      SHA256_RSA,
      name(issuer),
      validity,
      name(subject),
      new Uint8Array(spki.export({ format: 'der', type: 'spki' })),
      ...(exts.length ? [derTlv(0xa3, derSequence(...exts))] : []),
    );
    const sig = new Uint8Array(createSign('sha256').update(tbs).sign(signer));
    return derSequence(tbs, SHA256_RSA, derBitString(sig));
  }
  const ca = (pathLen: number | undefined, isCa = true) =>
    ext(
      '2.5.29.19',
      derSequence(
        ...(isCa ? [Uint8Array.of(0x01, 0x01, 0xff)] : []),
        ...(pathLen === undefined ? [] : [derUnsignedInteger(Uint8Array.of(pathLen))]),
      ),
      true,
    );
  const yubico = (serialNo: number, origin = 0x01, caps = fromHex('0000000000000080')) => [
    ext(YUBICO_OID.firmware, derTlv(0x04, Uint8Array.of(2, 4, 0))),
    ext(
      YUBICO_OID.serial,
      derUnsignedInteger(Uint8Array.of(serialNo >> 24, serialNo >> 16, serialNo >> 8, serialNo)),
    ),
    ext(YUBICO_OID.origin, derBitString(Uint8Array.of(origin))),
    ext(YUBICO_OID.domains, derBitString(Uint8Array.of(0, 1))),
    ext(YUBICO_OID.capabilities, derBitString(caps)),
    ext(YUBICO_OID.objectId, derUnsignedInteger(Uint8Array.of(0x12, 0x34))),
  ];
  const root = rsa();
  const sub = rsa();
  const device = rsa();
  const ROOT_DER = cert('Test YubiHSM Root CA', 'Test YubiHSM Root CA', root.publicKey, root.privateKey, [
    ca(2),
  ]);
  const SUB_DER = cert('Test YubiHSM Root CA', 'Test YubiHSM Sub-CA', sub.publicKey, root.privateKey, [
    ca(1),
  ]);
  const DEV_DER = cert(
    'Test YubiHSM Sub-CA',
    'YubiHSM Attestation (1234567)',
    device.publicKey,
    sub.privateKey,
    [
      ext(YUBICO_OID.firmware, derTlv(0x04, Uint8Array.of(2, 4, 0))),
      ext(YUBICO_OID.serial, derUnsignedInteger(fromHex('12d687'))),
      ca(0),
    ],
  );
  const key = (origin?: number, caps?: Uint8Array) =>
    cert(
      'YubiHSM Attestation (1234567)',
      'YubiHSM Attestation id:0x1234',
      ec.publicKey,
      device.privateKey,
      yubico(1234567, origin, caps),
    );
  const o = (roots: Uint8Array[]): VerifyOptions => ({
    roots: roots.map((der, i) => ({ id: `root-${i}`, der })),
    at: '2025-01-01T00:00:00Z',
    now: '2026-11-27T00:00:00Z',
  });

  test('when the sub-CA is supplied and the root pinned, the chain is complete and names the root', () => {
    const c = verifyYubiHsm2Attestation(
      { attestation: key(), certificates: [SUB_DER, DEV_DER] },
      o([ROOT_DER]),
    );
    assert.equal(c.chainComplete, true);
    assert.equal(c.rootId, 'root-0');
    assert.equal(c.serial, '1234567');
    assert.deepEqual(
      c.chain.map((e) => e.role),
      ['leaf', 'intermediate', 'intermediate', 'root'],
    );
    assert.ok(!c.notes.some((n) => /intermediate missing/.test(n)));
    requireCompleteChain(c);
  });

  test('when the root is supplied but not pinned, UNKNOWN_KEY', () => {
    fails(
      'UNKNOWN_KEY',
      () =>
        verifyYubiHsm2Attestation({ attestation: key(), certificates: [DEV_DER, SUB_DER, ROOT_DER] }, o([])),
      /not a pinned root/,
    );
  });

  test('when another root is pinned under the same name, the signature check refuses it: CHAIN_BROKEN', () => {
    const other = rsa();
    const impostor = cert('Test YubiHSM Root CA', 'Test YubiHSM Root CA', other.publicKey, other.privateKey, [
      ca(2),
    ]);
    fails('CHAIN_BROKEN', () =>
      verifyYubiHsm2Attestation({ attestation: key(), certificates: [DEV_DER, SUB_DER] }, o([impostor])),
    );
  });

  test('when the sub-CA is not a CA certificate, CHAIN_BROKEN', () => {
    const notCa = cert('Test YubiHSM Root CA', 'Test YubiHSM Sub-CA', sub.publicKey, root.privateKey, [
      ca(undefined, false),
    ]);
    fails(
      'CHAIN_BROKEN',
      () => verifyYubiHsm2Attestation({ attestation: key(), certificates: [DEV_DER, notCa] }, o([ROOT_DER])),
      /not a CA/,
    );
  });

  test('when the key was imported under wrap and may be exported under wrap, the claim says so', () => {
    const c = verifyYubiHsm2Attestation(
      { attestation: key(0x11, fromHex('0000000000010080')), certificates: [DEV_DER, SUB_DER] },
      o([ROOT_DER]),
    );
    assert.equal(c.generatedOnDevice, false);
    assert.equal(c.exportable, 'under-wrap');
    assert.equal(c.details.origin, 'generated+imported-wrapped');
    assert.ok(c.notes.some((n) => /imported into this one under wrap/.test(n)));
  });
});
