/** Tampers with fleet deployments and key attestations (docs/evidence-format.md §6, §7, §8). */
import { toHex } from '../verify/encoding.ts';
import type { DemoContext } from './context.ts';
import { sealEnvelope, openEnvelope, type Envelope } from './envelope.ts';
import type { ArtifactJson } from './epochs.ts';
import {
  attestationFile,
  certificateEnvelope,
  deviceSpec,
  intermediateSpec,
  type AttestationFile,
  type AttestedKey,
} from './fleets.ts';
import { DAY, isoTime, ms } from './json.ts';
import { firmwareMeasurement, type FleetPlan, type MemberPlan } from './model.ts';
import {
  attestationPath,
  deploymentPath,
  editAttestation,
  editDeployment,
  epochFile,
  plainMember,
  readJson,
  reissueEpoch,
  targetFleet,
  writeJson,
} from './tamper-kit.ts';
import type { Tamper } from './tamper-types.ts';
import type { EvidenceFiles } from './tree.ts';

type Keyed = { keys: AttestedKey[] };

/** Replaces one signature of an envelope by a signature from an unpinned key of the same algorithm. */
function forgeSignature(ctx: DemoContext, env: Envelope, index: number, label: string): Envelope {
  const sig = env.signatures[index]!;
  const rogue = ctx.rogue(label, ctx.signerFor(sig.keyid).algorithm);
  const forged = sealEnvelope(openEnvelope(env), [{ keyid: sig.keyid, key: rogue }], env.payloadType);
  return { ...env, signatures: env.signatures.map((s, i) => (i === index ? forged.signatures[0]! : s)) };
}

function editDeploymentEnvelope(
  files: EvidenceFiles,
  fleetId: string,
  edit: (env: Envelope) => Envelope,
): void {
  const path = deploymentPath(fleetId);
  writeJson(files, path, edit(readJson<Envelope>(files, path)));
}

function editAttestationFile(
  files: EvidenceFiles,
  fleet: FleetPlan,
  m: MemberPlan,
  edit: (f: AttestationFile) => void,
): void {
  const path = attestationPath(fleet.fleetId, m.hsmId);
  const f = readJson<AttestationFile>(files, path);
  edit(f);
  writeJson(files, path, f);
}

/** Gives a fleet key another public key everywhere it appears (deployment, attestations, epochs), re-signed. */
function replaceFleetKey(
  files: EvidenceFiles,
  ctx: DemoContext,
  fleet: FleetPlan,
  keyId: string,
  publicKey: string,
): void {
  const swap = (keys: { key_id: string; public_key: string }[]) => {
    for (const k of keys) if (k.key_id === keyId) k.public_key = publicKey;
  };
  editDeployment(files, ctx, fleet.fleetId, (p) => swap(p['keys'] as Keyed['keys']), {
    subjectsFromKeys: true,
  });
  for (const m of fleet.members) {
    editAttestation(files, ctx, fleet.fleetId, m.hsmId, (p) => swap(p['keys'] as Keyed['keys']), {
      subjectsFromKeys: true,
    });
  }
  for (const e of ctx.model.epochs) {
    if (!e.keys.some((k) => k.key_id === keyId)) continue;
    if (!files.has(epochFile(ctx, e.epoch, 'artifact.json'))) continue;
    reissueEpoch(files, ctx, e.epoch, { artifact: (a: ArtifactJson) => swap(a.keys) });
  }
}

export const FLEET_TAMPERS: Tamper[] = [
  {
    kind: 'unattested-fleet-key',
    description:
      'the HSM that generated a fleet key no longer lists it in its attestation (re-signed by its device key)',
    expectedCode: 'KEY_NOT_ATTESTED',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      const key = fleet.keys[0]!;
      editAttestation(
        files,
        ctx,
        fleet.fleetId,
        key.generatedOn,
        (p) => {
          p['keys'] = (p['keys'] as AttestedKey[]).filter((k) => k.key_id !== key.keyId);
        },
        { subjectsFromKeys: true },
      );
    },
  },
  {
    kind: 'exportable-key',
    description: 'an attestation marks a fleet key as exportable (re-signed by the device key)',
    expectedCode: 'KEY_EXPORTABLE',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      editAttestation(
        files,
        ctx,
        fleet.fleetId,
        plainMember(fleet).hsmId,
        (p) => ((p['keys'] as AttestedKey[])[0]!.exportable = true),
      );
    },
  },
  {
    kind: 'attestation-signature-forged',
    description: "an attestation signed by a key other than the HSM's certified device key",
    expectedCode: 'ATTESTATION_SIGNATURE_INVALID',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      editAttestationFile(
        files,
        fleet,
        plainMember(fleet),
        (f) => (f.attestation = forgeSignature(ctx, f.attestation, 0, 'device')),
      );
    },
  },
  {
    kind: 'unknown-vendor-key',
    description:
      'an HSM certified through a look-alike intermediate whose root is not pinned (keyid names no trust-root key)',
    expectedCode: 'UNKNOWN_KEY',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      const m = plainMember(fleet);
      const root = ctx.rogue('vendor-root', 'ecdsa-p256-sha256');
      const ca = {
        ...intermediateSpec(ctx.keys, m.model),
        key: ctx.rogue('vendor-intermediate', 'ecdsa-p256-sha256'),
      };
      editAttestationFile(files, fleet, m, (f) => {
        f.chain = [
          certificateEnvelope(deviceSpec(ctx.keys, m), { keyid: ca.key.fingerprint, key: ca.key }),
          certificateEnvelope(ca, { keyid: 'demo-hsm-vendor-root-2023', key: root }),
        ];
      });
    },
  },
  {
    kind: 'chain-broken',
    description: "a device certificate whose signature is not the intermediate CA's (keyid still names it)",
    expectedCode: 'CHAIN_BROKEN',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      editAttestationFile(
        files,
        fleet,
        plainMember(fleet),
        (f) => (f.chain[0] = forgeSignature(ctx, f.chain[0]!, 0, 'intermediate')),
      );
    },
  },
  {
    kind: 'attestation-missing',
    description: "one member HSM's attestation removed",
    expectedCode: 'ATTESTATION_MISSING',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      files.delete(attestationPath(fleet.fleetId, plainMember(fleet).hsmId));
    },
  },
  {
    kind: 'attestation-unexpected',
    description: 'a valid attestation from a spare HSM that is not a member of the fleet',
    expectedCode: 'ATTESTATION_UNEXPECTED',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      const m = plainMember(fleet);
      const spare: MemberPlan = {
        ...m,
        hsmId: `${fleet.fleetId}-spare-01`,
        serial: `${m.serial.split('-')[0]}-999999`,
      };
      writeJson(
        files,
        attestationPath(fleet.fleetId, spare.hsmId),
        attestationFile(ctx.keys, ctx.model, fleet, spare),
      );
    },
  },
  {
    kind: 'member-mismatch',
    description: "an HSM attests (and is certified) under another serial number than the deployment record's",
    expectedCode: 'MEMBER_MISMATCH',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      const m = plainMember(fleet);
      const other: MemberPlan = { ...m, serial: `${m.serial.split('-')[0]}-999998` };
      writeJson(
        files,
        attestationPath(fleet.fleetId, m.hsmId),
        attestationFile(ctx.keys, ctx.model, fleet, other),
      );
    },
  },
  {
    kind: 'firmware-mismatch',
    description:
      "an attestation's firmware measurement differs from the deployment record's (re-signed by the device key)",
    expectedCode: 'FIRMWARE_MISMATCH',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      const m = plainMember(fleet);
      editAttestation(files, ctx, fleet.fleetId, m.hsmId, (p) => {
        (p['hsm'] as Record<string, string>)['firmware_measurement'] = firmwareMeasurement(
          ctx.seed,
          m.model,
          '0.0.0-unreleased',
        );
      });
    },
  },
  {
    kind: 'attested-after-deployment',
    description: "an attestation dated a day after the fleet's deployment (re-signed by the device key)",
    expectedCode: 'TIME_ORDER_INVALID',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      editAttestation(
        files,
        ctx,
        fleet.fleetId,
        plainMember(fleet).hsmId,
        (p) => (p['attested_at'] = isoTime(ms(fleet.deployedAt) + DAY)),
      );
    },
  },
  {
    kind: 'subject-mismatch',
    description:
      "an attestation's first subject carries the fingerprint of another key (re-signed by the device key)",
    expectedCode: 'SUBJECT_MISMATCH',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      editAttestation(files, ctx, fleet.fleetId, plainMember(fleet).hsmId, (_p, st) => {
        st.subject[0]!.digest.sha256 = st.subject[1]!.digest.sha256;
      });
    },
  },
  {
    kind: 'dsse-payload-type',
    description: 'an attestation envelope with payloadType application/json (re-signed over that type)',
    expectedCode: 'DSSE_INVALID',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      editAttestation(files, ctx, fleet.fleetId, plainMember(fleet).hsmId, () => {}, {
        payloadType: 'application/json',
      });
    },
  },
  {
    kind: 'base64-malformed',
    description: 'an attestation signature whose base64 lost its padding',
    expectedCode: 'BASE64_INVALID',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      editAttestationFile(files, fleet, plainMember(fleet), (f) => {
        const s = f.attestation.signatures[0]!;
        s.sig = s.sig.endsWith('=') ? s.sig.replace(/=+$/, '') : s.sig + '=';
      });
    },
  },
  {
    kind: 'quorum-too-small',
    description: 'a deployment whose quorum threshold is half the members, not a strict majority (re-signed)',
    expectedCode: 'QUORUM_INVALID',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      editDeployment(
        files,
        ctx,
        fleet.fleetId,
        (p) => (p['quorum'] = { threshold: Math.floor(fleet.members.length / 2) }),
      );
    },
  },
  {
    kind: 'witness-signature-missing',
    description: 'a deployment without the signature of one of its ceremony witnesses',
    expectedCode: 'WITNESS_SIGNATURE_MISSING',
    apply(files, ctx) {
      editDeploymentEnvelope(files, targetFleet(ctx).fleetId, (env) => ({
        ...env,
        signatures: env.signatures.slice(0, -1),
      }));
    },
  },
  {
    kind: 'witness-signature-invalid',
    description: "a witness signature on a deployment made by another key than the witness's",
    expectedCode: 'WITNESS_SIGNATURE_INVALID',
    apply(files, ctx) {
      editDeploymentEnvelope(files, targetFleet(ctx).fleetId, (env) =>
        forgeSignature(ctx, env, env.signatures.length - 1, 'witness'),
      );
    },
  },
  {
    kind: 'deployment-signature-forged',
    description: 'a deployment whose operator signature was made by a key that is not pinned',
    expectedCode: 'DEPLOYMENT_SIGNATURE_INVALID',
    apply(files, ctx) {
      editDeploymentEnvelope(files, targetFleet(ctx).fleetId, (env) =>
        forgeSignature(ctx, env, 0, 'operator'),
      );
    },
  },
  {
    kind: 'deployment-signature-extra-forged',
    description:
      "a deployment that keeps its operator's good signature and carries a second, forged one by the other pinned operator key",
    expectedCode: 'DEPLOYMENT_SIGNATURE_INVALID',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      const other = ctx.model.trustKeys.find((k) => k.role === 'operator' && k.id !== fleet.operatorKeyId)!;
      editDeploymentEnvelope(files, fleet.fleetId, (env) => {
        const rogue = ctx.rogue('operator-extra', other.key.algorithm);
        const forged = sealEnvelope(openEnvelope(env), [{ keyid: other.id, key: rogue }], env.payloadType);
        return { ...env, signatures: [...env.signatures, forged.signatures[0]!] };
      });
    },
  },
  {
    kind: 'deployment-signed-twice-by-one-key',
    description: "a deployment carrying a forged signature by a witness's key before that witness's good one",
    expectedCode: 'DUPLICATE_ID',
    apply(files, ctx) {
      editDeploymentEnvelope(files, targetFleet(ctx).fleetId, (env) => {
        const last = env.signatures.length - 1;
        const forged = forgeSignature(ctx, env, last, 'witness-twice').signatures[last]!;
        return { ...env, signatures: [forged, ...env.signatures] };
      });
    },
  },
  {
    kind: 'deployment-signed-by-outside-witness',
    description:
      'a deployment that also carries a good signature by a pinned witness key that is not one of its ceremony witnesses',
    expectedCode: 'WITNESS_SIGNATURE_INVALID',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      const listed = new Set(fleet.ceremony.witnesses.map((w) => w.id));
      const outside = ctx.model.trustKeys.find((k) => k.role === 'witness' && !listed.has(k.id))!;
      editDeploymentEnvelope(files, fleet.fleetId, (env) => {
        const extra = sealEnvelope(
          openEnvelope(env),
          [{ keyid: outside.id, key: outside.key }],
          env.payloadType,
        );
        return { ...env, signatures: [...env.signatures, extra.signatures[0]!] };
      });
    },
  },
  {
    kind: 'key-reused-across-fleets',
    description: "a fleet's backup key replaced everywhere by an older fleet's public key (all re-signed)",
    expectedCode: 'KEY_REUSED',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      const older = ctx.model.fleets.find((f) => f !== fleet)!;
      const name = fleet.keys[0]!.name;
      const donor = older.keys.find((k) => k.name === name)!;
      replaceFleetKey(files, ctx, fleet, fleet.keys[0]!.keyId, toHex(donor.key.publicKey));
    },
  },
];
