/**
 * Fleet files: the deployment record (docs/evidence-format.md §7) and one key attestation per member (§8), with
 * the certificate chain device ← vendor intermediate CA (one per model) ← pinned vendor root.
 */
import { fromHex, toHex } from '../verify/encoding.ts';
import { fingerprint } from '../verify/crypto/sha256.ts';
import { MODELS, VENDOR, VENDOR_ROOT_ID } from './catalog.ts';
import { sealEnvelope, statement, subjectOf, type Envelope, type EnvelopeSigner } from './envelope.ts';
import type { DemoKey, DemoKeys } from './keys.ts';
import type { DemoModel, FleetPlan, MemberPlan } from './model.ts';
import { trustKeyById } from './trust-roots.ts';

export const DEPLOYMENT_TYPE = 'https://fleetproof.dev/fleet-deployment/v1';
export const CERTIFICATE_TYPE = 'https://fleetproof.dev/hsm-certificate/v1';
export const ATTESTATION_TYPE = 'https://fleetproof.dev/hsm-key-attestation/v1';
export const ATTESTATION_FORMAT = 'fleetproof-dsse-v1';

export interface AttestationFile {
  format: string;
  chain: Envelope[];
  attestation: Envelope;
}

export function deviceKey(keys: DemoKeys, hsmId: string): DemoKey {
  return keys.get(`hsm/${hsmId}`, 'ed25519');
}

export function intermediateKey(keys: DemoKeys, model: string): DemoKey {
  return keys.get(`vendor/ca/${model}`, 'ecdsa-p256-sha256');
}

export interface CertificateSpec {
  subject: { vendor: string; model: string; serial: string };
  key: DemoKey;
  isCa: boolean;
  notBefore: string;
  notAfter: string;
}

export function certificatePredicate(c: CertificateSpec): unknown {
  return {
    subject: c.subject,
    public_key: { algorithm: c.key.algorithm, public_key: toHex(c.key.publicKey) },
    is_ca: c.isCa,
    not_before: c.notBefore,
    not_after: c.notAfter,
  };
}

export function certificateSubjectName(c: CertificateSpec): string {
  return c.isCa ? `${c.subject.vendor}/${c.subject.model}` : `${c.subject.vendor}/${c.subject.serial}`;
}

export function certificateEnvelope(c: CertificateSpec, issuer: EnvelopeSigner): Envelope {
  const st = statement(
    CERTIFICATE_TYPE,
    [subjectOf(certificateSubjectName(c), c.key.publicKey)],
    certificatePredicate(c),
  );
  return sealEnvelope(st, [issuer]);
}

export function intermediateSpec(keys: DemoKeys, model: string): CertificateSpec {
  const hw = MODELS[model]!;
  return {
    subject: { vendor: VENDOR, model, serial: `${hw.serialPrefix}-ICA-01` },
    key: intermediateKey(keys, model),
    isCa: true,
    notBefore: hw.caNotBefore,
    notAfter: hw.caNotAfter,
  };
}

const intermediates = new WeakMap<DemoKeys, Map<string, Envelope>>();

/** The vendor's intermediate certificate for a model, signed by the pinned root (cached per keyring). */
export function intermediateCertificate(keys: DemoKeys, model: DemoModel, hsmModel: string): Envelope {
  let cache = intermediates.get(keys);
  if (!cache) intermediates.set(keys, (cache = new Map()));
  let env = cache.get(hsmModel);
  if (!env) {
    env = certificateEnvelope(intermediateSpec(keys, hsmModel), {
      keyid: VENDOR_ROOT_ID,
      key: trustKeyById(model, VENDOR_ROOT_ID).key,
    });
    cache.set(hsmModel, env);
  }
  return env;
}

export function deviceSpec(keys: DemoKeys, m: MemberPlan): CertificateSpec {
  const notBefore = m.manufacturedAt;
  const notAfter = `${Number(notBefore.slice(0, 4)) + 10}${notBefore.slice(4)}`;
  return {
    subject: { vendor: m.vendor, model: m.model, serial: m.serial },
    key: deviceKey(keys, m.hsmId),
    isCa: false,
    notBefore,
    notAfter,
  };
}

export function deviceCertificate(keys: DemoKeys, m: MemberPlan): Envelope {
  const issuer = intermediateKey(keys, m.model);
  return certificateEnvelope(deviceSpec(keys, m), { keyid: issuer.fingerprint, key: issuer });
}

export interface AttestedKey {
  key_id: string;
  algorithm: string;
  public_key: string;
  origin: 'generated' | 'imported';
  exportable: boolean;
}

/** Any predicate that lists keys: its subjects are one per key, named by key_id, digest = fingerprint. */
export interface KeyListing {
  keys: { key_id: string; public_key: string }[];
  [field: string]: unknown;
}

export function attestationPredicate(
  fleet: FleetPlan,
  m: MemberPlan,
): { predicate: KeyListing; keys: AttestedKey[] } {
  const keys: AttestedKey[] = fleet.keys.map((k) => ({
    key_id: k.keyId,
    algorithm: k.algorithm,
    public_key: toHex(k.key.publicKey),
    origin: k.generatedOn === m.hsmId ? 'generated' : 'imported',
    exportable: false,
  }));
  return {
    keys,
    predicate: {
      fleet_id: fleet.fleetId,
      hsm: {
        hsm_id: m.hsmId,
        vendor: m.vendor,
        model: m.model,
        serial: m.serial,
        firmware_measurement: m.firmwareMeasurement,
      },
      attested_at: m.attestedAt,
      keys,
    },
  };
}

/** Signs an attestation predicate with the member's device key; subjects are derived from predicate.keys. */
export function attestationEnvelope(keys: DemoKeys, hsmId: string, predicate: KeyListing): Envelope {
  const subjects = predicate.keys.map((k) => ({
    name: k.key_id,
    digest: { sha256: fingerprintHex(k.public_key) },
  }));
  const dev = deviceKey(keys, hsmId);
  return sealEnvelope(statement(ATTESTATION_TYPE, subjects, predicate), [
    { keyid: dev.fingerprint, key: dev },
  ]);
}

export function fingerprintHex(publicKeyHex: string): string {
  return fingerprint(fromHex(publicKeyHex));
}

export function attestationFile(
  keys: DemoKeys,
  model: DemoModel,
  fleet: FleetPlan,
  m: MemberPlan,
): AttestationFile {
  const { predicate } = attestationPredicate(fleet, m);
  return {
    format: ATTESTATION_FORMAT,
    chain: [deviceCertificate(keys, m), intermediateCertificate(keys, model, m.model)],
    attestation: attestationEnvelope(keys, m.hsmId, predicate),
  };
}

export function deploymentPredicate(fleet: FleetPlan): KeyListing {
  return {
    fleet_id: fleet.fleetId,
    description: fleet.description,
    deployed_at: fleet.deployedAt,
    regions: fleet.regions.map((r) => ({
      id: r.id,
      name: r.name,
      data_centers: r.dataCenters.map((d) => ({ id: d.id, name: d.name })),
    })),
    members: fleet.members.map((m) => ({
      hsm_id: m.hsmId,
      vendor: m.vendor,
      model: m.model,
      serial: m.serial,
      firmware_measurement: m.firmwareMeasurement,
      region: m.region,
      data_center: m.dataCenter,
    })),
    quorum: { threshold: fleet.threshold },
    keys: fleet.keys.map((k) => ({
      key_id: k.keyId,
      algorithm: k.algorithm,
      public_key: toHex(k.key.publicKey),
      purpose: k.purpose,
      generated_on: k.generatedOn,
    })),
    ceremony: {
      performed_at: fleet.ceremony.performedAt,
      location: fleet.ceremony.location,
      procedure: fleet.ceremony.procedure,
      witnesses: fleet.ceremony.witnesses.map((w) => ({
        name: w.name,
        organization: w.organization,
        key: w.id,
      })),
    },
  };
}

/** The operator first, then each witness in the record's order. */
export function deploymentSigners(model: DemoModel, fleet: FleetPlan): EnvelopeSigner[] {
  return [
    { keyid: fleet.operatorKeyId, key: trustKeyById(model, fleet.operatorKeyId).key },
    ...fleet.ceremony.witnesses.map((w) => ({ keyid: w.id, key: trustKeyById(model, w.id).key })),
  ];
}

/** A deployment statement: subjects are derived from predicate.keys (one per key, fingerprint digest). */
export function deploymentStatement(predicate: KeyListing): unknown {
  return statement(
    DEPLOYMENT_TYPE,
    predicate.keys.map((k) => ({ name: k.key_id, digest: { sha256: fingerprintHex(k.public_key) } })),
    predicate,
  );
}

export function deploymentEnvelope(model: DemoModel, fleet: FleetPlan): Envelope {
  return sealEnvelope(deploymentStatement(deploymentPredicate(fleet)), deploymentSigners(model, fleet));
}
