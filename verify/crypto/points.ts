/**
 * Decoding SEC1 curve points (P-256, P-384), in a few lines of BigInt instead of a curve library: the strictness
 * checks of every public key (is it a point of the curve, in its canonical encoding) run before any signature is
 * checked, in every verification, so they must not need noble's curve code, which the in-browser widget loads only
 * when WebCrypto cannot answer a signature question (site/widget/lazy/). Decoding is the easy half of a curve: a
 * square root and the curve equation, no scalar multiplication. (Ed25519 keys are checked by the Jacobi symbol in
 * ./ed25519.ts, which needs no root at all.)
 *
 * The rules are noble's, exactly (verify/crypto/points.test.ts compares both on every class of input): SEC1
 * (`Point.fromBytes(b).assertValidity()`): 0x04 || x || y with x, y < p on the curve, or 0x02/0x03 || x with
 * x < p whose y² = x³ − 3x + b has a square root (the prefix chooses its parity). Both curves have cofactor 1 and
 * no point with y = 0, so a point on the curve is a valid public key.
 */
import { bigIntFromBytes } from '../encoding.ts';

const mod = (a: bigint, m: bigint) => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

/** base^exp mod m (square and multiply; used on public values only). */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let r = 1n;
  let b = mod(base, m);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

function toBe(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// P-256 and P-384 (a = −3)

const WEIERSTRASS = {
  p256: {
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
  },
  p384: {
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
  },
} as const;

/** The affine point of a SEC1 encoding (uncompressed or compressed) of the curve, or null when it is none. */
export function decodeSec1Point(curve: 'p256' | 'p384', bytes: Uint8Array): { x: bigint; y: bigint } | null {
  const c = WEIERSTRASS[curve];
  const rhs = (x: bigint) => mod(x * x * x - 3n * x + c.b, c.p);
  if (bytes.length === 2 * c.bytes + 1 && bytes[0] === 0x04) {
    const x = bigIntFromBytes(bytes.subarray(1, 1 + c.bytes));
    const y = bigIntFromBytes(bytes.subarray(1 + c.bytes));
    if (x >= c.p || y >= c.p || (y * y) % c.p !== rhs(x)) return null;
    return { x, y };
  }
  if (bytes.length === c.bytes + 1 && (bytes[0] === 0x02 || bytes[0] === 0x03)) {
    const x = bigIntFromBytes(bytes.subarray(1));
    if (x >= c.p) return null;
    const y2 = rhs(x);
    // p ≡ 3 (mod 4) for both curves: the square root, if there is one, is y2^((p+1)/4).
    let y = modPow(y2, (c.p + 1n) / 4n, c.p);
    if ((y * y) % c.p !== y2) return null;
    if ((y & 1n) !== BigInt(bytes[0] & 1)) y = mod(-y, c.p);
    return { x, y };
  }
  return null;
}

/** The uncompressed SEC1 encoding (0x04 || x || y) of a point of the curve. */
export function encodeSec1Uncompressed(curve: 'p256' | 'p384', pt: { x: bigint; y: bigint }): Uint8Array {
  const n = WEIERSTRASS[curve].bytes;
  const out = new Uint8Array(2 * n + 1);
  out[0] = 0x04;
  out.set(toBe(pt.x, n), 1);
  out.set(toBe(pt.y, n), 1 + n);
  return out;
}
