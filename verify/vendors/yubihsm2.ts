/**
 * YubiHSM 2 key attestations: an X.509 certificate for the attested key, signed by the device's attestation key
 * ("YubiHSM Attestation (SERIAL)", RSA-2048), whose certificate is issued by a Yubico sub-CA under the Yubico
 * YubiHSM Root CA. The facts are X.509 extensions under 1.3.6.1.4.1.41482.4:
 *   .1 firmware (OCTET STRING major, minor, patch)   .2 serial (INTEGER)        .3 origin (BIT STRING, one byte)
 *   .4 domains (BIT STRING, u16, bit i = domain i+1) .5 capabilities (BIT STRING, u64) .6 object id (INTEGER)
 *   .9 label (UTF8String)
 * Multi-byte bit fields are read as big-endian integers with bit 0 the least significant, as libyubihsm numbers
 * capabilities (sign-ecdsa = bit 7, exportable-under-wrap = bit 16) and domains.
 * The device certificate is needed (it holds the key that signed); the sub-CA is optional: without it the claim
 * says that the chain is incomplete (`chainComplete: false` and a note), it never passes silently.
 */
import { bigIntFromBytes, equalBytes } from '../encoding.ts';
import { VerificationError } from '../errors.ts';
import {
  TAG,
  derSequence,
  derUnsignedInteger,
  parseDer,
  readBitString,
  readInteger,
  readOctetString,
  readString,
  type DerContext,
} from './asn1.ts';
import { type Certificate, isSignedBy, parseCertificate } from './x509.ts';
import {
  type Located,
  chainEntries,
  parsePinnedRoots,
  parseSupplied,
  timeContext,
  walkChain,
} from './chain.ts';
import {
  type AttestedKeyAlgorithm,
  type AttestedPublicKey,
  type VendorClaim,
  type VerifyOptions,
  parseIsoTime,
} from './claim.ts';

export const YUBIHSM2_FORMAT = 'yubihsm2-key-attestation';
const ARC = '1.3.6.1.4.1.41482.4';
export const YUBICO_OID = {
  firmware: `${ARC}.1`,
  serial: `${ARC}.2`,
  origin: `${ARC}.3`,
  domains: `${ARC}.4`,
  capabilities: `${ARC}.5`,
  objectId: `${ARC}.6`,
  label: `${ARC}.9`,
} as const;

/** libyubihsm's capability names by bit. */
export const CAPABILITIES = [
  'get-opaque',
  'put-opaque',
  'put-authentication-key',
  'put-asymmetric-key',
  'generate-asymmetric-key',
  'sign-pkcs',
  'sign-pss',
  'sign-ecdsa',
  'sign-eddsa',
  'decrypt-pkcs',
  'decrypt-oaep',
  'derive-ecdh',
  'export-wrapped',
  'import-wrapped',
  'put-wrap-key',
  'generate-wrap-key',
  'exportable-under-wrap',
  'set-option',
  'get-option',
  'get-pseudo-random',
  'put-mac-key',
  'generate-hmac-key',
  'sign-hmac',
  'verify-hmac',
  'get-log-entries',
  'sign-ssh-certificate',
  'get-template',
  'put-template',
  'reset-device',
  'decrypt-otp',
  'create-otp-aead',
  'randomize-otp-aead',
  'rewrap-from-otp-aead-key',
  'rewrap-to-otp-aead-key',
  'sign-attestation-certificate',
  'put-otp-aead-key',
  'generate-otp-aead-key',
  'wrap-data',
  'unwrap-data',
  'delete-opaque',
  'delete-authentication-key',
  'delete-asymmetric-key',
  'delete-wrap-key',
  'delete-hmac-key',
  'delete-template',
  'delete-otp-aead-key',
  'change-authentication-key',
  'put-symmetric-key',
  'generate-symmetric-key',
  'delete-symmetric-key',
  'decrypt-ecb',
  'encrypt-ecb',
  'decrypt-cbc',
  'encrypt-cbc',
] as const;
const EXPORTABLE_UNDER_WRAP = 16n;

/** Object origin flags (libyubihsm YH_ORIGIN_*). */
export const ORIGIN = { GENERATED: 0x01, IMPORTED: 0x02, IMPORTED_WRAPPED: 0x10 } as const;

export interface YubiHsmInput {
  /** The key attestation certificate, DER. */
  attestation: Uint8Array;
  /** The device attestation certificate, and the Yubico sub-CA when available, DER, in any order. */
  certificates: Uint8Array[];
}

export interface YubicoExtensions {
  firmware: string | undefined;
  serial: number | undefined;
  origin: number | undefined;
  domains: number | undefined;
  capabilities: bigint | undefined;
  objectId: number | undefined;
  label: string | undefined;
}

function bitField(value: Uint8Array, bytes: number, c: DerContext, what: string): bigint {
  const { bytes: b, unusedBits } = readBitString(parseDer(value, c), c, what);
  if (unusedBits !== 0 || b.length !== bytes)
    throw new VerificationError('VENDOR_FORMAT_INVALID', `${what} is not a ${bytes}-byte BIT STRING`, c);
  return bigIntFromBytes(b);
}

function smallInt(value: Uint8Array, max: number, c: DerContext, what: string): number {
  const n = readInteger(parseDer(value, c), c, what);
  if (n < 0n || n > BigInt(max))
    throw new VerificationError('VENDOR_FORMAT_INVALID', `${what} ${n} is out of range`, c);
  return Number(n);
}

/** Reads the Yubico extensions of a certificate, each strictly; absent ones are undefined. */
export function readYubicoExtensions(
  cert: Certificate,
  file: string | undefined,
  base: string,
): YubicoExtensions {
  const ext = (oid: string) => cert.extensions.get(oid)?.value;
  const c = (oid: string): DerContext => ({
    code: 'VENDOR_FORMAT_INVALID',
    file,
    path: `${base}.extensions["${oid}"]`,
  });
  const fw = ext(YUBICO_OID.firmware);
  let firmware: string | undefined;
  if (fw) {
    const v = readOctetString(parseDer(fw, c(YUBICO_OID.firmware)), c(YUBICO_OID.firmware), 'firmware');
    if (v.length !== 3)
      throw new VerificationError('VENDOR_FORMAT_INVALID', 'firmware is not 3 bytes', c(YUBICO_OID.firmware));
    firmware = `${v[0]}.${v[1]}.${v[2]}`;
  }
  const sn = ext(YUBICO_OID.serial);
  const or = ext(YUBICO_OID.origin);
  const dm = ext(YUBICO_OID.domains);
  const cp = ext(YUBICO_OID.capabilities);
  const id = ext(YUBICO_OID.objectId);
  const lb = ext(YUBICO_OID.label);
  let label: string | undefined;
  if (lb) {
    const t = parseDer(lb, c(YUBICO_OID.label));
    if (t.tag !== TAG.UTF8_STRING || t.content.length > 40)
      throw new VerificationError(
        'VENDOR_FORMAT_INVALID',
        'label is not a UTF8String of at most 40 bytes',
        c(YUBICO_OID.label),
      );
    label = readString(t, c(YUBICO_OID.label), 'label');
  }
  return {
    firmware,
    serial: sn ? smallInt(sn, 0xffffffff, c(YUBICO_OID.serial), 'serial') : undefined,
    origin: or ? Number(bitField(or, 1, c(YUBICO_OID.origin), 'origin')) : undefined,
    domains: dm ? Number(bitField(dm, 2, c(YUBICO_OID.domains), 'domains')) : undefined,
    capabilities: cp ? bitField(cp, 8, c(YUBICO_OID.capabilities), 'capabilities') : undefined,
    objectId: id ? smallInt(id, 0xffff, c(YUBICO_OID.objectId), 'object id') : undefined,
    label,
  };
}

export function capabilityNames(caps: bigint): string[] {
  const out: string[] = [];
  for (let i = 0; i < 64; i++) if ((caps >> BigInt(i)) & 1n) out.push(CAPABILITIES[i] ?? `bit-${i}`);
  return out;
}

function domainList(mask: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 16; i++) if (mask & (1 << i)) out.push(String(i + 1));
  return out;
}

function originText(origin: number): string {
  const parts: string[] = [];
  if (origin & ORIGIN.GENERATED) parts.push('generated');
  if (origin & ORIGIN.IMPORTED) parts.push('imported');
  if (origin & ORIGIN.IMPORTED_WRAPPED) parts.push('imported-wrapped');
  return parts.join('+') || `0x${origin.toString(16)}`;
}

function attestedKey(cert: Certificate): AttestedPublicKey | undefined {
  const k = cert.publicKey;
  switch (k.kind) {
    case 'ec':
      return {
        algorithm: `ec-${k.curve}` as AttestedKeyAlgorithm,
        bits: k.curve === 'p521' ? 521 : k.curve === 'p384' ? 384 : 256,
        bytes: k.point,
        spki: cert.spki,
      };
    case 'rsa':
      return {
        algorithm: 'rsa',
        bits: k.bits,
        bytes: derSequence(derUnsignedInteger(k.n), derUnsignedInteger(k.e)),
        spki: cert.spki,
      };
    case 'ed25519':
      return { algorithm: 'ed25519', bits: 256, bytes: k.key, spki: cert.spki };
    default:
      return undefined;
  }
}

/**
 * Verifies a YubiHSM 2 key attestation and returns the normalized claim; `chainComplete` is false when the
 * Yubico sub-CA was not supplied. Raises CERTIFICATE_INVALID, VENDOR_FORMAT_INVALID, CHAIN_INCOMPLETE (no device
 * certificate), CHAIN_BROKEN, ATTESTATION_SIGNATURE_INVALID, UNKNOWN_KEY or KEY_OUTSIDE_VALIDITY.
 */
export function verifyYubiHsm2Attestation(input: YubiHsmInput, opts: VerifyOptions): VendorClaim {
  const file = opts.file;
  const now = opts.now !== undefined ? parseIsoTime(opts.now, 'now', file) : Date.now();
  const at = opts.at !== undefined ? parseIsoTime(opts.at, 'at', file) : undefined;
  const time = timeContext(undefined, at, now);
  const roots = parsePinnedRoots(opts.roots, file);
  const leaf: Located = { cert: parseCertificate(input.attestation, { file, path: '$' }), path: '$' };
  const supplied = parseSupplied(input.certificates, file);
  const claims = readYubicoExtensions(leaf.cert, file, '$');
  for (const [k, v] of Object.entries(claims))
    if (v === undefined && k !== 'label')
      throw new VerificationError('VENDOR_FORMAT_INVALID', `the key attestation has no ${k} extension`, {
        file,
        path: '$.extensions',
      });

  const devices = supplied.filter((s) => equalBytes(s.cert.subject.der, leaf.cert.issuer.der));
  if (devices.length === 0)
    throw new VerificationError(
      supplied.length === 0 ? 'CHAIN_INCOMPLETE' : 'CHAIN_BROKEN',
      supplied.length === 0
        ? `the device attestation certificate "${leaf.cert.issuer.text}" that signed the key attestation was not supplied`
        : `none of the certificates supplied is the key attestation's issuer "${leaf.cert.issuer.text}" (supplied: ${supplied.map((s) => `"${s.cert.subject.text}"`).join(', ')})`,
      { file, path: supplied.length === 0 ? '$' : '$.certificates' },
    );
  const device = devices.find((d) => isSignedBy(leaf.cert, d.cert.publicKey));
  if (!device)
    throw new VerificationError(
      'ATTESTATION_SIGNATURE_INVALID',
      `the key attestation's signature does not verify under the key of the device certificate "${devices[0]!.cert.subject.text}"`,
      { file, path: '$.signature' },
    );
  const dev = readYubicoExtensions(device.cert, file, device.path);
  if (dev.serial === undefined)
    throw new VerificationError('VENDOR_FORMAT_INVALID', 'the device certificate has no serial extension', {
      file,
      path: `${device.path}.extensions`,
    });
  if (dev.serial !== claims.serial)
    throw new VerificationError(
      'CHAIN_BROKEN',
      `the key attestation names serial ${claims.serial}, its device certificate ${dev.serial}`,
      { file, path: `$.extensions["${YUBICO_OID.serial}"]` },
    );

  const chain = walkChain(leaf, supplied, roots, time, file, 'YubiHSM chain');
  const notes = [...chain.notes];
  if (!chain.complete) {
    const top = chain.path[chain.path.length - 1]!.cert;
    notes.push(
      `intermediate missing: "${chain.missingIssuer}", the issuer of "${top.subject.text}", was not supplied, so the chain is not linked to a pinned Yubico root (chainComplete false)`,
    );
  }
  if (time.source === 'clock')
    notes.push(
      `the attestation carries no time and none was given: certificate validity was judged at the current time ${time.atIso}`,
    );
  if (dev.firmware !== undefined && dev.firmware !== claims.firmware)
    notes.push(
      `the device certificate records firmware ${dev.firmware}, the key attestation ${claims.firmware}`,
    );
  const origin = claims.origin!;
  const generated = origin === ORIGIN.GENERATED;
  if (!generated && origin & ORIGIN.GENERATED)
    notes.push(
      `origin ${originText(origin)}: generated on a YubiHSM, then imported into this one under wrap`,
    );
  const caps = claims.capabilities!;
  const exportable = (caps >> EXPORTABLE_UNDER_WRAP) & 1n ? ('under-wrap' as const) : false;
  const publicKey = attestedKey(leaf.cert);
  const used = new Set(chain.path.map((p) => p.cert));
  for (const s of supplied)
    if (!used.has(s.cert))
      notes.push(`${s.path}: "${s.cert.subject.text}" was supplied but is not on the chain`);

  return {
    vendor: 'Yubico',
    format: YUBIHSM2_FORMAT,
    model: 'YubiHSM 2',
    serial: String(claims.serial),
    keyType: publicKey?.algorithm ?? 'other',
    publicKey,
    generatedOnDevice: generated,
    exportable,
    firmware: claims.firmware,
    measurements: {},
    attestedAt: undefined,
    timeUsed: time.atIso,
    timeSource: time.source,
    chain: chainEntries(chain),
    chainComplete: chain.complete,
    rootId: chain.root?.id,
    notes,
    details: {
      objectId: `0x${claims.objectId!.toString(16).padStart(4, '0')}`,
      label: claims.label,
      origin: originText(origin),
      domains: domainList(claims.domains!),
      capabilities: capabilityNames(caps),
      capabilitiesHex: caps.toString(16).padStart(16, '0'),
      deviceCertificate: device.cert.fingerprint,
      certificateSerialHex: leaf.cert.serialHex,
    },
  };
}
