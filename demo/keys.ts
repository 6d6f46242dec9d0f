/**
 * Demo keys, derived from (seed, label) and never stored: sk = SHA-256("fleetproof-demo|<seed>|<label>") for
 * Ed25519 and X25519; for P-256 the same hash with "|<counter>" appended until it is a valid scalar.
 * Every derived key is remembered so that tests can check that no secret ever reaches the evidence.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256, fingerprint } from '../verify/crypto/sha256.ts';
import { utf8 } from '../verify/encoding.ts';

export type KeyAlgorithm = 'ed25519' | 'ecdsa-p256-sha256' | 'x25519';
export type SigningAlgorithm = Exclude<KeyAlgorithm, 'x25519'>;

export interface DemoKey {
  label: string;
  algorithm: KeyAlgorithm;
  secretKey: Uint8Array;
  /** As written in evidence: Ed25519/X25519 32 bytes, P-256 65-byte uncompressed SEC1. */
  publicKey: Uint8Array;
  /** Lowercase hex SHA-256 of publicKey. */
  fingerprint: string;
}

function deriveSecret(seed: string, label: string, algorithm: KeyAlgorithm): Uint8Array {
  const base = `fleetproof-demo|${seed}|${label}`;
  if (algorithm !== 'ecdsa-p256-sha256') return sha256(utf8(base));
  for (let counter = 0; ; counter++) {
    const sk = sha256(utf8(counter === 0 ? base : `${base}|${counter}`));
    if (p256.utils.isValidSecretKey(sk)) return sk;
  }
}

function derivePublic(algorithm: KeyAlgorithm, sk: Uint8Array): Uint8Array {
  if (algorithm === 'ed25519') return ed25519.getPublicKey(sk);
  if (algorithm === 'x25519') return x25519.getPublicKey(sk);
  return p256.getPublicKey(sk, false);
}

/** The keyring of one seed: derives on demand, caches, and lists every key derived so far. */
export class DemoKeys {
  private readonly byLabel = new Map<string, DemoKey>();

  constructor(readonly seed: string) {}

  get(label: string, algorithm: KeyAlgorithm): DemoKey {
    const known = this.byLabel.get(label);
    if (known) {
      if (known.algorithm !== algorithm)
        throw new Error(`key ${label} is ${known.algorithm}, not ${algorithm}`);
      return known;
    }
    const secretKey = deriveSecret(this.seed, label, algorithm);
    const publicKey = derivePublic(algorithm, secretKey);
    const key: DemoKey = { label, algorithm, secretKey, publicKey, fingerprint: fingerprint(publicKey) };
    this.byLabel.set(label, key);
    return key;
  }

  /** Every key derived so far, sorted by label. */
  all(): DemoKey[] {
    return [...this.byLabel.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  }
}

/** Ed25519: 64-byte signature. ECDSA P-256: DER over SHA-256 of the message (deterministic, RFC 6979). */
export function signWith(key: DemoKey, message: Uint8Array): Uint8Array {
  if (key.algorithm === 'ed25519') return ed25519.sign(message, key.secretKey);
  if (key.algorithm === 'ecdsa-p256-sha256') {
    return p256.sign(message, key.secretKey, { prehash: true, format: 'der', extraEntropy: false });
  }
  throw new Error(`${key.label} is an X25519 key and cannot sign`);
}
