/**
 * An auditor record exactly as Plexi's API returns it (`TempSignatureResponse` in plexi_core/src/lib.rs):
 * {version, ciphersuite, namespace, timestamp, epoch, digest (hex), signature (hex), key_id?, serialized_message?}.
 * Wire form → normalized form (`AuditorRecord`) → checks (`verifyAuditorRecord`).
 */
import { VerificationError, pathOf } from '../errors.ts';
import { equalBytes, fromHex } from '../encoding.ts';
import { parseWith, safeInt, z } from '../schema.ts';
import { verifyEd25519Strict } from '../crypto/ed25519.ts';
import { CIPHERSUITE_BINCODE, CIPHERSUITE_PROTOBUF, encodeSignatureMessage } from './message.ts';

/** The record's fields; proofs (§5.3) extend this shape with `meta_signature`. */
export const auditorRecordShape = {
  version: safeInt,
  ciphersuite: safeInt,
  namespace: z.string().check(z.minLength(1), z.maxLength(256)),
  timestamp: safeInt,
  epoch: safeInt,
  digest: z.string(),
  signature: z.string(),
  key_id: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(255))),
  serialized_message: z.optional(z.string()),
};
export const auditorRecordWire = z.strictObject(auditorRecordShape);
export type AuditorRecordWire = z.infer<typeof auditorRecordWire>;

export interface AuditorRecord {
  version: number;
  ciphersuite: number;
  namespace: string;
  /** Milliseconds since the Unix epoch, as signed. */
  timestamp: number;
  epoch: number;
  digest: Uint8Array;
  signature: Uint8Array;
  keyId: number | undefined;
  serializedMessage: Uint8Array | undefined;
  /** The SignatureMessage rebuilt from the fields: the bytes the signature covers. */
  message: Uint8Array;
}

export interface AuditorKey {
  id: string;
  publicKey: Uint8Array;
}

/** Wire → normalized. Raises SCHEMA_INVALID, CIPHERSUITE_*, HEX_INVALID, LENGTH_INVALID, SERIALIZED_MESSAGE_MISMATCH. */
export function normalizeAuditorRecord(w: AuditorRecordWire, file: string, base = '$'): AuditorRecord {
  const at = (field: string) => ({ file, path: pathOf(base, field) });
  if (w.ciphersuite !== CIPHERSUITE_PROTOBUF && w.ciphersuite !== CIPHERSUITE_BINCODE) {
    throw new VerificationError(
      'CIPHERSUITE_UNKNOWN',
      `ciphersuite ${w.ciphersuite} is not 1 (0x0001, protobuf) or 2 (0x0002, bincode)`,
      at('ciphersuite'),
    );
  }
  if (w.version !== w.ciphersuite) {
    throw new VerificationError(
      'CIPHERSUITE_MISMATCH',
      `version ${w.version} differs from ciphersuite ${w.ciphersuite}`,
      at('version'),
    );
  }
  const digest = fromHex(w.digest, at('digest'), 32);
  const signature = fromHex(w.signature, at('signature'), 64);
  const message = encodeSignatureMessage({ ...w, digest })!;
  let serializedMessage: Uint8Array | undefined;
  if (w.serialized_message !== undefined) {
    serializedMessage = fromHex(w.serialized_message, at('serialized_message'));
    if (!equalBytes(serializedMessage, message)) {
      throw new VerificationError(
        'SERIALIZED_MESSAGE_MISMATCH',
        "serialized_message is not the SignatureMessage encoded from the record's fields",
        at('serialized_message'),
      );
    }
  }
  return {
    version: w.version,
    ciphersuite: w.ciphersuite,
    namespace: w.namespace,
    timestamp: w.timestamp,
    epoch: w.epoch,
    digest,
    signature,
    keyId: w.key_id,
    serializedMessage,
    message,
  };
}

export function parseAuditorRecord(value: unknown, file: string, base = '$'): AuditorRecord {
  return normalizeAuditorRecord(parseWith(auditorRecordWire, value, file, base), file, base);
}

/**
 * Verifies the auditor's signature under the candidate keys and returns the key that verified.
 * With key_id present, only keys whose last byte equals it are candidates (KEY_ID_MISMATCH when none is).
 */
export function verifyAuditorSignature(
  rec: AuditorRecord,
  keys: AuditorKey[],
  file: string,
  base = '$',
): AuditorKey {
  let candidates = keys;
  if (rec.keyId !== undefined) {
    candidates = keys.filter((k) => k.publicKey[k.publicKey.length - 1] === rec.keyId);
    if (candidates.length === 0) {
      throw new VerificationError(
        'KEY_ID_MISMATCH',
        `key_id ${rec.keyId} is not the last byte of ${keys.length === 1 ? 'the auditor key' : 'any pinned auditor key'} (${keys
          .map((k) => `${k.id}: ${k.publicKey[k.publicKey.length - 1]}`)
          .join(', ')})`,
        { file, path: pathOf(base, 'key_id') },
      );
    }
  }
  for (const k of candidates) {
    if (verifyEd25519Strict(rec.signature, rec.message, k.publicKey)) return k;
  }
  throw new VerificationError(
    'AUDITOR_SIGNATURE_INVALID',
    `the Ed25519 signature over the ${rec.ciphersuite === CIPHERSUITE_PROTOBUF ? 'protobuf' : 'bincode'} SignatureMessage does not verify under ${candidates
      .map((k) => k.id)
      .join(', ')}`,
    { file, path: pathOf(base, 'signature') },
  );
}
