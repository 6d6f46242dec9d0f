/**
 * What is computed from a public key's bytes alone, remembered by kind and bytes: a pinned or fleet key recurs in
 * every epoch and every signature, a CA's key in every chain of its fleet, so its point need be decoded, and its
 * fingerprint hashed, once per run. Bounded: past MAX entries it starts again, and an input longer than any key
 * (MAX_KEY_BYTES; an Ed25519 or EC key is 32 to 97 bytes) is computed each time and never kept.
 */
import { toHex } from '../encoding.ts';

const remembered = new Map<string, unknown>();
const MAX = 20_000;
const MAX_KEY_BYTES = 1024;

/** `compute()`'s value for `key`, computed the first time this kind and these bytes are asked. */
export function onceForKey<T>(kind: string, key: Uint8Array, compute: () => T): T {
  if (key.length > MAX_KEY_BYTES) return compute();
  const id = `${kind}:${toHex(key)}`;
  if (remembered.has(id)) return remembered.get(id) as T;
  const value = compute();
  if (remembered.size >= MAX) remembered.clear();
  remembered.set(id, value);
  return value;
}
