/**
 * RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) with SHA-256 or SHA-384, synchronous and in pure BigInt.
 * Verification uses only the public key, so constant time does not matter here. The recovered encoded message is
 * compared byte for byte with the one rebuilt from the digest (EMSA-PKCS1-v1_5, §9.2): 0x00 0x01 FF…FF 0x00
 * DigestInfo(hash), with the DigestInfo prefixes of §9.2 note 1 (parameters NULL present). Nothing is parsed out of
 * the decrypted block, so the classic lax-parser forgeries (garbage after the digest, short padding) cannot apply.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { sha384 } from '@noble/hashes/sha2.js';
import { equalBytes, fromHex } from '../encoding.ts';

export type RsaHash = 'sha256' | 'sha384';

/** DER DigestInfo prefixes: SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING (digest) }. */
const DIGEST_INFO: Record<RsaHash, Uint8Array> = {
  sha256: fromHex('3031300d060960864801650304020105000420'),
  sha384: fromHex('3041300d060960864801650304020205000430'),
};

export interface RsaPublicKey {
  /** Modulus, big-endian, without a sign byte. */
  n: Uint8Array;
  /** Public exponent, big-endian, without a sign byte. */
  e: Uint8Array;
}

/** Smallest and largest moduli accepted, in bits. */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;

function toBigInt(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** The key's size in bits, or a reason it is not an acceptable RSA public key. */
export function checkRsaPublicKey(key: RsaPublicKey): { bits: number } | { error: string } {
  const n = toBigInt(key.n);
  const e = toBigInt(key.e);
  const bits = bitLength(n);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
    return { error: `an RSA modulus of ${bits} bits is outside ${RSA_MIN_BITS}–${RSA_MAX_BITS}` };
  if ((n & 1n) === 0n) return { error: 'the RSA modulus is even' };
  if (e < 3n || (e & 1n) === 0n || bitLength(e) > 256)
    return { error: `the RSA exponent ${e} is not acceptable` };
  return { bits };
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

export function rsaDigest(hash: RsaHash, message: Uint8Array): Uint8Array {
  return hash === 'sha256' ? sha256(message) : sha384(message);
}

/** EMSA-PKCS1-v1_5 encoding of a digest for a k-byte modulus (RFC 8017 §9.2), or undefined if k is too small. */
export function emsaPkcs1v15(hash: RsaHash, digest: Uint8Array, k: number): Uint8Array | undefined {
  const t = new Uint8Array(DIGEST_INFO[hash].length + digest.length);
  t.set(DIGEST_INFO[hash], 0);
  t.set(digest, DIGEST_INFO[hash].length);
  if (k < t.length + 11) return undefined;
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - t.length - 1] = 0x00;
  em.set(t, k - t.length);
  return em;
}

/** RSASSA-PKCS1-v1_5-VERIFY over `message` (hashed here). False on any failure, never throws. */
export function verifyRsaPkcs1v15(
  key: RsaPublicKey,
  hash: RsaHash,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if ('error' in checkRsaPublicKey(key)) return false;
  const n = toBigInt(key.n);
  const k = Math.ceil(bitLength(n) / 8);
  // §8.2.2 step 1: the signature is exactly k bytes; step 2.b: s < n.
  if (signature.length !== k) return false;
  const s = toBigInt(signature);
  if (s >= n) return false;
  const m = modPow(s, toBigInt(key.e), n);
  const em = new Uint8Array(k);
  let v = m;
  for (let i = k - 1; i >= 0; i--) {
    em[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) return false;
  const expected = emsaPkcs1v15(hash, rsaDigest(hash, message), k);
  return expected !== undefined && equalBytes(em, expected);
}
