/**
 * Strict DER for ECDSA signatures (X9.62 Ecdsa-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }): definite short-form
 * lengths (a P-256 or P-384 signature is never 128 bytes long), minimal non-negative integers, nothing after the
 * sequence. The scalars are returned as r || s of the field's size (P1363), checked 0 < r, s < n.
 */
import { bigIntFromBytes } from '../encoding.ts';

/** The group orders, big-endian. */
export const EC_ORDER: Record<'p256' | 'p384', bigint> = {
  p256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  p384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};
export const EC_FIELD_BYTES: Record<'p256' | 'p384', number> = { p256: 32, p384: 48 };

/** Whether r || s (2 × the field size) has 0 < r < n and 0 < s < n. */
export function scalarsInRange(curve: 'p256' | 'p384', rs: Uint8Array): boolean {
  const f = EC_FIELD_BYTES[curve];
  if (rs.length !== 2 * f) return false;
  const n = EC_ORDER[curve];
  const r = bigIntFromBytes(rs.subarray(0, f));
  const s = bigIntFromBytes(rs.subarray(f));
  return r > 0n && r < n && s > 0n && s < n;
}

/** r || s from a strict DER signature, or null. Ranges are not checked here (see scalarsInRange). */
export function derToP1363(curve: 'p256' | 'p384', sig: Uint8Array): Uint8Array | null {
  const f = EC_FIELD_BYTES[curve];
  if (sig.length < 8 || sig[0] !== 0x30) return null;
  const len = sig[1]!;
  if (len & 0x80 || len + 2 !== sig.length) return null;
  const out = new Uint8Array(2 * f);
  let o = 2;
  for (let i = 0; i < 2; i++) {
    if (o + 2 > sig.length || sig[o] !== 0x02) return null;
    const l = sig[o + 1]!;
    if (l & 0x80 || l === 0 || o + 2 + l > sig.length) return null;
    const v = sig.subarray(o + 2, o + 2 + l);
    if (v[0]! & 0x80) return null; // negative
    if (v[0] === 0 && (l === 1 || !(v[1]! & 0x80))) return null; // not minimal (or zero)
    const mag = v[0] === 0 ? v.subarray(1) : v;
    if (mag.length > f) return null;
    out.set(mag, i * f + f - mag.length);
    o += 2 + l;
  }
  return o === sig.length ? out : null;
}
