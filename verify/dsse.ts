/**
 * DSSE envelopes (secure-systems-lab/dsse v1.0, "envelope.md" and "protocol.md") carrying in-toto Statement v1
 * payloads (in-toto/attestation spec v1, "statement.md"). Wire form → `SignedStatement` → signature checks.
 */
import { VerificationError, pathOf } from './errors.ts';
import { concatBytes, fromBase64, fromHex, utf8 } from './encoding.ts';
import { readJson } from './json.ts';
import { LIMITS } from './limits.ts';
import { parseWith, z } from './schema.ts';
import { fingerprint } from './crypto/sha256.ts';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** DSSE protocol.md: PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  return concatBytes(utf8(`DSSEv1 ${type.length} `), type, utf8(` ${payload.length} `), payload);
}

export const envelopeWire = z.strictObject({
  payloadType: z.string(),
  payload: z.string().check(z.maxLength(LIMITS.maxFileBytes * 2)),
  signatures: z.array(
    z.strictObject({ keyid: z.string().check(z.minLength(1), z.maxLength(256)), sig: z.string() }),
  ),
});

const subjectWire = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(512)),
  digest: z.strictObject({ sha256: z.string() }),
});

export const statementWire = z.strictObject({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(subjectWire).check(z.minLength(1)),
  predicateType: z.string(),
  predicate: z.unknown(),
});

export interface EnvelopeSignature {
  keyid: string;
  sig: Uint8Array;
  path: string;
}

export interface SignedStatement {
  /** The bytes every signature covers. */
  pae: Uint8Array;
  signatures: EnvelopeSignature[];
  subjects: { name: string; sha256: string }[];
  predicateType: string;
  predicate: unknown;
  /** JSONPath of the predicate, for errors raised by its checks. */
  predicatePath: string;
}

/**
 * Parses an envelope and its statement. `base` is the envelope's JSONPath in its file. The statement's own
 * JSONPaths start with `<base>.payload`.
 */
export function parseEnvelope(
  value: unknown,
  file: string,
  base: string,
  predicateType: string,
): SignedStatement {
  const env = parseWith(envelopeWire, value, file, base);
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new VerificationError(
      'DSSE_INVALID',
      `payloadType is ${JSON.stringify(env.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`,
      {
        file,
        path: pathOf(base, 'payloadType'),
      },
    );
  }
  if (env.signatures.length === 0 || env.signatures.length > LIMITS.maxSignatures) {
    throw new VerificationError(
      env.signatures.length === 0 ? 'SCHEMA_INVALID' : 'LIMIT_EXCEEDED',
      `${env.signatures.length} signatures; an envelope carries 1 to ${LIMITS.maxSignatures}`,
      { file, path: pathOf(base, 'signatures') },
    );
  }
  const payloadPath = pathOf(base, 'payload');
  const body = fromBase64(env.payload, { file, path: payloadPath });
  let json: unknown;
  try {
    json = readJson(body, file, { path: payloadPath });
  } catch (e) {
    if (e instanceof VerificationError)
      throw new VerificationError(e.code, `payload: ${e.message}`, { file, path: e.path ?? payloadPath });
    throw e;
  }
  const st = parseWith(statementWire, json, file, payloadPath);
  if (st.predicateType !== predicateType) {
    throw new VerificationError(
      'DSSE_INVALID',
      `predicateType is ${JSON.stringify(st.predicateType)}, not ${predicateType}`,
      {
        file,
        path: pathOf(payloadPath, 'predicateType'),
      },
    );
  }
  const signatures = env.signatures.map((s, i) => {
    const path = pathOf(base, 'signatures', i);
    return { keyid: s.keyid, sig: fromBase64(s.sig, { file, path: pathOf(path, 'sig') }), path };
  });
  const subjects = st.subject.map((s, i) => {
    const p = pathOf(payloadPath, 'subject', i, 'digest', 'sha256');
    fromHex(s.digest.sha256, { file, path: p }, 32); // HEX_INVALID, then LENGTH_INVALID, as every hex field (§2)
    return { name: s.name, sha256: s.digest.sha256 };
  });
  return {
    pae: pae(env.payloadType, body),
    signatures,
    subjects,
    predicateType: st.predicateType,
    predicate: st.predicate,
    predicatePath: pathOf(payloadPath, 'predicate'),
  };
}

/**
 * Subjects must be exactly one per expected (name, public key), in any order, with the key's fingerprint as
 * their SHA-256.
 */
export function checkSubjects(
  st: SignedStatement,
  expected: { name: string; publicKey: Uint8Array }[],
  file: string,
): void {
  const want = new Map(expected.map((e) => [e.name, fingerprint(e.publicKey)]));
  const seen = new Set<string>();
  const path = st.predicatePath.replace(/\.predicate$/, '.subject');
  for (const s of st.subjects) {
    const fp = want.get(s.name);
    if (fp === undefined || seen.has(s.name)) {
      throw new VerificationError(
        'SUBJECT_MISMATCH',
        `subject ${JSON.stringify(s.name)} is not a key of the predicate, or is listed twice`,
        { file, path },
      );
    }
    if (fp !== s.sha256) {
      throw new VerificationError(
        'SUBJECT_MISMATCH',
        `subject ${JSON.stringify(s.name)} has digest ${s.sha256}, but the key's fingerprint is ${fp}`,
        { file, path },
      );
    }
    seen.add(s.name);
  }
  if (seen.size !== want.size) {
    const missing = [...want.keys()].filter((n) => !seen.has(n));
    throw new VerificationError(
      'SUBJECT_MISMATCH',
      `no subject for ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
      { file, path },
    );
  }
}
