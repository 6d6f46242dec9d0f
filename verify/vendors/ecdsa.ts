/**
 * ECDSA on P-256 and P-384 with SHA-256 or SHA-384 (FIPS 186-5), for certificates (DER signatures) and COSE
 * (raw r||s, RFC 9053 §2.1). The hash is the algorithm's, not the curve's: X.509 allows ecdsa-with-SHA256 under a
 * P-384 key. High-S signatures are valid ECDSA and accepted: two of the AWS Nitro chain's signatures are high-S.
 * The point, the encoding and the scalars' ranges are checked here; the crypto provider is asked the equation.
 */
import { onceForKey } from '../crypto/judged.ts';
import { EC_FIELD_BYTES, derToP1363, scalarsInRange } from '../crypto/der.ts';
import { getCryptoProvider, memoVerify } from '../crypto/provider.ts';
import { decodeSec1Point } from '../crypto/points.ts';

export type EcCurve = 'p256' | 'p384';
export type EcHash = 'sha256' | 'sha384';
export { EC_FIELD_BYTES };

/** Whether `point` is a valid SEC1 point (uncompressed or compressed) of the curve, not the identity. */
export function isValidEcPoint(curve: EcCurve, point: Uint8Array): boolean {
  const f = EC_FIELD_BYTES[curve];
  if (point.length !== 2 * f + 1 && point.length !== f + 1) return false;
  return onceForKey(curve, point, () => decodeSec1Point(curve, point) !== null);
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
  const rs = format === 'der' ? derToP1363(curve, signature) : signature;
  if (!rs || !scalarsInRange(curve, rs)) return false;
  return memoVerify(`ecdsa-${curve}-${hash}-${format}`, point, signature, message, () =>
    getCryptoProvider().ecdsa(curve, hash, point, message, rs),
  );
}
