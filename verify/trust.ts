/**
 * Trust roots (docs/evidence-format.md §3): the pinned keys, their roles and validity windows, and the policy
 * binding namespaces to auditor and operator keys.
 */
import { VerificationError, pathOf } from './errors.ts';
import { equalBytes, fromBase64, fromHex } from './encoding.ts';
import { identifier, isoTime, parseWith, safeInt, text, z } from './schema.ts';
import {
  TRUST_KEY_ALGORITHMS,
  type TrustKeyAlgorithm,
  isSignatureAlgorithm,
  isValidPublicKey,
} from './crypto/keys.ts';
import { fingerprint } from './crypto/sha256.ts';
import { parseDer } from './vendors/asn1.ts';
import { isValidEcPoint } from './vendors/ecdsa.ts';
import { type Certificate, decodePemCertificates, parseCertificate, parseSpki } from './vendors/x509.ts';

export const TRUST_ROOTS_FILE = 'trust-roots.json';
export const KEY_ROLES = ['vendor-root', 'operator', 'auditor', 'witness', 'release', 'log-witness'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

const keyWire = z.strictObject({
  id: identifier,
  name: text(256),
  role: z.enum(KEY_ROLES),
  algorithm: z.enum(TRUST_KEY_ALGORITHMS),
  public_key: z.string(),
  valid_from: isoTime,
  valid_until: isoTime,
  published_at: text(512),
  vendor: z.optional(text(256)),
  certificate: z.optional(text(16384)),
});

const namespaceWire = z.strictObject({
  name: z
    .string()
    .check(
      z.regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/,
        'expected a namespace name: letters, digits, ".", "_" or "-"',
      ),
    ),
  root_epoch: safeInt,
  auditor_keys: z.array(identifier).check(z.minLength(1)),
  operator_keys: z.array(identifier).check(z.minLength(1)),
});

export const trustRootsWire = z.strictObject({
  version: z.literal(1),
  keys: z.array(keyWire).check(z.minLength(1)),
  namespaces: z.array(namespaceWire),
});

export interface PinnedKey {
  id: string;
  name: string;
  role: KeyRole;
  algorithm: TrustKeyAlgorithm;
  publicKey: Uint8Array;
  publicKeyHex: string;
  fingerprint: string;
  validFrom: string;
  validUntil: string;
  publishedAt: string;
  vendor: string | undefined;
  /** A vendor root's X.509 certificate (§3.4), whose key is `publicKey`: what vendor attestations chain to. */
  certificate: Certificate | undefined;
  /** JSONPath of the key's entry in trust-roots.json. */
  path: string;
}

export interface NamespacePolicy {
  name: string;
  rootEpoch: number;
  auditorKeys: PinnedKey[];
  operatorKeys: PinnedKey[];
}

export interface TrustRoots {
  keys: PinnedKey[];
  byId: Map<string, PinnedKey>;
  namespaces: Map<string, NamespacePolicy>;
}

export function parseTrustRoots(value: unknown, file = TRUST_ROOTS_FILE): TrustRoots {
  const w = parseWith(trustRootsWire, value, file);
  const byId = new Map<string, PinnedKey>();
  const keys = w.keys.map((k, i) => {
    const path = pathOf('$', 'keys', i);
    if (byId.has(k.id))
      throw new VerificationError('DUPLICATE_ID', `key id ${k.id} appears twice`, {
        file,
        path: pathOf(path, 'id'),
      });
    const publicKey = fromHex(k.public_key, { file, path: pathOf(path, 'public_key') });
    if (!isSignatureAlgorithm(k.algorithm) && (k.role !== 'vendor-root' || k.certificate === undefined)) {
      throw new VerificationError(
        'SCHEMA_INVALID',
        `${k.algorithm} is for vendor-root keys that carry a certificate (X.509 vendor roots) only`,
        { file, path: pathOf(path, 'algorithm') },
      );
    }
    if (!isValidTrustKey(k.algorithm, publicKey)) {
      throw new VerificationError('KEY_INVALID', `not a valid ${k.algorithm} public key`, {
        file,
        path: pathOf(path, 'public_key'),
      });
    }
    if (k.certificate !== undefined && k.role !== 'vendor-root') {
      throw new VerificationError('SCHEMA_INVALID', 'only vendor-root keys carry a certificate', {
        file,
        path: pathOf(path, 'certificate'),
      });
    }
    const certificate =
      k.certificate === undefined
        ? undefined
        : rootCertificate(k.certificate, k.algorithm, publicKey, { file, path: pathOf(path, 'certificate') });
    if (k.role === 'auditor' && k.algorithm !== 'ed25519') {
      throw new VerificationError('KEY_INVALID', 'auditor keys are Ed25519 (Plexi signs with Ed25519)', {
        file,
        path: pathOf(path, 'algorithm'),
      });
    }
    if ((k.role === 'vendor-root') !== (k.vendor !== undefined)) {
      throw new VerificationError(
        'SCHEMA_INVALID',
        '`vendor` is required for vendor-root keys and absent for others',
        {
          file,
          path: pathOf(path, 'vendor'),
        },
      );
    }
    if (k.valid_from >= k.valid_until) {
      throw new VerificationError('SCHEMA_INVALID', 'valid_from is not before valid_until', {
        file,
        path: pathOf(path, 'valid_until'),
      });
    }
    const key: PinnedKey = {
      id: k.id,
      name: k.name,
      role: k.role,
      algorithm: k.algorithm,
      publicKey,
      publicKeyHex: k.public_key,
      fingerprint: fingerprint(publicKey),
      validFrom: k.valid_from,
      validUntil: k.valid_until,
      publishedAt: k.published_at,
      vendor: k.vendor,
      certificate,
      path,
    };
    byId.set(k.id, key);
    return key;
  });
  const seenFp = new Map<string, string>();
  for (const k of keys) {
    const other = seenFp.get(k.fingerprint);
    if (other)
      throw new VerificationError('DUPLICATE_ID', `keys ${other} and ${k.id} are the same public key`, {
        file,
        path: pathOf(k.path, 'public_key'),
      });
    seenFp.set(k.fingerprint, k.id);
  }
  const namespaces = new Map<string, NamespacePolicy>();
  /**
   * Names by their lower case: a namespace is a folder of the tree (namespaces/<name>/), and a file system that
   * ignores case (macOS's and Windows' by default) would make two names that differ only in case one folder, so one
   * tree would hold different evidence on different machines. Names are ASCII (the wire schema), so toLowerCase
   * folds exactly A-Z.
   */
  const folded = new Map<string, string>();
  w.namespaces.forEach((n, i) => {
    const path = pathOf('$', 'namespaces', i);
    const lower = n.name.toLowerCase();
    const same = folded.get(lower);
    if (same !== undefined)
      throw new VerificationError(
        'DUPLICATE_ID',
        same === n.name
          ? `namespace ${n.name} appears twice`
          : `namespace ${n.name} differs from namespace ${same} only in case (one folder where case is ignored)`,
        { file, path: pathOf(path, 'name') },
      );
    folded.set(lower, n.name);
    const resolve = (ids: string[], role: KeyRole, field: string) =>
      ids.map((id, j) => {
        const k = byId.get(id);
        const where = { file, path: pathOf(path, field, j) };
        if (!k) throw new VerificationError('UNKNOWN_KEY', `no pinned key has id ${id}`, where);
        if (k.role !== role)
          throw new VerificationError(
            'KEY_ROLE_INVALID',
            `${id} is a ${k.role} key, listed as ${role} key`,
            where,
          );
        return k;
      });
    namespaces.set(n.name, {
      name: n.name,
      rootEpoch: n.root_epoch,
      auditorKeys: resolve(n.auditor_keys, 'auditor', 'auditor_keys'),
      operatorKeys: resolve(n.operator_keys, 'operator', 'operator_keys'),
    });
  });
  return { keys, byId, namespaces };
}

/** Whether `publicKey` is a valid key of `alg` (§3.2; §3.4 for the X.509-root algorithms). */
function isValidTrustKey(alg: TrustKeyAlgorithm, publicKey: Uint8Array): boolean {
  if (isSignatureAlgorithm(alg)) return isValidPublicKey(alg, publicKey);
  if (alg === 'ecdsa-p384-sha384') return isValidEcPoint('p384', publicKey);
  try {
    const spki = parseDer(publicKey, { code: 'KEY_INVALID' });
    return spki.raw.length === publicKey.length && parseSpki(spki, { code: 'KEY_INVALID' }).kind === 'rsa';
  } catch {
    return false;
  }
}

/**
 * A vendor root's certificate (§3.4): one PEM CERTIFICATE block or base64 DER, a well-formed X.509 certificate
 * [CERTIFICATE_INVALID] whose key is the entry's public_key [ROOT_CERTIFICATE_MISMATCH]: the EC point or Ed25519
 * key exactly as the certificate's SubjectPublicKeyInfo carries it, for RSA the whole SubjectPublicKeyInfo.
 */
function rootCertificate(
  value: string,
  alg: TrustKeyAlgorithm,
  publicKey: Uint8Array,
  where: { file: string; path: string },
): Certificate {
  let der: Uint8Array;
  if (value.includes('-----BEGIN')) {
    const certs = decodePemCertificates(value, where);
    if (certs.length !== 1)
      throw new VerificationError(
        'CERTIFICATE_INVALID',
        `expected one PEM CERTIFICATE block, found ${certs.length}`,
        where,
      );
    der = certs[0]!;
  } else {
    try {
      der = fromBase64(value, where);
    } catch {
      throw new VerificationError('CERTIFICATE_INVALID', 'neither a PEM certificate nor base64 DER', where);
    }
  }
  const cert = parseCertificate(der, where);
  const k = cert.publicKey;
  const same =
    alg === 'rsa-pkcs1-sha256'
      ? equalBytes(cert.spki, publicKey)
      : alg === 'ed25519'
        ? k.kind === 'ed25519' && equalBytes(k.key, publicKey)
        : k.kind === 'ec' &&
          k.curve === (alg === 'ecdsa-p384-sha384' ? 'p384' : 'p256') &&
          equalBytes(k.point, publicKey);
  if (!same)
    throw new VerificationError(
      'ROOT_CERTIFICATE_MISMATCH',
      `the certificate "${cert.subject.text}" (sha256 ${cert.fingerprint.slice(0, 16)}…) carries ${describeKey(cert)}, not the ${alg} public_key of this entry`,
      where,
    );
  return cert;
}

function describeKey(cert: Certificate): string {
  const k = cert.publicKey;
  return k.kind === 'ec'
    ? `a ${k.curve.toUpperCase()} key`
    : k.kind === 'rsa'
      ? `an RSA-${k.bits} key`
      : k.kind === 'ed25519'
        ? 'an Ed25519 key'
        : `a key of algorithm ${k.algorithm}`;
}

/** ISO time of a millisecond timestamp, to the second (the form used in the evidence). */
export function isoOfMs(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function isValidAt(key: PinnedKey, iso: string): boolean {
  return key.validFrom <= iso && iso < key.validUntil;
}

/** Raises KEY_OUTSIDE_VALIDITY unless the key is valid at `iso` (valid_from ≤ t < valid_until). */
export function requireValidAt(
  key: PinnedKey,
  iso: string,
  what: string,
  where: { file?: string; path?: string },
): void {
  if (!isValidAt(key, iso)) {
    throw new VerificationError(
      'KEY_OUTSIDE_VALIDITY',
      `${what}: key ${key.id} is valid from ${key.validFrom} until ${key.validUntil}, used at ${iso}`,
      where,
    );
  }
}

/** The pinned key with this id and role, or UNKNOWN_KEY / KEY_ROLE_INVALID. */
export function pinnedKey(
  roots: TrustRoots,
  id: string,
  role: KeyRole,
  where: { file?: string; path?: string },
): PinnedKey {
  const k = roots.byId.get(id);
  if (!k) throw new VerificationError('UNKNOWN_KEY', `${id} is not a pinned key`, where);
  if (k.role !== role)
    throw new VerificationError('KEY_ROLE_INVALID', `${id} is a ${k.role} key, used as a ${role} key`, where);
  return k;
}
