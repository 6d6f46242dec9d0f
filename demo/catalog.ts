/**
 * The fixed cast of the demo: regions and data centers, the HSM vendor and its models, the fictional witnesses,
 * and the three fleet generations with their rotation calendar. Everything here is made up.
 */

export interface RegionInfo {
  id: string;
  name: string;
  dataCenters: { id: string; name: string }[];
}

export const REGIONS: readonly RegionInfo[] = [
  {
    id: 'eu-west-3',
    name: 'Paris',
    dataCenters: [
      { id: 'par-1', name: 'Paris 1' },
      { id: 'par-2', name: 'Paris 2' },
    ],
  },
  {
    id: 'eu-central-1',
    name: 'Frankfurt',
    dataCenters: [
      { id: 'fra-1', name: 'Frankfurt 1' },
      { id: 'fra-2', name: 'Frankfurt 2' },
    ],
  },
  {
    id: 'eu-west-1',
    name: 'Dublin',
    dataCenters: [
      { id: 'dub-1', name: 'Dublin 1' },
      { id: 'dub-2', name: 'Dublin 2' },
    ],
  },
  { id: 'eu-north-1', name: 'Stockholm', dataCenters: [{ id: 'arn-1', name: 'Stockholm 1' }] },
  {
    id: 'us-east-1',
    name: 'Northern Virginia',
    dataCenters: [
      { id: 'iad-1', name: 'Ashburn 1' },
      { id: 'iad-2', name: 'Ashburn 2' },
    ],
  },
  {
    id: 'us-east-2',
    name: 'Ohio',
    dataCenters: [
      { id: 'cmh-1', name: 'Columbus 1' },
      { id: 'cmh-2', name: 'Columbus 2' },
    ],
  },
  {
    id: 'us-west-2',
    name: 'Oregon',
    dataCenters: [
      { id: 'pdx-1', name: 'Portland 1' },
      { id: 'pdx-2', name: 'Portland 2' },
    ],
  },
  { id: 'ca-central-1', name: 'Montréal', dataCenters: [{ id: 'yul-1', name: 'Montréal 1' }] },
  {
    id: 'sa-east-1',
    name: 'São Paulo',
    dataCenters: [
      { id: 'gru-1', name: 'São Paulo 1' },
      { id: 'gru-2', name: 'São Paulo 2' },
    ],
  },
  {
    id: 'ap-southeast-1',
    name: 'Singapore',
    dataCenters: [
      { id: 'sin-1', name: 'Singapore 1' },
      { id: 'sin-2', name: 'Singapore 2' },
    ],
  },
  {
    id: 'ap-northeast-1',
    name: 'Tokyo',
    dataCenters: [
      { id: 'nrt-1', name: 'Tokyo 1' },
      { id: 'nrt-2', name: 'Tokyo 2' },
    ],
  },
  { id: 'ap-south-1', name: 'Mumbai', dataCenters: [{ id: 'bom-1', name: 'Mumbai 1' }] },
  {
    id: 'ap-southeast-2',
    name: 'Sydney',
    dataCenters: [
      { id: 'syd-1', name: 'Sydney 1' },
      { id: 'syd-2', name: 'Sydney 2' },
    ],
  },
  { id: 'af-south-1', name: 'Cape Town', dataCenters: [{ id: 'cpt-1', name: 'Cape Town 1' }] },
];

export const VENDOR = 'Demo HSM Vendor';
export const VENDOR_ROOT_ID = 'demo-hsm-vendor-root-2019';

export interface HsmModel {
  model: string;
  serialPrefix: string;
  /** Firmware versions shipped for this model; a fleet runs one or two of them. */
  firmware: string[];
  /** The vendor's intermediate CA for the model: validity of its certificate. */
  caNotBefore: string;
  caNotAfter: string;
}

export const MODELS: Record<string, HsmModel> = {
  'DemoHSM 9000': {
    model: 'DemoHSM 9000',
    serialPrefix: 'DH9',
    firmware: ['7.2.1', '7.2.4', '7.3.0'],
    caNotBefore: '2019-09-01T00:00:00Z',
    caNotAfter: '2034-09-01T00:00:00Z',
  },
  'DemoHSM 9500': {
    model: 'DemoHSM 9500',
    serialPrefix: 'DH95',
    firmware: ['8.0.3', '8.1.0'],
    caNotBefore: '2022-11-01T00:00:00Z',
    caNotAfter: '2037-11-01T00:00:00Z',
  },
  'DemoHSM X1': {
    model: 'DemoHSM X1',
    serialPrefix: 'DHX1',
    firmware: ['1.4.2', '1.5.0'],
    caNotBefore: '2024-10-01T00:00:00Z',
    caNotAfter: '2039-10-01T00:00:00Z',
  },
};

export interface WitnessInfo {
  id: string;
  name: string;
  organization: string;
  kind: string;
  algorithm: 'ed25519' | 'ecdsa-p256-sha256';
  publishedAt: string;
}

/** Four people from independent organisations. Fictional names and organisations. */
export const WITNESSES: readonly WitnessInfo[] = [
  {
    id: 'demo-witness-marchetti',
    name: 'Prof. Ilse Marchetti',
    organization: 'Institute for Applied Cryptography, University of Northmere',
    kind: 'academic',
    algorithm: 'ed25519',
    publishedAt: 'https://crypto.northmere-university.example/~marchetti/witness-key.txt',
  },
  {
    id: 'demo-witness-feldmann',
    name: 'Rahul Feldmann',
    organization: 'Brightline Assurance LLP',
    kind: 'auditing firm',
    algorithm: 'ecdsa-p256-sha256',
    publishedAt: 'https://brightline-assurance.example/witness-keys#feldmann',
  },
  {
    id: 'demo-witness-castellanos',
    name: 'Noor Castellanos',
    organization: 'Open Ledger Rights Foundation',
    kind: 'civil-society organisation',
    algorithm: 'ed25519',
    publishedAt: 'https://openledgerrights.example/keys/castellanos',
  },
  {
    id: 'demo-witness-achterberg',
    name: 'Tobias Achterberg',
    organization: 'Kestrel & Vane Audit GmbH',
    kind: 'second auditor',
    algorithm: 'ed25519',
    publishedAt: 'https://kestrelvane-audit.example/keys/achterberg',
  },
];

export const DEFAULT_NAMESPACE = 'meta.encrypted_backups.fleet_keys.v1';
export const DEFAULT_SEED = 'fleetproof-demo-v1';

/** When a key of a fleet generation holds which role; times are UTC month starts. */
export interface Generation {
  year: number;
  model: string;
  ceremonyAt: string;
  deployedAt: string;
  /** The operator key that signs the deployment (valid at deployedAt). */
  operatorKey: string;
  activeFrom: string | null;
  retiringFrom: string | null;
  removedFrom: string | null;
  /** One key held as standby until this time although the fleet is active: a plain role change. */
  lateKey: { name: string; activeFrom: string } | null;
  why: string;
}

export const GENERATIONS: readonly Generation[] = [
  {
    year: 2021,
    model: 'DemoHSM 9000',
    ceremonyAt: '2021-06-10T14:00:00Z',
    deployedAt: '2021-06-14T09:00:00Z',
    operatorKey: 'demo-operator-2021',
    activeFrom: '2021-06-14T09:00:00Z',
    retiringFrom: '2024-07-01T00:00:00Z',
    removedFrom: '2025-01-01T00:00:00Z',
    lateKey: { name: 'replica-auth', activeFrom: '2021-10-01T00:00:00Z' },
    why: 'first',
  },
  {
    year: 2024,
    model: 'DemoHSM 9500',
    ceremonyAt: '2024-03-05T10:00:00Z',
    deployedAt: '2024-03-11T09:00:00Z',
    operatorKey: 'demo-operator-2024',
    activeFrom: '2024-07-01T00:00:00Z',
    retiringFrom: '2026-06-01T00:00:00Z',
    removedFrom: null,
    lateKey: null,
    why: 'refresh',
  },
  {
    year: 2026,
    model: 'DemoHSM X1',
    ceremonyAt: '2026-02-10T10:00:00Z',
    deployedAt: '2026-02-16T09:00:00Z',
    operatorKey: 'demo-operator-2024',
    activeFrom: '2026-06-01T00:00:00Z',
    retiringFrom: null,
    removedFrom: null,
    lateKey: null,
    why: 'expansion',
  },
];

/** Epochs: monthly (scale N: N per month) from the first month to the last, inclusive. */
export const FIRST_EPOCH_MONTH = { year: 2021, month: 7 };
export const LAST_EPOCH_MONTH = { year: 2026, month: 11 };
/** From this time on the auditor signs with ciphersuite 1 (protobuf) instead of 2 (bincode). */
export const PROTOBUF_FROM = '2023-05-01T00:00:00Z';
/** The auditor moves from demo-auditor-2021 to demo-auditor-2024 (both valid in 2024-01..2024-07). */
export const AUDITOR_SWITCH_AT = '2024-03-01T00:00:00Z';
/** The operator counter-signs with demo-operator-2024 from this time on (both valid in 2024-01..2025-07). */
export const OPERATOR_SWITCH_AT = '2024-06-01T00:00:00Z';

export const FLEET_KEYS = [
  {
    name: 'backup-kem',
    algorithm: 'x25519',
    purpose:
      'Key encapsulation for encrypted backups: clients wrap each backup key to this X25519 key, and only the fleet can unwrap it, after the client proves knowledge of its recovery secret.',
  },
  {
    name: 'vault-signing',
    algorithm: 'ed25519',
    purpose:
      "Signs the fleet's responses to recovery requests (guess counters, lockout state), so clients can tell a real fleet answer from a forged one.",
  },
  {
    name: 'replica-auth',
    algorithm: 'ecdsa-p256-sha256',
    purpose:
      "Authenticates replication traffic between the fleet's HSMs across regions; a member accepts state only from a peer that signs with this key.",
  },
] as const;
