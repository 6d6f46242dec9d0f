/**
 * Evidence trees with vendor-attested fleets, for tests (verify/fleet/vendor.test.ts, site/widget/lazy/bundle.test.ts): the demo
 * tree plus one fleet, either synthetic YubiHSM 2 members under a test CA, or the real samples (Marvell
 * LiquidSecurity, AWS Nitro Enclaves, YubiHSM 2) under the real vendor roots.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateDemo } from '../demo/generate.ts';
import { sealEnvelope, statement, subjectOf } from '../demo/envelope.ts';
import { jsonFile, parseJsonFile } from '../demo/json.ts';
import { fromBase64, fromHex, toBase64, toHex } from '../verify/encoding.ts';
import { decodePemCertificates, parseCertificate } from '../verify/vendors/x509.ts';
import { KNOWN_ROOTS } from '../verify/vendors/roots.ts';
import { p256TestKey, syntheticYubiHsm, toPem, type YubicoKeyFacts } from '../verify/vendors/testing.ts';

const demo = generateDemo();
export const BASE = demo.files;
export const ctx = demo.ctx;
export const BASE_ROOTS = parseJsonFile<{ keys: Record<string, unknown>[] }>(BASE.get('trust-roots.json')!);

export interface MemberSpec {
  hsmId: string;
  vendor: string;
  model: string;
  serial: string;
  firmware?: string | undefined;
}

export interface FleetSpec {
  fleetId: string;
  deployedAt: string;
  members: MemberSpec[];
  keys: { keyId: string; publicKey: Uint8Array; generatedOn: string }[];
  threshold: number;
  /** hsm-id → the attestation file's JSON. */
  attestations: Record<string, unknown>;
  /** Trust-root entries added to the demo's. */
  roots: Record<string, unknown>[];
}

/** The demo tree plus one fleet: its deployment record signed by the demo operator and two demo witnesses. */
export function treeWith(spec: FleetSpec): Map<string, Uint8Array> {
  const files = new Map(BASE);
  files.set('trust-roots.json', jsonFile({ ...BASE_ROOTS, keys: [...BASE_ROOTS.keys, ...spec.roots] }));
  const predicate = {
    fleet_id: spec.fleetId,
    description: `Test fleet ${spec.fleetId} attested by vendor attestations.`,
    deployed_at: spec.deployedAt,
    regions: [
      { id: 'eu-central-1', name: 'Frankfurt', data_centers: [{ id: 'fra-1', name: 'Frankfurt 1' }] },
    ],
    members: spec.members.map((m) => ({
      hsm_id: m.hsmId,
      vendor: m.vendor,
      model: m.model,
      serial: m.serial,
      ...(m.firmware !== undefined ? { firmware_measurement: m.firmware } : {}),
      region: 'eu-central-1',
      data_center: 'fra-1',
    })),
    quorum: { threshold: spec.threshold },
    keys: spec.keys.map((k) => ({
      key_id: k.keyId,
      algorithm: 'ecdsa-p256-sha256',
      public_key: toHex(k.publicKey),
      purpose: 'test signing key',
      generated_on: k.generatedOn,
    })),
    ceremony: {
      performed_at: '2024-12-01T10:00:00Z',
      location: 'Test lab',
      procedure: 'Keys generated on the members; attestations exported with the vendor tools.',
      witnesses: [
        { name: 'A. Marchetti', organization: 'Test', key: 'demo-witness-marchetti' },
        { name: 'B. Feldmann', organization: 'Test', key: 'demo-witness-feldmann' },
      ],
    },
  };
  const st = statement(
    'https://fleetproof.dev/fleet-deployment/v1',
    spec.keys.map((k) => subjectOf(k.keyId, k.publicKey)),
    predicate,
  );
  const signers = ['demo-operator-2024', 'demo-witness-marchetti', 'demo-witness-feldmann'].map((id) => ({
    keyid: id,
    key: ctx.trustKey(id),
  }));
  const dir = `fleets/${spec.fleetId}`;
  files.set(`${dir}/deployment.json`, jsonFile(sealEnvelope(st, signers)));
  for (const [id, a] of Object.entries(spec.attestations))
    files.set(`${dir}/attestations/${id}.json`, jsonFile(a));
  return files;
}

export const FLEET = 'fleet-yubi';
export const NOW = '2026-11-27T00:00:00Z';
export const ROOT = p256TestKey('vendor-fleet/root');
export const SUB = p256TestKey('vendor-fleet/sub-ca');
export const HSMS = [0, 1, 2].map((i) =>
  syntheticYubiHsm({
    root: ROOT,
    sub: SUB,
    device: p256TestKey(`vendor-fleet/device-${i}`),
    serial: 7000001 + i,
  }),
);
/** Each member's fleet key, "generated in the device": its public key is what the key attestation certifies. */
export const FLEET_KEYS = [0, 1, 2].map((i) => p256TestKey(`vendor-fleet/fleet-key-${i}`));
export const hsmId = (i: number) => `${FLEET}-fra-1-0${i + 1}`;
export const keyId = (i: number) => `${FLEET}/signing-0${i + 1}`;

export function yubicoRoot(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'test-yubico-root',
    name: 'Test YubiHSM Root CA (TEST KEY)',
    role: 'vendor-root',
    vendor: 'Yubico',
    algorithm: 'ecdsa-p256-sha256',
    public_key: toHex(ROOT.point),
    certificate: toPem(HSMS[0]!.root),
    valid_from: '2017-01-01T00:00:00Z',
    valid_until: '2071-01-01T00:00:00Z',
    published_at: 'verify/fleet/vendor.test.ts (a test CA)',
    ...over,
  };
}

export interface YubiVariant {
  roots?: Record<string, unknown>[];
  member?: (m: MemberSpec, i: number) => void;
  facts?: (i: number) => Omit<YubicoKeyFacts, 'serial'> & { serial?: number };
  attestedKey?: (i: number) => Uint8Array;
  file?: (a: Record<string, unknown>, i: number) => void;
}

export function yubiFleet(v: YubiVariant = {}): Map<string, Uint8Array> {
  const attestations: Record<string, unknown> = {};
  const members = HSMS.map((h, i) => {
    const m: MemberSpec = {
      hsmId: hsmId(i),
      vendor: 'Yubico',
      model: 'YubiHSM 2',
      serial: String(h.serial),
      firmware: '2.4.0',
    };
    v.member?.(m, i);
    const a: Record<string, unknown> = {
      format: 'yubihsm2-key-attestation',
      fleet_id: FLEET,
      hsm_id: hsmId(i),
      attestation: toBase64(h.keyAttestation(v.attestedKey?.(i) ?? FLEET_KEYS[i]!.spki, v.facts?.(i))),
      certificates: [toPem(h.device), toPem(h.sub)],
      keys: [{ key_id: keyId(i) }],
    };
    v.file?.(a, i);
    attestations[hsmId(i)] = a;
    return m;
  });
  return treeWith({
    fleetId: FLEET,
    deployedAt: '2025-01-15T09:00:00Z',
    members,
    keys: FLEET_KEYS.map((k, i) => ({ keyId: keyId(i), publicKey: k.point, generatedOn: hsmId(i) })),
    threshold: 2,
    attestations,
    roots: v.roots ?? [yubicoRoot()],
  });
}

export const sub0 = `fleets/${FLEET}/attestations/${hsmId(0)}`;
export const file0 = `${sub0}.json`;

export const HSM_DIR = new URL('./data/vectors/hsm/', import.meta.url);
export const read = (p: string) => new Uint8Array(readFileSync(new URL(p, HSM_DIR)));
export const pemsOf = (p: string) =>
  decodePemCertificates(readFileSync(new URL(p, HSM_DIR), 'utf8')).map((der) => toPem(der));
export const MARVELL_EC = read('gcp-cloudhsm-cavium/ec.dat');
export const NITRO = fromBase64(
  readFileSync(new URL('aws-nitro/nitro_attestation.b64', HSM_DIR), 'utf8').trim(),
);
export const YUBI_KEY = decodePemCertificates(
  readFileSync(new URL('yubihsm2/key-attestation-0x7e57.pem', HSM_DIR), 'utf8'),
)[0]!;
export const MARVELL_POINT =
  '04b5086c1130fa51e75a729b41e90f5fb38ab8de4b2f62424d9454e640f1b914c386b445efa4d9287a013ff4ebef995a12f615401af8c5f22c20cd5f2922a4ba83';
export const YUBI_POINT =
  '04f61e6a69bf01ab98845150bcce77270b3f60df772d07d6da17b202c65f8a114329e10076adaf796d245fda5c00138ef7520ef4e6723c38497f0c22861464291e';
export const NITRO_MODULE = 'i-0a22e5c5f24d22174-enc0191cceb4289903f';
export const NITRO_PCR0 =
  'e72a46ca80a260fb044a125442f0c7e331813bcbaf9724d9f3857758992766f2d65710a27aa94ae3949dd54e7c9fe86a';

/** The real roots, pinned as trust-roots.json entries (§3.4). */
export function realRoots(): Record<string, unknown>[] {
  const meta: Record<string, { vendor: string; algorithm: string; from: string; until: string }> = {
    'marvell-liquidsecurity-root-2034': {
      vendor: 'Marvell',
      algorithm: 'rsa-pkcs1-sha256',
      from: '2024-07-25T20:29:20Z',
      until: '2034-07-23T20:29:20Z',
    },
    'google-hawksbill-root-v1-prod': {
      vendor: 'Google',
      algorithm: 'rsa-pkcs1-sha256',
      from: '2017-07-01T00:00:00Z',
      until: '2030-01-01T00:00:00Z',
    },
    'aws-nitro-enclaves-root-g1': {
      vendor: 'AWS',
      algorithm: 'ecdsa-p384-sha384',
      from: '2019-10-28T13:28:05Z',
      until: '2049-10-28T14:28:05Z',
    },
    'yubico-yubihsm-root-ca': {
      vendor: 'Yubico',
      algorithm: 'rsa-pkcs1-sha256',
      from: '2017-01-01T00:00:00Z',
      until: '2071-10-05T00:00:00Z',
    },
  };
  return KNOWN_ROOTS.map((r) => {
    const m = meta[r.id]!;
    return {
      id: r.id,
      name: `${m.vendor} root (real)`,
      role: 'vendor-root',
      vendor: m.vendor,
      algorithm: m.algorithm,
      public_key: rootPublicKeyHex(r.pem, m.algorithm),
      certificate: r.pem,
      valid_from: m.from,
      valid_until: m.until,
      published_at: 'tests/data/vectors/README.md',
    };
  });
}

/** The public_key a root's entry carries: the SubjectPublicKeyInfo for RSA, the SEC1 point for EC. */
export function rootPublicKeyHex(pem: string, algorithm: string): string {
  const cert = parseCertificate(decodePemCertificates(pem)[0]!);
  if (algorithm === 'rsa-pkcs1-sha256') return toHex(cert.spki);
  assert.ok(cert.publicKey.kind === 'ec');
  return toHex(cert.publicKey.point);
}

export const SAMPLES = 'fleet-samples';
export const SAMPLE_MEMBERS = {
  marvell: `${SAMPLES}-marvell-ec`,
  nitro: `${SAMPLES}-nitro`,
  yubi: `${SAMPLES}-yubihsm2`,
};

export function samplesFleet(opts: { roots?: Record<string, unknown>[]; withYubiKey?: boolean } = {}) {
  const { marvell, nitro, yubi } = SAMPLE_MEMBERS;
  const keys = [
    { keyId: `${SAMPLES}/marvell-ec`, publicKey: fromHex(MARVELL_POINT), generatedOn: marvell },
    ...(opts.withYubiKey === false
      ? []
      : [{ keyId: `${SAMPLES}/yubihsm-ec`, publicKey: fromHex(YUBI_POINT), generatedOn: yubi }]),
  ];
  return treeWith({
    fleetId: SAMPLES,
    deployedAt: '2025-01-15T09:00:00Z',
    members: [
      { hsmId: marvell, vendor: 'Marvell', model: 'LiquidSecurity', serial: '5.2G1804-ICM000678' },
      { hsmId: nitro, vendor: 'AWS', model: 'Nitro Enclaves', serial: NITRO_MODULE, firmware: NITRO_PCR0 },
      { hsmId: yubi, vendor: 'Yubico', model: 'YubiHSM 2', serial: '31650425', firmware: '2.4.0' },
    ],
    keys,
    threshold: 2,
    attestations: {
      [marvell]: {
        format: 'marvell-cavium-v2',
        fleet_id: SAMPLES,
        hsm_id: marvell,
        attestation: toBase64(MARVELL_EC),
        certificates: pemsOf('gcp-cloudhsm-cavium/ec.certs'),
        keys: [{ key_id: `${SAMPLES}/marvell-ec` }],
      },
      [nitro]: {
        format: 'aws-nitro-enclaves',
        fleet_id: SAMPLES,
        hsm_id: nitro,
        attestation: toBase64(NITRO),
        keys: [],
      },
      [yubi]: {
        format: 'yubihsm2-key-attestation',
        fleet_id: SAMPLES,
        hsm_id: yubi,
        attestation: toBase64(YUBI_KEY),
        certificates: pemsOf('yubihsm2/device-attestation-31650425.pem'),
        keys: opts.withYubiKey === false ? [] : [{ key_id: `${SAMPLES}/yubihsm-ec` }],
      },
    },
    roots: opts.roots ?? realRoots(),
  });
}
