/** DSSE envelopes carrying in-toto Statement v1 (docs/evidence-format.md §6): build, sign, open, re-sign. */
import { IN_TOTO_PAYLOAD_TYPE, STATEMENT_TYPE, pae } from '../verify/dsse.ts';
import { fromBase64, fromUtf8, toBase64, utf8 } from '../verify/encoding.ts';
import { fingerprint } from '../verify/crypto/sha256.ts';
import { signWith, type DemoKey } from './keys.ts';

export interface Subject {
  name: string;
  digest: { sha256: string };
}

export interface Statement {
  _type: string;
  subject: Subject[];
  predicateType: string;
  predicate: unknown;
}

export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

export interface EnvelopeSigner {
  keyid: string;
  key: DemoKey;
}

export function subjectOf(name: string, publicKey: Uint8Array): Subject {
  return { name, digest: { sha256: fingerprint(publicKey) } };
}

export function statement(predicateType: string, subject: Subject[], predicate: unknown): Statement {
  return { _type: STATEMENT_TYPE, subject, predicateType, predicate };
}

/** Signs the compact JSON of `st` with each signer, in order. */
export function sealEnvelope(
  st: unknown,
  signers: EnvelopeSigner[],
  payloadType = IN_TOTO_PAYLOAD_TYPE,
): Envelope {
  const body = utf8(JSON.stringify(st));
  const bytes = pae(payloadType, body);
  return {
    payloadType,
    payload: toBase64(body),
    signatures: signers.map((s) => ({ keyid: s.keyid, sig: toBase64(signWith(s.key, bytes)) })),
  };
}

export function openEnvelope<T = Statement>(env: Envelope): T {
  return JSON.parse(fromUtf8(fromBase64(env.payload))) as T;
}

/** The bytes an envelope's signatures cover. */
export function envelopePae(env: Envelope): Uint8Array {
  return pae(env.payloadType, fromBase64(env.payload));
}
