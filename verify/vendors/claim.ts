/**
 * The normalized claim every vendor adapter returns, whatever the vendor's own format: who made the HSM, which
 * device, which key, whether the key was generated inside it and can leave it, what firmware or measurements it
 * reported, and how the certificate chain was judged (when, to which pinned root, with which reservations).
 */
import { VerificationError } from '../errors.ts';

/** Most certificates a caller may supply with one attestation (here, not in ./chain.ts, so that the core can read it
 * without loading the X.509 code). */
export const MAX_SUPPLIED_CERTIFICATES = 16;

/** A Nitro document carries its own certificates (its cabundle): SCHEMA_INVALID at `where` if any is supplied. */
export function refuseSuppliedNitroCertificates(
  count: number,
  where: { file?: string; path?: string },
): void {
  if (count > 0)
    throw new VerificationError(
      'SCHEMA_INVALID',
      'a Nitro document carries its own certificates (cabundle): none may be supplied',
      where,
    );
}

export type VendorFormat = 'marvell-cavium-v2' | 'aws-nitro-enclaves' | 'yubihsm2-key-attestation';

export type AttestedKeyAlgorithm =
  'rsa' | 'ec-p256' | 'ec-p384' | 'ec-p521' | 'ec-secp256k1' | 'ed25519' | 'aes' | 'other';

export interface AttestedPublicKey {
  algorithm: AttestedKeyAlgorithm;
  /** Key size in bits (RSA modulus, EC field, AES key). */
  bits: number | undefined;
  /** The raw key: SEC1 point for EC, RSAPublicKey DER for RSA, 32 bytes for Ed25519. */
  bytes: Uint8Array;
  /** DER SubjectPublicKeyInfo, to compare with a CSR or a KMS `getPublicKey` answer. */
  spki: Uint8Array | undefined;
}

/** One certificate of a verified chain, leaf first, pinned root last. */
export interface ChainEntry {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  /** Lowercase hex SHA-256 of the DER certificate. */
  fingerprint: string;
  role: 'leaf' | 'intermediate' | 'root';
  /** For vendors with two chains (Marvell: "manufacturer", "owner"). */
  group?: string;
}

export interface VendorClaim {
  vendor: string;
  format: VendorFormat;
  model: string;
  serial: string;
  /** The attested key's kind, also for keys without a public part (a symmetric key). */
  keyType: AttestedKeyAlgorithm;
  /** The attested public key; undefined for a symmetric key or a Nitro document without one. */
  publicKey: AttestedPublicKey | undefined;
  generatedOnDevice: boolean;
  exportable: boolean | 'under-wrap';
  firmware: string | undefined;
  /** Named measurements as lowercase hex (Nitro: "PCR0"…). */
  measurements: Record<string, string>;
  /** The time the attestation itself states, when it states one. */
  attestedAt: string | undefined;
  /** The time certificate validity was judged at. */
  timeUsed: string;
  /** Where timeUsed came from. */
  timeSource: 'attestation' | 'caller' | 'clock';
  chain: ChainEntry[];
  /** False when a certificate between the device and a pinned root was not supplied (see notes). */
  chainComplete: boolean;
  /** The pinned root the chain ends at (for Marvell: the manufacturer's), when it reaches one. */
  rootId: string | undefined;
  /** Reservations a reader must see: an expired root, a missing intermediate, a v1 CA certificate… */
  notes: string[];
  /** Vendor-specific facts (attributes, capabilities, label, user data…), for display. */
  details: Record<string, string | number | boolean | string[] | undefined>;
}

/** Options every adapter takes. Times are ISO 8601 UTC ("2024-09-07T12:00:00Z", fractions allowed). */
export interface VerifyOptions {
  /** The pinned vendor roots. */
  roots: PinnedRootInput[];
  /**
   * The time to judge certificate validity at, for formats that carry none (Marvell, YubiHSM): e.g. the
   * deployment's attested_at. Without it, `now` is used and the claim says so.
   */
  at?: string;
  /** The current time, for "expired since" notes; defaults to the clock. */
  now?: string;
  /** The file name errors name. */
  file?: string;
}

/** A pinned root as given by the caller: a parsed certificate and an identifier (the fingerprint if absent). */
export interface PinnedRootInput {
  id?: string;
  der: Uint8Array;
}

/** Fails with CHAIN_INCOMPLETE unless the claim's chain reaches a pinned root. */
export function requireCompleteChain(claim: VendorClaim, file?: string): void {
  if (!claim.chainComplete)
    throw new VerificationError(
      'CHAIN_INCOMPLETE',
      claim.notes.find((n) => n.startsWith('intermediate missing')) ??
        'the chain does not reach a pinned root',
      { file },
    );
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;

/** Parses an ISO 8601 UTC time strictly; SCHEMA_INVALID otherwise. Returns milliseconds since the epoch. */
export function parseIsoTime(s: string, what: string, file?: string): number {
  const m = typeof s === 'string' ? s.match(ISO) : null;
  const t = m ? Date.parse(s) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 19) !== s.slice(0, 19))
    throw new VerificationError('SCHEMA_INVALID', `${what}: expected a UTC time YYYY-MM-DDTHH:MM:SS[.sss]Z`, {
      file,
      path: what,
    });
  return t;
}
