/**
 * WebCrypto ahead of the synchronous core, in one pass when the evidence is good. The core asks its crypto provider
 * (verify/crypto/provider.ts) only arithmetic questions whose inputs it has already checked for strictness in
 * JavaScript; WebCrypto can answer them many times faster than noble, but only asynchronously. So `runVerdict`
 * runs the core with a provider that notes every signature question it cannot answer yet and answers it "yes" for
 * now, then asks WebCrypto all the noted questions at once:
 *
 * - every answer is "yes": the run's answers were the true ones, so its verdict is exactly that of a run with the
 *   true answers (the core is deterministic in its provider's answers), and it is kept: one pass;
 * - otherwise the answers are kept and the core runs again, now with them (and "yes" for any new question its
 *   different path asks), until a run asks nothing new or every new answer was "yes".
 *
 * A question WebCrypto cannot answer (no crypto.subtle outside a secure context, an algorithm or point encoding the
 * browser lacks) is answered by the reference, noble, which the worker then loads (./lazy/). Parts of the core the
 * worker loads on demand are handled the same way: a run that wanted one is discarded, the part loaded, the run
 * repeated (./lazy/registry.ts). A verdict is therefore only ever kept from a run whose every answer was computed.
 */
import { referenceProvider } from '../../verify/crypto/reference.ts';
import {
  withCryptoProvider,
  type CryptoProvider,
  type EcCurve,
  type HashName,
} from '../../verify/crypto/provider.ts';
import { toHex } from '../../verify/encoding.ts';
import { loadParts, takeWanted } from './lazy/registry.ts';

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

/**
 * The provider of one run: known answers; else the reference where it is to answer (then kept); else the question
 * is noted in `pending` and answered "yes" for now.
 */
function runProvider(
  answers: Map<string, boolean>,
  pending: Map<string, Question>,
  useReference: boolean,
): CryptoProvider {
  const ask = (q: Question, reference: () => boolean) => {
    const k = keyOf(q);
    const known = answers.get(k);
    if (known !== undefined) return known;
    if (useReference) {
      const v = reference();
      answers.set(k, v);
      return v;
    }
    pending.set(k, q);
    return true;
  };
  return {
    name: useReference ? 'webcrypto, then the reference' : 'webcrypto (answers pending)',
    sha256: referenceProvider.sha256,
    sha384: referenceProvider.sha384,
    ed25519: (signature, message, publicKey) =>
      ask({ kind: 'ed25519', signature, message, publicKey }, () =>
        referenceProvider.ed25519(signature, message, publicKey),
      ),
    ecdsa: (curve, hash, publicKey, message, rs) =>
      ask({ kind: 'ecdsa', curve, hash, publicKey, message, rs }, () =>
        referenceProvider.ecdsa(curve, hash, publicKey, message, rs),
      ),
    rsaPkcs1v15: (key, hash, message, signature) =>
      ask({ kind: 'rsa', n: key.n, e: key.e, hash, message, signature }, () =>
        referenceProvider.rsaPkcs1v15(key, hash, message, signature),
      ),
  };
}

/** Rounds with WebCrypto before the reference answers every question left (a path that keeps changing). */
const WEBCRYPTO_ROUNDS = 8;
/** Runs in all: each repeat follows a new answer or a newly loaded part, of which there are few. */
const MAX_RUNS = 32;

export interface RunStats {
  /** How many times the core ran. */
  runs: number;
  /** Questions WebCrypto answered. */
  webcrypto: number;
  /** Whether the reference (noble) answered any question. */
  reference: boolean;
}

/**
 * `fn` (synchronous, deterministic in its provider's answers) under WebCrypto's answers where `subtle` is given,
 * else noble's; its value is that of a run in which every signature question was answered by a real verification
 * and no lazy part was missing. Exceptions of that run propagate.
 */
export async function runVerdict<T>(
  fn: () => T,
  subtle: SubtleCrypto | undefined,
  stats: RunStats = { runs: 0, webcrypto: 0, reference: false },
): Promise<T> {
  const answers = new Map<string, boolean>();
  let useReference = subtle === undefined;
  if (useReference) await loadParts(['reference']);
  takeWanted();
  for (let run = 1; run <= MAX_RUNS; run++) {
    const pending = new Map<string, Question>();
    stats.runs++;
    let value: T | undefined;
    let failure: { error: unknown } | undefined;
    try {
      value = withCryptoProvider(runProvider(answers, pending, useReference), fn);
    } catch (error) {
      failure = { error };
    }
    // Whatever this run concluded, it is discarded if a part was missing.
    const wanted = takeWanted();
    if (wanted.length) {
      await loadParts(wanted);
      continue;
    }
    if (failure) throw failure.error;
    if (pending.size === 0) {
      stats.reference ||= useReference;
      return value as T;
    }
    const got = subtle ? await answerAll(subtle, pending) : new Map<string, boolean>();
    let allYes = true;
    for (const k of pending.keys()) {
      const v = got.get(k);
      if (v === undefined) {
        allYes = false;
        useReference = true;
        continue;
      }
      stats.webcrypto++;
      answers.set(k, v);
      if (!v) allYes = false;
    }
    if (allYes) {
      stats.reference ||= useReference;
      return value as T;
    }
    if (run >= WEBCRYPTO_ROUNDS) useReference = true;
    if (useReference) await loadParts(['reference']);
  }
  throw new Error(`no verdict after ${MAX_RUNS} runs`);
}
