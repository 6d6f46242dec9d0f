import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { fromHex, toHex } from '../encoding.ts';
import { YUBICO_OID, capabilityNames, verifyYubiHsm2Attestation } from './yubihsm2.ts';
import { decodePemCertificates, parseCertificate } from './x509.ts';
import { requireCompleteChain, type VerifyOptions } from './claim.ts';
import { checkVendorAttestation } from './index.ts';
import {
  SHA256_WITH_RSA,
  basicConstraints,
  syntheticYubiHsm,
  x509Certificate,
  type TestSigner,
} from './testing.ts';
import { fails, flip } from '../../tests/lib/verdicts.ts';

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
  /** An RSA-2048 signer from node:crypto, like the real Yubico hierarchy's keys. */
  const rsa = (): TestSigner => {
    const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      spki: new Uint8Array(k.publicKey.export({ format: 'der', type: 'spki' })),
      algorithm: SHA256_WITH_RSA,
      sign: (tbs) => new Uint8Array(createSign('sha256').update(tbs).sign(k.privateKey)),
    };
  };
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const EC_SPKI = new Uint8Array(ec.publicKey.export({ format: 'der', type: 'spki' }));
  const root = rsa();
  const sub = rsa();
  const hsm = syntheticYubiHsm({ root, sub, device: rsa(), serial: 1234567 });
  const ROOT_DER = hsm.root;
  const SUB_DER = hsm.sub;
  const DEV_DER = hsm.device;
  const key = (origin?: number, caps?: Uint8Array) =>
    hsm.keyAttestation(EC_SPKI, {
      ...(origin !== undefined ? { origin } : {}),
      ...(caps ? { capabilities: BigInt(`0x${toHex(caps)}`) } : {}),
    });
  const cert = (
    issuer: string,
    subject: string,
    subjectKey: Uint8Array,
    signer: TestSigner,
    exts: Uint8Array[],
  ) => x509Certificate({ issuer, subject, subjectKey, signer, serial: 99, extensions: exts });
  const ca = basicConstraints;
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
    const impostor = cert('Test YubiHSM Root CA', 'Test YubiHSM Root CA', other.spki, other, [ca(2)]);
    fails('CHAIN_BROKEN', () =>
      verifyYubiHsm2Attestation({ attestation: key(), certificates: [DEV_DER, SUB_DER] }, o([impostor])),
    );
  });

  test('when the sub-CA is not a CA certificate, CHAIN_BROKEN', () => {
    const notCa = cert('Test YubiHSM Root CA', 'Test YubiHSM Sub-CA', sub.spki, root, [ca(undefined, false)]);
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
