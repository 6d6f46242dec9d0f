/**
 * The crypto provider: the few primitives the core's signature and hash checks end in, as a small registry of
 * synchronous functions. The default is the reference, pure JavaScript (noble and BigInt, verify/crypto/reference.ts),
 * which runs everywhere; the Node CLI, build and bench install a faster one backed by node:crypto
 * (scripts/lib/node-crypto.ts).
 *
 * Every rule that makes a verdict strict lives in the core, in JavaScript, before a provider is called: exact
 * lengths, Ed25519 S < L and canonical, non-small-order A and R, strict DER, 0 < r, s < n, RSA key sizes, exponent
 * and s < n. A provider is only asked the arithmetic question, with inputs already known to be well-formed, so
 * that two providers that answer it correctly accept and reject exactly the same inputs (the equivalence tests in
 * verify/crypto/provider.test.ts and scripts/lib/node-crypto.test.ts run every vector through both).
 */
import { equalBytes, toHex } from '../encoding.ts';
import { referenceProvider } from './reference.ts';

export type EcCurve = 'p256' | 'p384';
export type HashName = 'sha256' | 'sha384';

export interface CryptoProvider {
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  sha384(data: Uint8Array): Uint8Array;
  /**
   * Cofactorless Ed25519: [S]B = R + [k]A with k = SHA-512(R || A || M) mod L. Called only with a 64-byte signature
   * whose S < L and whose R is canonical and not of small order, and a canonical 32-byte A not of small order.
   * False when A is not a point of the curve.
   */
  ed25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /**
   * ECDSA over `curve` with `hash` of `message`. Called only with a valid SEC1 point of the curve (uncompressed or
   * compressed) and a fixed-length r || s (P1363) with 0 < r, s < n.
   */
  ecdsa(curve: EcCurve, hash: HashName, publicKey: Uint8Array, message: Uint8Array, rs: Uint8Array): boolean;
  /**
   * RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2, DigestInfo with NULL parameters). Called only with a key the core accepts
   * (2048–8192-bit odd modulus, odd exponent 3 ≤ e < 2^256) and a signature of exactly the modulus' length, s < n.
   */
  rsaPkcs1v15(
    key: { n: Uint8Array; e: Uint8Array },
    hash: HashName,
    message: Uint8Array,
    signature: Uint8Array,
  ): boolean;
}

let current: CryptoProvider = referenceProvider;
/** A verdict remembered, with what it was given (copies: a caller may reuse its buffers). */
interface Verdict {
  publicKey: Uint8Array;
  signature: Uint8Array;
  message: Uint8Array;
  valid: boolean;
}
/**
 * Verdicts of signatures verified in this run, by algorithm and the signature's first MEMO_PREFIX bytes: the same
 * signature recurs (a CA-to-root certificate, per HSM; about one check in five at --scale 20). A hit must also have
 * the same signature, key and message, byte for byte: that comparison is cheaper than hashing every message into
 * the key, or writing every signature out in hex (a signature's first bytes, R or r, are as good as random).
 */
let memo = new Map<string, Verdict[]>();
let remembered = 0;
// Bounded: what recurs (a CA's signature on each HSM's certificate) is remembered again right after a reset.
const MEMO_MAX = 8192;
/** Bytes of a signature that key the memo. */
const MEMO_PREFIX = 16;

export function getCryptoProvider(): CryptoProvider {
  return current;
}

/** Installs `p` for every later check (and forgets the verdicts remembered so far). */
export function setCryptoProvider(p: CryptoProvider): void {
  current = p;
  memo = new Map();
  remembered = 0;
}

/** Runs `fn` with `p` installed, then puts the previous provider back. */
export function withCryptoProvider<T>(p: CryptoProvider, fn: () => T): T {
  const before = current;
  const beforeMemo = memo;
  const beforeRemembered = remembered;
  setCryptoProvider(p);
  try {
    return fn();
  } finally {
    current = before;
    memo = beforeMemo;
    remembered = beforeRemembered;
  }
}

/**
 * The verdict of a signature check, remembered by algorithm, key, signature and message within one run (until the
 * provider changes). `check` runs only the first time.
 */
export function memoVerify(
  alg: string,
  publicKey: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
  check: () => boolean,
): boolean {
  const key = `${alg}|${toHex(signature.subarray(0, MEMO_PREFIX))}`;
  const seen = memo.get(key);
  if (seen)
    for (const v of seen)
      if (
        equalBytes(v.signature, signature) &&
        equalBytes(v.message, message) &&
        equalBytes(v.publicKey, publicKey)
      )
        return v.valid;
  const valid = check();
  if (remembered >= MEMO_MAX) {
    memo = new Map();
    remembered = 0;
  }
  const verdict = {
    publicKey: publicKey.slice(),
    signature: signature.slice(),
    message: message.slice(),
    valid,
  };
  const list = memo.get(key);
  if (list) list.push(verdict);
  else memo.set(key, [verdict]);
  remembered++;
  return valid;
}
