/**
 * One fleet's deployment evidence (docs/evidence-format.md §7, §8): the record, its operator and witness
 * signatures, one attestation per member HSM with its chain, the fleet keys attested, the quorum, the times.
 */
import { VerificationError, pathOf } from '../errors.ts';
import { readJson } from '../json.ts';
import { verifySignature } from '../crypto/keys.ts';
import { type Checklist, attempt } from '../checklist.ts';
import { type PinnedKey, type TrustRoots, pinnedKey, requireValidAt } from '../trust.ts';
import { type Deployment, parseDeployment } from './deployment.ts';
import {
  ATTESTATION_FORMAT,
  type Attestation,
  parseAttestation,
  verifyAttestationSignature,
  verifyChain,
} from './attestation.ts';
import {
  VENDOR_ATTESTATION_FORMATS,
  type VendorMember,
  isFleetKey,
  isVendorFormat,
  verifyVendorMember,
} from './vendor.ts';

export interface FleetFiles {
  /** fleets/<fleet-id> */
  dir: string;
  deployment: Uint8Array | undefined;
  /** hsm-id → bytes of fleets/<fleet-id>/attestations/<hsm-id>.json */
  attestations: Map<string, Uint8Array>;
}

export interface MemberResult {
  hsmId: string;
  file: string;
  /** A fleetproof-dsse-v1 attestation that parsed. */
  attestation: Attestation | undefined;
  /** A vendor attestation that parsed (§8.3), with what its adapter established. */
  vendor: VendorMember | undefined;
  rootId: string | undefined;
  verified: boolean;
}

export interface FleetOptions {
  /**
   * The time (ISO) for "expired since" notes on vendor chains, or a function that gives it, called only when a
   * vendor-format member needs it; default: the clock.
   */
  now?: string | (() => string | undefined);
}

export interface VerifiedFleet {
  dir: string;
  fleetId: string;
  deployment: Deployment | undefined;
  /** Verified operator key id and witness key ids that signed. */
  operatorKeyId: string | undefined;
  witnessKeyIds: string[];
  members: MemberResult[];
  ok: boolean;
}

export function verifyFleet(
  list: Checklist,
  roots: TrustRoots,
  f: FleetFiles,
  opts: FleetOptions = {},
): VerifiedFleet {
  const file = `${f.dir}/deployment.json`;
  const dirId = f.dir.slice(f.dir.lastIndexOf('/') + 1);
  const subject = f.dir;
  let ok = true;
  const step = (passed: boolean) => {
    ok &&= passed;
  };
  const result: VerifiedFleet = {
    dir: f.dir,
    fleetId: dirId,
    deployment: undefined,
    operatorKeyId: undefined,
    witnessKeyIds: [],
    members: [],
    ok: false,
  };

  let d: Deployment | undefined;
  step(
    list.run('fleet.read', 'The deployment record parses', subject, () => {
      if (!f.deployment)
        throw new VerificationError('FILE_MISSING', 'the fleet has no deployment record', { file });
      d = parseDeployment(readJson(f.deployment, file), file);
      if (d.fleetId !== dirId) {
        throw new VerificationError('PATH_MISMATCH', `the record is for ${d.fleetId}, filed under ${dirId}`, {
          file,
          path: pathOf(d.statement.predicatePath, 'fleet_id'),
        });
      }
      return `${d.members.length} members in ${d.regions.length} regions, ${d.keys.length} fleet keys`;
    }),
  );
  if (!d) return result;
  const dep = d;
  result.deployment = dep;
  const pred = dep.statement.predicatePath;

  // Signatures: the operator and every witness.
  const witnessKeys = new Set(dep.ceremony.witnesses.map((w) => w.key));
  /** Each pinned operator or witness key that signed: whether its signature verifies, where it names the key. */
  const signedBy = new Map<string, { key: PinnedKey; verified: boolean; keyidPath: string }>();
  const sigErrors: VerificationError[] = [];
  for (const s of dep.statement.signatures) {
    const where = { file, path: pathOf(s.path, 'keyid') };
    const k = roots.byId.get(s.keyid);
    if (!k) {
      sigErrors.push(
        new VerificationError('UNKNOWN_KEY', `signed by ${s.keyid}, which is not a pinned key`, where),
      );
      continue;
    }
    if (k.role !== 'operator' && k.role !== 'witness') {
      sigErrors.push(new VerificationError('KEY_ROLE_INVALID', `signed by ${k.id}, a ${k.role} key`, where));
      continue;
    }
    // One signature per key: with two, a reader taking the first and one taking the last could disagree.
    if (signedBy.has(k.id)) {
      sigErrors.push(
        new VerificationError('DUPLICATE_ID', `${k.id} signed the record more than once`, where),
      );
      continue;
    }
    signedBy.set(k.id, {
      key: k,
      verified: verifySignature(k.algorithm, k.publicKey, dep.statement.pae, s.sig),
      keyidPath: where.path,
    });
  }
  step(
    list.runAll(
      'fleet.operator-signature',
      "The operator's signature on the record verifies",
      subject,
      (errors) => {
        errors.push(...sigErrors);
        // Every operator signature present must verify, not just one of them: the record is published as verified
        // with all its signatures.
        const ops = [...signedBy.values()].filter((s) => s.key.role === 'operator');
        const bad = ops.filter((s) => !s.verified).map((s) => s.key.id);
        if (ops.length === 0 || bad.length > 0) {
          errors.push(
            new VerificationError(
              'DEPLOYMENT_SIGNATURE_INVALID',
              bad.length
                ? `the signature by ${bad.join(', ')} does not verify`
                : 'no pinned operator key signed the record',
              { file, path: '$.signatures' },
            ),
          );
          return;
        }
        const keys = ops.map((s) => s.key);
        for (const k of keys)
          requireValidAt(k, dep.deployedAt, 'operator key at deployed_at', { file, path: '$.signatures' });
        result.operatorKeyId = keys[0]!.id;
        return `signed by ${keys.map((k) => `${k.id} (${k.fingerprint.slice(0, 16)}…)`).join(', ')}, valid at ${dep.deployedAt}`;
      },
    ),
  );
  step(
    list.runAll('fleet.witnesses', 'Every ceremony witness signed the record', subject, (errors) => {
      dep.ceremony.witnesses.forEach((w, i) => {
        const where = { file, path: pathOf(pred, 'ceremony', 'witnesses', i, 'key') };
        const k = attempt(() => pinnedKey(roots, w.key, 'witness', where), errors);
        if (!k) return;
        const v = signedBy.get(w.key)?.verified;
        if (v === undefined)
          errors.push(
            new VerificationError(
              'WITNESS_SIGNATURE_MISSING',
              `${w.name} (${w.key}) did not sign the record`,
              where,
            ),
          );
        else if (!v)
          errors.push(
            new VerificationError(
              'WITNESS_SIGNATURE_INVALID',
              `the signature by ${w.name} (${w.key}) does not verify`,
              where,
            ),
          );
        else
          attempt(() => requireValidAt(k, dep.deployedAt, `witness ${w.name} at deployed_at`, where), errors);
        if (v) result.witnessKeyIds.push(w.key);
      });
      for (const { key, keyidPath } of signedBy.values()) {
        if (key.role === 'witness' && !witnessKeys.has(key.id)) {
          errors.push(
            new VerificationError(
              'WITNESS_SIGNATURE_INVALID',
              `${key.id} signed the record but is not a witness of its ceremony`,
              { file, path: keyidPath },
            ),
          );
        }
      }
      return `${dep.ceremony.witnesses.length} witnesses signed: ${dep.ceremony.witnesses.map((w) => w.name).join(', ')}`;
    }),
  );
  step(
    list.run('fleet.ceremony-time', 'The ceremony precedes the deployment', subject, () => {
      if (dep.ceremony.performedAt > dep.deployedAt) {
        throw new VerificationError(
          'TIME_ORDER_INVALID',
          `ceremony at ${dep.ceremony.performedAt}, after the deployment at ${dep.deployedAt}`,
          {
            file,
            path: pathOf(pred, 'ceremony', 'performed_at'),
          },
        );
      }
      return `ceremony ${dep.ceremony.performedAt} ≤ deployment ${dep.deployedAt}`;
    }),
  );

  // One attestation per member.
  const memberIds = new Set(dep.members.map((m) => m.hsmId));
  step(
    list.runAll(
      'fleet.attestations-complete',
      'Every member has exactly one attestation, and only members',
      subject,
      (errors) => {
        dep.members.forEach((m, i) => {
          if (!f.attestations.has(m.hsmId)) {
            errors.push(
              new VerificationError(
                'ATTESTATION_MISSING',
                `member ${m.hsmId} has no attestations/${m.hsmId}.json`,
                { file, path: pathOf(pred, 'members', i) },
              ),
            );
          }
        });
        for (const id of f.attestations.keys()) {
          if (!memberIds.has(id))
            errors.push(
              new VerificationError('ATTESTATION_UNEXPECTED', `${id} is not a member of ${dep.fleetId}`, {
                file: `${f.dir}/attestations/${id}.json`,
              }),
            );
        }
        return `${dep.members.length} members, ${f.attestations.size} attestations`;
      },
    ),
  );

  for (const [i, m] of dep.members.entries()) {
    const bytes = f.attestations.get(m.hsmId);
    if (!bytes) continue;
    const afile = `${f.dir}/attestations/${m.hsmId}.json`;
    const sub = `${f.dir}/attestations/${m.hsmId}`;
    const mr: MemberResult = {
      hsmId: m.hsmId,
      file: afile,
      attestation: undefined,
      vendor: undefined,
      rootId: undefined,
      verified: false,
    };
    result.members.push(mr);
    // Read once, outside the checks, to choose the format; a read failure is hsm.read's.
    let value: unknown;
    let readError: VerificationError | undefined;
    try {
      value = readJson(bytes, afile);
    } catch (e) {
      if (!(e instanceof VerificationError)) throw e;
      readError = e;
    }
    const format = (value as { format?: unknown } | null | undefined)?.format;
    if (!readError && isVendorFormat(format)) {
      const now = typeof opts.now === 'function' ? opts.now() : opts.now;
      mr.verified = verifyVendorMember(list, roots, dep, m, i, value, afile, sub, now, (v) => {
        mr.vendor = v;
        mr.rootId = v.claim?.chainComplete ? v.claim.rootId : undefined;
      });
      step(mr.verified);
      continue;
    }
    let att: Attestation | undefined;
    let good = list.run('hsm.read', 'The attestation parses', sub, () => {
      if (readError) throw readError;
      if (typeof format === 'string' && format !== ATTESTATION_FORMAT)
        throw new VerificationError(
          'SCHEMA_INVALID',
          `format is ${JSON.stringify(format)}; expected one of ${[ATTESTATION_FORMAT, ...VENDOR_ATTESTATION_FORMATS].map((x) => JSON.stringify(x)).join(', ')}`,
          { file: afile, path: '$.format' },
        );
      att = parseAttestation(value, afile);
      return `${att.chain.length} certificates, ${att.keys.length} keys attested at ${att.attestedAt}`;
    });
    if (!att) {
      step(false);
      continue;
    }
    const a = att;
    mr.attestation = a;
    good =
      list.run('hsm.chain', 'The device certificate chains to a pinned vendor root', sub, () => {
        mr.rootId = verifyChain(a, roots);
        const names = a.chain.map((c) =>
          c.isCa ? `CA ${c.fingerprint.slice(0, 12)}…` : `device ${c.fingerprint.slice(0, 12)}…`,
        );
        return `${names.join(' ← ')} ← root ${mr.rootId}, at ${a.attestedAt}`;
      }) && good;
    good =
      list.run('hsm.signature', "The attestation is signed by the HSM's certified device key", sub, () => {
        verifyAttestationSignature(a);
        return `signed by device key ${a.chain[0]!.fingerprint.slice(0, 16)}…`;
      }) && good;
    good =
      list.runAll('hsm.claims', 'The attestation agrees with the deployment record', sub, (errors) => {
        const h = a.hsm;
        const at = (field: string) => ({
          file: afile,
          path: pathOf(a.statement.predicatePath, 'hsm', field),
        });
        const device = a.chain[0]!;
        if (a.fleetId !== dep.fleetId)
          errors.push(
            new VerificationError(
              'MEMBER_MISMATCH',
              `attestation is for fleet ${a.fleetId}, not ${dep.fleetId}`,
              { file: afile, path: pathOf(a.statement.predicatePath, 'fleet_id') },
            ),
          );
        for (const [field, got, want] of [
          ['hsm_id', h.hsmId, m.hsmId],
          ['vendor', h.vendor, m.vendor],
          ['model', h.model, m.model],
          ['serial', h.serial, m.serial],
        ] as const) {
          if (got !== want)
            errors.push(
              new VerificationError(
                'MEMBER_MISMATCH',
                `${field} is ${JSON.stringify(got)}; the deployment record says ${JSON.stringify(want)}`,
                at(field),
              ),
            );
        }
        if (device.vendor !== h.vendor || device.model !== h.model || device.serial !== h.serial) {
          errors.push(
            new VerificationError(
              'MEMBER_MISMATCH',
              `the device certificate is for ${device.vendor} ${device.model} ${device.serial}, the attestation for ${h.vendor} ${h.model} ${h.serial}`,
              at('serial'),
            ),
          );
        }
        if (h.firmwareMeasurement !== m.firmwareMeasurement) {
          errors.push(
            new VerificationError(
              'FIRMWARE_MISMATCH',
              `attested firmware ${h.firmwareMeasurement}; the record ${m.firmwareMeasurement === undefined ? 'states none' : `says ${m.firmwareMeasurement}`}`,
              at('firmware_measurement'),
            ),
          );
        }
        if (a.attestedAt > dep.deployedAt) {
          errors.push(
            new VerificationError(
              'TIME_ORDER_INVALID',
              `attested at ${a.attestedAt}, after the deployment at ${dep.deployedAt}`,
              { file: afile, path: pathOf(a.statement.predicatePath, 'attested_at') },
            ),
          );
        }
        return `${h.vendor} ${h.model} serial ${h.serial}, firmware ${h.firmwareMeasurement.slice(0, 16)}… = record (member ${i})`;
      }) && good;
    mr.verified = good;
    step(good);
  }

  // Every fleet key attested as generated on its member, and never exportable.
  const byHsm = new Map(result.members.filter((r) => r.attestation || r.vendor).map((r) => [r.hsmId, r]));
  step(
    list.runAll(
      'fleet.keys-attested',
      'Every fleet key was generated inside a member HSM and cannot leave',
      subject,
      (errors) => {
        for (const k of dep.keys) {
          const r = byHsm.get(k.generatedOn);
          const v = r?.vendor;
          const e = r?.attestation?.keys.find((x) => x.keyId === k.keyId);
          if (!memberIds.has(k.generatedOn)) {
            errors.push(
              new VerificationError(
                'KEY_NOT_ATTESTED',
                `${k.keyId} is generated on ${k.generatedOn}, which is not a member`,
                { file, path: pathOf(k.path, 'generated_on') },
              ),
            );
          } else if (v) {
            // A vendor attestation (§8.3): its one attested key, verified to be this fleet key, generated inside.
            const why = !r?.verified
              ? `${k.keyId}: the ${v.attestation.format} attestation of ${k.generatedOn} did not verify`
              : !v.fleetKeyIds.includes(k.keyId)
                ? `${k.generatedOn}'s ${v.attestation.format} attestation does not attest ${k.keyId} (its key is mapped to ${v.attestation.keys[0]?.keyId ?? 'no fleet key'})`
                : !v.claim?.generatedOnDevice
                  ? `${k.generatedOn}'s ${v.attestation.format} attestation does not attest ${k.keyId} as generated on the device${typeof v.claim?.details.origin === 'string' ? ` (origin ${v.claim.details.origin})` : ''}`
                  : undefined;
            if (why) errors.push(new VerificationError('KEY_NOT_ATTESTED', why, { file, path: k.path }));
          } else if (
            !r?.verified ||
            !e ||
            e.origin !== 'generated' ||
            e.algorithm !== k.algorithm ||
            e.publicKeyHex !== k.publicKeyHex
          ) {
            errors.push(
              new VerificationError(
                'KEY_NOT_ATTESTED',
                !r?.verified
                  ? `${k.keyId}: the attestation of ${k.generatedOn} did not verify`
                  : !e
                    ? `${k.generatedOn}'s attestation does not list ${k.keyId}`
                    : e.origin !== 'generated'
                      ? `${k.generatedOn} attests ${k.keyId} as ${e.origin}, not generated`
                      : `${k.generatedOn} attests another public key for ${k.keyId}`,
                { file, path: k.path },
              ),
            );
          }
          for (const mr of result.members) {
            const x = mr.attestation?.keys.find(
              (y) => y.keyId === k.keyId || y.publicKeyHex === k.publicKeyHex,
            );
            if (x?.exportable)
              errors.push(
                new VerificationError('KEY_EXPORTABLE', `${mr.hsmId} attests ${x.keyId} as exportable`, {
                  file: mr.file,
                  path: pathOf(x.path, 'exportable'),
                }),
              );
            const v = mr.vendor;
            if (
              v?.claim &&
              v.claim.exportable !== false &&
              (v.fleetKeyIds.includes(k.keyId) || isFleetKey(v.fleetForm, k))
            )
              errors.push(
                new VerificationError(
                  'KEY_EXPORTABLE',
                  `${mr.hsmId}'s ${v.attestation.format} attestation marks ${k.keyId} as ${v.claim.exportable === 'under-wrap' ? 'exportable under wrap' : 'exportable'}`,
                  { file: mr.file, path: '$.attestation' },
                ),
              );
          }
        }
        return `${dep.keys.length} keys, each generated on its member and non-exportable on all ${result.members.length}`;
      },
    ),
  );

  step(
    list.run('fleet.quorum', 'The quorum is a strict majority the attested members can meet', subject, () => {
      const n = dep.members.length;
      const attested = result.members.filter((r) => r.verified).length;
      const where = { file, path: pathOf(pred, 'quorum', 'threshold') };
      if (2 * dep.threshold <= n)
        throw new VerificationError(
          'QUORUM_INVALID',
          `threshold ${dep.threshold} of ${n} members is not a strict majority`,
          where,
        );
      if (dep.threshold > attested)
        throw new VerificationError(
          'QUORUM_INVALID',
          `threshold ${dep.threshold}, but only ${attested} members are attested`,
          where,
        );
      return `${dep.threshold} of ${n} (strict majority > ${n / 2}); ${attested} attested members`;
    }),
  );

  result.ok = ok;
  return result;
}
