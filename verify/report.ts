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
import type { ChainEntry, VendorFormat } from './vendors/claim.ts';
import type { MemberResult } from './fleet/fleet.ts';
import type { Member } from './fleet/deployment.ts';
import { commonName } from './fleet/vendor.ts';

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

/**
 * What a vendor attestation (docs/evidence-format.md §8.3) attested, as its adapter verified it: for the site to
 * show beside the member. Present whenever the adapter got as far as a claim (also when a later check failed).
 */
export interface VendorClaimModel {
  vendor: string;
  model: string;
  serial: string;
  /** A firmware version the attestation states (YubiHSM 2), if any. */
  firmware: string | undefined;
  /** Named measurements, lowercase hex (Nitro: PCR0…). */
  measurements: Record<string, string>;
  /** The attested key's kind (ec-p256, rsa, aes…). */
  keyType: string;
  /** The attested public key as a DER SubjectPublicKeyInfo, hex; undefined for a key without a public part. */
  publicKeySpki: string | undefined;
  /** Fleet keys of the record the attested key was verified to be. */
  fleetKeyIds: string[];
  generatedOnDevice: boolean;
  exportable: boolean | 'under-wrap';
  /** The time the attestation itself states (Nitro), if any. */
  attestedAt: string | undefined;
  /** The time certificate validity was judged at, and where it came from. */
  timeUsed: string;
  timeSource: 'attestation' | 'deployed_at';
  chainComplete: boolean;
  /** The X.509 chain, leaf first, the pinned root last (Marvell: two groups, manufacturer and owner). */
  chain: ChainEntry[];
  /** Reservations a reader must see: a root expired since, an intermediate missing, an X.509 v1 issuer… */
  notes: string[];
}

export type AttestationFormat = 'fleetproof-dsse-v1' | VendorFormat;

/** A member as its deployment record states it (deployment.ts Member), with what its attestation showed. */
export interface MemberModel extends Member {
  attestation: {
    file: string;
    present: boolean;
    verified: boolean;
    /** The attestation's format, when the file could be read far enough to tell. */
    format: AttestationFormat | undefined;
    attestedAt: string | undefined;
    rootId: string | undefined;
    /** The device's certificates, device first, the pinned root excluded (vendor formats: the X.509 chain's). */
    chain: {
      fingerprint: string;
      isCa: boolean;
      vendor: string;
      model: string;
      serial: string | undefined;
    }[];
    /** Vendor formats only. */
    vendorClaim: VendorClaimModel | undefined;
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
  /** A vendor root's X.509 certificate (§3.4), when it has one. */
  certificate?: { fingerprint: string; subject: string; notBefore: string; notAfter: string };
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

/** The report without its model: every check and error, and the summary (what the CLI prints). */
export type ChecksReport = Omit<Report, 'model'>;

export function buildChecksReport(list: Checklist, files: ReadonlyMap<string, Uint8Array>): ChecksReport {
  const failed = list.checks.filter((c) => c.status === 'failed').length;
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
  };
}

export function buildReport(
  list: Checklist,
  tree: VerifiedTree,
  files: ReadonlyMap<string, Uint8Array>,
): Report {
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
              format: r?.vendor
                ? r.vendor.attestation.format
                : r?.attestation
                  ? ('fleetproof-dsse-v1' as const)
                  : undefined,
              attestedAt: r?.attestation?.attestedAt ?? r?.vendor?.claim?.attestedAt,
              rootId: r?.rootId,
              chain: r?.vendor
                ? vendorDeviceChain(r)
                : (r?.attestation?.chain ?? []).map((c) => ({
                    fingerprint: c.fingerprint,
                    isCa: c.isCa,
                    vendor: c.vendor,
                    model: c.model,
                    serial: c.serial,
                  })),
              vendorClaim: r ? vendorClaimModel(r) : undefined,
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
    ...buildChecksReport(list, files),
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
        ...(k.certificate
          ? {
              certificate: {
                fingerprint: k.certificate.fingerprint,
                subject: k.certificate.subject.text,
                notBefore: k.certificate.notBefore,
                notAfter: k.certificate.notAfter,
              },
            }
          : {}),
      })),
      fleets,
      namespaces,
    },
  };
}

function vendorClaimModel(r: MemberResult): VendorClaimModel | undefined {
  const v = r.vendor;
  const c = v?.claim;
  if (!v || !c) return undefined;
  return {
    vendor: c.vendor,
    model: c.model,
    serial: c.serial,
    firmware: c.firmware,
    measurements: { ...c.measurements },
    keyType: c.keyType,
    publicKeySpki: c.publicKey?.spki ? toHex(c.publicKey.spki) : undefined,
    fleetKeyIds: [...v.fleetKeyIds],
    generatedOnDevice: c.generatedOnDevice,
    exportable: c.exportable,
    attestedAt: c.attestedAt,
    timeUsed: c.timeUsed,
    timeSource: v.timeSource,
    chainComplete: c.chainComplete,
    chain: c.chain.map((e) => ({ ...e })),
    notes: [...c.notes],
  };
}

/**
 * The device's part of a vendor chain, in the shape of the generic chain: the certificate whose key signed the
 * attestation first (YubiHSM: the device attestation certificate, not the key attestation itself), then its
 * issuers up to, not including, the pinned root; Marvell: the manufacturer's chain.
 */
function vendorDeviceChain(r: MemberResult): MemberModel['attestation']['chain'] {
  const c = r.vendor?.claim;
  if (!c) return [];
  const entries = c.chain.filter(
    (e) => e.role !== 'root' && (e.group === undefined || e.group === 'manufacturer'),
  );
  const device = c.format === 'yubihsm2-key-attestation' ? entries.slice(1) : entries;
  return device.map((e, i) => ({
    fingerprint: e.fingerprint,
    isCa: i > 0,
    vendor: c.vendor,
    model: commonName(e.subject),
    serial: i === 0 ? c.serial : undefined,
  }));
}

/** One failure as the readable reports print it: its code, file and JSONPath, then the message and the rule. */
export function formatError(e: VerificationErrorJSON): string {
  return `✗ ${e.code}  ${e.file ?? ''}${e.path ? `  ${e.path}` : ''}\n    ${e.message}\n    rule: ${e.rule}`;
}

/** The readable report: one line per failure with file, field and rule, then a summary. */
export function formatReport(r: ChecksReport, opts: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  if (opts.verbose) {
    for (const c of r.checks)
      lines.push(
        `${c.status === 'passed' ? 'ok  ' : 'FAIL'} ${c.id.padEnd(26)} ${c.subject}${c.detail ? ` — ${c.detail}` : ''}`,
      );
    lines.push('');
  }
  for (const e of r.errors) lines.push(formatError(e));
  const s = r.summary;
  lines.push(
    r.ok
      ? `✓ verified: ${s.checks} checks passed over ${s.files} files`
      : `✗ NOT verified: ${s.errors} error${s.errors === 1 ? '' : 's'} in ${s.failed} of ${s.checks} checks over ${s.files} files`,
  );
  return lines.join('\n');
}
