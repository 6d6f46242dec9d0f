/**
 * Epoch files (docs/evidence-format.md §4, §5): the artifact, the auditor's record (Plexi `TempSignatureResponse`)
 * and the proof (the record plus the operator's counter-signature).
 */
import { sha256 } from '../verify/crypto/sha256.ts';
import { fromHex, toHex } from '../verify/encoding.ts';
import { encodeSignatureMessage } from '../verify/plexi/message.ts';
import { jsonFile } from './json.ts';
import { signWith, type DemoKey } from './keys.ts';
import type { DemoModel, EpochKey, EpochPlan } from './model.ts';
import type { AuditorRecord } from '../verify/plexi/record.ts';
import { trustKeyById } from './trust-roots.ts';

/** The fields of an auditor record that its SignatureMessage covers (verify/plexi/record.ts). */
export type RecordFields = Pick<
  AuditorRecord,
  'version' | 'ciphersuite' | 'namespace' | 'timestamp' | 'epoch' | 'digest'
>;

export interface AuditorRecordJson {
  version: number;
  ciphersuite: number;
  namespace: string;
  timestamp: number;
  epoch: number;
  digest: string;
  signature: string;
  key_id?: number;
  serialized_message?: string;
}

export interface ProofJson extends AuditorRecordJson {
  meta_signature: string;
}

export interface ArtifactJson {
  namespace: string;
  epoch: number;
  issued_at: string;
  keys: EpochKey[];
}

export function epochDir(namespace: string, epoch: number | string): string {
  return `namespaces/${namespace}/${epoch}`;
}

/** The auditor signs the SignatureMessage of the fields; key_id and serialized_message are always included. */
export function auditorRecord(f: RecordFields, auditor: DemoKey): AuditorRecordJson {
  const message = encodeSignatureMessage(f);
  if (!message) throw new Error(`ciphersuite ${f.ciphersuite} has no SignatureMessage encoding`);
  return {
    version: f.version,
    ciphersuite: f.ciphersuite,
    namespace: f.namespace,
    timestamp: f.timestamp,
    epoch: f.epoch,
    digest: toHex(f.digest),
    signature: toHex(signWith(auditor, message)),
    key_id: auditor.publicKey[auditor.publicKey.length - 1]!,
    serialized_message: toHex(message),
  };
}

/** The operator's counter-signature over the raw bytes of the auditor's signature. */
export function counterSignature(signatureHex: string, operator: DemoKey): string {
  return toHex(signWith(operator, fromHex(signatureHex)));
}

export function proofOf(record: AuditorRecordJson, operator: DemoKey): ProofJson {
  return { ...record, meta_signature: counterSignature(record.signature, operator) };
}

export function artifactOf(namespace: string, plan: EpochPlan): ArtifactJson {
  return { namespace, epoch: plan.epoch, issued_at: plan.issuedAt, keys: plan.keys };
}

/** The three files of an epoch given its artifact bytes, signed by the given keys. */
export function signedEpochFiles(
  namespace: string,
  dirEpoch: number | string,
  artifactBytes: Uint8Array,
  fields: Omit<RecordFields, 'digest' | 'namespace'> & { namespace?: string; digest?: Uint8Array },
  auditor: DemoKey,
  operator: DemoKey,
): Map<string, Uint8Array> {
  const record = auditorRecord(
    { ...fields, namespace: fields.namespace ?? namespace, digest: fields.digest ?? sha256(artifactBytes) },
    auditor,
  );
  const dir = epochDir(namespace, dirEpoch);
  return new Map([
    [`${dir}/artifact.json`, artifactBytes],
    [`${dir}/auditor-record.json`, jsonFile(record)],
    [`${dir}/proof.json`, jsonFile(proofOf(record, operator))],
  ]);
}

export function epochFiles(model: DemoModel, plan: EpochPlan): Map<string, Uint8Array> {
  return signedEpochFiles(
    plan.namespace,
    plan.epoch,
    jsonFile(artifactOf(plan.namespace, plan)),
    {
      version: plan.ciphersuite,
      ciphersuite: plan.ciphersuite,
      timestamp: plan.timestamp,
      epoch: plan.epoch,
    },
    trustKeyById(model, plan.auditorKeyId).key,
    trustKeyById(model, plan.operatorKeyId).key,
  );
}
