/**
 * Where a piece of evidence belongs in the tree (docs/evidence-format.md §1), read from its content: used by
 * `fleetproof ingest` and by the widget to recognise a dropped file. Only the fields that decide the place are
 * read here; the file is verified in its place afterwards.
 */
import { VerificationError } from './errors.ts';
import { fromBase64 } from './encoding.ts';
import { readJson } from './json.ts';
import { LIMITS } from './limits.ts';
import { DEPLOYMENT_PREDICATE } from './fleet/deployment.ts';
import { ATTESTATION_FORMAT } from './fleet/attestation.ts';
import { isVendorFormat } from './fleet/vendor.ts';

export type EvidenceKind = 'artifact' | 'proof' | 'auditor-record' | 'deployment' | 'attestation';

export interface Placement {
  kind: EvidenceKind;
  path: string;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const ID = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const NS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;

function epochPath(v: Record<string, unknown>, file: string, name: string): string {
  const ns = v.namespace;
  const epoch = v.epoch;
  if (typeof ns !== 'string' || !NS.test(ns) || !Number.isSafeInteger(epoch) || (epoch as number) < 0) {
    throw new VerificationError(
      'SCHEMA_INVALID',
      'a namespace and a non-negative integer epoch are needed to place this file',
      { file },
    );
  }
  return `namespaces/${ns}/${epoch}/${name}`;
}

function statementPredicate(
  env: Record<string, unknown>,
  file: string,
  base: string,
): Record<string, unknown> {
  const payload = env.payload;
  if (typeof payload !== 'string')
    throw new VerificationError('SCHEMA_INVALID', 'a DSSE envelope has a base64 payload', {
      file,
      path: `${base}.payload`,
    });
  const st = readJson(fromBase64(payload, { file, path: `${base}.payload` }), file, {
    path: `${base}.payload`,
  });
  if (!isObj(st) || !isObj(st.predicate))
    throw new VerificationError('SCHEMA_INVALID', 'expected an in-toto statement, with a predicate object', {
      file,
      path: `${base}.payload`,
    });
  return { ...st.predicate, predicateType: st.predicateType };
}

export function placeEvidence(bytes: Uint8Array, file: string): Placement {
  const v = readJson(bytes, file, { maxBytes: LIMITS.maxFileBytes });
  if (!isObj(v))
    throw new VerificationError('SCHEMA_INVALID', 'evidence files are JSON objects', { file, path: '$' });
  if ('meta_signature' in v) return { kind: 'proof', path: epochPath(v, file, 'proof.json') };
  if ('signature' in v && 'ciphersuite' in v)
    return { kind: 'auditor-record', path: epochPath(v, file, 'auditor-record.json') };
  if ('issued_at' in v && 'keys' in v) return { kind: 'artifact', path: epochPath(v, file, 'artifact.json') };
  if (v.format === ATTESTATION_FORMAT && isObj(v.attestation)) {
    const p = statementPredicate(v.attestation, file, '$.attestation');
    const hsm = isObj(p.hsm) ? p.hsm.hsm_id : undefined;
    if (typeof p.fleet_id !== 'string' || !ID.test(p.fleet_id) || typeof hsm !== 'string' || !ID.test(hsm)) {
      throw new VerificationError('SCHEMA_INVALID', 'an attestation names its fleet_id and hsm.hsm_id', {
        file,
        path: '$.attestation.payload',
      });
    }
    return { kind: 'attestation', path: `fleets/${p.fleet_id}/attestations/${hsm}.json` };
  }
  if (isVendorFormat(v.format)) {
    // A vendor attestation (§8.3) names its place in its own (unsigned) fields.
    if (
      typeof v.fleet_id !== 'string' ||
      !ID.test(v.fleet_id) ||
      typeof v.hsm_id !== 'string' ||
      !ID.test(v.hsm_id)
    )
      throw new VerificationError('SCHEMA_INVALID', 'a vendor attestation names its fleet_id and hsm_id', {
        file,
        path: '$',
      });
    return { kind: 'attestation', path: `fleets/${v.fleet_id}/attestations/${v.hsm_id}.json` };
  }
  if ('payloadType' in v && 'payload' in v) {
    const p = statementPredicate(v, file, '$');
    if (p.predicateType === DEPLOYMENT_PREDICATE && typeof p.fleet_id === 'string' && ID.test(p.fleet_id)) {
      return { kind: 'deployment', path: `fleets/${p.fleet_id}/deployment.json` };
    }
    throw new VerificationError(
      'DSSE_INVALID',
      `no evidence of predicateType ${JSON.stringify(p.predicateType)} is filed by content`,
      { file, path: '$.payload' },
    );
  }
  throw new VerificationError(
    'SCHEMA_INVALID',
    'not an artifact, proof, auditor record, deployment record or attestation',
    { file, path: '$' },
  );
}
