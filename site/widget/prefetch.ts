/**
 * WebCrypto ahead of the synchronous core. The core asks its crypto provider (verify/crypto/provider.ts) only
 * arithmetic questions whose inputs it has already checked for strictness in JavaScript; WebCrypto can answer them
 * many times faster than noble, but only asynchronously. So the worker runs the core twice:
 *
 * 1. a dry run with a provider that notes every question and answers "yes" without computing anything (no check
 *    is shown, no verdict kept);
 * 2. WebCrypto answers the noted questions, all at once;
 * 3. the real run, with a provider that returns those answers and asks noble (the reference) anything else, such as
 *    a question the dry run's optimistic answers did not lead to.
 *
 * A verdict therefore never depends on the dry run, and without crypto.subtle (not a secure context) or for an
 * algorithm the browser lacks, noble answers as before.
 */
import { referenceProvider } from '../../verify/crypto/reference.ts';
import type { CryptoProvider, EcCurve, HashName } from '../../verify/crypto/provider.ts';
import { toHex } from '../../verify/encoding.ts';

type Question =
  | { kind: 'ed25519'; signature: Uint8Array; message: Uint8Array; publicKey: Uint8Array }
  | {
      kind: 'ecdsa';
      curve: EcCurve;
      hash: HashName;
      publicKey: Uint8Array;
      message: Uint8Array;
      rs: Uint8Array;
    }
  | { kind: 'rsa'; n: Uint8Array; e: Uint8Array; hash: HashName; message: Uint8Array; signature: Uint8Array };

function keyOf(q: Question): string {
  switch (q.kind) {
    case 'ed25519':
      return `ed|${toHex(q.publicKey)}|${toHex(q.signature)}|${toHex(q.message)}`;
    case 'ecdsa':
      return `ec|${q.curve}|${q.hash}|${toHex(q.publicKey)}|${toHex(q.rs)}|${toHex(q.message)}`;
    case 'rsa':
      return `rsa|${q.hash}|${toHex(q.n)}|${toHex(q.e)}|${toHex(q.signature)}|${toHex(q.message)}`;
  }
}

/** A provider that notes each question and answers yes (hashes are computed: the checks compare digests). */
export function recordingProvider(questions: Map<string, Question>): CryptoProvider {
  const note = (q: Question) => {
    questions.set(keyOf(q), q);
    return true;
  };
  return {
    name: 'dry-run',
    sha256: referenceProvider.sha256,
    sha384: referenceProvider.sha384,
    ed25519: (signature, message, publicKey) => note({ kind: 'ed25519', signature, message, publicKey }),
    ecdsa: (curve, hash, publicKey, message, rs) =>
      note({ kind: 'ecdsa', curve, hash, publicKey, message, rs }),
    rsaPkcs1v15: (key, hash, message, signature) =>
      note({ kind: 'rsa', n: key.n, e: key.e, hash, message, signature }),
  };
}

const b64url = (b: Uint8Array) =>
  btoa(String.fromCharCode(...b))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const HASH = { sha256: 'SHA-256', sha384: 'SHA-384' } as const;
const CURVE = { p256: 'P-256', p384: 'P-384' } as const;
const buf = (b: Uint8Array) => b.slice().buffer as ArrayBuffer;

/** WebCrypto's answer to one question, or undefined when the browser cannot answer it (noble will). */
async function answer(subtle: SubtleCrypto, q: Question): Promise<boolean | undefined> {
  try {
    switch (q.kind) {
      case 'ed25519': {
        const key = await subtle.importKey('raw', buf(q.publicKey), { name: 'Ed25519' }, false, ['verify']);
        return await subtle.verify({ name: 'Ed25519' }, key, buf(q.signature), buf(q.message));
      }
      case 'ecdsa': {
        // WebCrypto imports only uncompressed points everywhere.
        if (q.publicKey[0] !== 0x04) return undefined;
        const key = await subtle.importKey(
          'raw',
          buf(q.publicKey),
          { name: 'ECDSA', namedCurve: CURVE[q.curve] },
          false,
          ['verify'],
        );
        return await subtle.verify({ name: 'ECDSA', hash: HASH[q.hash] }, key, buf(q.rs), buf(q.message));
      }
      case 'rsa': {
        const key = await subtle.importKey(
          'jwk',
          {
            kty: 'RSA',
            n: b64url(q.n),
            e: b64url(q.e),
            alg: q.hash === 'sha256' ? 'RS256' : 'RS384',
            ext: true,
          },
          { name: 'RSASSA-PKCS1-v1_5', hash: HASH[q.hash] },
          false,
          ['verify'],
        );
        return await subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, key, buf(q.signature), buf(q.message));
      }
    }
  } catch {
    return undefined;
  }
}

/** Answers every noted question with WebCrypto, in parallel. */
export async function answerAll(
  subtle: SubtleCrypto,
  questions: Map<string, Question>,
): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  await Promise.all(
    [...questions].map(async ([k, q]) => {
      const v = await answer(subtle, q);
      if (v !== undefined) out.set(k, v);
    }),
  );
  return out;
}

/** A provider that returns WebCrypto's answers and asks the reference (noble) anything else. */
export function answeredProvider(answers: Map<string, boolean>): CryptoProvider {
  return {
    name: 'webcrypto-prefetched',
    sha256: referenceProvider.sha256,
    sha384: referenceProvider.sha384,
    ed25519: (signature, message, publicKey) =>
      answers.get(keyOf({ kind: 'ed25519', signature, message, publicKey })) ??
      referenceProvider.ed25519(signature, message, publicKey),
    ecdsa: (curve, hash, publicKey, message, rs) =>
      answers.get(keyOf({ kind: 'ecdsa', curve, hash, publicKey, message, rs })) ??
      referenceProvider.ecdsa(curve, hash, publicKey, message, rs),
    rsaPkcs1v15: (key, hash, message, signature) =>
      answers.get(keyOf({ kind: 'rsa', n: key.n, e: key.e, hash, message, signature })) ??
      referenceProvider.rsaPkcs1v15(key, hash, message, signature),
  };
}
