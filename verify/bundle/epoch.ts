/**
 * One epoch of a namespace: the checks of docs/evidence-format.md §5.4, in order, the way Meta's
 * `mbt eb-verify-namespace` checks a validation bundle (digest, auditor signature, counter-signature, record).
 */
import { VerificationError, pathOf } from '../errors.ts';
import { equalBytes, toHex } from '../encoding.ts';
import { readJson } from '../json.ts';
import { LIMITS } from '../limits.ts';
import { sha256 } from '../crypto/sha256.ts';
import { type Checklist, attempt } from '../checklist.ts';
import { type AuditorRecord, parseAuditorRecord, verifyAuditorSignature } from '../plexi/record.ts';
import { type NamespacePolicy, isValidAt, isoOfMs } from '../trust.ts';
import { type Artifact, parseArtifact } from './artifact.ts';
import { type Proof, parseProof, verifyCountersignature } from './proof.ts';

export interface EpochFiles {
  /** The epoch's folder: namespaces/<namespace>/<epoch>. */
  dir: string;
  artifact: Uint8Array;
  proof: Uint8Array;
  record: Uint8Array;
}

export interface VerifiedEpoch {
  dir: string;
  epoch: number;
  /** The epoch's time (the proof's timestamp, ms) and its ISO form to the second. */
  timestamp: number;
  time: string;
  proof: Proof;
  artifact: Artifact | undefined;
  digestHex: string;
  auditorKeyId: string | undefined;
  operatorKeyId: string | undefined;
  /** False when any per-epoch check failed. */
  ok: boolean;
}

const short = (hex: string) => `${hex.slice(0, 16)}…`;

/** Runs the per-epoch checks 1–6. Returns undefined when the proof cannot be read at all. */
export function verifyEpoch(
  list: Checklist,
  policy: NamespacePolicy,
  f: EpochFiles,
): VerifiedEpoch | undefined {
  const subject = f.dir;
  const files = {
    artifact: `${f.dir}/artifact.json`,
    proof: `${f.dir}/proof.json`,
    record: `${f.dir}/auditor-record.json`,
  };
  const folderEpoch = f.dir.slice(f.dir.lastIndexOf('/') + 1);
  let ok = true;
  const step = (passed: boolean) => {
    ok &&= passed;
  };

  // 1. The files parse and the proof belongs where it is.
  let proof: Proof | undefined;
  let artifactValue: unknown;
  let record: AuditorRecord | undefined;
  step(
    list.runAll('epoch.read', 'The bundle files parse', subject, (errors) => {
      proof = attempt(
        () => parseProof(readJson(f.proof, files.proof, { maxBytes: LIMITS.maxRecordBytes }), files.proof),
        errors,
      );
      artifactValue = attempt(() => readJson(f.artifact, files.artifact), errors);
      record = attempt(
        () =>
          parseAuditorRecord(
            readJson(f.record, files.record, { maxBytes: LIMITS.maxRecordBytes }),
            files.record,
          ),
        errors,
      );
      if (proof && proof.namespace !== policy.name) {
        errors.push(
          new VerificationError(
            'PATH_MISMATCH',
            `proof names namespace ${proof.namespace}, filed under ${policy.name}`,
            {
              file: files.proof,
              path: '$.namespace',
            },
          ),
        );
      }
      if (proof && String(proof.epoch) !== folderEpoch) {
        errors.push(
          new VerificationError(
            'PATH_MISMATCH',
            `proof is for epoch ${proof.epoch}, filed under ${folderEpoch}`,
            {
              file: files.proof,
              path: '$.epoch',
            },
          ),
        );
      }
      return 'artifact.json, proof.json and auditor-record.json read';
    }),
  );
  if (!proof) return undefined;
  const p = proof;
  const time = isoOfMs(p.timestamp);
  const digestHex = toHex(p.digest);

  // 2. Digest.
  step(
    list.run('epoch.digest', "The artifact's SHA-256 equals the signed digest", subject, () => {
      const actual = toHex(sha256(f.artifact));
      if (actual !== digestHex) {
        throw new VerificationError(
          'DIGEST_MISMATCH',
          `SHA-256 of artifact.json is ${actual}, the proof signs ${digestHex}`,
          {
            file: files.artifact,
            path: '$',
          },
        );
      }
      return `sha256(artifact.json) = ${short(actual)} = proof.digest`;
    }),
  );

  // 3. Auditor signature under a pinned auditor key valid at the epoch's time.
  let auditorKeyId: string | undefined;
  step(
    list.run(
      'epoch.auditor-signature',
      "The auditor's signature verifies under a pinned auditor key",
      subject,
      () => {
        const k = verifyAuditorSignature(
          p,
          policy.auditorKeys.map((key) => ({ id: key.id, publicKey: key.publicKey })),
          files.proof,
        );
        const pinned = policy.auditorKeys.find((key) => key.id === k.id)!;
        if (!isValidAt(pinned, time)) {
          throw new VerificationError(
            'KEY_OUTSIDE_VALIDITY',
            `the auditor signature verifies under ${pinned.id}, valid from ${pinned.validFrom} until ${pinned.validUntil}, used at ${time}`,
            { file: files.proof, path: '$.signature' },
          );
        }
        auditorKeyId = pinned.id;
        return `Ed25519 over the ${p.ciphersuite === 1 ? 'protobuf' : 'bincode'} SignatureMessage, key ${pinned.id} (${short(pinned.fingerprint)})`;
      },
    ),
  );

  // 4. Counter-signature.
  let operatorKeyId: string | undefined;
  step(
    list.run(
      'epoch.countersignature',
      "The operator's counter-signature verifies over the auditor's signature",
      subject,
      () => {
        const k = verifyCountersignature(p, policy.operatorKeys, time, files.proof);
        operatorKeyId = k.id;
        return `${k.algorithm} over the auditor's 64 signature bytes, key ${k.id} (${short(k.fingerprint)})`;
      },
    ),
  );

  // 5. The proof matches the auditor's own log record.
  // (An unreadable record or artifact was already reported by epoch.read.)
  if (record)
    step(
      list.run('epoch.record', "The proof matches the auditor's log record", subject, () => {
        const r = record!;
        const fields: [string, unknown, unknown][] = [
          ['version', r.version, p.version],
          ['ciphersuite', r.ciphersuite, p.ciphersuite],
          ['namespace', r.namespace, p.namespace],
          ['timestamp', r.timestamp, p.timestamp],
          ['epoch', r.epoch, p.epoch],
          ['key_id', r.keyId, p.keyId],
        ];
        for (const [name, a, b] of fields) {
          if (a !== b) {
            throw new VerificationError(
              'PROOF_RECORD_MISMATCH',
              `${name} is ${JSON.stringify(a)} in the record, ${JSON.stringify(b)} in the proof`,
              {
                file: files.record,
                path: pathOf('$', name),
              },
            );
          }
        }
        const bytes: [string, Uint8Array | undefined, Uint8Array | undefined][] = [
          ['digest', r.digest, p.digest],
          ['signature', r.signature, p.signature],
          ['serialized_message', r.serializedMessage, p.serializedMessage],
        ];
        for (const [name, a, b] of bytes) {
          if ((a === undefined) !== (b === undefined) || (a && b && !equalBytes(a, b))) {
            throw new VerificationError(
              'PROOF_RECORD_MISMATCH',
              `${name} differs between the record and the proof`,
              {
                file: files.record,
                path: pathOf('$', name),
              },
            );
          }
        }
        return `auditor-record.json = proof.json without meta_signature (digest ${short(digestHex)})`;
      }),
    );

  // 6. The artifact agrees with its proof.
  let artifact: Artifact | undefined;
  if (artifactValue !== undefined)
    step(
      list.run(
        'epoch.artifact',
        'The artifact names its namespace and epoch and is dated before it',
        subject,
        () => {
          const a = parseArtifact(artifactValue, files.artifact);
          if (a.namespace !== p.namespace) {
            throw new VerificationError(
              'ARTIFACT_MISMATCH',
              `artifact names namespace ${a.namespace}, its proof ${p.namespace}`,
              {
                file: files.artifact,
                path: '$.namespace',
              },
            );
          }
          if (a.epoch !== p.epoch) {
            throw new VerificationError(
              'ARTIFACT_MISMATCH',
              `artifact names epoch ${a.epoch}, its proof ${p.epoch}`,
              {
                file: files.artifact,
                path: '$.epoch',
              },
            );
          }
          if (a.issuedAt > time) {
            throw new VerificationError(
              'ARTIFACT_MISMATCH',
              `artifact issued at ${a.issuedAt}, after the epoch's time ${time}`,
              {
                file: files.artifact,
                path: '$.issued_at',
              },
            );
          }
          artifact = a;
          return `${a.keys.length} key${a.keys.length === 1 ? '' : 's'}, issued ${a.issuedAt}`;
        },
      ),
    );

  return {
    dir: f.dir,
    epoch: p.epoch,
    timestamp: p.timestamp,
    time,
    proof: p,
    artifact,
    digestHex,
    auditorKeyId,
    operatorKeyId,
    ok,
  };
}
