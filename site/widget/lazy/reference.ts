/**
 * Stand-in for verify/crypto/reference.ts in the widget's worker (./plugin.ts): hashing is here (noble's SHA-256,
 * a few KB, which the synchronous core needs all the time); Ed25519, ECDSA and RSA, SHA-384, and with them noble's
 * curves, are the real module's, loaded on demand (./registry.ts). The worker loads it up front where crypto.subtle
 * is missing (not a secure context), and otherwise only if WebCrypto could not answer a question.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { CryptoProvider } from '../../../verify/crypto/provider.ts';
import { lazyPart } from './registry.ts';

type Real = typeof import('../../../verify/crypto/reference.ts');
const real = lazyPart<Real>('reference', () => import('../../../verify/crypto/reference.ts'));

export const referenceProvider: CryptoProvider = {
  name: 'reference (noble, BigInt)',
  sha256: (d) => sha256(d),
  sha384: (d) => real().referenceProvider.sha384(d),
  ed25519: (signature, message, publicKey) => real().referenceProvider.ed25519(signature, message, publicKey),
  ecdsa: (curve, hash, publicKey, message, rs) =>
    real().referenceProvider.ecdsa(curve, hash, publicKey, message, rs),
  rsaPkcs1v15: (key, hash, message, signature) =>
    real().referenceProvider.rsaPkcs1v15(key, hash, message, signature),
};

export { emsaPkcs1v15 } from '../../../verify/crypto/emsa.ts';
