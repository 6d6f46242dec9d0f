/**
 * The plan of a demo evidence tree: who holds which key, which fleets exist, which epochs publish what.
 * Pure data derived from (seed, scale, namespace); the builders in fleets.ts, epochs.ts and trust-roots.ts turn
 * it into files.
 */
import { sha256 } from '../verify/crypto/sha256.ts';
import { toHex, utf8 } from '../verify/encoding.ts';
import {
  AUDITOR_SWITCH_AT,
  FIRST_EPOCH_MONTH,
  FLEET_KEYS,
  GENERATIONS,
  LAST_EPOCH_MONTH,
  MODELS,
  OPERATOR_SWITCH_AT,
  PROTOBUF_FROM,
  REGIONS,
  VENDOR,
  VENDOR_ROOT_ID,
  WITNESSES,
  type Generation,
  type RegionInfo,
  type WitnessInfo,
} from './catalog.ts';
import { DemoKeys, type DemoKey, type KeyAlgorithm } from './keys.ts';
import { HOUR, byString, isoTime, ms } from './json.ts';
import { Prng } from './prng.ts';
import { monthYear } from '../site/lib/format.ts';

export type TrustRole = 'vendor-root' | 'operator' | 'auditor' | 'witness' | 'release' | 'log-witness';
export type KeyRole = 'active' | 'standby' | 'retiring';

export interface TrustKeyPlan {
  id: string;
  name: string;
  role: TrustRole;
  vendor?: string;
  validFrom: string;
  validUntil: string;
  publishedAt: string;
  key: DemoKey;
}

export interface MemberPlan {
  hsmId: string;
  vendor: string;
  model: string;
  serial: string;
  firmwareVersion: string;
  firmwareMeasurement: string;
  region: string;
  dataCenter: string;
  /** The device certificate's not_before. */
  manufacturedAt: string;
  attestedAt: string;
}

export interface FleetKeyPlan {
  keyId: string;
  name: string;
  algorithm: KeyAlgorithm;
  purpose: string;
  generatedOn: string;
  key: DemoKey;
}

export interface FleetPlan {
  fleetId: string;
  group: number;
  generation: Generation;
  description: string;
  deployedAt: string;
  regions: RegionInfo[];
  members: MemberPlan[];
  threshold: number;
  keys: FleetKeyPlan[];
  ceremony: { performedAt: string; location: string; procedure: string; witnesses: WitnessInfo[] };
  operatorKeyId: string;
  firmwareVersions: string[];
}

export interface EpochKey {
  key_id: string;
  fleet_id: string;
  algorithm: KeyAlgorithm;
  public_key: string;
  role: KeyRole;
}

export interface EpochPlan {
  namespace: string;
  epoch: number;
  /** Milliseconds, as the auditor signs it. */
  timestamp: number;
  issuedAt: string;
  ciphersuite: number;
  auditorKeyId: string;
  operatorKeyId: string;
  keys: EpochKey[];
}

export interface DemoModel {
  seed: string;
  scale: number;
  /** The configured namespace: group 0's, the one the posts and the tampers speak of. */
  namespace: string;
  /** Every namespace, one per fleet group (one at scale 1). */
  namespaces: string[];
  trustKeys: TrustKeyPlan[];
  fleets: FleetPlan[];
  /** The epochs of `namespace`. */
  epochs: EpochPlan[];
  /** The epochs of the other groups' namespaces (scale > 1). */
  extraEpochs: EpochPlan[];
}

export function fleetSuffix(group: number): string {
  if (group === 0) return '';
  if (group < 26) return '-' + String.fromCharCode(97 + group);
  return `-g${group + 1}`;
}

function trustKeys(keys: DemoKeys): TrustKeyPlan[] {
  const k = (id: string, alg: KeyAlgorithm) => keys.get(`trust/${id}`, alg);
  const out: TrustKeyPlan[] = [
    {
      id: VENDOR_ROOT_ID,
      name: `${VENDOR} root CA 2019 (DEMO KEY)`,
      role: 'vendor-root',
      vendor: VENDOR,
      validFrom: '2019-01-01T00:00:00Z',
      validUntil: '2040-01-01T00:00:00Z',
      publishedAt: 'https://pki.demo-hsm-vendor.example/roots/2019',
      key: k(VENDOR_ROOT_ID, 'ecdsa-p256-sha256'),
    },
    {
      id: 'demo-operator-2021',
      name: 'Fleetproof Demo Operator deployment and counter-signing key 2021 (DEMO KEY)',
      role: 'operator',
      validFrom: '2021-01-01T00:00:00Z',
      validUntil: '2025-07-01T00:00:00Z',
      publishedAt: 'https://security.fleetproof-demo.example/keys#demo-operator-2021',
      key: k('demo-operator-2021', 'ed25519'),
    },
    {
      id: 'demo-operator-2024',
      name: 'Fleetproof Demo Operator deployment and counter-signing key 2024 (DEMO KEY)',
      role: 'operator',
      validFrom: '2024-01-01T00:00:00Z',
      validUntil: '2031-01-01T00:00:00Z',
      publishedAt: 'https://security.fleetproof-demo.example/keys#demo-operator-2024',
      key: k('demo-operator-2024', 'ecdsa-p256-sha256'),
    },
    {
      id: 'demo-auditor-2021',
      name: 'Demo Plexi auditor signing key 2021 (DEMO KEY)',
      role: 'auditor',
      validFrom: '2021-01-01T00:00:00Z',
      validUntil: '2024-07-01T00:00:00Z',
      publishedAt: 'https://auditor.example/keys#demo-auditor-2021',
      key: k('demo-auditor-2021', 'ed25519'),
    },
    {
      id: 'demo-auditor-2024',
      name: 'Demo Plexi auditor signing key 2024 (DEMO KEY)',
      role: 'auditor',
      validFrom: '2024-01-01T00:00:00Z',
      validUntil: '2031-01-01T00:00:00Z',
      publishedAt: 'https://auditor.example/keys#demo-auditor-2024',
      key: k('demo-auditor-2024', 'ed25519'),
    },
    {
      id: 'demo-release-2021',
      name: 'Fleetproof Demo transparency-site release key 2021 (DEMO KEY)',
      role: 'release',
      validFrom: '2021-01-01T00:00:00Z',
      validUntil: '2031-01-01T00:00:00Z',
      publishedAt: 'https://security.fleetproof-demo.example/keys#demo-release-2021',
      key: k('demo-release-2021', 'ed25519'),
    },
    {
      id: 'demo-log-witness',
      name: 'Demo transparency-log witness (DEMO KEY)',
      role: 'log-witness',
      validFrom: '2021-01-01T00:00:00Z',
      validUntil: '2031-01-01T00:00:00Z',
      publishedAt: 'https://witness.example/keys#demo-log-witness',
      key: k('demo-log-witness', 'ed25519'),
    },
  ];
  for (const w of WITNESSES) {
    out.push({
      id: w.id,
      name: `${w.name}, ${w.organization}: key-ceremony witness key (DEMO KEY)`,
      role: 'witness',
      validFrom: '2021-01-01T00:00:00Z',
      validUntil: '2031-01-01T00:00:00Z',
      publishedAt: w.publishedAt,
      key: k(w.id, w.algorithm),
    });
  }
  return out;
}

export function firmwareMeasurement(seed: string, model: string, version: string): string {
  return toHex(sha256(utf8(`fleetproof-demo|${seed}|firmware|${model}|${version}`)));
}

const GROUP_OFFSET = 6 * HOUR;

function planFleet(
  seed: string,
  keys: DemoKeys,
  gen: Generation,
  group: number,
  serials: Map<string, number>,
): FleetPlan {
  const fleetId = `fleet-${gen.year}${fleetSuffix(group)}`;
  const rng = new Prng(seed, `fleet/${fleetId}`);
  const offset = (group % 48) * GROUP_OFFSET;
  const deployedMs = ms(gen.deployedAt) + offset;
  const performedMs = ms(gen.ceremonyAt) + offset;
  const hw = MODELS[gen.model]!;

  const regionCount = rng.int(4, 6);
  const regions: RegionInfo[] = rng
    .shuffle(REGIONS)
    .slice(0, regionCount)
    .map((r) => ({
      ...r,
      dataCenters: r.dataCenters.slice(0, r.dataCenters.length > 1 ? rng.int(1, 2) : 1),
    }));

  const versions = rng.shuffle(hw.firmware).slice(0, rng.int(1, 2)).sort();
  const members: MemberPlan[] = [];
  for (const region of regions) {
    const count = rng.int(3, 8);
    const perDc = region.dataCenters.map(() => 1);
    for (let i = region.dataCenters.length; i < count; i++) perDc[rng.int(0, perDc.length - 1)]!++;
    region.dataCenters.forEach((dc, d) => {
      for (let i = 1; i <= perDc[d]!; i++) {
        const next = (serials.get(hw.model) ?? rng.int(10000, 20000)) + rng.int(1, 40);
        serials.set(hw.model, next);
        const version = rng.pick(versions);
        const month = rng.int(2, 10);
        const day = rng.int(1, 28);
        members.push({
          hsmId: `${fleetId}-${dc.id}-${String(i).padStart(2, '0')}`,
          vendor: VENDOR,
          model: hw.model,
          serial: `${hw.serialPrefix}-${String(next).padStart(6, '0')}`,
          firmwareVersion: version,
          firmwareMeasurement: firmwareMeasurement(seed, hw.model, version),
          region: region.id,
          dataCenter: dc.id,
          manufacturedAt: `${gen.year - 1}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T00:00:00Z`,
          attestedAt: '',
        });
      }
    });
  }
  members.forEach((m, i) => (m.attestedAt = isoTime(performedMs + 2 * HOUR + i * 3 * 60_000)));

  // The ceremony runs in the first region's first data center; the keys are generated on HSMs racked there.
  const ceremonyRegion = regions[0]!;
  const ceremonyDc = ceremonyRegion.dataCenters[0]!;
  const local = members.filter((m) => m.dataCenter === ceremonyDc.id);
  const hosts = rng.shuffle(local);
  const fleetKeys: FleetKeyPlan[] = FLEET_KEYS.map((fk, i) => {
    const keyId = `${fleetId}/${fk.name}`;
    return {
      keyId,
      name: fk.name,
      algorithm: fk.algorithm,
      purpose: fk.purpose,
      generatedOn: hosts[i % hosts.length]!.hsmId,
      key: keys.get(`fleet/${keyId}`, fk.algorithm),
    };
  });

  const witnesses = rng.shuffle(WITNESSES).slice(0, rng.int(2, 3));
  witnesses.sort((a, b) => WITNESSES.indexOf(a) - WITNESSES.indexOf(b));
  const n = members.length;
  const threshold = Math.floor(n / 2) + 1;
  const when = monthYear(deployedMs);
  const description =
    `${n} ${hw.model} HSMs in ${regions.length} regions holding the fleet keys of encrypted backups, ` +
    `deployed ${when}. Any ${threshold} members form a quorum for fleet-wide changes.`;
  const procedure =
    `The fleet keys were generated during a recorded ceremony in the ${ceremonyDc.name} data center. ` +
    `Each ${hw.model} was taken from tamper-evident packaging, its seal numbers checked against the shipping manifest, ` +
    `and its firmware measurement compared with the vendor's published value for version ${versions.join(' or ')}. ` +
    `The three fleet keys were then generated inside HSMs in the room (${fleetKeys.map((k) => k.generatedOn).join(', ')}), ` +
    `marked non-exportable, and wrapped to every other member under the vendor's fleet-cloning protocol; each member ` +
    `then produced a key attestation. The witnesses watched every step, compared the key fingerprints on the HSM ` +
    `displays with the deployment record, and signed the record with their own keys. The members were shipped to ` +
    `their regions sealed and enrolled before ${isoTime(deployedMs).slice(0, 10)}.`;
  return {
    fleetId,
    group,
    generation: gen,
    description,
    deployedAt: isoTime(deployedMs),
    regions,
    members,
    threshold,
    keys: fleetKeys,
    ceremony: {
      performedAt: isoTime(performedMs),
      location: `Key-ceremony room, ${ceremonyDc.name} data center (${ceremonyRegion.name}, ${ceremonyRegion.id})`,
      procedure,
      witnesses,
    },
    operatorKeyId: gen.operatorKey,
    firmwareVersions: versions,
  };
}

/** The role a fleet key holds at time t (ms), or null when the namespace does not carry it. */
export function roleAt(fleet: FleetPlan, keyName: string, t: number): KeyRole | null {
  const g = fleet.generation;
  if (t <= ms(fleet.deployedAt)) return null;
  if (g.removedFrom && t >= ms(g.removedFrom)) return null;
  if (g.retiringFrom && t >= ms(g.retiringFrom)) return 'retiring';
  if (g.activeFrom && t >= ms(g.activeFrom)) {
    if (g.lateKey && g.lateKey.name === keyName && t < ms(g.lateKey.activeFrom)) return 'standby';
    return 'active';
  }
  return 'standby';
}

export function auditorKeyIdAt(t: number): string {
  return t < ms(AUDITOR_SWITCH_AT) ? 'demo-auditor-2021' : 'demo-auditor-2024';
}

export function operatorKeyIdAt(t: number): string {
  return t < ms(OPERATOR_SWITCH_AT) ? 'demo-operator-2021' : 'demo-operator-2024';
}

export function ciphersuiteAt(t: number): number {
  return t < ms(PROTOBUF_FROM) ? 2 : 1;
}

function epochTimes(seed: string, label: string): number[] {
  const rng = new Prng(seed, label);
  const out: number[] = [];
  let { year, month } = FIRST_EPOCH_MONTH;
  while (
    year < LAST_EPOCH_MONTH.year ||
    (year === LAST_EPOCH_MONTH.year && month <= LAST_EPOCH_MONTH.month)
  ) {
    // One epoch a month, at noon on the first, give or take half an hour.
    out.push(Date.UTC(year, month - 1, 1) + 12 * HOUR + rng.int(0, 30 * 60_000));
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return out;
}

/** The namespace of fleet group `group`: the configured one for group 0, a sibling for the others (--scale). */
export function namespaceOf(namespace: string, group: number): string {
  return group === 0 ? namespace : `${namespace}-g${group + 1}`;
}

/**
 * One namespace's epochs: one a month over the demo's years, each carrying the keys of the group's fleets then in
 * service. `--scale N` makes N groups of fleets, each with its own namespace, so that the tree grows linearly.
 */
function planEpochs(seed: string, ns: string, group: number, fleets: FleetPlan[]): EpochPlan[] {
  const suffix = group === 0 ? '' : `-g${group}`;
  const rng = new Prng(seed, `issued${suffix}`);
  return epochTimes(seed, `epochs${suffix}`).map((timestamp, i) => {
    const epochKeys: EpochKey[] = [];
    for (const f of fleets) {
      for (const k of f.keys) {
        const role = roleAt(f, k.name, timestamp);
        if (role === null) continue;
        epochKeys.push({
          key_id: k.keyId,
          fleet_id: f.fleetId,
          algorithm: k.algorithm,
          public_key: toHex(k.key.publicKey),
          role,
        });
      }
    }
    epochKeys.sort(byString((k) => k.key_id));
    return {
      namespace: ns,
      epoch: i + 1,
      timestamp,
      issuedAt: isoTime(timestamp - rng.int(2, 9) * 60_000 - rng.int(0, 59_000)),
      ciphersuite: ciphersuiteAt(timestamp),
      auditorKeyId: auditorKeyIdAt(timestamp),
      operatorKeyId: operatorKeyIdAt(timestamp),
      keys: epochKeys,
    };
  });
}

export function planDemo(seed: string, scale: number, namespace: string, keys: DemoKeys): DemoModel {
  const trust = trustKeys(keys);
  const serials = new Map<string, number>();
  const fleets: FleetPlan[] = [];
  for (const gen of GENERATIONS)
    for (let g = 0; g < scale; g++) fleets.push(planFleet(seed, keys, gen, g, serials));
  const namespaces = Array.from({ length: scale }, (_, g) => namespaceOf(namespace, g));
  const epochs = planEpochs(
    seed,
    namespace,
    0,
    fleets.filter((f) => f.group === 0),
  );
  const extraEpochs = namespaces.slice(1).flatMap((ns, i) =>
    planEpochs(
      seed,
      ns,
      i + 1,
      fleets.filter((f) => f.group === i + 1),
    ),
  );
  return { seed, scale, namespace, namespaces, trustKeys: trust, fleets, epochs, extraEpochs };
}
