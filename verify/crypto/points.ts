/**
 * Decoding curve points, in a few lines of BigInt instead of a curve library: the strictness checks of every
 * public key (is it a point of the curve, in its canonical encoding, not of small order) run before any signature
 * is checked, in every verification, so they must not need noble's curve code, which the in-browser widget loads
 * only when WebCrypto cannot answer a signature question (site/widget/lazy/). Decoding is the easy half of a
 * curve: a square root and the curve equation, no scalar multiplication.
 *
 * The rules are noble's, exactly (verify/crypto/points.test.ts compares both on every class of input):
 * - Ed25519 (RFC 8032 §5.1.3, strict: `Point.fromBytes(b, false)` then `isSmallOrder()`): y < p, x recovered
 *   from y (else not a point), x = 0 with the sign bit set is rejected, and the 8 points of small order (the
 *   5 y coordinates below, either sign) are rejected.
 * - SEC1 for P-256 and P-384 (`Point.fromBytes(b).assertValidity()`): 0x04 || x || y with x, y < p on the curve,
 *   or 0x02/0x03 || x with x < p whose y² = x³ − 3x + b has a square root (the prefix chooses its parity). Both
 *   curves have cofactor 1 and no point with y = 0, so a point on the curve is a valid public key.
 */

const mod = (a: bigint, m: bigint) => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function pow(base: bigint, exp: bigint, m: bigint): bigint {
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

function be(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = 0; i < b.length; i++) n = (n << 8n) | BigInt(b[i]!);
  return n;
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
// Ed25519

const P = 2n ** 255n - 19n;
/** d = −121665 / 121666 mod p. */
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;
/** √−1 mod p = 2^((p−1)/4). */
const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n;
const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
/** The y of the 8 points of small order: 1 (identity), p − 1 (order 2), 0 (order 4), and the two of order 8. */
const SMALL_ORDER_Y = new Set([0n, 1n, P - 1n, Y8, P - Y8]);

/** x^(2^k) mod p. */
function sq(x: bigint, k: number): bigint {
  for (let i = 0; i < k; i++) x = (x * x) % P;
  return x;
}

/** x^((p−5)/8) = x^(2^252 − 3) mod p, by the usual addition chain (254 squarings, 11 multiplications). */
function pow2252m3(x: bigint): bigint {
  const b2 = (((x * x) % P) * x) % P; // 2^2 − 1
  const b4 = (sq(b2, 2) * b2) % P; // 2^4 − 1
  const b5 = (sq(b4, 1) * x) % P;
  const b10 = (sq(b5, 5) * b5) % P;
  const b20 = (sq(b10, 10) * b10) % P;
  const b40 = (sq(b20, 20) * b20) % P;
  const b80 = (sq(b40, 40) * b40) % P;
  const b160 = (sq(b80, 80) * b80) % P;
  const b240 = (sq(b160, 80) * b80) % P;
  const b250 = (sq(b240, 10) * b10) % P;
  return (sq(b250, 2) * x) % P; // 2^252 − 4 + 1
}

/**
 * The affine point a 32-byte Ed25519 encoding stands for, or null: not canonical (y ≥ p), not on the curve,
 * x = 0 with the sign bit set, or of small order.
 */
export function decodeEd25519Point(bytes: Uint8Array): { x: bigint; y: bigint } | null {
  if (bytes.length !== 32) return null;
  const sign = (bytes[31]! & 0x80) !== 0;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? bytes[i]! & 0x7f : bytes[i]!);
  if (y >= P) return null;
  // x² = u / v with u = y² − 1, v = d·y² + 1; x = u·v³·(u·v⁷)^((p−5)/8) (RFC 8032 §5.1.3).
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n, P);
  const v = mod(D * y2 + 1n, P);
  const v3 = (v * v * v) % P;
  let x = (((u * v3) % P) * pow2252m3((u * v3 * v3 * v) % P)) % P;
  const vx2 = (v * x * x) % P;
  if (vx2 === u) {
    /* x is a root */
  } else if (vx2 === mod(-u, P)) x = (x * SQRT_M1) % P;
  else return null;
  if (x === 0n && sign) return null;
  if (((x & 1n) === 1n) !== sign) x = mod(-x, P);
  if (SMALL_ORDER_Y.has(y)) return null;
  return { x, y };
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
    const x = be(bytes.subarray(1, 1 + c.bytes));
    const y = be(bytes.subarray(1 + c.bytes));
    if (x >= c.p || y >= c.p || (y * y) % c.p !== rhs(x)) return null;
    return { x, y };
  }
  if (bytes.length === c.bytes + 1 && (bytes[0] === 0x02 || bytes[0] === 0x03)) {
    const x = be(bytes.subarray(1));
    if (x >= c.p) return null;
    const y2 = rhs(x);
    // p ≡ 3 (mod 4) for both curves: the square root, if there is one, is y2^((p+1)/4).
    let y = pow(y2, (c.p + 1n) / 4n, c.p);
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
