/**
 * A validation bundle's proof (docs/evidence-format.md §5.3): the auditor record's fields plus the operator's
 * counter-signature `meta_signature` over the auditor's 64 signature bytes.
 */
import { VerificationError, pathOf } from '../errors.ts';
import { fromHex } from '../encoding.ts';
import { parseWith, z } from '../schema.ts';
import { verifySignature } from '../crypto/keys.ts';
import { type AuditorRecord, auditorRecordShape, normalizeAuditorRecord } from '../plexi/record.ts';
import { type PinnedKey, isValidAt } from '../trust.ts';

export const proofWire = z.strictObject({ ...auditorRecordShape, meta_signature: z.string() });

export interface Proof extends AuditorRecord {
  metaSignature: Uint8Array;
}

export function parseProof(value: unknown, file: string): Proof {
  const w = parseWith(proofWire, value, file);
  const { meta_signature, ...record } = w;
  const rec = normalizeAuditorRecord(record, file);
  const metaSignature = fromHex(meta_signature, { file, path: '$.meta_signature' });
  if (metaSignature.length === 0 || metaSignature.length > 80) {
    throw new VerificationError(
      'LENGTH_INVALID',
      `${metaSignature.length} bytes is no Ed25519 or DER P-256 signature`,
      {
        file,
        path: '$.meta_signature',
      },
    );
  }
  return { ...rec, metaSignature };
}

/**
 * Verifies `meta_signature` over the auditor's signature bytes under the namespace's operator keys valid at `iso`.
 * Returns the key that verified. A signature that verifies only under a key outside its window fails with
 * KEY_OUTSIDE_VALIDITY.
 */
export function verifyCountersignature(
  proof: Proof,
  operatorKeys: PinnedKey[],
  iso: string,
  file: string,
): PinnedKey {
  const where = { file, path: pathOf('$', 'meta_signature') };
  let outside: PinnedKey | undefined;
  for (const k of operatorKeys) {
    if (!verifySignature(k.algorithm, k.publicKey, proof.signature, proof.metaSignature)) continue;
    if (isValidAt(k, iso)) return k;
    outside = k;
  }
  if (outside) {
    throw new VerificationError(
      'KEY_OUTSIDE_VALIDITY',
      `counter-signature verifies under ${outside.id}, valid from ${outside.validFrom} until ${outside.validUntil}, used at ${iso}`,
      where,
    );
  }
  throw new VerificationError(
    'COUNTERSIGNATURE_INVALID',
    `meta_signature does not verify over the auditor's signature under ${operatorKeys.map((k) => k.id).join(', ')}`,
    where,
  );
}
