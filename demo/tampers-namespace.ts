/** Tampers with the namespace's epochs: artifacts, auditor records, proofs (docs/evidence-format.md §4, §5). */
import { sha256 } from '../verify/crypto/sha256.ts';
import { toHex, utf8 } from '../verify/encoding.ts';
import { encodeSignatureMessage } from '../verify/plexi/message.ts';
import { auditorRecord, counterSignature, epochDir, type ArtifactJson, type ProofJson } from './epochs.ts';
import { isoTime, ms } from './json.ts';
import {
  editRecords,
  epochCount,
  epochFile,
  moveFolder,
  quietEpoch,
  readJson,
  readText,
  reissueEpoch,
  removeFolder,
  writeJson,
  writeText,
} from './tamper-kit.ts';
import type { Tamper } from './tamper-types.ts';
import type { KeyRole } from './model.ts';

export const NAMESPACE_TAMPERS: Tamper[] = [
  {
    kind: 'artifact-byte-changed',
    description: "an artifact's issued_at moved one second earlier after the auditor signed its digest",
    expectedCode: 'DIGEST_MISMATCH',
    apply(files, ctx) {
      const path = epochFile(ctx, quietEpoch(ctx), 'artifact.json');
      const text = readText(files, path);
      const m = /"issued_at": "([^"]+)"/.exec(text)!;
      writeText(files, path, text.replace(m[0], `"issued_at": "${isoTime(ms(m[1]!) - 1000)}"`));
    },
  },
  {
    kind: 'auditor-signature-forged',
    description: 'an epoch signed by an auditor key that is not pinned (key_id still names the pinned key)',
    expectedCode: 'AUDITOR_SIGNATURE_INVALID',
    apply(files, ctx) {
      const e = quietEpoch(ctx);
      const t = ctx.model.epochs[e - 1]!.timestamp;
      const pinned = ctx.auditorAt(t).publicKey;
      reissueEpoch(files, ctx, e, {
        auditor: ctx.rogue('auditor', 'ed25519'),
        keyId: pinned[pinned.length - 1]!,
      });
    },
  },
  {
    kind: 'countersignature-forged',
    description: "a proof's meta_signature made by an operator key that is not pinned",
    expectedCode: 'COUNTERSIGNATURE_INVALID',
    apply(files, ctx) {
      const path = epochFile(ctx, quietEpoch(ctx), 'proof.json');
      const p = readJson<ProofJson>(files, path);
      p.meta_signature = counterSignature(
        p.signature,
        ctx.rogue('operator', ctx.operatorAt(p.timestamp).algorithm),
      );
      writeJson(files, path, p);
    },
  },
  {
    kind: 'record-differs-from-proof',
    description:
      "the auditor's own record for an epoch is validly signed over another digest than the proof's",
    expectedCode: 'PROOF_RECORD_MISMATCH',
    apply(files, ctx) {
      const e = quietEpoch(ctx);
      const p = readJson<ProofJson>(files, epochFile(ctx, e, 'proof.json'));
      const other = sha256(utf8(readText(files, epochFile(ctx, e, 'artifact.json')) + ' '));
      const rec = auditorRecord({ ...p, digest: other }, ctx.auditorAt(p.timestamp));
      writeJson(files, epochFile(ctx, e, 'auditor-record.json'), rec);
    },
  },
  {
    kind: 'epoch-skipped',
    description: 'one epoch in the middle of the namespace removed (its folder is gone)',
    expectedCode: 'EPOCH_GAP',
    apply(files, ctx) {
      removeFolder(files, epochDir(ctx.namespace, quietEpoch(ctx)));
    },
  },
  {
    kind: 'epoch-republished',
    description:
      "the last epoch's folder re-signed validly as the epoch before it: two epochs claim one number (its folder also disagrees, PATH_MISMATCH)",
    expectedCode: 'EPOCH_REPUBLISHED',
    apply(files, ctx) {
      const last = epochCount(ctx);
      reissueEpoch(files, ctx, last, {
        artifact: (a) => (a.epoch = last - 1),
        fields: (f) => (f.epoch = last - 1),
      });
    },
  },
  {
    kind: 'digest-reused',
    description:
      "an epoch re-signed over the previous epoch's artifact bytes: two epochs with one digest (the artifact then names the other epoch, ARTIFACT_MISMATCH)",
    expectedCode: 'DIGEST_REUSED',
    apply(files, ctx) {
      const e = quietEpoch(ctx);
      reissueEpoch(files, ctx, e + 1, { artifactBytes: files.get(epochFile(ctx, e, 'artifact.json'))! });
    },
  },
  {
    kind: 'timestamp-regression',
    description: "an epoch re-signed with a timestamp one minute before the previous epoch's",
    expectedCode: 'TIMESTAMP_REGRESSION',
    apply(files, ctx) {
      const e = quietEpoch(ctx);
      const t = ctx.model.epochs[e - 2]!.timestamp - 60_000;
      reissueEpoch(files, ctx, e, {
        artifact: (a) => (a.issued_at = isoTime(t - 5 * 60_000)),
        fields: (f) => (f.timestamp = t),
      });
    },
  },
  {
    kind: 'key-id-mismatch',
    description: "an epoch's key_id (proof and record) is not the last byte of any pinned auditor key",
    expectedCode: 'KEY_ID_MISMATCH',
    apply(files, ctx) {
      const used = new Set(
        ctx.model.trustKeys.filter((k) => k.role === 'auditor').map((k) => k.key.publicKey[31]!),
      );
      let id = 0;
      while (used.has(id)) id++;
      editRecords(files, ctx, quietEpoch(ctx), (r) => (r.key_id = id));
    },
  },
  {
    kind: 'serialized-message-mismatch',
    description:
      "an epoch's serialized_message (proof and record) encoded with the other ciphersuite's format",
    expectedCode: 'SERIALIZED_MESSAGE_MISMATCH',
    apply(files, ctx) {
      editRecords(files, ctx, quietEpoch(ctx), (r) => {
        const digest = Uint8Array.from(r.digest.match(/../g)!.map((h) => parseInt(h, 16)));
        r.serialized_message = toHex(
          encodeSignatureMessage({ ...r, ciphersuite: r.ciphersuite === 1 ? 2 : 1, digest })!,
        );
      });
    },
  },
  {
    kind: 'unknown-ciphersuite',
    description:
      "an epoch's ciphersuite and version (proof and record) set to 3, which Plexi does not define",
    expectedCode: 'CIPHERSUITE_UNKNOWN',
    apply(files, ctx) {
      editRecords(files, ctx, quietEpoch(ctx), (r) => {
        r.version = 3;
        r.ciphersuite = 3;
      });
    },
  },
  {
    kind: 'ciphersuite-version-mismatch',
    description: "an epoch's version (proof and record) differs from its ciphersuite",
    expectedCode: 'CIPHERSUITE_MISMATCH',
    apply(files, ctx) {
      editRecords(files, ctx, quietEpoch(ctx), (r) => (r.version = r.ciphersuite === 1 ? 2 : 1));
    },
  },
  {
    kind: 'hex-malformed',
    description: "an epoch's digest (proof and record) written in uppercase hex",
    expectedCode: 'HEX_INVALID',
    apply(files, ctx) {
      editRecords(
        files,
        ctx,
        quietEpoch(ctx),
        (r) => (r.digest = /[a-f]/.test(r.digest) ? r.digest.toUpperCase() : 'X' + r.digest.slice(1)),
      );
    },
  },
  {
    kind: 'digest-wrong-length',
    description: "an epoch's digest (proof and record) truncated to 31 bytes",
    expectedCode: 'LENGTH_INVALID',
    apply(files, ctx) {
      editRecords(files, ctx, quietEpoch(ctx), (r) => (r.digest = r.digest.slice(0, 62)));
    },
  },
  {
    kind: 'schema-broken',
    description: 'an artifact without its required issued_at, validly re-signed',
    expectedCode: 'SCHEMA_INVALID',
    apply(files, ctx) {
      reissueEpoch(files, ctx, quietEpoch(ctx), {
        artifact: (a) => delete (a as Partial<ArtifactJson>).issued_at,
      });
    },
  },
  {
    kind: 'json-malformed',
    description: 'an auditor-record.json cut short (its closing brace is missing)',
    expectedCode: 'JSON_INVALID',
    apply(files, ctx) {
      const path = epochFile(ctx, quietEpoch(ctx), 'auditor-record.json');
      writeText(files, path, readText(files, path).replace(/\}\s*$/, ''));
    },
  },
  {
    kind: 'json-too-deep',
    description: 'an auditor-record.json wrapped in 40 nested arrays',
    expectedCode: 'JSON_TOO_DEEP',
    apply(files, ctx) {
      const path = epochFile(ctx, quietEpoch(ctx), 'auditor-record.json');
      writeText(files, path, '['.repeat(40) + readText(files, path).trim() + ']'.repeat(40) + '\n');
    },
  },
  {
    kind: 'file-too-large',
    description: 'an auditor-record.json padded with whitespace to 5 MiB',
    expectedCode: 'FILE_TOO_LARGE',
    apply(files, ctx) {
      const path = epochFile(ctx, quietEpoch(ctx), 'auditor-record.json');
      const text = readText(files, path);
      writeText(files, path, text + ' '.repeat(5 * 1024 * 1024 - text.length - 1) + '\n');
    },
  },
  {
    kind: 'array-too-long',
    description: 'an artifact whose keys array has 10,001 entries (one key repeated), validly re-signed',
    expectedCode: 'LIMIT_EXCEEDED',
    apply(files, ctx) {
      reissueEpoch(files, ctx, quietEpoch(ctx), {
        artifact: (a) => {
          const first = a.keys[0]!;
          while (a.keys.length < 10_001) a.keys.push({ ...first });
        },
      });
    },
  },
  {
    kind: 'file-missing',
    description: "one epoch's auditor-record.json removed",
    expectedCode: 'FILE_MISSING',
    apply(files, ctx) {
      files.delete(epochFile(ctx, quietEpoch(ctx), 'auditor-record.json'));
    },
  },
  {
    kind: 'stray-file',
    description: "a stray artifact.json.orig left beside an epoch's artifact",
    expectedCode: 'FILE_UNEXPECTED',
    apply(files, ctx) {
      const e = quietEpoch(ctx);
      files.set(
        `${epochDir(ctx.namespace, e)}/artifact.json.orig`,
        files.get(epochFile(ctx, e, 'artifact.json'))!,
      );
    },
  },
  {
    kind: 'epoch-path-mismatch',
    description: "the last epoch's folder renamed to the next epoch number; its proof still says the old one",
    expectedCode: 'PATH_MISMATCH',
    apply(files, ctx) {
      const last = epochCount(ctx);
      moveFolder(files, epochDir(ctx.namespace, last), epochDir(ctx.namespace, last + 1));
    },
  },
  {
    kind: 'artifact-mismatch',
    description: 'an artifact naming the next epoch, its proof validly re-signed over it',
    expectedCode: 'ARTIFACT_MISMATCH',
    apply(files, ctx) {
      reissueEpoch(files, ctx, quietEpoch(ctx), { artifact: (a) => (a.epoch += 1) });
    },
  },
  {
    kind: 'fleet-key-unknown',
    description: 'the last artifact carries an extra X25519 key that no fleet holds, validly re-signed',
    expectedCode: 'FLEET_KEY_UNKNOWN',
    apply(files, ctx) {
      const fleet = ctx.model.fleets[0]!;
      reissueEpoch(files, ctx, epochCount(ctx), {
        artifact: (a) =>
          a.keys.push({
            key_id: `${fleet.fleetId}/backup-kem-2`,
            fleet_id: fleet.fleetId,
            algorithm: 'x25519',
            public_key: toHex(ctx.rogue('unknown-fleet-key', 'x25519').publicKey),
            role: 'standby',
          }),
      });
    },
  },
  {
    kind: 'key-reintroduced',
    description:
      'a fleet key put back, as retiring, two epochs after it left the namespace, validly re-signed',
    expectedCode: 'KEY_REINTRODUCED',
    apply(files, ctx) {
      const epochs = ctx.model.epochs;
      for (let i = 1; i + 2 < epochs.length; i++) {
        const gone = epochs[i - 1]!.keys.find((k) => !epochs[i]!.keys.some((x) => x.key_id === k.key_id));
        if (!gone || epochs[i + 2]!.keys.some((x) => x.key_id === gone.key_id)) continue;
        reissueEpoch(files, ctx, i + 3, {
          artifact: (a) => a.keys.push({ ...gone, role: 'retiring' as KeyRole }),
        });
        return;
      }
      throw new Error('tamper: no key ever leaves the namespace');
    },
  },
  {
    kind: 'key-before-deployment',
    description:
      "a fleet's key announced as standby in the last epoch before the fleet's deployment, validly re-signed",
    expectedCode: 'TIME_ORDER_INVALID',
    apply(files, ctx) {
      const fleet = ctx.model.fleets.find((f) => ms(f.deployedAt) > ctx.model.epochs[0]!.timestamp)!;
      const before = ctx.model.epochs.filter((e) => e.timestamp < ms(fleet.deployedAt)).at(-1)!;
      const after = ctx.model.epochs.find((e) => e.timestamp > ms(fleet.deployedAt))!;
      const key = after.keys.find((k) => k.fleet_id === fleet.fleetId)!;
      reissueEpoch(files, ctx, before.epoch, { artifact: (a) => a.keys.push({ ...key, role: 'standby' }) });
    },
  },
];
