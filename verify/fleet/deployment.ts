/**
 * The fleet deployment record (docs/evidence-format.md §7): a DSSE envelope whose in-toto statement has
 * predicateType https://fleetproof.dev/fleet-deployment/v1. Wire → normalized.
 */
import { VerificationError, pathOf } from '../errors.ts';
import { fromHex } from '../encoding.ts';
import { LIMITS } from '../limits.ts';
import { identifier, isoTime, parseWith, text, z } from '../schema.ts';
import { fingerprint } from '../crypto/sha256.ts';
import { type SignedStatement, checkSubjects, parseEnvelope } from '../dsse.ts';
import {
  FLEET_KEY_ALGORITHMS,
  type FleetKeyAlgorithm,
  decodeFleetKey,
  keyIdSchema,
} from '../bundle/artifact.ts';

export const DEPLOYMENT_PREDICATE = 'https://fleetproof.dev/fleet-deployment/v1';

export const predicateWire = z.strictObject({
  fleet_id: identifier,
  description: text(8192),
  deployed_at: isoTime,
  regions: z
    .array(
      z.strictObject({
        id: identifier,
        name: text(256),
        data_centers: z.array(z.strictObject({ id: identifier, name: text(256) })).check(z.minLength(1)),
      }),
    )
    .check(z.minLength(1)),
  members: z.array(
    z.strictObject({
      hsm_id: identifier,
      vendor: text(256),
      model: text(256),
      serial: text(256),
      firmware_measurement: z.optional(z.string()),
      region: identifier,
      data_center: identifier,
    }),
  ),
  quorum: z.strictObject({ threshold: z.number().check(z.int(), z.minimum(1)) }),
  keys: z
    .array(
      z.strictObject({
        key_id: keyIdSchema,
        algorithm: z.enum(FLEET_KEY_ALGORITHMS),
        public_key: z.string(),
        purpose: text(1024),
        generated_on: identifier,
      }),
    )
    .check(z.minLength(1)),
  ceremony: z.strictObject({
    performed_at: isoTime,
    location: text(512),
    procedure: text(8192),
    witnesses: z
      .array(z.strictObject({ name: text(256), organization: text(256), key: identifier }))
      .check(z.minLength(2)),
  }),
});

export interface Member {
  hsmId: string;
  vendor: string;
  model: string;
  serial: string;
  /**
   * What the member's attestation states of its firmware (§7): a 32-byte hex measurement (fleetproof-dsse-v1), the
   * Nitro PCR0 (48 bytes hex), a YubiHSM firmware version ("2.4.0"); absent when the attestation states none.
   */
  firmwareMeasurement: string | undefined;
  region: string;
  dataCenter: string;
}

export interface FleetKey {
  keyId: string;
  algorithm: FleetKeyAlgorithm;
  publicKey: Uint8Array;
  publicKeyHex: string;
  fingerprint: string;
  purpose: string;
  generatedOn: string;
  /** JSONPath of the key in the deployment file. */
  path: string;
}

export interface Deployment {
  statement: SignedStatement;
  fleetId: string;
  description: string;
  deployedAt: string;
  regions: { id: string; name: string; dataCenters: { id: string; name: string }[] }[];
  members: Member[];
  threshold: number;
  keys: FleetKey[];
  ceremony: {
    performedAt: string;
    location: string;
    procedure: string;
    witnesses: { name: string; organization: string; key: string }[];
  };
}

/** A firmware version as a vendor attestation states it (YubiHSM 2: major.minor.patch). */
export const FIRMWARE_VERSION = /^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$/;

/** A member's firmware_measurement: a version, or lowercase hex of 32, 48 or 64 bytes (a digest, a Nitro PCR). */
function checkFirmwareField(value: string, where: { file: string; path: string }): void {
  if (FIRMWARE_VERSION.test(value)) return;
  const bytes = fromHex(value, where);
  if (![32, 48, 64].includes(bytes.length))
    throw new VerificationError(
      'LENGTH_INVALID',
      `a firmware measurement has 32, 48 or 64 bytes, not ${bytes.length}`,
      where,
    );
}

export function parseDeployment(value: unknown, file: string): Deployment {
  const st = parseEnvelope(value, file, '$', DEPLOYMENT_PREDICATE);
  const base = st.predicatePath;
  const w = parseWith(predicateWire, st.predicate, file, base);
  const at = (...parts: (string | number)[]) => ({ file, path: pathOf(base, ...parts) });
  if (w.members.length > LIMITS.maxMembers) {
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `${w.members.length} members; the limit is ${LIMITS.maxMembers}`,
      at('members'),
    );
  }
  const unique = (ids: string[], what: string, field: (i: number) => { file: string; path: string }) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) throw new VerificationError('DUPLICATE_ID', `${what} ${id} appears twice`, field(i));
      seen.add(id);
    });
    return seen;
  };
  const regions = unique(
    w.regions.map((r) => r.id),
    'region',
    (i) => at('regions', i, 'id'),
  );
  const dcs = w.regions.flatMap((r, i) =>
    r.data_centers.map((d, j) => ({
      id: d.id,
      region: r.id,
      path: at('regions', i, 'data_centers', j, 'id'),
    })),
  );
  unique(
    dcs.map((d) => d.id),
    'data center',
    (i) => dcs[i]!.path,
  );
  const dcRegion = new Map(dcs.map((d) => [d.id, d.region]));
  unique(
    w.members.map((m) => m.hsm_id),
    'hsm_id',
    (i) => at('members', i, 'hsm_id'),
  );
  unique(
    w.members.map((m) => m.serial),
    'serial',
    (i) => at('members', i, 'serial'),
  );
  unique(
    w.keys.map((k) => k.key_id),
    'key_id',
    (i) => at('keys', i, 'key_id'),
  );
  const members = w.members.map((m, i) => {
    if (!regions.has(m.region))
      throw new VerificationError(
        'SCHEMA_INVALID',
        `region ${m.region} is not listed in regions`,
        at('members', i, 'region'),
      );
    if (dcRegion.get(m.data_center) !== m.region) {
      throw new VerificationError(
        'SCHEMA_INVALID',
        `data center ${m.data_center} is not listed in region ${m.region}`,
        at('members', i, 'data_center'),
      );
    }
    if (m.firmware_measurement !== undefined)
      checkFirmwareField(m.firmware_measurement, at('members', i, 'firmware_measurement'));
    return {
      hsmId: m.hsm_id,
      vendor: m.vendor,
      model: m.model,
      serial: m.serial,
      firmwareMeasurement: m.firmware_measurement,
      region: m.region,
      dataCenter: m.data_center,
    };
  });
  const keys = w.keys.map((k, i) => {
    if (!k.key_id.startsWith(`${w.fleet_id}/`)) {
      throw new VerificationError(
        'SCHEMA_INVALID',
        `key_id ${k.key_id} does not start with ${w.fleet_id}/`,
        at('keys', i, 'key_id'),
      );
    }
    const publicKey = decodeFleetKey(k.algorithm, k.public_key, at('keys', i, 'public_key'));
    return {
      keyId: k.key_id,
      algorithm: k.algorithm,
      publicKey,
      publicKeyHex: k.public_key,
      fingerprint: fingerprint(publicKey),
      purpose: k.purpose,
      generatedOn: k.generated_on,
      path: pathOf(base, 'keys', i),
    };
  });
  checkSubjects(
    st,
    keys.map((k) => ({ name: k.keyId, publicKey: k.publicKey })),
    file,
  );
  return {
    statement: st,
    fleetId: w.fleet_id,
    description: w.description,
    deployedAt: w.deployed_at,
    regions: w.regions.map((r) => ({
      id: r.id,
      name: r.name,
      dataCenters: r.data_centers.map((d) => ({ id: d.id, name: d.name })),
    })),
    members,
    threshold: w.quorum.threshold,
    keys,
    ceremony: {
      performedAt: w.ceremony.performed_at,
      location: w.ceremony.location,
      procedure: w.ceremony.procedure,
      witnesses: w.ceremony.witnesses.map((x) => ({ ...x })),
    },
  };
}
