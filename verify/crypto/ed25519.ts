/**
 * Ed25519 verification with the rules of ed25519-dalek's `verify_strict`, which Plexi uses:
 * - RFC 8032 §5.1.7 step 1: reject S >= L (non-canonical scalar) and non-canonical point encodings (y >= p);
 * - reject a small-order public key A or commitment R (dalek: "weak keys");
 * - check the cofactorless equation [S]B = R + [k]A, comparing points (dalek compares encodings).
 * noble's own `verify` with { zip215: false } is cofactored; the extra checks make it strict.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from './sha256.ts';
import { concatBytes } from '../encoding.ts';

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

function bytesToNumberLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** Decodes a 32-byte public key strictly; null if it is not canonical, not on the curve, or of small order. */
export function decodeEd25519PublicKey(publicKey: Uint8Array): ReturnType<typeof Point.fromBytes> | null {
  if (publicKey.length !== 32) return null;
  try {
    const A = Point.fromBytes(publicKey, false);
    return A.isSmallOrder() ? null : A;
  } catch {
    return null;
  }
}

export function verifyEd25519Strict(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const A = decodeEd25519PublicKey(publicKey);
  if (!A) return false;
  const rBytes = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32, 64));
  if (s >= L) return false;
  let R;
  try {
    R = Point.fromBytes(rBytes, false);
  } catch {
    return false;
  }
  if (R.isSmallOrder()) return false;
  const k = bytesToNumberLE(sha512(concatBytes(rBytes, publicKey, message))) % L;
  // [S]B = R + [k]A, cofactorless.
  const SB = s === 0n ? Point.ZERO : Point.BASE.multiply(s);
  const kA = k === 0n ? Point.ZERO : A.multiplyUnsafe(k);
  return SB.equals(R.add(kA));
}
