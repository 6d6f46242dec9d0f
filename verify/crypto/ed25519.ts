/**
 * Ed25519 verification with the rules of ed25519-dalek's `verify_strict`, which Plexi uses:
 * - RFC 8032 §5.1.7 step 1: reject S >= L (non-canonical scalar) and non-canonical point encodings (y >= p);
 * - reject a small-order public key A or commitment R (dalek: "weak keys");
 * - check the cofactorless equation [S]B = R + [k]A (dalek compares encodings).
 * Every rule but the equation is checked here, on the bytes, before the crypto provider (./provider.ts) is asked
 * the equation: so every provider accepts and rejects the same signatures.
 */
import { decodeEd25519Point } from './points.ts';
import { getCryptoProvider, memoVerify } from './provider.ts';

/** L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/**
 * The y coordinates (little-endian, sign bit clear) of the 8 points of small order: 0 (order 4), 1 (identity),
 * p − 1 (order 2) and the two of order 8. With the sign bit either way these are the small-order encodings
 * libsodium rejects (its non-canonical twins, y + p, are rejected as non-canonical).
 */
const SMALL_ORDER_Y = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map((h) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16)));

/** Whether the 32 bytes at `b` are a canonical encoding (y < p = 2^255 − 19) of a y not of a small-order point. */
export function isCanonicalNotSmallOrder(b: Uint8Array): boolean {
  if (b.length !== 32) return false;
  // y >= p: bytes 1..30 are all 0xff, byte 31 (sign masked) is 0x7f and byte 0 is >= 0xed.
  if ((b[31]! & 0x7f) === 0x7f && b[0]! >= 0xed) {
    let all = true;
    for (let i = 1; i < 31; i++) if (b[i] !== 0xff) all = false;
    if (all) return false;
  }
  for (const y of SMALL_ORDER_Y) {
    let same = (b[31]! & 0x7f) === y[31];
    for (let i = 0; same && i < 31; i++) same = b[i] === y[i];
    if (same) return false;
  }
  return true;
}

/** S < L, S little-endian in the 32 bytes at `s`. */
function scalarIsReduced(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! < L_LE[i]!) return true;
    if (s[i]! > L_LE[i]!) return false;
  }
  return false;
}

/** Decodes a 32-byte public key strictly; null if it is not canonical, not on the curve, or of small order. */
export function decodeEd25519PublicKey(publicKey: Uint8Array): { x: bigint; y: bigint } | null {
  return decodeEd25519Point(publicKey);
}

export function verifyEd25519Strict(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  if (!isCanonicalNotSmallOrder(publicKey)) return false;
  if (!isCanonicalNotSmallOrder(signature.subarray(0, 32))) return false;
  if (!scalarIsReduced(signature.subarray(32, 64))) return false;
  return memoVerify('ed25519', publicKey, signature, message, () =>
    getCryptoProvider().ed25519(signature, message, publicKey),
  );
}
