/**
 * The fleet-key artifact of one epoch (docs/evidence-format.md §5.2): wire → normalized.
 */
import { VerificationError, pathOf } from '../errors.ts';
import { fromHex } from '../encoding.ts';
import { identifier, isoTime, parseWith, safeInt, z } from '../schema.ts';
import { fingerprint } from '../crypto/sha256.ts';
import { isValidPublicKey } from '../crypto/keys.ts';

export const FLEET_KEY_ALGORITHMS = ['x25519', 'ed25519', 'ecdsa-p256-sha256'] as const;
export type FleetKeyAlgorithm = (typeof FLEET_KEY_ALGORITHMS)[number];
export const KEY_ROLES_IN_BUNDLE = ['active', 'standby', 'retiring'] as const;
export type BundleKeyRole = (typeof KEY_ROLES_IN_BUNDLE)[number];

export const keyIdSchema = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9._-]{0,127}\/[a-z0-9][a-z0-9._-]{0,127}$/,
      'expected <fleet-id>/<name>, each an identifier',
    ),
  );

export const artifactWire = z.strictObject({
  namespace: z.string().check(z.minLength(1), z.maxLength(256)),
  epoch: safeInt,
  issued_at: isoTime,
  keys: z
    .array(
      z.strictObject({
        key_id: keyIdSchema,
        fleet_id: identifier,
        algorithm: z.enum(FLEET_KEY_ALGORITHMS),
        public_key: z.string(),
        role: z.enum(KEY_ROLES_IN_BUNDLE),
      }),
    )
    .check(z.minLength(1)),
});

export interface BundleKey {
  keyId: string;
  fleetId: string;
  algorithm: FleetKeyAlgorithm;
  publicKey: Uint8Array;
  publicKeyHex: string;
  fingerprint: string;
  role: BundleKeyRole;
}

export interface Artifact {
  namespace: string;
  epoch: number;
  issuedAt: string;
  keys: BundleKey[];
}

const KEY_LENGTH: Record<FleetKeyAlgorithm, number[]> = {
  x25519: [32],
  ed25519: [32],
  'ecdsa-p256-sha256': [65, 33],
};

/** Decodes a fleet key's public key, checking its length and, for signature keys, that it is a valid point. */
export function decodeFleetKey(
  alg: FleetKeyAlgorithm,
  hex: string,
  where: { file: string; path: string },
): Uint8Array {
  const pk = fromHex(hex, where);
  if (!KEY_LENGTH[alg].includes(pk.length)) {
    throw new VerificationError(
      'LENGTH_INVALID',
      `a ${alg} public key has ${KEY_LENGTH[alg].join(' or ')} bytes, not ${pk.length}`,
      where,
    );
  }
  if (alg !== 'x25519' && !isValidPublicKey(alg, pk)) {
    throw new VerificationError('KEY_INVALID', `not a valid ${alg} public key`, where);
  }
  return pk;
}

export function parseArtifact(value: unknown, file: string): Artifact {
  const w = parseWith(artifactWire, value, file);
  const seen = new Set<string>();
  const keys = w.keys.map((k, i) => {
    const path = pathOf('$', 'keys', i);
    if (seen.has(k.key_id))
      throw new VerificationError('DUPLICATE_ID', `key ${k.key_id} is listed twice`, {
        file,
        path: pathOf(path, 'key_id'),
      });
    seen.add(k.key_id);
    if (!k.key_id.startsWith(`${k.fleet_id}/`)) {
      throw new VerificationError(
        'SCHEMA_INVALID',
        `key_id ${k.key_id} does not start with its fleet_id ${k.fleet_id}/`,
        {
          file,
          path: pathOf(path, 'key_id'),
        },
      );
    }
    const publicKey = decodeFleetKey(k.algorithm, k.public_key, { file, path: pathOf(path, 'public_key') });
    return {
      keyId: k.key_id,
      fleetId: k.fleet_id,
      algorithm: k.algorithm,
      publicKey,
      publicKeyHex: k.public_key,
      fingerprint: fingerprint(publicKey),
      role: k.role,
    };
  });
  return { namespace: w.namespace, epoch: w.epoch, issuedAt: w.issued_at, keys };
}
