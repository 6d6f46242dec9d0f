/**
 * Test helpers, not used by the verifier: X.509 certificates and YubiHSM 2-style attestation hierarchies
 * (root → sub-CA → device attestation certificate → key attestation) built with the DER encoders of asn1.ts, for
 * the tests that need a complete chain (the real Yubico sub-CA is not public) or evidence no vendor would sign.
 *
 * Signing is abstract (`TestSigner`), so that this file stays browser-safe like the rest of verify/: P-256 keys are
 * derived here from a label with @noble/curves (deterministic, RFC 6979); a test may bring RSA keys from node:crypto.
 */
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '../crypto/sha256.ts';
import { fromHex, toBase64, utf8 } from '../encoding.ts';
import { derBitString, derNull, derOid, derSequence, derTlv, derUnsignedInteger } from './asn1.ts';
import { OID, ecSpki } from './x509.ts';
import { YUBICO_OID } from './yubihsm2.ts';

/** A key that signs certificates: its SubjectPublicKeyInfo, its signature AlgorithmIdentifier, and `sign`. */
export interface TestSigner {
  spki: Uint8Array;
  algorithm: Uint8Array;
  sign(tbs: Uint8Array): Uint8Array;
}

export const SHA256_WITH_RSA = derSequence(derOid(OID.sha256WithRSAEncryption), derNull());
export const ECDSA_WITH_SHA256 = derSequence(derOid(OID.ecdsaWithSHA256));

export interface P256TestKey extends TestSigner {
  secretKey: Uint8Array;
  /** The uncompressed SEC1 point (65 bytes): what an ecdsa-p256-sha256 fleet key or trust root carries. */
  point: Uint8Array;
}

/** A P-256 key derived from `label`: sk = SHA-256("fleetproof-test|<label>|<counter>"), the first valid scalar. */
export function p256TestKey(label: string): P256TestKey {
  let secretKey: Uint8Array;
  for (let i = 0; ; i++) {
    secretKey = sha256(utf8(`fleetproof-test|${label}|${i}`));
    if (p256.utils.isValidSecretKey(secretKey)) break;
  }
  const point = p256.getPublicKey(secretKey, false);
  return {
    secretKey,
    point,
    spki: ecSpki(OID.p256, point),
    algorithm: ECDSA_WITH_SHA256,
    sign: (tbs) => p256.sign(tbs, secretKey, { prehash: true, format: 'der', extraEntropy: false }),
  };
}

/** A Name of one RDN: CN=<cn> (UTF8String). */
export function x509Name(cn: string): Uint8Array {
  return derSequence(derTlv(0x31, derSequence(derOid('2.5.4.3'), derTlv(0x0c, utf8(cn)))));
}

export function x509Extension(oid: string, value: Uint8Array, critical = false): Uint8Array {
  return derSequence(
    derOid(oid),
    ...(critical ? [Uint8Array.of(0x01, 0x01, 0xff)] : []),
    derTlv(0x04, value),
  );
}

/** basicConstraints, critical: cA (default true) and an optional pathLenConstraint. */
export function basicConstraints(pathLen: number | undefined, isCa = true): Uint8Array {
  return x509Extension(
    OID.basicConstraints,
    derSequence(
      ...(isCa ? [Uint8Array.of(0x01, 0x01, 0xff)] : []),
      ...(pathLen === undefined ? [] : [derUnsignedInteger(Uint8Array.of(pathLen))]),
    ),
    true,
  );
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. `iso`: YYYY-MM-DDTHH:MM:SSZ. */
function x509Time(iso: string): Uint8Array {
  const digits = iso.replace(/[-T:Z]/g, '');
  const year = Number(iso.slice(0, 4));
  return year < 2050 ? derTlv(0x17, utf8(`${digits.slice(2)}Z`)) : derTlv(0x18, utf8(`${digits}Z`));
}

export interface CertificateSpec {
  issuer: string;
  subject: string;
  /** The subject's SubjectPublicKeyInfo (DER). */
  subjectKey: Uint8Array;
  signer: TestSigner;
  serial: number;
  notBefore?: string;
  notAfter?: string;
  extensions?: Uint8Array[];
}

/** A v3 certificate, signed by `signer` with its algorithm. */
export function x509Certificate(c: CertificateSpec): Uint8Array {
  const serial = Uint8Array.of(c.serial >>> 24, c.serial >>> 16, c.serial >>> 8, c.serial);
  const tbs = derSequence(
    derTlv(0xa0, derUnsignedInteger(Uint8Array.of(2))),
    derUnsignedInteger(serial),
    c.signer.algorithm,
    x509Name(c.issuer),
    derSequence(
      x509Time(c.notBefore ?? '2017-01-01T00:00:00Z'),
      x509Time(c.notAfter ?? '2071-10-05T00:00:00Z'),
    ),
    x509Name(c.subject),
    c.subjectKey,
    ...(c.extensions?.length ? [derTlv(0xa3, derSequence(...c.extensions))] : []),
  );
  return derSequence(tbs, c.signer.algorithm, derBitString(c.signer.sign(tbs)));
}

const u32 = (n: number) => Uint8Array.of(n >>> 24, n >>> 16, n >>> 8, n);

export interface YubicoKeyFacts {
  serial: number;
  /** Origin flags (0x01 generated, 0x02 imported, 0x10 imported under wrap). Default 0x01. */
  origin?: number;
  /** Capabilities, libyubihsm bit numbers (sign-ecdsa = bit 7, exportable-under-wrap = bit 16). Default sign-ecdsa. */
  capabilities?: bigint;
  /** major.minor.patch. Default 2.4.0. */
  firmware?: [number, number, number];
  objectId?: number;
  label?: string;
}

/** The Yubico extensions (1.3.6.1.4.1.41482.4.*) of a key attestation certificate. */
export function yubicoKeyExtensions(f: YubicoKeyFacts): Uint8Array[] {
  const caps = f.capabilities ?? 0x80n;
  const fw = f.firmware ?? [2, 4, 0];
  const id = f.objectId ?? 0x1234;
  return [
    x509Extension(YUBICO_OID.firmware, derTlv(0x04, Uint8Array.of(...fw))),
    x509Extension(YUBICO_OID.serial, derUnsignedInteger(u32(f.serial))),
    x509Extension(YUBICO_OID.origin, derBitString(Uint8Array.of(f.origin ?? 0x01))),
    x509Extension(YUBICO_OID.domains, derBitString(Uint8Array.of(0, 1))),
    x509Extension(YUBICO_OID.capabilities, derBitString(fromHex(caps.toString(16).padStart(16, '0')))),
    x509Extension(YUBICO_OID.objectId, derUnsignedInteger(Uint8Array.of(id >> 8, id & 0xff))),
    ...(f.label !== undefined ? [x509Extension(YUBICO_OID.label, derTlv(0x0c, utf8(f.label)))] : []),
  ];
}

export interface SyntheticYubiHsmOptions {
  /** Signers of the root, the sub-CA and the device attestation key. */
  root: TestSigner;
  sub: TestSigner;
  device: TestSigner;
  serial: number;
  rootName?: string;
  subName?: string;
  firmware?: [number, number, number];
}

export interface SyntheticYubiHsm {
  serial: number;
  /** DER certificates: the self-signed root, the sub-CA, the device attestation certificate. */
  root: Uint8Array;
  sub: Uint8Array;
  device: Uint8Array;
  /** A key attestation certificate for `key` (a SubjectPublicKeyInfo), signed by the device attestation key. */
  keyAttestation(key: Uint8Array, facts?: Omit<YubicoKeyFacts, 'serial'> & { serial?: number }): Uint8Array;
}

let serials = 1;

/** A Yubico-like hierarchy: root → sub-CA → "YubiHSM Attestation (<serial>)" → key attestations. */
export function syntheticYubiHsm(o: SyntheticYubiHsmOptions): SyntheticYubiHsm {
  const rootName = o.rootName ?? 'Test YubiHSM Root CA';
  const subName = o.subName ?? 'Test YubiHSM Sub-CA';
  const deviceName = `YubiHSM Attestation (${o.serial})`;
  const root = x509Certificate({
    issuer: rootName,
    subject: rootName,
    subjectKey: o.root.spki,
    signer: o.root,
    serial: serials++,
    extensions: [basicConstraints(2)],
  });
  const sub = x509Certificate({
    issuer: rootName,
    subject: subName,
    subjectKey: o.sub.spki,
    signer: o.root,
    serial: serials++,
    extensions: [basicConstraints(1)],
  });
  const fw = o.firmware ?? [2, 4, 0];
  const device = x509Certificate({
    issuer: subName,
    subject: deviceName,
    subjectKey: o.device.spki,
    signer: o.sub,
    serial: serials++,
    extensions: [
      x509Extension(YUBICO_OID.firmware, derTlv(0x04, Uint8Array.of(...fw))),
      x509Extension(YUBICO_OID.serial, derUnsignedInteger(u32(o.serial))),
      basicConstraints(0),
    ],
  });
  return {
    serial: o.serial,
    root,
    sub,
    device,
    keyAttestation: (key, facts = {}) =>
      x509Certificate({
        issuer: deviceName,
        subject: `YubiHSM Attestation id:0x${(facts.objectId ?? 0x1234).toString(16).padStart(4, '0')}`,
        subjectKey: key,
        signer: o.device,
        serial: serials++,
        extensions: yubicoKeyExtensions({ firmware: fw, ...facts, serial: facts.serial ?? o.serial }),
      }),
  };
}

/** PEM of one DER certificate (64-column base64). */
export function toPem(der: Uint8Array): string {
  const body = toBase64(der).replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
