import { toHex } from '../encoding.ts';
import { onceForKey } from './judged.ts';
import { getCryptoProvider } from './provider.ts';

/** SHA-256 through the installed crypto provider (./provider.ts). */
export function sha256(data: Uint8Array): Uint8Array {
  return getCryptoProvider().sha256(data);
}

/**
 * A key's fingerprint: lowercase hex SHA-256 of its public key bytes as encoded in the evidence. Remembered by the
 * key's bytes (./judged.ts): at --scale 20 some 8,000 fingerprints are asked of a few hundred keys.
 */
export function fingerprint(publicKey: Uint8Array): string {
  return onceForKey('fingerprint', publicKey, () => toHex(sha256(publicKey)));
}
