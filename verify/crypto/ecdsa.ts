/**
 * ECDSA P-256 with SHA-256 (FIPS 186-5). The signature is DER (X9.62 Ecdsa-Sig-Value, as OpenSSL writes it) or
 * compact r||s (IEEE P1363, as WebCrypto and PKCS#11 write it). High-S signatures are valid ECDSA and accepted
 * (Wycheproof marks them valid); the public key is a SEC1 point, uncompressed (65 bytes) or compressed (33).
 * The key, the encoding and the scalars' ranges are checked here; the crypto provider (./provider.ts) is asked
 * only the equation.
 */
import { isValidEcPoint } from '../vendors/ecdsa.ts';
import { derToP1363, scalarsInRange } from './der.ts';
import { getCryptoProvider, memoVerify } from './provider.ts';

export type EcdsaSignatureFormat = 'der' | 'p1363';

export function decodeP256PublicKey(publicKey: Uint8Array): boolean {
  return isValidEcPoint('p256', publicKey);
}

export function verifyP256(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  format: EcdsaSignatureFormat,
): boolean {
  if (!decodeP256PublicKey(publicKey)) return false;
  const rs = format === 'der' ? derToP1363('p256', signature) : signature;
  if (!rs || !scalarsInRange('p256', rs)) return false;
  return memoVerify(`ecdsa-p256-sha256-${format}`, publicKey, signature, message, () =>
    getCryptoProvider().ecdsa('p256', 'sha256', publicKey, message, rs),
  );
}
