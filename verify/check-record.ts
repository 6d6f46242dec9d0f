/**
 * One auditor record checked on its own against one Ed25519 key (`fleetproof check-record`, the widget's
 * "paste a record" box): docs/evidence-format.md §4.
 */
import { VerificationError } from './errors.ts';
import { fromBase64, fromHex, toHex } from './encoding.ts';
import { readJson } from './json.ts';
import { LIMITS } from './limits.ts';
import { Checklist, type CheckResult } from './checklist.ts';
import { isValidEd25519PublicKey } from './crypto/ed25519.ts';
import { fingerprint } from './crypto/sha256.ts';
import { type AuditorRecord, parseAuditorRecord, verifyAuditorSignature } from './plexi/record.ts';
import type { VerificationErrorJSON } from './errors.ts';

export interface RecordCheck {
  ok: boolean;
  record:
    { namespace: string; epoch: number; timestamp: number; ciphersuite: number; digest: string } | undefined;
  checks: CheckResult[];
  errors: VerificationErrorJSON[];
}

/** A 32-byte Ed25519 key as 64 hex digits or as base64. */
export function parseAuditorKey(text: string, label = 'auditor key'): Uint8Array {
  const s = text.trim();
  const where = { file: label };
  const bytes = /^[0-9a-fA-F]{64}$/.test(s) ? fromHex(s.toLowerCase(), where) : fromBase64(s, where);
  if (bytes.length !== 32)
    throw new VerificationError('LENGTH_INVALID', `an Ed25519 key has 32 bytes, not ${bytes.length}`, where);
  if (!isValidEd25519PublicKey(bytes))
    throw new VerificationError('KEY_INVALID', 'not a valid Ed25519 public key (or of small order)', where);
  return bytes;
}

export function checkRecord(
  bytes: Uint8Array,
  file: string,
  auditorKey: Uint8Array,
  keyLabel = 'auditor key',
): RecordCheck {
  const list = new Checklist();
  let rec: AuditorRecord | undefined;
  list.run(
    'record.read',
    'The record parses: fields, hex, lengths, ciphersuite, serialized_message',
    file,
    () => {
      rec = parseAuditorRecord(readJson(bytes, file, { maxBytes: LIMITS.maxRecordBytes }), file);
      return `ciphersuite ${rec.ciphersuite} (${rec.ciphersuite === 1 ? 'protobuf' : 'bincode'}), ${rec.message.length}-byte SignatureMessage${rec.serializedMessage ? ' = serialized_message' : ''}`;
    },
  );
  if (rec) {
    const r = rec;
    list.run('record.signature', "The auditor's Ed25519 signature verifies (strict)", file, () => {
      verifyAuditorSignature(r, [{ id: keyLabel, publicKey: auditorKey }], file);
      return `verified under ${toHex(auditorKey)} (fingerprint ${fingerprint(auditorKey).slice(0, 16)}…)${r.keyId !== undefined ? `, key_id ${r.keyId} = last byte` : ''}`;
    });
  }
  return {
    ok: list.errors.length === 0,
    record: rec && {
      namespace: rec.namespace,
      epoch: rec.epoch,
      timestamp: rec.timestamp,
      ciphersuite: rec.ciphersuite,
      digest: toHex(rec.digest),
    },
    checks: list.checks,
    errors: list.errors.map((e) => e.toJSON()),
  };
}
