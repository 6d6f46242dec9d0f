/**
 * HSM key attestations (docs/evidence-format.md §8), format `fleetproof-dsse-v1`: a certificate chain from the
 * device key to a pinned vendor root, and the attestation statement signed by the device key.
 */
import { VerificationError, pathOf } from '../errors.ts';
import { fromHex } from '../encoding.ts';
import { LIMITS } from '../limits.ts';
import { identifier, isoTime, parseWith, text, z } from '../schema.ts';
import { fingerprint } from '../crypto/sha256.ts';
import {
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  isSignatureAlgorithm,
  isValidPublicKey,
  verifySignature,
} from '../crypto/keys.ts';
import { type SignedStatement, checkSubjects, envelopeWire, parseEnvelope } from '../dsse.ts';
import {
  FLEET_KEY_ALGORITHMS,
  type FleetKeyAlgorithm,
  decodeFleetKey,
  keyIdSchema,
} from '../bundle/artifact.ts';
import { type TrustRoots, pinnedKey, requireValidAt } from '../trust.ts';

export const ATTESTATION_FORMAT = 'fleetproof-dsse-v1';
export const CERTIFICATE_PREDICATE = 'https://fleetproof.dev/hsm-certificate/v1';
export const ATTESTATION_PREDICATE = 'https://fleetproof.dev/hsm-key-attestation/v1';

export const fileWire = z.strictObject({
  format: z.literal(ATTESTATION_FORMAT),
  chain: z.array(envelopeWire).check(z.minLength(1)),
  attestation: envelopeWire,
});

export const certificateWire = z.strictObject({
  subject: z.strictObject({ vendor: text(256), model: text(256), serial: z.optional(text(256)) }),
  public_key: z.strictObject({ algorithm: z.enum(SIGNATURE_ALGORITHMS), public_key: z.string() }),
  is_ca: z.boolean(),
  not_before: isoTime,
  not_after: isoTime,
});

export const attestationWire = z.strictObject({
  fleet_id: identifier,
  hsm: z.strictObject({
    hsm_id: identifier,
    vendor: text(256),
    model: text(256),
    serial: text(256),
    firmware_measurement: z.string(),
  }),
  attested_at: isoTime,
  keys: z
    .array(
      z.strictObject({
        key_id: keyIdSchema,
        algorithm: z.enum(FLEET_KEY_ALGORITHMS),
        public_key: z.string(),
        origin: z.enum(['generated', 'imported']),
        exportable: z.boolean(),
      }),
    )
    .check(z.minLength(1)),
});

export interface Certificate {
  statement: SignedStatement;
  vendor: string;
  model: string;
  serial: string | undefined;
  algorithm: SignatureAlgorithm;
  publicKey: Uint8Array;
  fingerprint: string;
  isCa: boolean;
  notBefore: string;
  notAfter: string;
  path: string;
}

export interface AttestedKey {
  keyId: string;
  algorithm: FleetKeyAlgorithm;
  publicKeyHex: string;
  origin: 'generated' | 'imported';
  exportable: boolean;
  path: string;
}

export interface Attestation {
  file: string;
  chain: Certificate[];
  statement: SignedStatement;
  fleetId: string;
  hsm: { hsmId: string; vendor: string; model: string; serial: string; firmwareMeasurement: string };
  attestedAt: string;
  keys: AttestedKey[];
}

function parseCertificate(value: unknown, file: string, base: string): Certificate {
  const st = parseEnvelope(value, file, base, CERTIFICATE_PREDICATE);
  const w = parseWith(certificateWire, st.predicate, file, st.predicatePath);
  const pkPath = pathOf(st.predicatePath, 'public_key', 'public_key');
  const publicKey = fromHex(w.public_key.public_key, { file, path: pkPath });
  if (!isValidPublicKey(w.public_key.algorithm, publicKey)) {
    throw new VerificationError('KEY_INVALID', `not a valid ${w.public_key.algorithm} public key`, {
      file,
      path: pkPath,
    });
  }
  if (w.not_before >= w.not_after) {
    throw new VerificationError('SCHEMA_INVALID', 'not_before is not before not_after', {
      file,
      path: pathOf(st.predicatePath, 'not_after'),
    });
  }
  const name = w.is_ca
    ? `${w.subject.vendor}/${w.subject.model}`
    : `${w.subject.vendor}/${w.subject.serial ?? ''}`;
  if (!w.is_ca && w.subject.serial === undefined) {
    throw new VerificationError('SCHEMA_INVALID', 'a device certificate names its serial', {
      file,
      path: pathOf(st.predicatePath, 'subject', 'serial'),
    });
  }
  checkSubjects(st, [{ name, publicKey }], file);
  if (st.signatures.length !== 1) {
    throw new VerificationError(
      'CHAIN_BROKEN',
      `a certificate carries exactly one signature, this one ${st.signatures.length}`,
      {
        file,
        path: pathOf(base, 'signatures'),
      },
    );
  }
  return {
    statement: st,
    vendor: w.subject.vendor,
    model: w.subject.model,
    serial: w.subject.serial,
    algorithm: w.public_key.algorithm,
    publicKey,
    fingerprint: fingerprint(publicKey),
    isCa: w.is_ca,
    notBefore: w.not_before,
    notAfter: w.not_after,
    path: base,
  };
}

/** Wire → normalized: parses the file, its chain and its statement; signatures are checked separately. */
export function parseAttestation(value: unknown, file: string): Attestation {
  const w = parseWith(fileWire, value, file);
  if (w.chain.length > LIMITS.maxChainLength) {
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `${w.chain.length} certificates; the limit is ${LIMITS.maxChainLength}`,
      { file, path: '$.chain' },
    );
  }
  const chain = w.chain.map((c, i) => parseCertificate(c, file, pathOf('$', 'chain', i)));
  const st = parseEnvelope(w.attestation, file, '$.attestation', ATTESTATION_PREDICATE);
  const base = st.predicatePath;
  const a = parseWith(attestationWire, st.predicate, file, base);
  fromHex(a.hsm.firmware_measurement, { file, path: pathOf(base, 'hsm', 'firmware_measurement') }, 32);
  const seen = new Set<string>();
  const keys = a.keys.map((k, i) => {
    const path = pathOf(base, 'keys', i);
    if (seen.has(k.key_id))
      throw new VerificationError('DUPLICATE_ID', `key ${k.key_id} is listed twice`, {
        file,
        path: pathOf(path, 'key_id'),
      });
    seen.add(k.key_id);
    decodeFleetKey(k.algorithm, k.public_key, { file, path: pathOf(path, 'public_key') });
    return {
      keyId: k.key_id,
      algorithm: k.algorithm,
      publicKeyHex: k.public_key,
      origin: k.origin,
      exportable: k.exportable,
      path,
    };
  });
  checkSubjects(
    st,
    keys.map((k) => ({ name: k.keyId, publicKey: fromHex(k.publicKeyHex) })),
    file,
  );
  return {
    file,
    chain,
    statement: st,
    fleetId: a.fleet_id,
    hsm: {
      hsmId: a.hsm.hsm_id,
      vendor: a.hsm.vendor,
      model: a.hsm.model,
      serial: a.hsm.serial,
      firmwareMeasurement: a.hsm.firmware_measurement,
    },
    attestedAt: a.attested_at,
    keys,
  };
}

/**
 * Verifies the chain link by link at the attestation's time and returns the pinned root's id.
 * Raises CHAIN_BROKEN, UNKNOWN_KEY, KEY_ROLE_INVALID or KEY_OUTSIDE_VALIDITY.
 */
export function verifyChain(att: Attestation, roots: TrustRoots): string {
  const file = att.file;
  const t = att.attestedAt;
  const chain = att.chain;
  const device = chain[0]!;
  if (device.isCa)
    throw new VerificationError(
      'CHAIN_BROKEN',
      'the first certificate is a CA certificate, not the device certificate',
      { file, path: pathOf(device.path, 'payload') },
    );
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i]!;
    const sig = cert.statement.signatures[0]!;
    if (!(cert.notBefore <= t && t < cert.notAfter)) {
      throw new VerificationError(
        'KEY_OUTSIDE_VALIDITY',
        `certificate ${i} is valid from ${cert.notBefore} until ${cert.notAfter}, used at ${t}`,
        { file, path: pathOf(cert.path, 'payload') },
      );
    }
    if (cert.vendor !== device.vendor) {
      throw new VerificationError(
        'CHAIN_BROKEN',
        `certificate ${i} is for vendor ${cert.vendor}, the device's is ${device.vendor}`,
        { file, path: pathOf(cert.path, 'payload') },
      );
    }
    const issuer = chain[i + 1];
    if (issuer) {
      if (!issuer.isCa)
        throw new VerificationError(
          'CHAIN_BROKEN',
          `certificate ${i + 1} issues certificate ${i} but is not a CA`,
          { file, path: pathOf(issuer.path, 'payload') },
        );
      if (sig.keyid !== issuer.fingerprint) {
        throw new VerificationError(
          'CHAIN_BROKEN',
          `certificate ${i} names issuer ${sig.keyid}, but certificate ${i + 1}'s key is ${issuer.fingerprint}`,
          {
            file,
            path: pathOf(sig.path, 'keyid'),
          },
        );
      }
      if (!verifySignature(issuer.algorithm, issuer.publicKey, cert.statement.pae, sig.sig)) {
        throw new VerificationError(
          'CHAIN_BROKEN',
          `certificate ${i}'s signature does not verify under certificate ${i + 1}'s key`,
          {
            file,
            path: pathOf(sig.path, 'sig'),
          },
        );
      }
    } else {
      const where = { file, path: pathOf(sig.path, 'keyid') };
      if (!roots.byId.has(sig.keyid))
        throw new VerificationError(
          'UNKNOWN_KEY',
          `the chain ends at issuer ${sig.keyid}, which is not a pinned vendor root`,
          where,
        );
      const root = pinnedKey(roots, sig.keyid, 'vendor-root', where);
      if (root.vendor !== cert.vendor) {
        throw new VerificationError(
          'CHAIN_BROKEN',
          `root ${root.id} belongs to vendor ${root.vendor}, the certificate to ${cert.vendor}`,
          where,
        );
      }
      requireValidAt(root, t, 'vendor root at the attestation time', where);
      if (!isSignatureAlgorithm(root.algorithm))
        throw new VerificationError(
          'CHAIN_BROKEN',
          `root ${root.id} is an X.509 root (${root.algorithm}): it certifies vendor attestations (§8.3), not fleetproof-dsse-v1 certificates`,
          where,
        );
      if (!verifySignature(root.algorithm, root.publicKey, cert.statement.pae, sig.sig)) {
        throw new VerificationError(
          'CHAIN_BROKEN',
          `certificate ${i}'s signature does not verify under the pinned root ${root.id}`,
          {
            file,
            path: pathOf(sig.path, 'sig'),
          },
        );
      }
      return root.id;
    }
  }
  throw new VerificationError('CHAIN_BROKEN', 'empty chain', { file, path: '$.chain' });
}

/** The attestation's own signature, by the certified device key. */
export function verifyAttestationSignature(att: Attestation): void {
  const device = att.chain[0]!;
  const sigs = att.statement.signatures;
  const where = { file: att.file, path: '$.attestation.signatures' };
  if (sigs.length !== 1)
    throw new VerificationError(
      'ATTESTATION_SIGNATURE_INVALID',
      `an attestation carries one signature, this one ${sigs.length}`,
      where,
    );
  const s = sigs[0]!;
  if (s.keyid !== device.fingerprint) {
    throw new VerificationError(
      'ATTESTATION_SIGNATURE_INVALID',
      `signed by ${s.keyid}, but the device key is ${device.fingerprint}`,
      {
        file: att.file,
        path: pathOf(s.path, 'keyid'),
      },
    );
  }
  if (!verifySignature(device.algorithm, device.publicKey, att.statement.pae, s.sig)) {
    throw new VerificationError(
      'ATTESTATION_SIGNATURE_INVALID',
      "the signature does not verify under the device certificate's key",
      {
        file: att.file,
        path: pathOf(s.path, 'sig'),
      },
    );
  }
}
