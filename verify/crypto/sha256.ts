import { toHex } from '../encoding.ts';
import { getCryptoProvider } from './provider.ts';

/** SHA-256 through the installed crypto provider (./provider.ts). */
export function sha256(data: Uint8Array): Uint8Array {
  return getCryptoProvider().sha256(data);
}

/**
 * Fingerprints already computed, by the key's bytes (as a string of char codes 0-255): a fleet key recurs in every
 * epoch's artifact, a CA's key in every chain of its fleet (at --scale 20, some 8,000 fingerprints of a few hundred
 * keys, each a call into the provider that cost more than the lookup). Bounded: past the limit it starts again.
 */
const known = new Map<string, string>();
const MAX_KNOWN = 10_000;
/** Longest key remembered (an Ed25519 or EC key is 32 to 97 bytes); a longer input is hashed each time. */
const MAX_REMEMBERED_BYTES = 1024;

/** A key's fingerprint: lowercase hex SHA-256 of its public key bytes as encoded in the evidence. */
export function fingerprint(publicKey: Uint8Array): string {
  if (publicKey.length > MAX_REMEMBERED_BYTES) return toHex(sha256(publicKey));
  const id = String.fromCharCode.apply(null, publicKey as unknown as number[]);
  let fp = known.get(id);
  if (fp === undefined) {
    fp = toHex(sha256(publicKey));
    if (known.size >= MAX_KNOWN) known.clear();
    known.set(id, fp);
  }
  return fp;
}
