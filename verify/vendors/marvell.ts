/**
 * Marvell (Cavium) LiquidSecurity key attestations, as Google Cloud HSM returns them (format CAVIUM_V2_COMPRESSED):
 * gzip of (attestation data || 256-byte RSA-2048 PKCS#1 v1.5 SHA-256 signature by the HSM partition key), with two
 * certificate chains for that key:
 * - the manufacturer's: partition certificate ← card certificate (X.509 v1) ← Marvell/Cavium root;
 * - the owner's (Google): partition certificate ← Google root, and card certificate ← Google root,
 *   each carrying the same public key as its Cavium twin.
 * Both chains are checked link by link to pinned roots (chain.ts), the twins must carry the same keys, and the
 * signature must verify under the partition key. Then the attribute TLVs are read.
 *
 * Layout of the attestation data (version 2; read from the public samples and the parsers of Marvell's
 * "parse_v2.py" as smallstep/crypto documents them; all integers big-endian):
 *   response header: u32 status (0), u32 flags (3 = attributes | signature), u32 total size (data + signature),
 *     u32 attribute-data size, then one u64 object handle per object (1 for a secret key, 2 for a key pair);
 *   attribute data: info header u16, u16, u16 offset of the first object, u16 offset of the second (0 if none);
 *   each object: u32 handle, u32 attribute count, u32 attribute bytes, then TLVs u32 type, u32 length, value.
 * Attribute types are PKCS#11's: 0x0000 class, 0x0100 key type, 0x0120 modulus (Cavium also puts the EC point
 * there), 0x0121 modulus bits, 0x0122 public exponent, 0x0162 extractable, 0x0163 local (generated on the device),
 * 0x0164 never extractable, 0x0165 always sensitive; 0x0003 label, 0x0102 id; 0x0173 is Cavium's key check value.
 */
import { VerificationError } from '../errors.ts';
import { equalBytes, toHex } from '../encoding.ts';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { gunzip, isGzip } from './inflate.ts';
import { verifyRsaPkcs1v15 } from './rsa.ts';
import { isValidEcPoint } from './ecdsa.ts';
import { derSequence, derUnsignedInteger } from './asn1.ts';
import { OID, type Certificate, decodePemCertificates, ecSpki, rsaSpki } from './x509.ts';
import {
  type ChainResult,
  type Located,
  type PinnedRoot,
  chainEntries,
  parsePinnedRoots,
  parseSupplied,
  timeContext,
  walkChain,
} from './chain.ts';
import { type AttestedPublicKey, type VendorClaim, type VerifyOptions, parseIsoTime } from './claim.ts';

export const MARVELL_FORMAT = 'marvell-cavium-v2';
/** Largest compressed attestation accepted, and largest decompressed one. */
export const MARVELL_MAX_INPUT = 64 * 1024;
export const MARVELL_MAX_DATA = 256 * 1024;
const SIGNATURE_BYTES = 256;
const MAX_ATTRIBUTES = 256;

export const ATTR = {
  CLASS: 0x0000,
  LABEL: 0x0003,
  KEY_TYPE: 0x0100,
  ID: 0x0102,
  MODULUS: 0x0120,
  MODULUS_BITS: 0x0121,
  PUBLIC_EXPONENT: 0x0122,
  VALUE_LEN: 0x0161,
  EXTRACTABLE: 0x0162,
  LOCAL: 0x0163,
  NEVER_EXTRACTABLE: 0x0164,
  ALWAYS_SENSITIVE: 0x0165,
  KCV: 0x0173,
} as const;

const CLASS = { PUBLIC_KEY: 2, PRIVATE_KEY: 3, SECRET_KEY: 4 } as const;
/** CKK_* key types: the family; an EC key's curve is read from its point. */
type KeyFamily = 'rsa' | 'ec' | 'aes' | 'other';
const KEY_TYPES: Record<number, KeyFamily> = { 0x00: 'rsa', 0x03: 'ec', 0x1f: 'aes' };

export interface MarvellAttribute {
  type: number;
  value: Uint8Array;
}

export interface MarvellObject {
  handle: number;
  attributes: MarvellAttribute[];
  /** Byte offset of the object inside the attestation data, for messages. */
  offset: number;
}

export interface MarvellAttestation {
  /** The signed bytes. */
  data: Uint8Array;
  signature: Uint8Array;
  handles: number[];
  objects: MarvellObject[];
}

export interface MarvellInput {
  /** The attestation as Google returns it (gzip) or already decompressed. */
  attestation: Uint8Array;
  /** Every certificate of both chains, in any order (Google's bundle: Cavium root, card, partition, Google …). */
  certificates: Uint8Array[];
}

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

/** Splits data || signature and parses the data's structure. Raises VENDOR_FORMAT_INVALID or LIMIT_EXCEEDED. */
export function parseMarvellAttestation(raw: Uint8Array, file?: string): MarvellAttestation {
  const where = (path: string) => ({ file, path });
  const fail = (msg: string, path = '$') => new VerificationError('VENDOR_FORMAT_INVALID', msg, where(path));
  if (raw.length > MARVELL_MAX_INPUT && isGzip(raw))
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `a ${raw.length}-byte attestation; the limit is ${MARVELL_MAX_INPUT}`,
      {
        file,
      },
    );
  const bytes = isGzip(raw) ? gunzip(raw, MARVELL_MAX_DATA, { file }) : raw;
  if (bytes.length > MARVELL_MAX_DATA)
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `${bytes.length} bytes of attestation; the limit is ${MARVELL_MAX_DATA}`,
      {
        file,
      },
    );
  if (bytes.length < 16 + 8 + SIGNATURE_BYTES)
    throw fail(`${bytes.length} bytes is too short for an attestation`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o: number) => view.getUint32(o);
  const [status, flags, total, attrSize] = [u32(0), u32(4), u32(8), u32(12)];
  if (status !== 0) throw fail(`response status ${status} is not 0`, '$.header.status');
  if (flags !== 3)
    throw fail(`response flags ${flags} are not 3 (attributes and signature)`, '$.header.flags');
  if (total !== bytes.length)
    throw fail(`the header says ${total} bytes, the attestation has ${bytes.length}`, '$.header.total');
  const attrOffset = total - SIGNATURE_BYTES - attrSize;
  const handleBytes = attrOffset - 16;
  if (attrSize < 8 || handleBytes < 8 || handleBytes > 16 || handleBytes % 8 !== 0)
    throw fail(`attribute data of ${attrSize} bytes does not fit the header`, '$.header.attribute_size');
  const handles: number[] = [];
  for (let o = 16; o < attrOffset; o += 8) {
    if (u32(o) !== 0) throw fail('an object handle above 2^32', '$.header.handles');
    handles.push(u32(o + 4));
  }
  const data = bytes.subarray(0, total - SIGNATURE_BYTES);
  const signature = bytes.subarray(total - SIGNATURE_BYTES);
  const a = bytes.subarray(attrOffset, attrOffset + attrSize);
  const av = new DataView(a.buffer, a.byteOffset, a.byteLength);
  const offsets = [av.getUint16(4), av.getUint16(6)].filter((o) => o !== 0);
  if (offsets.length !== handles.length)
    throw fail(`${handles.length} object handle(s) but ${offsets.length} object(s)`, '$.info');
  if (offsets[0] !== 8)
    throw fail(`the first object starts at ${offsets[0]}, not right after the info header`, '$.info');
  const objects: MarvellObject[] = [];
  let expectedStart = 8;
  offsets.forEach((off, i) => {
    const path = `$.objects[${i}]`;
    if (off !== expectedStart) throw fail(`object ${i} starts at ${off}, expected ${expectedStart}`, path);
    if (off + 12 > a.length) throw fail(`object ${i} runs past the attribute data`, path);
    const handle = av.getUint32(off);
    const count = av.getUint32(off + 4);
    const size = av.getUint32(off + 8);
    if (handle !== handles[i])
      throw fail(`object ${i} has handle ${handle}, the header lists ${handles[i]}`, path);
    if (count > MAX_ATTRIBUTES)
      throw new VerificationError(
        'LIMIT_EXCEEDED',
        `${count} attributes; the limit is ${MAX_ATTRIBUTES}`,
        where(path),
      );
    if (off + 12 + size > a.length)
      throw fail(`object ${i}'s ${size} attribute bytes run past the data`, path);
    const attributes: MarvellAttribute[] = [];
    let p = off + 12;
    const end = p + size;
    const seen = new Set<number>();
    for (let k = 0; k < count; k++) {
      if (p + 8 > end) throw fail(`attribute ${k} runs past its object`, `${path}.attributes[${k}]`);
      const type = av.getUint32(p);
      const len = av.getUint32(p + 4);
      if (len > end - p - 8)
        throw fail(
          `attribute ${hex4(type)} of ${len} bytes runs past its object`,
          `${path}.attributes[${k}]`,
        );
      if (seen.has(type)) throw fail(`attribute ${hex4(type)} appears twice`, `${path}.attributes[${k}]`);
      seen.add(type);
      attributes.push({ type, value: a.subarray(p + 8, p + 8 + len) });
      p += 8 + len;
    }
    if (p !== end) throw fail(`object ${i} has ${end - p} bytes after its ${count} attributes`, path);
    objects.push({ handle, attributes, offset: attrOffset + off });
    expectedStart = end;
  });
  if (expectedStart !== a.length)
    throw fail(`${a.length - expectedStart} bytes after the last object`, '$.objects');
  return { data, signature, handles, objects };
}

function attr(o: MarvellObject, type: number): Uint8Array | undefined {
  return o.attributes.find((x) => x.type === type)?.value;
}

function uint(v: Uint8Array | undefined): number | undefined {
  if (!v || v.length === 0 || v.length > 4) return undefined;
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

function flag(o: MarvellObject, type: number, path: string, file?: string): boolean {
  const v = attr(o, type);
  if (!v || v.length !== 1 || v[0]! > 1)
    throw new VerificationError(
      'VENDOR_FORMAT_INVALID',
      `attribute ${hex4(type)} is ${v ? `not a boolean (${toHex(v)})` : 'missing'}`,
      { file, path: `${path}.attributes["${hex4(type)}"]` },
    );
  return v[0] === 1;
}

function text(v: Uint8Array | undefined): string | undefined {
  if (!v) return undefined;
  let end = v.length;
  while (end > 0 && v[end - 1] === 0) end--;
  const s = v.subarray(0, end);
  return s.every((b) => b >= 0x20 && b < 0x7f) ? String.fromCharCode(...s) : toHex(v);
}

function publicKeyOf(pub: MarvellObject, keyType: KeyFamily, path: string, file?: string): AttestedPublicKey {
  const fail = (msg: string) => new VerificationError('VENDOR_FORMAT_INVALID', msg, { file, path });
  const value = attr(pub, ATTR.MODULUS);
  if (!value || value.length === 0) throw fail('the public key object has no key value (attribute 0x0120)');
  if (keyType === 'rsa') {
    const e = attr(pub, ATTR.PUBLIC_EXPONENT);
    if (!e || e.length === 0) throw fail('the RSA public key has no exponent (attribute 0x0122)');
    const bits = uint(attr(pub, ATTR.MODULUS_BITS));
    if (value[0] === 0 || bits !== value.length * 8 - Math.clz32(value[0]!) + 24)
      throw fail(`the RSA modulus does not have the ${bits} bits attribute 0x0121 states`);
    return {
      algorithm: 'rsa',
      bits,
      bytes: derSequence(derUnsignedInteger(value), derUnsignedInteger(e)),
      spki: rsaSpki(value, e),
    };
  }
  if (keyType === 'ec') {
    // The curve is not among the attributes: the point's length and curve membership tell it.
    if (value.length === 97 && isValidEcPoint('p384', value))
      return { algorithm: 'ec-p384', bits: 384, bytes: value, spki: ecSpki(OID.p384, value) };
    if (value.length === 65 && isValidEcPoint('p256', value))
      return { algorithm: 'ec-p256', bits: 256, bytes: value, spki: ecSpki(OID.p256, value) };
    if (value.length === 65) {
      try {
        secp256k1.Point.fromBytes(value).assertValidity();
        return { algorithm: 'ec-secp256k1', bits: 256, bytes: value, spki: ecSpki(OID.secp256k1, value) };
      } catch {
        /* fall through */
      }
    }
    throw fail(`the EC public key (${value.length} bytes) is not a point of P-256, P-384 or secp256k1`);
  }
  throw fail(`a public key object for key type ${keyType}`);
}

/**
 * Checks every supplied certificate's chain, then classifies them: the manufacturer's partition certificate is the
 * one reached through a card certificate (partition ← card ← root); the owner's certificates are those issued
 * directly by another pinned root, and must be the twins (same name, same key) of the partition and card ones.
 */
function verifyChains(
  certs: Located[],
  roots: PinnedRoot[],
  time: ReturnType<typeof timeContext>,
  file?: string,
): { manufacturer: ChainResult; owner: ChainResult; ownerCard: ChainResult } {
  const walked = certs
    .filter((l) => !equalBytes(l.cert.subject.der, l.cert.issuer.der))
    .map((l) => walkChain(l, certs, roots, time, file, `chain of ${l.path}`));
  for (const r of walked)
    if (!r.complete)
      throw new VerificationError(
        'UNKNOWN_KEY',
        `the chain of ${r.path[0]!.path} ends at issuer "${r.missingIssuer}", which is neither supplied nor a pinned root`,
        { file, path: r.path[r.path.length - 1]!.path },
      );
  const viaCard = walked.filter((r) => r.path.length === 2);
  if (viaCard.length !== 1)
    throw new VerificationError(
      'CHAIN_INCOMPLETE',
      viaCard.length === 0
        ? 'no manufacturer chain (partition ← card ← root) among the certificates'
        : `${viaCard.length} manufacturer chains (partition ← card ← root); expected one`,
      { file, path: '$.certificates' },
    );
  const manufacturer = viaCard[0]!;
  const partition = manufacturer.path[0]!.cert;
  const card = manufacturer.path[1]!.cert;
  const direct = walked.filter(
    (r) =>
      r.path.length === 1 &&
      r.path[0]!.cert !== card &&
      !equalBytes(r.root!.cert.spki, manufacturer.root!.cert.spki),
  );
  if (direct.length === 0)
    throw new VerificationError(
      'CHAIN_INCOMPLETE',
      "no owner certificates: none is issued directly by a pinned root other than the manufacturer's",
      { file, path: '$.certificates' },
    );
  const twin = (of: Certificate, what: string): ChainResult => {
    const named = direct.filter((r) => equalBytes(r.path[0]!.cert.subject.der, of.subject.der));
    if (named.length > 1)
      throw new VerificationError('VENDOR_FORMAT_INVALID', `more than one owner ${what} certificate`, {
        file,
        path: named[1]!.path[0]!.path,
      });
    const r = named[0];
    if (!r)
      throw new VerificationError(
        'TWIN_KEY_MISMATCH',
        `no owner certificate is the twin of the ${what} certificate "${of.subject.text}" (owner certificates: ${direct.map((d) => `"${d.path[0]!.cert.subject.text}"`).join(', ')})`,
        { file, path: '$.certificates' },
      );
    if (!equalBytes(r.path[0]!.cert.spki, of.spki))
      throw new VerificationError(
        'TWIN_KEY_MISMATCH',
        `the owner ${what} certificate's key differs from the manufacturer's ("${of.subject.text}")`,
        { file, path: r.path[0]!.path },
      );
    return r;
  };
  const owner = twin(partition, 'partition');
  const ownerCard = twin(card, 'card');
  if (!equalBytes(ownerCard.root!.cert.spki, owner.root!.cert.spki))
    throw new VerificationError(
      'CHAIN_BROKEN',
      "the owner's card and partition certificates come from different roots",
      { file, path: ownerCard.path[0]!.path },
    );
  return { manufacturer, owner, ownerCard };
}

/**
 * Verifies a Marvell LiquidSecurity (Google Cloud HSM) key attestation and returns the normalized claim.
 * Raises VENDOR_FORMAT_INVALID, LIMIT_EXCEEDED, CERTIFICATE_INVALID, CHAIN_BROKEN, CHAIN_INCOMPLETE, UNKNOWN_KEY,
 * KEY_OUTSIDE_VALIDITY, TWIN_KEY_MISMATCH or ATTESTATION_SIGNATURE_INVALID.
 */
export function verifyMarvellAttestation(input: MarvellInput, opts: VerifyOptions): VendorClaim {
  const file = opts.file;
  const now = opts.now !== undefined ? parseIsoTime(opts.now, 'now', file) : Date.now();
  const at = opts.at !== undefined ? parseIsoTime(opts.at, 'at', file) : undefined;
  const time = timeContext(undefined, at, now);
  const roots = parsePinnedRoots(opts.roots, file);
  const certs = parseSupplied(input.certificates, file);
  const att = parseMarvellAttestation(input.attestation, file);

  const { manufacturer, owner, ownerCard } = verifyChains(certs, roots, time, file);
  const partition = manufacturer.path[0]!.cert;
  if (
    partition.publicKey.kind !== 'rsa' ||
    !verifyRsaPkcs1v15(partition.publicKey, 'sha256', att.data, att.signature)
  )
    throw new VerificationError(
      'ATTESTATION_SIGNATURE_INVALID',
      `the attestation's RSA PKCS#1 v1.5 SHA-256 signature does not verify under the partition key of "${partition.subject.text}"`,
      { file, path: '$.signature' },
    );

  // The key object: the private key of a pair (second object), or the single secret key.
  const key = att.objects[att.objects.length - 1]!;
  const keyPath = `$.objects[${att.objects.length - 1}]`;
  const cls = uint(attr(key, ATTR.CLASS));
  const pair = att.objects.length === 2;
  if (pair ? cls !== CLASS.PRIVATE_KEY : cls !== CLASS.SECRET_KEY)
    throw new VerificationError(
      'VENDOR_FORMAT_INVALID',
      `the key object has class ${cls}, expected ${pair ? 'private' : 'secret'} key`,
      {
        file,
        path: `${keyPath}.attributes["0x0000"]`,
      },
    );
  const typeCode = uint(attr(key, ATTR.KEY_TYPE));
  const keyType: KeyFamily = (typeCode !== undefined && KEY_TYPES[typeCode]) || 'other';
  let publicKey: AttestedPublicKey | undefined;
  if (pair) {
    const pub = att.objects[0]!;
    if (uint(attr(pub, ATTR.CLASS)) !== CLASS.PUBLIC_KEY || uint(attr(pub, ATTR.KEY_TYPE)) !== typeCode)
      throw new VerificationError(
        'VENDOR_FORMAT_INVALID',
        'the first object is not the public key of the pair',
        {
          file,
          path: '$.objects[0]',
        },
      );
    publicKey = publicKeyOf(pub, keyType, '$.objects[0]', file);
    const privValue = attr(key, ATTR.MODULUS);
    if (privValue && !equalBytes(privValue, attr(pub, ATTR.MODULUS)!))
      throw new VerificationError(
        'VENDOR_FORMAT_INVALID',
        'the private and public key objects name different keys',
        {
          file,
          path: `${keyPath}.attributes["0x0120"]`,
        },
      );
  }
  const extractable = flag(key, ATTR.EXTRACTABLE, keyPath, file);
  const local = flag(key, ATTR.LOCAL, keyPath, file);
  const neverExtractable = flag(key, ATTR.NEVER_EXTRACTABLE, keyPath, file);

  const notes = [...manufacturer.notes, ...owner.notes, ...ownerCard.notes];
  if (time.source === 'clock')
    notes.push(
      `the attestation carries no time and none was given: certificate validity was judged at the current time ${time.atIso}`,
    );
  if (!extractable && !neverExtractable)
    notes.push(
      'the key is not extractable now but was extractable at some point (CKA_NEVER_EXTRACTABLE is false): counted as exportable',
    );
  const used = new Set([...manufacturer.path, ...owner.path, ...ownerCard.path].map((p) => p.cert));
  for (const c of certs) {
    if (used.has(c.cert)) continue;
    const root = [manufacturer.root!, owner.root!].find(
      (r) => equalBytes(r.cert.subject.der, c.cert.subject.der) && equalBytes(r.cert.spki, c.cert.spki),
    );
    if (root && equalBytes(root.cert.der, c.cert.der)) continue;
    notes.push(
      root
        ? `${c.path}: the bundle's own copy of root "${c.cert.subject.attributes.get('2.5.4.3') ?? c.cert.subject.text}" (valid ${c.cert.notBefore} to ${c.cert.notAfter}) was not needed: the pinned root ${root.id} has its name and key`
        : `${c.path}: "${c.cert.subject.text}" was supplied but is part of neither chain`,
    );
  }

  const cn = partition.subject.attributes.get('2.5.4.3') ?? '';
  const m = cn.match(/^HSM:([^:,]+)(?::PARTN:(\d+))?/);
  return {
    vendor: 'Marvell',
    format: MARVELL_FORMAT,
    model: 'LiquidSecurity',
    serial: m?.[1] ?? cn,
    keyType: publicKey?.algorithm ?? (keyType === 'aes' ? 'aes' : 'other'),
    publicKey,
    generatedOnDevice: local,
    exportable: extractable || !neverExtractable,
    firmware: undefined,
    measurements: {},
    attestedAt: undefined,
    timeUsed: time.atIso,
    timeSource: time.source,
    chain: [
      ...chainEntries(manufacturer, 'manufacturer'),
      ...chainEntries(owner, 'owner'),
      ...chainEntries(ownerCard, 'owner').filter((e) => e.role !== 'root'),
    ],
    chainComplete: true,
    rootId: manufacturer.root!.id,
    notes,
    details: {
      owner: 'Google Cloud HSM',
      ownerRootId: owner.root!.id,
      partition: m?.[2],
      fipsMode: /for FIPS mode/.test(cn),
      keyTypeCode: typeCode,
      keySizeBits:
        publicKey?.bits ?? (keyType === 'aes' ? (uint(attr(key, ATTR.VALUE_LEN)) ?? 0) * 8 : undefined),
      label: text(attr(key, ATTR.LABEL)),
      keyId: text(attr(key, ATTR.ID)),
      keyCheckValue: attr(key, ATTR.KCV) ? toHex(attr(key, ATTR.KCV)!) : undefined,
      extractable,
      neverExtractable,
      alwaysSensitive: attr(key, ATTR.ALWAYS_SENSITIVE)?.[0] === 1,
      handles: att.handles.map((h) => String(h)),
    },
  };
}

/** Convenience: the attestation bytes and Google's PEM bundle (both chains concatenated). */
export function marvellInputFromPem(attestation: Uint8Array, pem: string, file?: string): MarvellInput {
  return { attestation, certificates: decodePemCertificates(pem, { file }) };
}
