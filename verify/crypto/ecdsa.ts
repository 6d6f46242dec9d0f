/**
 * ECDSA P-256 with SHA-256 (FIPS 186-5). The signature is DER (X9.62 Ecdsa-Sig-Value, as OpenSSL writes it) or
 * compact r||s (IEEE P1363, as WebCrypto and PKCS#11 write it). High-S signatures are valid ECDSA and accepted
 * (Wycheproof marks them valid); the public key is a SEC1 point, uncompressed (65 bytes) or compressed (33).
 */
import { p256 } from '@noble/curves/nist.js';

export type EcdsaSignatureFormat = 'der' | 'p1363';

export function decodeP256PublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 65 && publicKey.length !== 33) return false;
  try {
    p256.Point.fromBytes(publicKey).assertValidity();
    return true;
  } catch {
    return false;
  }
}

export function verifyP256(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  format: EcdsaSignatureFormat,
): boolean {
  if (!decodeP256PublicKey(publicKey)) return false;
  if (format === 'p1363' && signature.length !== 64) return false;
  try {
    return p256.verify(signature, message, publicKey, {
      prehash: true,
      lowS: false,
      format: format === 'der' ? 'der' : 'compact',
    });
  } catch {
    return false;
  }
}
