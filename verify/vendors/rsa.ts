/**
 * RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) with SHA-256 or SHA-384, synchronous. The key, the length and
 * s < n are checked here; the crypto provider (verify/crypto/provider.ts; the reference is pure BigInt) does the rest.
 * Verification uses only the public key, so constant time does not matter here. The recovered encoded message is
 * compared byte for byte with the one rebuilt from the digest (EMSA-PKCS1-v1_5, §9.2): 0x00 0x01 FF…FF 0x00
 * DigestInfo(hash), with the DigestInfo prefixes of §9.2 note 1 (parameters NULL present). Nothing is parsed out of
 * the decrypted block, so the classic lax-parser forgeries (garbage after the digest, short padding) cannot apply.
 */
import { emsaPkcs1v15 as emsa } from '../crypto/emsa.ts';
import { bigIntFromBytes } from '../encoding.ts';
import { getCryptoProvider, memoVerify } from '../crypto/provider.ts';

export type RsaHash = 'sha256' | 'sha384';

export interface RsaPublicKey {
  /** Modulus, big-endian, without a sign byte. */
  n: Uint8Array;
  /** Public exponent, big-endian, without a sign byte. */
  e: Uint8Array;
}

/** Smallest and largest moduli accepted, in bits. */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** The key's size in bits, or a reason it is not an acceptable RSA public key. */
export function checkRsaPublicKey(key: RsaPublicKey): { bits: number } | { error: string } {
  const n = bigIntFromBytes(key.n);
  const e = bigIntFromBytes(key.e);
  const bits = bitLength(n);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
    return { error: `an RSA modulus of ${bits} bits is outside ${RSA_MIN_BITS}–${RSA_MAX_BITS}` };
  if ((n & 1n) === 0n) return { error: 'the RSA modulus is even' };
  if (e < 3n || (e & 1n) === 0n || bitLength(e) > 256)
    return { error: `the RSA exponent ${e} is not acceptable` };
  return { bits };
}

export function rsaDigest(hash: RsaHash, message: Uint8Array): Uint8Array {
  return hash === 'sha256' ? getCryptoProvider().sha256(message) : getCryptoProvider().sha384(message);
}

/** EMSA-PKCS1-v1_5 encoding of a digest for a k-byte modulus (RFC 8017 §9.2), or undefined if k is too small. */
export function emsaPkcs1v15(hash: RsaHash, digest: Uint8Array, k: number): Uint8Array | undefined {
  return emsa(hash, digest, k);
}

/** RSASSA-PKCS1-v1_5-VERIFY over `message` (hashed here). False on any failure, never throws. */
export function verifyRsaPkcs1v15(
  key: RsaPublicKey,
  hash: RsaHash,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if ('error' in checkRsaPublicKey(key)) return false;
  const n = bigIntFromBytes(key.n);
  const k = Math.ceil(bitLength(n) / 8);
  // §8.2.2 step 1: the signature is exactly k bytes; step 2.b: s < n.
  if (signature.length !== k) return false;
  const s = bigIntFromBytes(signature);
  if (s >= n) return false;
  return memoVerify(`rsa-pkcs1-${hash}`, concatKey(key), signature, message, () =>
    getCryptoProvider().rsaPkcs1v15(key, hash, message, signature),
  );
}

function concatKey(key: RsaPublicKey): Uint8Array {
  const out = new Uint8Array(4 + key.n.length + key.e.length);
  new DataView(out.buffer).setUint32(0, key.n.length);
  out.set(key.n, 4);
  out.set(key.e, 4 + key.n.length);
  return out;
}
