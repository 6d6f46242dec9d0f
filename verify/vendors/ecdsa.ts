/**
 * ECDSA on P-256 and P-384 with SHA-256 or SHA-384 (FIPS 186-5), for certificates (DER signatures) and COSE
 * (raw r||s, RFC 9053 §2.1). The hash is the algorithm's, not the curve's: X.509 allows ecdsa-with-SHA256 under a
 * P-384 key, so the digest is computed here and handed to noble prehashed. High-S signatures are valid ECDSA and
 * accepted (`lowS: false`): two of the AWS Nitro chain's signatures are high-S.
 */
import { p256, p384 } from '@noble/curves/nist.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';

export type EcCurve = 'p256' | 'p384';
export type EcHash = 'sha256' | 'sha384';

const CURVES = { p256, p384 } as const;
/** Field element size in bytes: the length of r and of s in a raw signature, and of x and y in a point. */
export const EC_FIELD_BYTES: Record<EcCurve, number> = { p256: 32, p384: 48 };

/** Whether `point` is a valid SEC1 point (uncompressed or compressed) of the curve, not the identity. */
export function isValidEcPoint(curve: EcCurve, point: Uint8Array): boolean {
  const f = EC_FIELD_BYTES[curve];
  if (point.length !== 2 * f + 1 && point.length !== f + 1) return false;
  try {
    CURVES[curve].Point.fromBytes(point).assertValidity();
    return true;
  } catch {
    return false;
  }
}

export function verifyEcdsa(
  curve: EcCurve,
  hash: EcHash,
  point: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  format: 'der' | 'raw',
): boolean {
  if (!isValidEcPoint(curve, point)) return false;
  if (format === 'raw' && signature.length !== 2 * EC_FIELD_BYTES[curve]) return false;
  const digest = hash === 'sha256' ? sha256(message) : sha384(message);
  try {
    return CURVES[curve].verify(signature, digest, point, {
      prehash: false,
      lowS: false,
      format: format === 'der' ? 'der' : 'compact',
    });
  } catch {
    return false;
  }
}
