/**
 * The reference crypto provider: pure JavaScript (noble, and BigInt for RSA), synchronous, the same in Node and in
 * the browser. It is the default and the yardstick the faster providers are tested against.
 */
import { ed25519 as nobleEd25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CryptoProvider, EcCurve, HashName } from './provider.ts';
import { emsaPkcs1v15 } from './emsa.ts';
import { modPow } from './points.ts';
import { concatBytes } from '../encoding.ts';

export { emsaPkcs1v15 };

const Point = nobleEd25519.Point;
const L = Point.Fn.ORDER;
const CURVES = { p256, p384 } as const;

function bytesToNumberLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

function bytesToNumberBE(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

const digest = (hash: HashName, m: Uint8Array) => (hash === 'sha256' ? sha256(m) : sha384(m));

export const referenceProvider: CryptoProvider = {
  name: 'reference (noble, BigInt)',
  sha256: (d) => sha256(d),
  sha384: (d) => sha384(d),

  ed25519(signature, message, publicKey) {
    let A, R;
    try {
      A = Point.fromBytes(publicKey, false);
      R = Point.fromBytes(signature.subarray(0, 32), false);
    } catch {
      return false;
    }
    const s = bytesToNumberLE(signature.subarray(32, 64));
    const k = bytesToNumberLE(sha512(concatBytes(signature.subarray(0, 32), publicKey, message))) % L;
    // [S]B = R + [k]A, cofactorless.
    const SB = s === 0n ? Point.ZERO : Point.BASE.multiply(s);
    const kA = k === 0n ? Point.ZERO : A.multiplyUnsafe(k);
    return SB.equals(R.add(kA));
  },

  ecdsa(curve: EcCurve, hash, publicKey, message, rs) {
    try {
      return CURVES[curve].verify(rs, digest(hash, message), publicKey, {
        prehash: false,
        lowS: false,
        format: 'compact',
      });
    } catch {
      return false;
    }
  },

  rsaPkcs1v15(key, hash, message, signature) {
    const n = bytesToNumberBE(key.n);
    const k = signature.length;
    const m = modPow(bytesToNumberBE(signature), bytesToNumberBE(key.e), n);
    const em = new Uint8Array(k);
    let v = m;
    for (let i = k - 1; i >= 0; i--) {
      em[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    if (v !== 0n) return false;
    const expected = emsaPkcs1v15(hash, digest(hash, message), k);
    if (!expected) return false;
    let diff = 0;
    for (let i = 0; i < k; i++) diff |= em[i]! ^ expected[i]!;
    return diff === 0;
  },
};
