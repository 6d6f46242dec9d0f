/**
 * Ed25519 verification with the rules of ed25519-dalek's `verify_strict`, which Plexi uses:
 * - RFC 8032 §5.1.7 step 1: reject S >= L (non-canonical scalar) and non-canonical point encodings (y >= p);
 * - reject a small-order public key A or commitment R (dalek: "weak keys");
 * - check the cofactorless equation [S]B = R + [k]A (dalek compares encodings).
 * Every rule but the equation is checked here, on the bytes, before the crypto provider (./provider.ts) is asked
 * the equation: so every provider accepts and rejects the same signatures.
 */
import { bigIntFromBytes } from '../encoding.ts';
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

/** p = 2^255 − 19 and d = −121665/121666 mod p (RFC 8032 §5.1). */
const P = (1n << 255n) - 19n;
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;

/**
 * The Jacobi symbol (a/n) for odd n > 0 (H. Cohen, A Course in Computational Algebraic Number Theory, Algorithm
 * 1.4.10): for a prime n it is the Legendre symbol, 1 for a nonzero square, −1 for a non-square. Shifts and one
 * remainder per step, where the exponentiation of Euler's criterion costs some 250 modular squarings.
 */
function jacobi(a: bigint, n: bigint): number {
  a %= n;
  let t = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) t = -t;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) t = -t;
    a %= n;
  }
  return n === 1n ? t : 0;
}

/**
 * Whether 32 bytes are a valid Ed25519 public key: a canonical encoding (y < p) of a point of the curve that is
 * not of small order. RFC 8032 §5.1.3: the point exists when x² = u/v, u = y² − 1, v = d·y² + 1, has a root, that
 * is when u·v is a square (v is never 0: −1/d is not a square). u = 0 (y = ±1, x = 0) is the identity or the point
 * of order 2, both refused as small-order encodings first; the other small-order points are refused by their y
 * (isCanonicalNotSmallOrder), so no point multiplication is needed. Equivalent to noble's strict decoding followed
 * by isSmallOrder(), which verify/crypto/crypto.test.ts checks on vectors and random keys.
 */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32 || !isCanonicalNotSmallOrder(publicKey)) return false;
  const be = publicKey.slice().reverse(); // little-endian y, and the sign of x in the top bit (RFC 8032 §5.1.3)
  be[0]! &= 0x7f;
  const y = bigIntFromBytes(be);
  const y2 = (y * y) % P;
  const u = (y2 + P - 1n) % P;
  const v = (D * y2 + 1n) % P;
  return jacobi((u * v) % P, P) === 1;
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
