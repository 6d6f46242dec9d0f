/**
 * The signature algorithms evidence may use, by the names the format document gives them (§3.2).
 */
import { decodeEd25519PublicKey, verifyEd25519Strict } from './ed25519.ts';
import { decodeP256PublicKey, verifyP256 } from './ecdsa.ts';

export const SIGNATURE_ALGORITHMS = ['ed25519', 'ecdsa-p256-sha256'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

export function isValidPublicKey(alg: SignatureAlgorithm, publicKey: Uint8Array): boolean {
  return alg === 'ed25519' ? decodeEd25519PublicKey(publicKey) !== null : decodeP256PublicKey(publicKey);
}

/** Ed25519: 64-byte signature, strict. ECDSA P-256: DER-encoded signature over SHA-256 of the message. */
export function verifySignature(
  alg: SignatureAlgorithm,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  return alg === 'ed25519'
    ? verifyEd25519Strict(signature, message, publicKey)
    : verifyP256(signature, message, publicKey, 'der');
}
