/**
 * The signature algorithms evidence may use, by the names the format document gives them (§3.2), and the wider set
 * a pinned key may have: vendor roots that are X.509 certificates (§3.4) also use P-384 and RSA keys.
 */
import { onceForKey } from './judged.ts';
import { isValidEd25519PublicKey, verifyEd25519Strict } from './ed25519.ts';
import { decodeP256PublicKey, verifyP256 } from './ecdsa.ts';

export const SIGNATURE_ALGORITHMS = ['ed25519', 'ecdsa-p256-sha256'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

/**
 * Algorithms of X.509 vendor roots only (a `vendor-root` key with a `certificate`): they sign certificates, which
 * verify/vendors/ checks, never a DSSE envelope.
 */
export const X509_ROOT_ALGORITHMS = ['ecdsa-p384-sha384', 'rsa-pkcs1-sha256'] as const;
export type X509RootAlgorithm = (typeof X509_ROOT_ALGORITHMS)[number];

/** Every algorithm a pinned key may have. */
export const TRUST_KEY_ALGORITHMS = [...SIGNATURE_ALGORITHMS, ...X509_ROOT_ALGORITHMS] as const;
export type TrustKeyAlgorithm = (typeof TRUST_KEY_ALGORITHMS)[number];

export function isSignatureAlgorithm(alg: TrustKeyAlgorithm): alg is SignatureAlgorithm {
  return alg === 'ed25519' || alg === 'ecdsa-p256-sha256';
}

export function isValidPublicKey(alg: SignatureAlgorithm, publicKey: Uint8Array): boolean {
  // P-256 points are remembered by isValidEcPoint itself.
  return alg === 'ed25519'
    ? onceForKey('ed25519', publicKey, () => isValidEd25519PublicKey(publicKey))
    : decodeP256PublicKey(publicKey);
}

/**
 * Ed25519: 64-byte signature, strict. ECDSA P-256: DER-encoded signature over SHA-256 of the message. A key of an
 * X.509-root algorithm signs no DSSE envelope: false.
 */
export function verifySignature(
  alg: TrustKeyAlgorithm,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!isSignatureAlgorithm(alg)) return false;
  return alg === 'ed25519'
    ? verifyEd25519Strict(signature, message, publicKey)
    : verifyP256(signature, message, publicKey, 'der');
}
