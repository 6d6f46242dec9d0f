/**
 * The verification report (docs/evidence-format.md §9) and the verified model the site renders. Everything here is
 * plain JSON: the build writes it out, the widget and monitors read it back.
 */
import type { CheckResult, Checklist } from './checklist.ts';
import type { VerificationErrorJSON } from './errors.ts';
import { toHex } from './encoding.ts';
import type { EpochDiff } from './bundle/namespace.ts';
import type { BundleKeyRole } from './bundle/artifact.ts';
import type { VerifiedTree } from './tree.ts';

export interface KeyModel {
  keyId: string;
  algorithm: string;
  publicKey: string;
  fingerprint: string;
  purpose: string;
  generatedOn: string;
  /** Epochs that carried the key (first and last), if any. */
  firstEpoch: number | undefined;
  lastEpoch: number | undefined;
}

export interface MemberModel {
  hsmId: string;
  vendor: string;
  model: string;
  serial: string;
  firmwareMeasurement: string;
  region: string;
  dataCenter: string;
  attestation: {
    file: string;
    present: boolean;
    verified: boolean;
    attestedAt: string | undefined;
    rootId: string | undefined;
    chain: {
      fingerprint: string;
      isCa: boolean;
      vendor: string;
      model: string;
      serial: string | undefined;
    }[];
  };
}

export type FleetState = 'active' | 'standby' | 'retiring' | 'retired' | 'pending';

export interface FleetModel {
  fleetId: string;
  dir: string;
  ok: boolean;
  description: string;
  deployedAt: string;
  regions: { id: string; name: string; dataCenters: { id: string; name: string }[] }[];
  members: MemberModel[];
  threshold: number;
  keys: KeyModel[];
  ceremony: {
    performedAt: string;
    location: string;
    procedure: string;
    witnesses: {
      name: string;
      organization: string;
      key: string;
      fingerprint: string | undefined;
      signed: boolean;
    }[];
  };
  operatorKeyId: string | undefined;
  /** Epochs (of the first namespace) whose bundle carried any of this fleet's keys. */
  epochs: number[];
  state: FleetState;
  files: string[];
}

export interface EpochModel {
  namespace: string;
  epoch: number;
  dir: string;
  ok: boolean;
  timestamp: number;
  time: string;
  ciphersuite: number;
  digest: string;
  signature: string;
  keyIdByte: number | undefined;
  auditorKeyId: string | undefined;
  operatorKeyId: string | undefined;
  metaSignature: string;
  issuedAt: string | undefined;
  keys: {
    keyId: string;
    fleetId: string;
    algorithm: string;
    publicKey: string;
    fingerprint: string;
    role: BundleKeyRole;
  }[];
  diff: EpochDiff | undefined;
  files: string[];
}

export interface NamespaceModel {
  name: string;
  rootEpoch: number;
  latestEpoch: number | undefined;
  epochs: EpochModel[];
}

export interface TrustKeyModel {
  id: string;
  name: string;
  role: string;
  algorithm: string;
  publicKey: string;
  fingerprint: string;
  validFrom: string;
  validUntil: string;
  publishedAt: string;
  vendor: string | undefined;
}

export interface EvidenceModel {
  trustRoots: TrustKeyModel[];
  fleets: FleetModel[];
  namespaces: NamespaceModel[];
}

export interface Report {
  ok: boolean;
  summary: { files: number; checks: number; passed: number; failed: number; errors: number };
  checks: CheckResult[];
  errors: VerificationErrorJSON[];
  model: EvidenceModel;
}

export function buildReport(
  list: Checklist,
  tree: VerifiedTree,
  files: ReadonlyMap<string, Uint8Array>,
): Report {
  const failed = list.checks.filter((c) => c.status === 'failed').length;
  const namespaces: NamespaceModel[] = tree.namespaces.map((ns) => ({
    name: ns.name,
    rootEpoch: ns.rootEpoch,
    latestEpoch: ns.epochs.length ? ns.epochs[ns.epochs.length - 1]!.epoch : undefined,
    epochs: ns.epochs.map((e) => ({
      namespace: ns.name,
      epoch: e.epoch,
      dir: e.dir,
      ok: e.ok,
      timestamp: e.timestamp,
      time: e.time,
      ciphersuite: e.proof.ciphersuite,
      digest: e.digestHex,
      signature: toHex(e.proof.signature),
      keyIdByte: e.proof.keyId,
      auditorKeyId: e.auditorKeyId,
      operatorKeyId: e.operatorKeyId,
      metaSignature: toHex(e.proof.metaSignature),
      issuedAt: e.artifact?.issuedAt,
      keys: (e.artifact?.keys ?? []).map((k) => ({
        keyId: k.keyId,
        fleetId: k.fleetId,
        algorithm: k.algorithm,
        publicKey: k.publicKeyHex,
        fingerprint: k.fingerprint,
        role: k.role,
      })),
      diff: ns.diffs.get(e.epoch),
      files: ['artifact.json', 'proof.json', 'auditor-record.json'].map((f) => `${e.dir}/${f}`),
    })),
  }));
  const main = namespaces[0];
  const latest = main?.epochs[main.epochs.length - 1];
  const fleets: FleetModel[] = tree.fleets.flatMap((f) => {
    const d = f.deployment;
    if (!d) return [];
    const keyIds = new Set(d.keys.map((k) => k.keyId));
    const carried = (main?.epochs ?? []).filter((e) => e.keys.some((k) => keyIds.has(k.keyId)));
    const rolesNow = new Set((latest?.keys ?? []).filter((k) => keyIds.has(k.keyId)).map((k) => k.role));
    const state: FleetState = rolesNow.has('active')
      ? 'active'
      : rolesNow.has('standby')
        ? 'standby'
        : rolesNow.has('retiring')
          ? 'retiring'
          : carried.length
            ? 'retired'
            : 'pending';
    const fileList = [`${f.dir}/deployment.json`, ...f.members.map((m) => m.file)];
    return [
      {
        fleetId: d.fleetId,
        dir: f.dir,
        ok: f.ok,
        description: d.description,
        deployedAt: d.deployedAt,
        regions: d.regions,
        members: d.members.map((m) => {
          const r = f.members.find((x) => x.hsmId === m.hsmId);
          return {
            ...m,
            attestation: {
              file: `${f.dir}/attestations/${m.hsmId}.json`,
              present: r !== undefined,
              verified: r?.verified ?? false,
              attestedAt: r?.attestation?.attestedAt,
              rootId: r?.rootId,
              chain: (r?.attestation?.chain ?? []).map((c) => ({
                fingerprint: c.fingerprint,
                isCa: c.isCa,
                vendor: c.vendor,
                model: c.model,
                serial: c.serial,
              })),
            },
          };
        }),
        threshold: d.threshold,
        keys: d.keys.map((k) => {
          const with_ = carried.filter((e) => e.keys.some((x) => x.keyId === k.keyId));
          return {
            keyId: k.keyId,
            algorithm: k.algorithm,
            publicKey: k.publicKeyHex,
            fingerprint: k.fingerprint,
            purpose: k.purpose,
            generatedOn: k.generatedOn,
            firstEpoch: with_[0]?.epoch,
            lastEpoch: with_[with_.length - 1]?.epoch,
          };
        }),
        ceremony: {
          performedAt: d.ceremony.performedAt,
          location: d.ceremony.location,
          procedure: d.ceremony.procedure,
          witnesses: d.ceremony.witnesses.map((w) => ({
            ...w,
            fingerprint: tree.roots?.byId.get(w.key)?.fingerprint,
            signed: f.witnessKeyIds.includes(w.key),
          })),
        },
        operatorKeyId: f.operatorKeyId,
        epochs: carried.map((e) => e.epoch),
        state,
        files: fileList,
      },
    ];
  });
  return {
    ok: list.errors.length === 0,
    summary: {
      files: files.size,
      checks: list.checks.length,
      passed: list.checks.length - failed,
      failed,
      errors: list.errors.length,
    },
    checks: list.checks,
    errors: list.errors.map((e) => e.toJSON()),
    model: {
      trustRoots: (tree.roots?.keys ?? []).map((k) => ({
        id: k.id,
        name: k.name,
        role: k.role,
        algorithm: k.algorithm,
        publicKey: k.publicKeyHex,
        fingerprint: k.fingerprint,
        validFrom: k.validFrom,
        validUntil: k.validUntil,
        publishedAt: k.publishedAt,
        vendor: k.vendor,
      })),
      fleets,
      namespaces,
    },
  };
}

/** The readable report: one line per failure with file, field and rule, then a summary. */
export function formatReport(r: Report, opts: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  if (opts.verbose) {
    for (const c of r.checks)
      lines.push(
        `${c.status === 'passed' ? 'ok  ' : 'FAIL'} ${c.id.padEnd(26)} ${c.subject}${c.detail ? ` — ${c.detail}` : ''}`,
      );
    lines.push('');
  }
  for (const e of r.errors) {
    lines.push(`✗ ${e.code}  ${e.file ?? ''}${e.path ? `  ${e.path}` : ''}`);
    lines.push(`    ${e.message}`);
    lines.push(`    rule: ${e.rule}`);
  }
  const s = r.summary;
  lines.push(
    r.ok
      ? `✓ verified: ${s.checks} checks passed over ${s.files} files`
      : `✗ NOT verified: ${s.errors} error${s.errors === 1 ? '' : 's'} in ${s.failed} of ${s.checks} checks over ${s.files} files`,
  );
  return lines.join('\n');
}
