/**
 * Helpers for tampers: read and write JSON files of a generated tree, pick targets, and re-sign what a tamper
 * changed with the seed's demo keys so that only the intended defect remains.
 */
import { sha256 } from '../verify/crypto/sha256.ts';
import { fromUtf8, utf8 } from '../verify/encoding.ts';
import type { DemoContext } from './context.ts';
import {
  epochDir,
  signedEpochFiles,
  type ArtifactJson,
  type ProofJson,
  type RecordFields,
} from './epochs.ts';
import { sealEnvelope, openEnvelope, type Envelope, type Statement } from './envelope.ts';
import { fingerprintHex, type AttestationFile } from './fleets.ts';
import { byString, jsonFile, ms } from './json.ts';
import type { DemoKey } from './keys.ts';
import type { FleetPlan, MemberPlan } from './model.ts';
import type { EvidenceFiles } from './tree.ts';

export function readJson<T = unknown>(files: EvidenceFiles, path: string): T {
  const b = files.get(path);
  if (!b) throw new Error(`tamper: no file ${path}`);
  return JSON.parse(fromUtf8(b)) as T;
}

export function writeJson(files: EvidenceFiles, path: string, value: unknown): void {
  files.set(path, jsonFile(value));
}

export function readText(files: EvidenceFiles, path: string): string {
  const b = files.get(path);
  if (!b) throw new Error(`tamper: no file ${path}`);
  return fromUtf8(b);
}

export function writeText(files: EvidenceFiles, path: string, text: string): void {
  files.set(path, utf8(text));
}

/** Removes every file under a folder (path prefix without the trailing slash). */
export function removeFolder(files: EvidenceFiles, folder: string): void {
  for (const p of [...files.keys()]) if (p.startsWith(folder + '/')) files.delete(p);
}

/** Moves every file of a folder to another folder. */
export function moveFolder(files: EvidenceFiles, from: string, to: string): void {
  for (const [p, b] of [...files.entries()]) {
    if (!p.startsWith(from + '/')) continue;
    files.delete(p);
    files.set(to + p.slice(from.length), b);
  }
}

// ---- targets ----------------------------------------------------------------------------------------------

export function epochCount(ctx: DemoContext): number {
  return ctx.model.epochs.length;
}

function keySignature(ctx: DemoContext, epoch: number): string {
  return ctx.model.epochs[epoch - 1]!.keys.map((k) => `${k.key_id}=${k.role}`).join(',');
}

/** An epoch from the middle of the history whose neighbours (one before, two after) carry the same keys. */
export function quietEpoch(ctx: DemoContext): number {
  const n = epochCount(ctx);
  for (let e = Math.max(2, Math.floor(n / 2)); e + 2 <= n; e++) {
    const s = keySignature(ctx, e);
    if (keySignature(ctx, e - 1) === s && keySignature(ctx, e + 1) === s && keySignature(ctx, e + 2) === s)
      return e;
  }
  throw new Error('tamper: no quiet epoch');
}

/** The most recently deployed fleet (the one whose failures touch the fewest epochs). */
export function targetFleet(ctx: DemoContext): FleetPlan {
  let best = ctx.model.fleets[0]!;
  for (const f of ctx.model.fleets) if (ms(f.deployedAt) >= ms(best.deployedAt)) best = f;
  return best;
}

/** A member that generated none of the fleet keys: losing its attestation breaks nothing else. */
export function plainMember(fleet: FleetPlan): MemberPlan {
  const hosts = new Set(fleet.keys.map((k) => k.generatedOn));
  const m = fleet.members.find((x) => !hosts.has(x.hsmId));
  if (!m) throw new Error(`tamper: every member of ${fleet.fleetId} generated a key`);
  return m;
}

export const deploymentPath = (fleetId: string) => `fleets/${fleetId}/deployment.json`;
export const attestationPath = (fleetId: string, hsmId: string) =>
  `fleets/${fleetId}/attestations/${hsmId}.json`;

// ---- envelopes --------------------------------------------------------------------------------------------

/**
 * Opens an envelope, lets `edit` change its statement, and re-signs: each signature again by the key its keyid
 * names (or by `signers`, in the same order). Subjects are rebuilt from `predicate.keys` when `subjects` is set.
 */
export function reseal(
  ctx: DemoContext,
  env: Envelope,
  edit: (st: Statement & { predicate: Record<string, unknown> }) => void,
  opts: { subjectsFromKeys?: boolean; payloadType?: string; signers?: (DemoKey | null)[] } = {},
): Envelope {
  const st = openEnvelope<Statement & { predicate: Record<string, unknown> }>(env);
  edit(st);
  if (opts.subjectsFromKeys) {
    const keys = st.predicate['keys'] as { key_id: string; public_key: string }[];
    st.subject = keys.map((k) => ({ name: k.key_id, digest: { sha256: fingerprintHex(k.public_key) } }));
  }
  return sealEnvelope(
    st,
    env.signatures.map((s, i) => ({ keyid: s.keyid, key: opts.signers?.[i] ?? ctx.signerFor(s.keyid) })),
    opts.payloadType ?? env.payloadType,
  );
}

export function editAttestation(
  files: EvidenceFiles,
  ctx: DemoContext,
  fleetId: string,
  hsmId: string,
  edit: (predicate: Record<string, unknown>, st: Statement) => void,
  opts: { subjectsFromKeys?: boolean; payloadType?: string; signers?: (DemoKey | null)[] } = {},
): void {
  const path = attestationPath(fleetId, hsmId);
  const file = readJson<AttestationFile>(files, path);
  file.attestation = reseal(ctx, file.attestation, (st) => edit(st.predicate, st), opts);
  writeJson(files, path, file);
}

export function editDeployment(
  files: EvidenceFiles,
  ctx: DemoContext,
  fleetId: string,
  edit: (predicate: Record<string, unknown>, st: Statement) => void,
  opts: { subjectsFromKeys?: boolean; signers?: (DemoKey | null)[] } = {},
): void {
  const path = deploymentPath(fleetId);
  writeJson(
    files,
    path,
    reseal(ctx, readJson<Envelope>(files, path), (st) => edit(st.predicate, st), opts),
  );
}

// ---- epochs -----------------------------------------------------------------------------------------------

export function epochFile(
  ctx: DemoContext,
  epoch: number | string,
  name: 'artifact.json' | 'proof.json' | 'auditor-record.json',
): string {
  return `${epochDir(ctx.namespace, epoch)}/${name}`;
}

export interface ReissueEdit {
  /** Change the parsed artifact (it is then re-serialized as the generator writes it). */
  artifact?: (a: ArtifactJson) => void;
  /** Or replace the artifact's bytes outright. */
  artifactBytes?: Uint8Array;
  /** Change the signed fields (the digest is already that of the new artifact). */
  fields?: (f: RecordFields) => void;
  auditor?: DemoKey;
  operator?: DemoKey;
  /** Override the record's key_id after signing. */
  keyId?: number;
}

/**
 * Re-issues the epoch in folder `dirEpoch`: new artifact, digest, auditor record, proof and counter-signature,
 * signed by the demo auditor and operator keys valid at the (possibly new) timestamp.
 */
export function reissueEpoch(
  files: EvidenceFiles,
  ctx: DemoContext,
  dirEpoch: number,
  edit: ReissueEdit,
): void {
  let bytes = edit.artifactBytes;
  if (!bytes) {
    const a = readJson<ArtifactJson>(files, epochFile(ctx, dirEpoch, 'artifact.json'));
    edit.artifact?.(a);
    a.keys.sort(byString((k) => k.key_id));
    bytes = jsonFile(a);
  }
  const p = readJson<ProofJson>(files, epochFile(ctx, dirEpoch, 'proof.json'));
  const f: RecordFields = {
    version: p.version,
    ciphersuite: p.ciphersuite,
    namespace: p.namespace,
    timestamp: p.timestamp,
    epoch: p.epoch,
    digest: sha256(bytes),
  };
  edit.fields?.(f);
  const out = signedEpochFiles(
    ctx.namespace,
    dirEpoch,
    bytes,
    f,
    edit.auditor ?? ctx.auditorAt(f.timestamp),
    edit.operator ?? ctx.operatorAt(f.timestamp),
  );
  for (const [path, b] of out) files.set(path, b);
  if (edit.keyId !== undefined) {
    for (const name of ['proof.json', 'auditor-record.json'] as const) {
      const path = epochFile(ctx, dirEpoch, name);
      const rec = readJson<ProofJson>(files, path);
      rec.key_id = edit.keyId;
      writeJson(files, path, rec);
    }
  }
}

/** Applies the same change to the proof and the auditor record (fields that are not signed, or not re-signed). */
export function editRecords(
  files: EvidenceFiles,
  ctx: DemoContext,
  epoch: number,
  edit: (r: ProofJson) => void,
): void {
  for (const name of ['proof.json', 'auditor-record.json'] as const) {
    const path = epochFile(ctx, epoch, name);
    const r = readJson<ProofJson>(files, path);
    edit(r);
    writeJson(files, path, r);
  }
}
