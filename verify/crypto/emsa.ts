/**
 * EMSA-PKCS1-v1_5 (RFC 8017 §9.2), the encoding RSA PKCS#1 v1.5 signatures are compared with: plain bytes, no
 * curve or big-number code, so that the vendor adapters (verify/vendors/rsa.ts) need not load the reference
 * provider's noble curves.
 */
import type { HashName } from './provider.ts';

/** DER DigestInfo prefixes: SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING (digest) } (RFC 8017 §9.2 note 1). */
const DIGEST_INFO: Record<HashName, Uint8Array> = {
  sha256: Uint8Array.from([
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
    0x04, 0x20,
  ]),
  sha384: Uint8Array.from([
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00,
    0x04, 0x30,
  ]),
};

/** EMSA-PKCS1-v1_5 encoding of a digest for a k-byte modulus (RFC 8017 §9.2), or undefined if k is too small. */
export function emsaPkcs1v15(hash: HashName, d: Uint8Array, k: number): Uint8Array | undefined {
  const prefix = DIGEST_INFO[hash];
  const t = new Uint8Array(prefix.length + d.length);
  t.set(prefix);
  t.set(d, prefix.length);
  if (k < t.length + 11) return undefined;
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - t.length - 1] = 0x00;
  em.set(t, k - t.length);
  return em;
}
