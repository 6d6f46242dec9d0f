/**
 * X.509 certificates (RFC 5280), parsed for what the vendor adapters need: the signed TBS bytes, the signature and
 * its algorithm, issuer and subject names, validity, the public key, and extensions by OID. Signatures: RSA
 * PKCS#1 v1.5 and ECDSA (P-256, P-384) with SHA-256 or SHA-384. Path validation (verify/vendors/chain.ts) checks
 * links by signature, not the whole RFC 5280 algorithm: vendor chains include X.509 v1 CA certificates.
 */
import { VerificationError } from '../errors.ts';
import { equalBytes, fromBase64, toHex } from '../encoding.ts';
import { sha256 } from '../crypto/sha256.ts';
import {
  DerReader,
  TAG,
  ctx,
  derBitString,
  derError,
  derNull,
  derOid,
  derSequence,
  derUnsignedInteger,
  parseDer,
  readBitString,
  readBoolean,
  readInteger,
  readNull,
  readOctetAlignedBitString,
  readOctetString,
  readOid,
  readString,
  readTime,
  readUnsignedIntegerBytes,
  type DerContext,
  type Tlv,
} from './asn1.ts';
import { checkRsaPublicKey, verifyRsaPkcs1v15, type RsaHash } from './rsa.ts';
import { isValidEcPoint, verifyEcdsa, type EcHash } from './ecdsa.ts';

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
  secp256k1: '1.3.132.0.10',
  ed25519: '1.3.101.112',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
} as const;

/** Largest certificate accepted, in bytes (real ones here are 0.7–1.5 KiB). */
export const MAX_CERTIFICATE_BYTES = 16 * 1024;
/** Most certificates in one PEM bundle. */
export const MAX_PEM_CERTIFICATES = 16;

export type PublicKey =
  | { kind: 'rsa'; n: Uint8Array; e: Uint8Array; bits: number }
  | { kind: 'ec'; curve: 'p256' | 'p384' | 'p521' | 'secp256k1'; point: Uint8Array }
  | { kind: 'ed25519'; key: Uint8Array }
  | { kind: 'other'; algorithm: string };

export interface Name {
  /** The Name's DER encoding: names are compared byte for byte. */
  der: Uint8Array;
  /** "C=US, O=…, CN=…" in encoded order, for people. */
  text: string;
  /** Each attribute by OID (the first of each type), e.g. commonName under 2.5.4.3. */
  attributes: Map<string, string>;
}

export interface Extension {
  critical: boolean;
  value: Uint8Array;
}

export interface Certificate {
  der: Uint8Array;
  /** The TBSCertificate bytes: what the issuer signed. */
  tbs: Uint8Array;
  version: 1 | 2 | 3;
  serialHex: string;
  signatureAlgorithm: string;
  signature: Uint8Array;
  issuer: Name;
  subject: Name;
  notBefore: string;
  notAfter: string;
  /** The SubjectPublicKeyInfo's DER encoding. */
  spki: Uint8Array;
  publicKey: PublicKey;
  extensions: Map<string, Extension>;
  basicConstraints: { ca: boolean; pathLen: number | undefined } | undefined;
  /** Key usage bits as named in RFC 5280 §4.2.1.3, when the extension is present. */
  keyCertSign: boolean | undefined;
  /** Lowercase hex SHA-256 of the DER certificate. */
  fingerprint: string;
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function parseName(tlv: Tlv, c: DerContext, what: string): Name {
  const r = DerReader.of(tlv, TAG.SEQUENCE, c, what);
  const rdns: string[] = [];
  const attributes = new Map<string, string>();
  while (!r.done) {
    const set = DerReader.of(r.next(`${what} RDN`), TAG.SET, c, `${what} RDN`);
    const parts: string[] = [];
    if (set.done) throw derError(c, `DER: ${what} has an empty RDN`);
    while (!set.done) {
      const atv = DerReader.of(set.next(`${what} attribute`), TAG.SEQUENCE, c, `${what} attribute`);
      const type = readOid(atv.next('attribute type'), c, 'attribute type');
      const valueTlv = atv.next('attribute value');
      atv.end('an attribute');
      let value: string;
      try {
        value = readString(valueTlv, c, `${what} ${ATTRIBUTE_NAMES[type] ?? type}`);
      } catch {
        value = `#${toHex(valueTlv.raw)}`;
      }
      if (!attributes.has(type)) attributes.set(type, value);
      parts.push(`${ATTRIBUTE_NAMES[type] ?? type}=${value.replace(/([,+\\])/g, '\\$1')}`);
    }
    rdns.push(parts.join(' + '));
  }
  return { der: tlv.raw, text: rdns.join(', '), attributes };
}

function parseAlgorithm(tlv: Tlv, c: DerContext, what: string): { oid: string; params: Tlv | undefined } {
  const r = DerReader.of(tlv, TAG.SEQUENCE, c, what);
  const oid = readOid(r.next(`${what} OID`), c, `${what} OID`);
  const params = r.done ? undefined : r.next(`${what} parameters`);
  r.end(what);
  return { oid, params };
}

/** Parses a DER SubjectPublicKeyInfo. RSA and EC keys are checked; other kinds are kept by algorithm OID. */
export function parseSpki(tlv: Tlv, c: DerContext): PublicKey {
  const r = DerReader.of(tlv, TAG.SEQUENCE, c, 'subjectPublicKeyInfo');
  const alg = parseAlgorithm(r.next('key algorithm'), c, 'key algorithm');
  const keyBytes = readOctetAlignedBitString(
    r.expect(TAG.BIT_STRING, 'subjectPublicKey'),
    c,
    'subjectPublicKey',
  );
  r.end('subjectPublicKeyInfo');
  if (alg.oid === OID.rsaEncryption) {
    if (!alg.params) throw derError(c, 'an RSA key algorithm must carry NULL parameters');
    readNull(alg.params, c, 'RSA key parameters');
    const k = DerReader.of(parseDer(keyBytes, c), TAG.SEQUENCE, c, 'RSAPublicKey');
    const n = readUnsignedIntegerBytes(k.next('modulus'), c, 'RSA modulus');
    const e = readUnsignedIntegerBytes(k.next('publicExponent'), c, 'RSA exponent');
    k.end('RSAPublicKey');
    const check = checkRsaPublicKey({ n, e });
    if ('error' in check) throw derError(c, check.error);
    return { kind: 'rsa', n, e, bits: check.bits };
  }
  if (alg.oid === OID.ecPublicKey) {
    if (!alg.params) throw derError(c, 'an EC key must name its curve');
    const curveOid = readOid(alg.params, c, 'EC curve');
    const curve =
      curveOid === OID.p256
        ? 'p256'
        : curveOid === OID.p384
          ? 'p384'
          : curveOid === OID.p521
            ? 'p521'
            : curveOid === OID.secp256k1
              ? 'secp256k1'
              : undefined;
    if (!curve) return { kind: 'other', algorithm: `${alg.oid}/${curveOid}` };
    if ((curve === 'p256' || curve === 'p384') && !isValidEcPoint(curve, keyBytes))
      throw derError(c, `the public key is not a valid ${curve.toUpperCase()} point`);
    return { kind: 'ec', curve, point: keyBytes };
  }
  if (alg.oid === OID.ed25519) {
    if (alg.params) throw derError(c, 'an Ed25519 key algorithm has no parameters');
    if (keyBytes.length !== 32) throw derError(c, 'an Ed25519 public key has 32 bytes');
    return { kind: 'ed25519', key: keyBytes };
  }
  return { kind: 'other', algorithm: alg.oid };
}

/** Parses one DER certificate. Raises CERTIFICATE_INVALID (or LIMIT_EXCEEDED for an oversized one). */
export function parseCertificate(der: Uint8Array, where: { file?: string; path?: string } = {}): Certificate {
  if (der.length > MAX_CERTIFICATE_BYTES)
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `a certificate of ${der.length} bytes; the limit is ${MAX_CERTIFICATE_BYTES}`,
      where,
    );
  const c: DerContext = { code: 'CERTIFICATE_INVALID', ...where };
  const cert = DerReader.of(parseDer(der, c), TAG.SEQUENCE, c, 'Certificate');
  const tbsTlv = cert.expect(TAG.SEQUENCE, 'tbsCertificate');
  const sigAlgTlv = cert.expect(TAG.SEQUENCE, 'signatureAlgorithm');
  const signature = readOctetAlignedBitString(cert.expect(TAG.BIT_STRING, 'signature'), c, 'signature');
  cert.end('Certificate');

  const tbs = new DerReader(tbsTlv.content, c);
  let version: 1 | 2 | 3 = 1;
  const vTlv = tbs.optional(ctx(0));
  if (vTlv) {
    const v = new DerReader(vTlv.content, c);
    const n = readInteger(v.next('version'), c, 'version');
    v.end('version');
    if (n !== 0n && n !== 1n && n !== 2n) throw derError(c, `unknown certificate version ${n + 1n}`);
    version = (Number(n) + 1) as 1 | 2 | 3;
  }
  const serialTlv = tbs.expect(TAG.INTEGER, 'serialNumber');
  readInteger(serialTlv, c, 'serialNumber');
  const innerAlgTlv = tbs.expect(TAG.SEQUENCE, 'signature');
  if (toHex(innerAlgTlv.raw) !== toHex(sigAlgTlv.raw))
    throw derError(c, 'the signature algorithm inside the certificate differs from the one outside it');
  const sigAlg = parseAlgorithm(sigAlgTlv, c, 'signatureAlgorithm');
  const issuer = parseName(tbs.expect(TAG.SEQUENCE, 'issuer'), c, 'issuer');
  const validity = DerReader.of(tbs.next('validity'), TAG.SEQUENCE, c, 'validity');
  const notBefore = readTime(validity.next('notBefore'), c, 'notBefore');
  const notAfter = readTime(validity.next('notAfter'), c, 'notAfter');
  validity.end('validity');
  const subject = parseName(tbs.expect(TAG.SEQUENCE, 'subject'), c, 'subject');
  const spkiTlv = tbs.expect(TAG.SEQUENCE, 'subjectPublicKeyInfo');
  const publicKey = parseSpki(spkiTlv, c);
  if (version >= 2) {
    tbs.optional(ctx(1, false));
    tbs.optional(ctx(2, false));
  }
  const extensions = new Map<string, Extension>();
  const extTlv = version === 3 ? tbs.optional(ctx(3)) : undefined;
  if (extTlv) {
    const outer = new DerReader(extTlv.content, c);
    const list = DerReader.of(outer.next('extensions'), TAG.SEQUENCE, c, 'extensions');
    outer.end('extensions');
    if (list.done) throw derError(c, 'an empty extensions list');
    while (!list.done) {
      const e = DerReader.of(list.next('extension'), TAG.SEQUENCE, c, 'extension');
      const oid = readOid(e.next('extnID'), c, 'extnID');
      const critTlv = e.optional(TAG.BOOLEAN);
      const critical = critTlv ? readBoolean(critTlv, c, 'critical') : false;
      const value = readOctetString(e.expect(TAG.OCTET_STRING, 'extnValue'), c, 'extnValue');
      e.end('extension');
      if (extensions.has(oid)) throw derError(c, `extension ${oid} appears twice`);
      extensions.set(oid, { critical, value });
    }
  }
  tbs.end('tbsCertificate');

  let basicConstraints: Certificate['basicConstraints'];
  const bc = extensions.get(OID.basicConstraints);
  if (bc) {
    const r = DerReader.of(parseDer(bc.value, c), TAG.SEQUENCE, c, 'basicConstraints');
    const caTlv = r.optional(TAG.BOOLEAN);
    const ca = caTlv ? readBoolean(caTlv, c, 'cA') : false;
    const plTlv = r.optional(TAG.INTEGER);
    const pl = plTlv ? readInteger(plTlv, c, 'pathLenConstraint') : undefined;
    r.end('basicConstraints');
    if (pl !== undefined && (pl < 0n || pl > 255n)) throw derError(c, 'pathLenConstraint out of range');
    basicConstraints = { ca, pathLen: pl === undefined ? undefined : Number(pl) };
  }
  let keyCertSign: boolean | undefined;
  const ku = extensions.get(OID.keyUsage);
  if (ku) {
    const { bytes } = readBitString(parseDer(ku.value, c), c, 'keyUsage');
    keyCertSign = bytes.length > 0 && (bytes[0]! & 0x04) !== 0;
  }

  return {
    der,
    tbs: tbsTlv.raw,
    version,
    serialHex: toHex(serialTlv.content),
    signatureAlgorithm: sigAlg.oid,
    signature,
    issuer,
    subject,
    notBefore,
    notAfter,
    spki: spkiTlv.raw,
    publicKey,
    extensions,
    basicConstraints,
    keyCertSign,
    fingerprint: toHex(sha256(der)),
  };
}

/** The signature algorithms certificates may use here, with their hash. */
function signatureScheme(
  oid: string,
): { kind: 'rsa'; hash: RsaHash } | { kind: 'ecdsa'; hash: EcHash } | undefined {
  switch (oid) {
    case OID.sha256WithRSAEncryption:
      return { kind: 'rsa', hash: 'sha256' };
    case OID.sha384WithRSAEncryption:
      return { kind: 'rsa', hash: 'sha384' };
    case OID.ecdsaWithSHA256:
      return { kind: 'ecdsa', hash: 'sha256' };
    case OID.ecdsaWithSHA384:
      return { kind: 'ecdsa', hash: 'sha384' };
    default:
      return undefined;
  }
}

export function isSupportedSignatureAlgorithm(oid: string): boolean {
  return signatureScheme(oid) !== undefined;
}

/**
 * Verifies `signature` over `message` under `key` with an X.509 signature algorithm (ECDSA signatures in DER).
 * False when it does not verify or when the key does not fit the algorithm.
 */
export function verifyWithKey(
  key: PublicKey,
  algorithm: string,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const s = signatureScheme(algorithm);
  if (!s) return false;
  if (s.kind === 'rsa') return key.kind === 'rsa' && verifyRsaPkcs1v15(key, s.hash, message, signature);
  return (
    key.kind === 'ec' &&
    (key.curve === 'p256' || key.curve === 'p384') &&
    verifyEcdsa(key.curve, s.hash, key.point, message, signature, 'der')
  );
}

/** Whether `cert` was signed by the holder of `issuerKey` (its TBS bytes under its own signature algorithm). */
export function isSignedBy(cert: Certificate, issuerKey: PublicKey): boolean {
  return verifyWithKey(issuerKey, cert.signatureAlgorithm, cert.tbs, cert.signature);
}

/** Self-issued: subject and issuer are the same name (RFC 5280 §6.1). */
export function isSelfIssued(cert: Certificate): boolean {
  return equalBytes(cert.subject.der, cert.issuer.der);
}

/** Self-signed: self-issued and its signature verifies under its own key. */
export function isSelfSigned(cert: Certificate): boolean {
  return isSelfIssued(cert) && isSignedBy(cert, cert.publicKey);
}

/** The PEM blocks labelled CERTIFICATE in `text`, decoded (RFC 7468; text between blocks is ignored). */
export function decodePemCertificates(
  text: string,
  where: { file?: string; path?: string } = {},
): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (const m of text.matchAll(re)) {
    if (m[1] !== m[3])
      throw new VerificationError(
        'CERTIFICATE_INVALID',
        `PEM block BEGIN ${m[1]} ends with END ${m[3]}`,
        where,
      );
    if (m[1] !== 'CERTIFICATE') continue;
    if (out.length >= MAX_PEM_CERTIFICATES)
      throw new VerificationError(
        'LIMIT_EXCEEDED',
        `more than ${MAX_PEM_CERTIFICATES} certificates in one PEM bundle`,
        where,
      );
    const body = m[2]!.replace(/[ \t\r\n]/g, '');
    try {
      out.push(fromBase64(body, where));
    } catch {
      throw new VerificationError(
        'CERTIFICATE_INVALID',
        `PEM certificate ${out.length + 1} is not valid base64`,
        where,
      );
    }
  }
  return out;
}

/** SubjectPublicKeyInfo for an RSA key (rsaEncryption, NULL parameters). */
export function rsaSpki(n: Uint8Array, e: Uint8Array): Uint8Array {
  return derSequence(
    derSequence(derOid(OID.rsaEncryption), derNull()),
    derBitString(derSequence(derUnsignedInteger(n), derUnsignedInteger(e))),
  );
}

/** SubjectPublicKeyInfo for an EC point on a named curve. */
export function ecSpki(curveOid: string, point: Uint8Array): Uint8Array {
  return derSequence(derSequence(derOid(OID.ecPublicKey), derOid(curveOid)), derBitString(point));
}
