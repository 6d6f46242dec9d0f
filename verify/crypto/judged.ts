/**
 * Verdicts on public keys already judged, by kind and bytes: a pinned or fleet key recurs in every epoch and every
 * signature, and its point need be decoded once per run. Bounded: past the limit it starts again.
 */
import { toHex } from '../encoding.ts';

const judged = new Map<string, boolean>();
const MAX = 10_000;

/** `judge()`'s verdict on `key`, computed the first time this kind and these bytes are asked. */
export function judgeKeyOnce(kind: string, key: Uint8Array, judge: () => boolean): boolean {
  const id = `${kind}:${toHex(key)}`;
  const known = judged.get(id);
  if (known !== undefined) return known;
  const ok = judge();
  if (judged.size >= MAX) judged.clear();
  judged.set(id, ok);
  return ok;
}
