/**
 * The crypto provider backed by node:crypto (OpenSSL) for the CLI, the build and the bench. The core checks every
 * strictness rule before asking (verify/crypto/provider.ts); this provider answers the arithmetic question only, and
 * hands back to the reference provider the rare inputs OpenSSL might treat differently (RSA exponents above 2^32:
 * OpenSSL caps the public exponent of large moduli). KeyObjects are cached per key, and made from JWK.
 */
import { createPublicKey, hash, verify, constants, type KeyObject } from 'node:crypto';
import { type CryptoProvider, getCryptoProvider, setCryptoProvider } from '../../verify/crypto/provider.ts';
import { referenceProvider } from '../../verify/crypto/reference.ts';

/** JWK curve names. Keys are imported as JWK where the key allows: OpenSSL 3 decodes DER through its decoder
 * framework, about ten times slower for an Ed25519 key and, behind a lock, slower still in parallel threads
 * (scripts/lib/parallel-verify.ts); a JWK is turned into a key directly. A compressed EC point stays DER. */
const JWK_CURVE = { p256: 'P-256', p384: 'P-384' } as const;
const EC_SPKI: Record<'p256' | 'p384', Record<number, Buffer>> = {
  p256: {
    65: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
    33: Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
  },
  p384: {
    97: Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex'),
    49: Buffer.from('3046301006072a8648ce3d020106052b81040022033200', 'hex'),
  },
};

const keys = new Map<string, KeyObject | null>();
function cachedKey(id: string, make: () => KeyObject): KeyObject | null {
  let k = keys.get(id);
  if (k === undefined) {
    try {
      k = make();
    } catch {
      k = null;
    }
    // Most keys sign once (an HSM's attestation); the ones that recur (CA, operator, auditor) come back at once.
    if (keys.size >= 4096) keys.clear();
    keys.set(id, k);
  }
  return k;
}

const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
/** A Buffer over the same bytes (no copy), to encode them. */
const over = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length);
const b64url = (b: Uint8Array) => over(b).toString('base64url');

export const nodeCryptoProvider: CryptoProvider = {
  name: `node:crypto (OpenSSL ${process.versions.openssl})`,
  // One-shot hash (Node 20.12+): no Hash object per call; most inputs are a few hundred bytes.
  sha256: (d) => view(hash('sha256', d, 'buffer')),
  sha384: (d) => view(hash('sha384', d, 'buffer')),

  ed25519(signature, message, publicKey) {
    const x = b64url(publicKey); // the JWK's x, and the cache's key
    const key = cachedKey(`ed25519:${x}`, () =>
      createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }),
    );
    if (!key) return false;
    try {
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  },

  ecdsa(curve, hash, publicKey, message, rs) {
    const prefix = EC_SPKI[curve][publicKey.length];
    if (!prefix) return false;
    const f = publicKey.length >> 1;
    const key = cachedKey(`${curve}:${b64url(publicKey)}`, () =>
      publicKey[0] === 0x04
        ? createPublicKey({
            key: {
              kty: 'EC',
              crv: JWK_CURVE[curve],
              x: b64url(publicKey.subarray(1, 1 + f)),
              y: b64url(publicKey.subarray(1 + f)),
            },
            format: 'jwk',
          })
        : createPublicKey({ key: Buffer.concat([prefix, publicKey]), format: 'der', type: 'spki' }),
    );
    if (!key) return referenceProvider.ecdsa(curve, hash, publicKey, message, rs);
    try {
      return verify(hash, message, { key, dsaEncoding: 'ieee-p1363' }, rs);
    } catch {
      return false;
    }
  },

  rsaPkcs1v15(rsaKey, hash, message, signature) {
    let e = 0;
    const eb = rsaKey.e;
    let lead = 0;
    while (lead < eb.length && eb[lead] === 0) lead++;
    if (eb.length - lead > 4) return referenceProvider.rsaPkcs1v15(rsaKey, hash, message, signature);
    for (let i = lead; i < eb.length; i++) e = e * 256 + eb[i]!;
    const id = `rsa:${b64url(rsaKey.n)}:${e}`;
    const key = cachedKey(id, () =>
      createPublicKey({ key: { kty: 'RSA', n: b64url(rsaKey.n), e: b64url(rsaKey.e) }, format: 'jwk' }),
    );
    if (!key) return referenceProvider.rsaPkcs1v15(rsaKey, hash, message, signature);
    try {
      return verify(hash, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    } catch {
      return false;
    }
  },
};

/** Installs the node:crypto provider for the rest of the process. */
export function useNodeCrypto(): void {
  if (getCryptoProvider() !== nodeCryptoProvider) setCryptoProvider(nodeCryptoProvider);
}
