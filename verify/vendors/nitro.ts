/**
 * AWS Nitro Enclaves attestation documents: a COSE_Sign1 (RFC 9052 §4.2), tagged (18) or not,
 * [protected = bstr {1: -35 (ES384)}, unprotected = {}, payload = bstr, signature = 96-byte r||s], signed over
 * the CBOR Sig_structure ["Signature1", protected, h'', payload] with the P-384 key of the payload's leaf
 * certificate. The payload map (AWS "Nitro Enclaves attestation document" specification): module_id, digest
 * "SHA384", timestamp (ms since the epoch), pcrs {index: 32/48/64 bytes}, certificate (DER), cabundle (DER, root
 * first), and optional public_key, user_data, nonce. The chain is verified to the pinned AWS Nitro root at the
 * document's own timestamp, not now: leaf certificates live for hours only. The chain is checked before the
 * signature, so that a tampered certificate is reported as such (CHAIN_BROKEN) rather than as a bad signature.
 */
import { VerificationError } from '../errors.ts';
import { toHex } from '../encoding.ts';
import { CborMap, CborTagged, type CborValue, cborArray, cborBytes, cborText, decodeCbor } from './cbor.ts';
import { verifyEcdsa } from './ecdsa.ts';
import { parseDer } from './asn1.ts';
import { type Located, chainEntries, parsePinnedRoots, timeContext, walkChain } from './chain.ts';
import { type PublicKey, parseCertificate, parseSpki } from './x509.ts';
import { type AttestedPublicKey, type VendorClaim, type VerifyOptions, parseIsoTime } from './claim.ts';

export const NITRO_FORMAT = 'aws-nitro-enclaves';
/** Largest document accepted, in bytes (AWS documents are 4–16 KiB). */
export const NITRO_MAX_BYTES = 64 * 1024;
const COSE_SIGN1_TAG = 18;
const ES384 = -35;
const MAX_OPTIONAL_FIELD = 1024;
const MAX_CABUNDLE = 8;

export interface NitroDocument {
  protectedBytes: Uint8Array;
  payloadBytes: Uint8Array;
  signature: Uint8Array;
  moduleId: string;
  digest: string;
  timestamp: number;
  pcrs: Map<number, Uint8Array>;
  certificate: Uint8Array;
  cabundle: Uint8Array[];
  publicKey: Uint8Array | undefined;
  userData: Uint8Array | undefined;
  nonce: Uint8Array | undefined;
}

const PAYLOAD_KEYS = new Set([
  'module_id',
  'digest',
  'timestamp',
  'pcrs',
  'certificate',
  'cabundle',
  'public_key',
  'user_data',
  'nonce',
]);

/** Parses the COSE_Sign1 envelope and its payload, strictly. Raises VENDOR_FORMAT_INVALID or LIMIT_EXCEEDED. */
export function parseNitroDocument(bytes: Uint8Array, file?: string): NitroDocument {
  if (bytes.length > NITRO_MAX_BYTES)
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `a ${bytes.length}-byte document; the limit is ${NITRO_MAX_BYTES}`,
      { file },
    );
  const fail = (msg: string, path = '$') =>
    new VerificationError('VENDOR_FORMAT_INVALID', msg, { file, path });
  let top = decodeCbor(bytes, { file, path: '$' });
  if (top instanceof CborTagged) {
    if (top.tag !== COSE_SIGN1_TAG) throw fail(`CBOR tag ${top.tag} is not COSE_Sign1 (18)`);
    top = top.value;
  }
  if (!Array.isArray(top) || top.length !== 4) throw fail('not a COSE_Sign1 array of four items');
  const [prot, unprot, payload, signature] = top as [CborValue, CborValue, CborValue, CborValue];
  if (!(prot instanceof Uint8Array)) throw fail('the protected header is not a byte string', '$[0]');
  const ph = decodeCbor(prot, { file, path: '$[0]' });
  if (!(ph instanceof CborMap) || ph.entries.length !== 1 || ph.get(1) !== ES384)
    throw fail('the protected header is not exactly {1: -35} (alg ES384)', '$[0]');
  if (!(unprot instanceof CborMap)) throw fail('the unprotected header is not a map', '$[1]');
  if (!(payload instanceof Uint8Array)) throw fail('the payload is not a byte string', '$[2]');
  if (!(signature instanceof Uint8Array) || signature.length !== 96)
    throw fail('the signature is not 96 bytes (P-384 r||s)', '$[3]');

  const p = decodeCbor(payload, { file, path: '$.payload' });
  if (!(p instanceof CborMap)) throw fail('the payload is not a map', '$.payload');
  for (const [k] of p.entries)
    if (typeof k !== 'string' || !PAYLOAD_KEYS.has(k))
      throw fail(`unknown payload field ${String(k)}`, '$.payload');
  const field = (k: string) => `$.payload.${k}`;
  const bstr = (k: string, min: number, max: number, optional: boolean): Uint8Array | undefined => {
    const v = p.get(k);
    if ((v === undefined || v === null) && optional) return undefined;
    if (!(v instanceof Uint8Array) || v.length < min || v.length > max)
      throw fail(`${k} is not a byte string of ${min}–${max} bytes`, field(k));
    return v;
  };
  const moduleId = p.get('module_id');
  if (typeof moduleId !== 'string' || moduleId.length === 0 || moduleId.length > 256)
    throw fail('module_id is not a non-empty text string', field('module_id'));
  const digest = p.get('digest');
  if (digest !== 'SHA384') throw fail(`digest is ${String(digest)}, not "SHA384"`, field('digest'));
  const timestamp = p.get('timestamp');
  if (typeof timestamp !== 'number' || timestamp <= 0 || !Number.isSafeInteger(timestamp))
    throw fail('timestamp is not a positive integer of milliseconds', field('timestamp'));
  const pcrMap = p.get('pcrs');
  if (!(pcrMap instanceof CborMap) || pcrMap.entries.length < 1 || pcrMap.entries.length > 32)
    throw fail('pcrs is not a map of 1–32 entries', field('pcrs'));
  const pcrs = new Map<number, Uint8Array>();
  for (const [k, v] of pcrMap.entries) {
    if (typeof k !== 'number' || k < 0 || k > 31 || !Number.isInteger(k))
      throw fail(`PCR index ${String(k)} is not 0–31`, field('pcrs'));
    if (!(v instanceof Uint8Array) || ![32, 48, 64].includes(v.length))
      throw fail(`PCR${k} is not 32, 48 or 64 bytes`, `${field('pcrs')}[${k}]`);
    pcrs.set(k, v);
  }
  const certificate = bstr('certificate', 1, 1024 * 16, false)!;
  const cab = p.get('cabundle');
  if (!Array.isArray(cab) || cab.length < 1)
    throw fail('cabundle is not a non-empty array', field('cabundle'));
  if (cab.length > MAX_CABUNDLE)
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `${cab.length} certificates in cabundle; the limit is ${MAX_CABUNDLE}`,
      { file, path: field('cabundle') },
    );
  const cabundle = cab.map((c, i) => {
    if (!(c instanceof Uint8Array) || c.length < 1)
      throw fail(`cabundle[${i}] is not a byte string`, `${field('cabundle')}[${i}]`);
    return c;
  });
  return {
    protectedBytes: prot,
    payloadBytes: payload,
    signature,
    moduleId,
    digest,
    timestamp,
    pcrs,
    certificate,
    cabundle,
    publicKey: bstr('public_key', 1, MAX_OPTIONAL_FIELD, true),
    userData: bstr('user_data', 0, MAX_OPTIONAL_FIELD, true),
    nonce: bstr('nonce', 0, MAX_OPTIONAL_FIELD, true),
  };
}

/** The bytes COSE_Sign1 signs: Sig_structure ["Signature1", body_protected, external_aad = h'', payload]. */
export function nitroSignedBytes(doc: NitroDocument): Uint8Array {
  return cborArray(
    cborText('Signature1'),
    cborBytes(doc.protectedBytes),
    cborBytes(new Uint8Array(0)),
    cborBytes(doc.payloadBytes),
  );
}

function attestedKey(spkiBytes: Uint8Array | undefined): AttestedPublicKey | undefined {
  if (!spkiBytes) return undefined;
  let k: PublicKey;
  try {
    k = parseSpki(parseDer(spkiBytes, { code: 'VENDOR_FORMAT_INVALID' }), { code: 'VENDOR_FORMAT_INVALID' });
  } catch {
    return undefined;
  }
  switch (k.kind) {
    case 'ec':
      return {
        algorithm: `ec-${k.curve}` as AttestedPublicKey['algorithm'],
        bits: k.curve === 'p521' ? 521 : k.curve === 'p384' ? 384 : 256,
        bytes: k.point,
        spki: spkiBytes,
      };
    case 'rsa':
      return { algorithm: 'rsa', bits: k.bits, bytes: spkiBytes, spki: spkiBytes };
    case 'ed25519':
      return { algorithm: 'ed25519', bits: 256, bytes: k.key, spki: spkiBytes };
    default:
      return undefined;
  }
}

/**
 * Verifies an AWS Nitro Enclaves attestation document (CBOR bytes) and returns the normalized claim.
 * Raises VENDOR_FORMAT_INVALID, LIMIT_EXCEEDED, CERTIFICATE_INVALID, ATTESTATION_SIGNATURE_INVALID, CHAIN_BROKEN,
 * UNKNOWN_KEY or KEY_OUTSIDE_VALIDITY.
 */
export function verifyNitroAttestation(document: Uint8Array, opts: VerifyOptions): VendorClaim {
  const file = opts.file;
  const now = opts.now !== undefined ? parseIsoTime(opts.now, 'now', file) : Date.now();
  const at = opts.at !== undefined ? parseIsoTime(opts.at, 'at', file) : undefined;
  const roots = parsePinnedRoots(opts.roots, file);
  const doc = parseNitroDocument(document, file);
  const time = timeContext(doc.timestamp, at, now);

  const leaf: Located = {
    cert: parseCertificate(doc.certificate, { file, path: '$.payload.certificate' }),
    path: '$.payload.certificate',
  };
  const bundle: Located[] = doc.cabundle.map((der, i) => ({
    cert: parseCertificate(der, { file, path: `$.payload.cabundle[${i}]` }),
    path: `$.payload.cabundle[${i}]`,
  }));
  const chain = walkChain(leaf, bundle, roots, time, file, 'Nitro chain');
  if (!chain.complete)
    throw new VerificationError(
      'UNKNOWN_KEY',
      `the chain ends at issuer "${chain.missingIssuer}", which is neither in cabundle nor a pinned root`,
      { file, path: chain.path[chain.path.length - 1]!.path },
    );

  const key = leaf.cert.publicKey;
  if (
    key.kind !== 'ec' ||
    key.curve !== 'p384' ||
    !verifyEcdsa('p384', 'sha384', key.point, nitroSignedBytes(doc), doc.signature, 'raw')
  )
    throw new VerificationError(
      'ATTESTATION_SIGNATURE_INVALID',
      "the COSE_Sign1 ES384 signature does not verify under the leaf certificate's P-384 key",
      { file, path: '$[3]' },
    );
  const notes = [...chain.notes];
  if (at !== undefined && at !== doc.timestamp)
    notes.push(`the document's own timestamp ${time.atIso} was used, not the time given`);
  const used = new Set(chain.path.map((p) => p.cert));
  bundle.forEach((b) => {
    if (!used.has(b.cert) && !(chain.root && b.cert.fingerprint === chain.root.cert.fingerprint))
      notes.push(`${b.path}: "${b.cert.subject.text}" is in cabundle but not on the chain`);
  });
  const publicKey = attestedKey(doc.publicKey);
  if (doc.publicKey && !publicKey)
    notes.push(
      `public_key (${doc.publicKey.length} bytes) is not a DER SubjectPublicKeyInfo of a known kind: kept as bytes in details`,
    );
  notes.push(
    'a Nitro document binds public_key and user_data to the enclave image measured in PCR0–PCR2; it does not say where the key was generated or whether it can leave the enclave: reported as not generated on a device and exportable, unless a policy on the measurements says otherwise',
  );
  const measurements: Record<string, string> = {};
  for (const [i, v] of [...doc.pcrs].sort((a, b) => a[0] - b[0])) measurements[`PCR${i}`] = toHex(v);
  return {
    vendor: 'AWS',
    format: NITRO_FORMAT,
    model: 'Nitro Enclaves',
    serial: doc.moduleId,
    keyType: publicKey?.algorithm ?? 'other',
    publicKey,
    generatedOnDevice: false,
    exportable: true,
    firmware: undefined,
    measurements,
    attestedAt: time.atIso,
    timeUsed: time.atIso,
    timeSource: time.source,
    chain: chainEntries(chain),
    chainComplete: true,
    rootId: chain.root!.id,
    notes,
    details: {
      digest: doc.digest,
      timestampMs: doc.timestamp,
      publicKeyHex: doc.publicKey ? toHex(doc.publicKey) : undefined,
      userDataHex: doc.userData ? toHex(doc.userData) : undefined,
      nonceHex: doc.nonce ? toHex(doc.nonce) : undefined,
    },
  };
}
