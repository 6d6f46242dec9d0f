/**
 * Vendor attestations as fleet evidence (docs/evidence-format.md §8.3): a member's attestation file may carry the
 * vendor's own bytes (Marvell LiquidSecurity via Google Cloud HSM, AWS Nitro Enclaves, YubiHSM 2) instead of a
 * fleetproof-dsse-v1 attestation. The adapters of verify/vendors/ verify them against the vendor roots pinned in
 * trust-roots.json (§3.4), never against their built-in defaults; this file maps the normalized claim onto the
 * member of the deployment record and onto the fleet keys.
 *
 * The wrapper's own fields (fleet_id, hsm_id, keys) are not signed by anyone: they say where the file belongs and
 * which fleet key the attested key is claimed to be. What binds the attestation to the member is the vendor-signed
 * vendor, model and serial; what binds it to a fleet key is the vendor-signed public key, compared with the key the
 * operator signed in the deployment record.
 */
import { VerificationError, pathOf } from '../errors.ts';
import { fromBase64, toHex } from '../encoding.ts';
import { decodeSec1Point, encodeSec1Uncompressed } from '../crypto/points.ts';
import { identifier, parseWith, z } from '../schema.ts';
import { type Checklist } from '../checklist.ts';
import { keyIdSchema } from '../bundle/artifact.ts';
import { TRUST_ROOTS_FILE, type PinnedKey, type TrustRoots, isValidAt, isoOfMs } from '../trust.ts';
import { verifyVendorAttestation, type VendorInputFormat } from '../vendors/index.ts';
import type {
  AttestedPublicKey,
  ChainEntry,
  PinnedRootInput,
  VendorClaim,
  VendorFormat,
} from '../vendors/claim.ts';
import { MAX_SUPPLIED_CERTIFICATES, refuseSuppliedNitroCertificates } from '../vendors/claim.ts';
import { decodePemCertificates } from '../vendors/x509.ts';
import type { Deployment, FleetKey, Member } from './deployment.ts';

export const VENDOR_ATTESTATION_FORMATS = [
  'marvell-cavium-v2',
  'aws-nitro-enclaves',
  'yubihsm2-key-attestation',
] as const satisfies readonly VendorFormat[];

/** The adapter that reads each format (verify/vendors/index.ts). */
const ADAPTER: Record<VendorFormat, VendorInputFormat> = {
  'marvell-cavium-v2': 'marvell',
  'aws-nitro-enclaves': 'nitro',
  'yubihsm2-key-attestation': 'yubihsm2',
};

export const wire = z.strictObject({
  format: z.enum(VENDOR_ATTESTATION_FORMATS),
  fleet_id: identifier,
  hsm_id: identifier,
  attestation: z.string().check(z.minLength(1)),
  certificates: z.optional(z.array(z.string().check(z.minLength(1)))),
  keys: z.array(z.strictObject({ key_id: keyIdSchema })).check(z.maxLength(1)),
});

/** A vendor attestation file, read (the vendor's bytes are not yet verified). */
export interface VendorAttestation {
  file: string;
  format: VendorFormat;
  fleetId: string;
  hsmId: string;
  /** The vendor's bytes as handed over (decoded from base64). */
  bytes: Uint8Array;
  /** The certificates supplied with them (DER), in the file's order. */
  certificates: Uint8Array[];
  /** The fleet keys the attested key is claimed to be (at most one). */
  keys: { keyId: string; path: string }[];
}

/** A fleet key's form of an attested key: the algorithms of §5.2 a vendor key can be. */
export interface FleetForm {
  algorithm: 'ecdsa-p256-sha256' | 'ed25519';
  /** P-256: the uncompressed SEC1 point (65 bytes); Ed25519: the 32-byte key. */
  key: Uint8Array;
}

/** What verification established about a vendor member (MemberResult.vendor). */
export interface VendorMember {
  attestation: VendorAttestation;
  /** Undefined when the adapter stopped at a failure. */
  claim: VendorClaim | undefined;
  /** Where the time validity was judged at came from. */
  timeSource: 'attestation' | 'deployed_at';
  /** The attested key as a fleet key would carry it; undefined for keys no fleet key can be. */
  fleetForm: FleetForm | undefined;
  /** Fleet keys the attested key was verified to be (the mapping, checked against the deployment record). */
  fleetKeyIds: string[];
}

export function isVendorFormat(format: unknown): format is VendorFormat {
  return (VENDOR_ATTESTATION_FORMATS as readonly unknown[]).includes(format);
}

const PEM_BLOCK = /^-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*$/;

/** Wire → read: the file's fields, the vendor's bytes decoded, each certificate one PEM block. */
export function parseVendorAttestation(value: unknown, file: string): VendorAttestation {
  const w = parseWith(wire, value, file);
  const bytes = fromBase64(w.attestation, { file, path: '$.attestation' });
  const pems = w.certificates ?? [];
  if (ADAPTER[w.format] === 'nitro')
    refuseSuppliedNitroCertificates(pems.length, { file, path: '$.certificates' });
  if (pems.length > MAX_SUPPLIED_CERTIFICATES)
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `${pems.length} certificates; the limit is ${MAX_SUPPLIED_CERTIFICATES}`,
      { file, path: '$.certificates' },
    );
  const certificates = pems.map((pem, i) => {
    const where = { file, path: pathOf('$', 'certificates', i) };
    const ders = PEM_BLOCK.test(pem.trim()) ? decodePemCertificates(pem, where) : [];
    if (ders.length !== 1)
      throw new VerificationError(
        'CERTIFICATE_INVALID',
        'each entry of certificates is exactly one PEM CERTIFICATE block',
        where,
      );
    return ders[0]!;
  });
  return {
    file,
    format: w.format,
    fleetId: w.fleet_id,
    hsmId: w.hsm_id,
    bytes,
    certificates,
    keys: w.keys.map((k, i) => ({ keyId: k.key_id, path: pathOf('$', 'keys', i) })),
  };
}

/** The pinned vendor roots that are X.509 certificates (§3.4), as the adapters take them: id = trust-root id. */
export function pinnedVendorRoots(roots: TrustRoots): PinnedRootInput[] {
  return roots.keys
    .filter((k) => k.role === 'vendor-root' && k.certificate)
    .map((k) => ({ id: k.id, der: k.certificate!.der }));
}

/** The attested key as a fleet key (§8.3 "Keys"): P-256 → ecdsa-p256-sha256, Ed25519 → ed25519, else none. */
export function fleetFormOf(pk: AttestedPublicKey | undefined): FleetForm | undefined {
  if (!pk) return undefined;
  if (pk.algorithm === 'ed25519' && pk.bytes.length === 32) return { algorithm: 'ed25519', key: pk.bytes };
  if (pk.algorithm === 'ec-p256') {
    const pt = decodeSec1Point('p256', pk.bytes);
    return pt ? { algorithm: 'ecdsa-p256-sha256', key: encodeSec1Uncompressed('p256', pt) } : undefined;
  }
  return undefined;
}

/** Whether the fleet key is the attested key: same algorithm, same point (compressed or not) or same bytes. */
export function isFleetKey(form: FleetForm | undefined, k: FleetKey): boolean {
  if (!form || form.algorithm !== k.algorithm) return false;
  if (form.algorithm !== 'ecdsa-p256-sha256') return toHex(k.publicKey) === toHex(form.key);
  const pt = decodeSec1Point('p256', k.publicKey);
  if (!pt) throw new Error(`fleet key ${k.keyId} is not a P-256 point`);
  return toHex(encodeSec1Uncompressed('p256', pt)) === toHex(form.key);
}

/** Errors the adapters raise, by the check they belong to. */
const CHAIN_CODES = new Set([
  'CHAIN_BROKEN',
  'CHAIN_INCOMPLETE',
  'UNKNOWN_KEY',
  'KEY_OUTSIDE_VALIDITY',
  'TWIN_KEY_MISMATCH',
]);

/** Re-homes an adapter error: paths inside the vendor's bytes go under $.attestation, pinned roots to their entry. */
function rehome(e: VerificationError, att: VendorAttestation, roots: PinnedRootInput[], trust: TrustRoots) {
  const p = e.path;
  const root = p && /^\$\.roots\[(\d+)\]/.exec(p);
  if (root) {
    const k = trust.byId.get(roots[Number(root[1])]?.id ?? '');
    return new VerificationError(e.code, e.message, { file: TRUST_ROOTS_FILE, path: k?.path });
  }
  const path =
    p === undefined || /^\$\.certificates(\[|$)/.test(p) || !p.startsWith('$')
      ? (p ?? '$.attestation')
      : `$.attestation${p.slice(1)}`;
  return new VerificationError(e.code, e.message, { file: att.file, path });
}

/** The CN of a distinguished name as x509.ts prints it ("C=US, O=…, CN=…"), else the whole name. */
export function commonName(dn: string): string {
  return /(?:^|[,+] ?)CN=((?:\\.|[^,+\\])*)/.exec(dn)?.[1]?.replace(/\\(.)/g, '$1') ?? dn;
}
const cn = commonName;
const short = (hex: string) => `${hex.slice(0, 16)}…`;

/**
 * A claim's chain for people: each path from a leaf up to the pinned root, `"CN" (sha256 …) ← …`, grouped as the
 * adapter groups them (Marvell: the manufacturer's chain, then the owner's two certificates, each to its root).
 */
function chainText(entries: ChainEntry[]): string {
  const groups = [...new Set(entries.map((e) => e.group))];
  const one = (e: ChainEntry) =>
    `${e.role === 'root' ? 'pinned root ' : ''}"${cn(e.subject)}" (sha256 ${short(e.fingerprint)})`;
  return groups
    .map((g) => {
      const inGroup = entries.filter((e) => e.group === g);
      const root = inGroup.find((e) => e.role === 'root');
      const paths: ChainEntry[][] = [];
      for (const e of inGroup) {
        if (e.role === 'leaf' || paths.length === 0) paths.push([]);
        if (e.role !== 'root') paths[paths.length - 1]!.push(e);
      }
      const text = paths.map((p) => [...p, ...(root ? [root] : [])].map(one).join(' ← ')).join(', ');
      return g ? `${g}: ${text}` : text;
    })
    .join('; ');
}

/** Notes about the chain (for the chain check's detail) and the others (for the claims check's). */
function isChainNote(n: string): boolean {
  return /chain|root|intermediate|certificate|cabundle|^\$\.certificates/i.test(n);
}

function exportableText(x: VendorClaim['exportable']): string {
  return x === 'under-wrap' ? 'exportable under wrap' : x ? 'exportable' : 'not exportable';
}

/**
 * Verifies one vendor member: hsm.read, hsm.chain, hsm.signature and hsm.claims, as for the generic format. The
 * adapter runs once; when it stops at a failure, the check that failure belongs to fails and the later ones are
 * not run (the member is not verified). Returns whether all four passed.
 */
export function verifyVendorMember(
  list: Checklist,
  trust: TrustRoots,
  dep: Deployment,
  m: Member,
  index: number,
  value: unknown,
  file: string,
  subject: string,
  now: string | undefined,
  set: (v: VendorMember) => void,
): boolean {
  let att: VendorAttestation | undefined;
  let claim: VendorClaim | undefined;
  let failure: { check: 'hsm.chain' | 'hsm.signature'; error: VerificationError } | undefined;
  const roots = pinnedVendorRoots(trust);
  const read = list.run('hsm.read', 'The attestation parses', subject, () => {
    att = parseVendorAttestation(value, file);
    const a = att;
    try {
      claim = verifyVendorAttestation(ADAPTER[a.format], a.bytes, a.certificates, {
        roots,
        // Nitro documents carry their own time, which the adapter uses; the others are judged at deployed_at.
        at: a.format === 'aws-nitro-enclaves' ? undefined : dep.deployedAt,
        now,
        file,
      });
    } catch (e) {
      if (!(e instanceof VerificationError)) throw e;
      const error = rehome(e, a, roots, trust);
      if (CHAIN_CODES.has(e.code)) failure = { check: 'hsm.chain', error };
      else if (e.code === 'ATTESTATION_SIGNATURE_INVALID') failure = { check: 'hsm.signature', error };
      else throw error;
    }
    return `${a.format}: ${a.bytes.length}-byte vendor attestation, ${a.certificates.length} certificate${a.certificates.length === 1 ? '' : 's'} supplied; ${a.keys.length ? `mapped to fleet key ${a.keys[0]!.keyId}` : 'mapped to no fleet key'}`;
  });
  if (!read || !att) return false;
  const a = att;
  const vm: VendorMember = {
    attestation: a,
    claim,
    timeSource: a.format === 'aws-nitro-enclaves' ? 'attestation' : 'deployed_at',
    fleetForm: fleetFormOf(claim?.publicKey),
    fleetKeyIds: [],
  };
  set(vm);
  if (failure) {
    const f = failure;
    list.run(
      f.check,
      f.check === 'hsm.chain'
        ? 'The device certificate chains to a pinned vendor root'
        : "The attestation is signed by the HSM's certified device key",
      subject,
      () => {
        throw f.error;
      },
    );
    return false;
  }
  const c = claim!;
  const timeIso = isoOfMs(Date.parse(c.timeUsed));
  const timeText = `${c.timeUsed} (${vm.timeSource === 'attestation' ? "the attestation's own timestamp" : "the deployment's deployed_at"})`;
  const chainNotes = c.notes.filter(isChainNote);
  const otherNotes = c.notes.filter((n) => !isChainNote(n));

  const chain = list.runAll(
    'hsm.chain',
    'The device certificate chains to a pinned vendor root',
    subject,
    (errors) => {
      const where = { file, path: '$.certificates' };
      const extra: string[] = [];
      if (!c.chainComplete) {
        errors.push(
          new VerificationError(
            'CHAIN_INCOMPLETE',
            `${c.vendor} chain ${chainText(c.chain)} at ${timeText}: ${c.notes.find((n) => n.startsWith('intermediate missing')) ?? 'the chain does not reach a pinned root'}`,
            where,
          ),
        );
        return;
      }
      const pinned: [string, PinnedKey | undefined, boolean][] = [
        [c.rootId!, trust.byId.get(c.rootId!), true],
      ];
      const owner = c.details.ownerRootId;
      if (typeof owner === 'string') pinned.push([owner, trust.byId.get(owner), false]);
      for (const [id, k, own] of pinned) {
        if (!k) continue;
        const at = { file: TRUST_ROOTS_FILE, path: k.path };
        if (own && k.vendor !== c.vendor)
          errors.push(
            new VerificationError(
              'CHAIN_BROKEN',
              `the chain ends at root ${id}, pinned for vendor ${k.vendor}; the attestation is ${c.vendor}'s`,
              at,
            ),
          );
        if (!isValidAt(k, timeIso))
          errors.push(
            new VerificationError(
              'KEY_OUTSIDE_VALIDITY',
              `vendor root at the time used: key ${k.id} is valid from ${k.validFrom} until ${k.validUntil}, used at ${timeText}`,
              at,
            ),
          );
        else if (Date.parse(k.validUntil) <= (now !== undefined ? Date.parse(now) : Date.now()))
          extra.push(
            `the pinned root ${k.id} was valid at the time used; its trust window has ended since (${k.validUntil})`,
          );
      }
      const notes = [...chainNotes, ...extra];
      return `${c.vendor} chain ${chainText(c.chain)}, at ${timeText}; root ${c.rootId}${typeof owner === 'string' ? `, owner root ${owner}` : ''}${notes.length ? `; notes: ${notes.join(' | ')}` : ''}`;
    },
  );

  const signature = list.run(
    'hsm.signature',
    "The attestation is signed by the HSM's certified device key",
    subject,
    () => {
      const signer = c.format === 'yubihsm2-key-attestation' ? c.chain[1] : c.chain[0];
      const how =
        c.format === 'aws-nitro-enclaves'
          ? 'COSE_Sign1 ES384'
          : c.format === 'marvell-cavium-v2'
            ? 'RSA PKCS#1 v1.5 SHA-256'
            : 'X.509 signature of the key attestation certificate';
      return `${c.vendor}: ${how} verifies under the key of ${signer ? `"${cn(signer.subject)}" (sha256 ${short(signer.fingerprint)})` : 'the device certificate'}`;
    },
  );

  const claims = list.runAll(
    'hsm.claims',
    'The attestation agrees with the deployment record',
    subject,
    (errors) => {
      const here = (path: string) => ({ file, path });
      if (a.fleetId !== dep.fleetId)
        errors.push(
          new VerificationError(
            'MEMBER_MISMATCH',
            `attestation is for fleet ${a.fleetId}, not ${dep.fleetId}`,
            here('$.fleet_id'),
          ),
        );
      if (a.hsmId !== m.hsmId)
        errors.push(
          new VerificationError(
            'MEMBER_MISMATCH',
            `hsm_id is ${JSON.stringify(a.hsmId)}; the deployment record says ${JSON.stringify(m.hsmId)}`,
            here('$.hsm_id'),
          ),
        );
      for (const [field, got, want] of [
        ['vendor', c.vendor, m.vendor],
        ['model', c.model, m.model],
        ['serial', c.serial, m.serial],
      ] as const) {
        if (got !== want)
          errors.push(
            new VerificationError(
              'MEMBER_MISMATCH',
              `the ${c.format} attestation says ${field} ${JSON.stringify(got)}; the deployment record says ${JSON.stringify(want)}`,
              here('$.attestation'),
            ),
          );
      }
      const stated = c.format === 'aws-nitro-enclaves' ? c.measurements['PCR0'] : c.firmware;
      const what = c.format === 'aws-nitro-enclaves' ? 'PCR0' : 'firmware version';
      if (stated !== m.firmwareMeasurement)
        errors.push(
          new VerificationError(
            'FIRMWARE_MISMATCH',
            stated === undefined
              ? `the ${c.format} attestation states no firmware; the record says ${m.firmwareMeasurement} (member ${index}): it cannot be verified, so the record must not state it`
              : `attested ${what} ${stated}; the record ${m.firmwareMeasurement === undefined ? 'states none' : `says ${m.firmwareMeasurement}`}`,
            here('$.attestation'),
          ),
        );
      if (vm.timeSource === 'attestation' && Date.parse(c.timeUsed) > Date.parse(dep.deployedAt))
        errors.push(
          new VerificationError(
            'TIME_ORDER_INVALID',
            `attested at ${c.timeUsed}, after the deployment at ${dep.deployedAt}`,
            here('$.attestation'),
          ),
        );
      for (const k of a.keys) {
        const fk = dep.keys.find((x) => x.keyId === k.keyId);
        const at = here(pathOf(k.path, 'key_id'));
        if (!fk) {
          errors.push(
            new VerificationError(
              'ATTESTED_KEY_MISMATCH',
              `${k.keyId} is not a key of ${dep.fleetId}'s deployment record`,
              at,
            ),
          );
        } else if (!vm.fleetForm) {
          errors.push(
            new VerificationError(
              'ATTESTED_KEY_UNSUPPORTED',
              `the attestation attests ${c.publicKey ? `an ${c.keyType} public key` : `a ${c.keyType} key without a public key`}; a fleet key is x25519, ed25519 or ecdsa-p256-sha256, so it cannot be ${k.keyId}`,
              at,
            ),
          );
        } else if (!isFleetKey(vm.fleetForm, fk)) {
          errors.push(
            new VerificationError(
              'ATTESTED_KEY_MISMATCH',
              vm.fleetForm.algorithm !== fk.algorithm
                ? `${k.keyId} is an ${fk.algorithm} key; the attestation attests an ${c.keyType} key`
                : `the attested ${c.keyType} key ${toHex(vm.fleetForm.key)} is not ${k.keyId}'s public key ${fk.publicKeyHex}`,
              at,
            ),
          );
        } else vm.fleetKeyIds.push(k.keyId);
      }
      const keyText = `${c.keyType} key, ${c.generatedOnDevice ? 'generated on the device' : 'not attested as generated on the device'}, ${exportableText(c.exportable)}, ${vm.fleetKeyIds.length ? `= fleet key ${vm.fleetKeyIds.join(', ')}` : 'mapped to no fleet key'}`;
      return `${c.vendor} ${c.model} serial ${c.serial}, ${stated === undefined ? 'no firmware stated' : `${what} ${stated.length > 24 ? short(stated) : stated}`} = record (member ${index}); ${keyText}; time used ${timeText}${otherNotes.length ? `; notes: ${otherNotes.join(' | ')}` : ''}`;
    },
  );
  return chain && signature && claims;
}
