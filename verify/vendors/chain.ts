/**
 * Certificate chains checked link by link: each certificate's issuer is found by name among the supplied
 * certificates or the pinned roots, and the certificate's signature must verify under that issuer's key. This is
 * deliberately not full RFC 5280 path validation, which rejects real vendor chains (Marvell's X.509 v1 card
 * certificate, its expired 2015 root). What is checked instead:
 * - every link's signature (CHAIN_BROKEN), with the algorithms of x509.ts (CERTIFICATE_INVALID otherwise);
 * - issuers may issue: not a v3 certificate with cA false or without keyCertSign, path length limits honoured;
 *   an X.509 v1 issuer is accepted and noted (CHAIN_BROKEN otherwise);
 * - every certificate below the root is valid at the time used (KEY_OUTSIDE_VALIDITY);
 * - the chain ends at a pinned root (UNKNOWN_KEY for a self-signed certificate that is not pinned). A pinned root is a
 *   trust anchor (RFC 5280 §6.1.1 (d)): its own validity is reported in a note, not enforced.
 * A chain whose next issuer is neither supplied nor pinned is returned as incomplete; the adapter decides.
 */
import { equalBytes } from '../encoding.ts';
import { VerificationError } from '../errors.ts';
import {
  type Certificate,
  isSelfIssued,
  isSignedBy,
  isSupportedSignatureAlgorithm,
  parseCertificate,
} from './x509.ts';
import { MAX_SUPPLIED_CERTIFICATES, type ChainEntry, type PinnedRootInput } from './claim.ts';

export interface PinnedRoot {
  id: string;
  cert: Certificate;
}

/** A certificate as supplied, with the place errors name ("$.cabundle[2]", "$.certificates[4]"). */
export interface Located {
  cert: Certificate;
  path: string;
}

export interface TimeContext {
  /** The time validity is judged at (ms since the epoch) and its ISO form. */
  at: number;
  atIso: string;
  now: number;
}

export interface ChainResult {
  /** Leaf first; the pinned root is not among them. */
  path: Located[];
  root: PinnedRoot | undefined;
  complete: boolean;
  /** The issuer name the chain stops at, when incomplete. */
  missingIssuer: string | undefined;
  notes: string[];
}

/** Longest chain followed, root excluded. */
export const MAX_CHAIN_DEPTH = 6;
export { MAX_SUPPLIED_CERTIFICATES };

/** Parses the certificates supplied with an attestation, each named by its place ("$.certificates[2]"). */
export function parseSupplied(
  ders: Uint8Array[],
  file: string | undefined,
  base = '$.certificates',
): Located[] {
  if (ders.length > MAX_SUPPLIED_CERTIFICATES)
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `${ders.length} certificates; the limit is ${MAX_SUPPLIED_CERTIFICATES}`,
      { file, path: base },
    );
  return ders.map((der, i) => ({
    cert: parseCertificate(der, { file, path: `${base}[${i}]` }),
    path: `${base}[${i}]`,
  }));
}

/** Parses the caller's pinned roots; a root's id defaults to its certificate's SHA-256 fingerprint. */
export function parsePinnedRoots(roots: PinnedRootInput[], file?: string): PinnedRoot[] {
  return roots.map((r, i) => {
    const cert = parseCertificate(r.der, { file, path: `$.roots[${i}]` });
    return { id: r.id ?? cert.fingerprint, cert };
  });
}

const cn = (c: Certificate): string => c.subject.attributes.get('2.5.4.3') ?? c.subject.text;

function describe(c: Certificate): string {
  return `"${cn(c)}" (sha256 ${c.fingerprint.slice(0, 16)}…)`;
}

const ms = (iso: string): number => Date.parse(iso);

function validAt(c: Certificate, t: number): boolean {
  return ms(c.notBefore) <= t && t <= ms(c.notAfter);
}

/** Whether `issuer` may issue `below` more non-self-issued certificates under it; undefined if yes, else why not. */
function issuerProblem(issuer: Certificate, intermediatesBelow: number): string | undefined {
  if (issuer.version === 3) {
    if (!issuer.basicConstraints || !issuer.basicConstraints.ca)
      return `${describe(issuer)} is not a CA certificate (basicConstraints cA is not true)`;
    if (issuer.keyCertSign === false) return `${describe(issuer)} has no keyCertSign key usage`;
    const pl = issuer.basicConstraints.pathLen;
    if (pl !== undefined && intermediatesBelow > pl)
      return `${describe(issuer)} allows ${pl} intermediate certificate(s) below it, the chain has ${intermediatesBelow}`;
  }
  return undefined;
}

function requireSupportedAlgorithm(c: Located, file: string | undefined): void {
  if (!isSupportedSignatureAlgorithm(c.cert.signatureAlgorithm))
    throw new VerificationError(
      'CERTIFICATE_INVALID',
      `${describe(c.cert)} is signed with unsupported algorithm ${c.cert.signatureAlgorithm}`,
      { file, path: c.path },
    );
}

/** Prefers the candidates valid at `t`, keeping their order. */
function preferValid<T>(items: T[], cert: (x: T) => Certificate, t: number): T[] {
  return [...items.filter((x) => validAt(cert(x), t)), ...items.filter((x) => !validAt(cert(x), t))];
}

/**
 * Follows the chain from `leaf` through `supplied` to a pinned root. Raises CHAIN_BROKEN, UNKNOWN_KEY,
 * KEY_OUTSIDE_VALIDITY or CERTIFICATE_INVALID; returns an incomplete result when an issuer is missing.
 */
export function walkChain(
  leaf: Located,
  supplied: Located[],
  roots: PinnedRoot[],
  time: TimeContext,
  file: string | undefined,
  label: string,
): ChainResult {
  const path: Located[] = [leaf];
  const notes: string[] = [];
  let root: PinnedRoot | undefined;
  let missingIssuer: string | undefined;

  for (;;) {
    const current = path[path.length - 1]!;
    const c = current.cert;
    if (path.length > MAX_CHAIN_DEPTH)
      throw new VerificationError('LIMIT_EXCEEDED', `${label}: longer than ${MAX_CHAIN_DEPTH} certificates`, {
        file,
        path: current.path,
      });
    // A supplied copy of a pinned root (same name, same key) stands for the pinned root itself.
    if (path.length > 1 && isSelfIssued(c)) {
      const same = roots.filter(
        (r) => equalBytes(r.cert.subject.der, c.subject.der) && equalBytes(r.cert.spki, c.spki),
      );
      if (same.length > 0) {
        path.pop();
        root = preferValid(same, (r) => r.cert, time.at)[0]!;
        if (!equalBytes(root.cert.der, c.der))
          notes.push(
            `${label}: the supplied copy of the root (sha256 ${c.fingerprint.slice(0, 16)}…, valid ${c.notBefore} to ${c.notAfter}) has the pinned root ${root.id}'s name and key; the pinned certificate is used`,
          );
        break;
      }
    }
    requireSupportedAlgorithm(current, file);
    const byName = roots.filter((r) => equalBytes(r.cert.subject.der, c.issuer.der));
    const verifying = byName.filter((r) => isSignedBy(c, r.cert.publicKey));
    if (verifying.length > 0) {
      root = preferValid(verifying, (r) => r.cert, time.at)[0]!;
      break;
    }
    if (isSelfIssued(c) && isSignedBy(c, c.publicKey))
      throw new VerificationError(
        'UNKNOWN_KEY',
        `${label}: the chain ends at the self-signed ${describe(c)}, which is not a pinned root`,
        { file, path: current.path },
      );
    const candidates = supplied.filter(
      (s) => !path.some((p) => p.cert === s.cert) && equalBytes(s.cert.subject.der, c.issuer.der),
    );
    const signing = candidates.filter((s) => isSignedBy(c, s.cert.publicKey));
    const allowed = signing.filter((s) => issuerProblem(s.cert, path.length - 1) === undefined);
    if (allowed.length > 0) {
      path.push(preferValid(allowed, (s) => s.cert, time.at)[0]!);
      continue;
    }
    if (signing.length > 0)
      throw new VerificationError(
        'CHAIN_BROKEN',
        `${label}: ${issuerProblem(signing[0]!.cert, path.length - 1)}`,
        {
          file,
          path: signing[0]!.path,
        },
      );
    if (candidates.length > 0 || byName.length > 0) {
      const issuerName = candidates[0] ? describe(candidates[0].cert) : `pinned root ${byName[0]!.id}`;
      throw new VerificationError(
        'CHAIN_BROKEN',
        `${label}: the signature of ${describe(c)} does not verify under its issuer ${issuerName}`,
        { file, path: current.path },
      );
    }
    missingIssuer = c.issuer.text;
    break;
  }

  if (root) {
    const problem = issuerProblem(root.cert, path.length - 1);
    if (problem && root.cert.version === 3)
      throw new VerificationError('CHAIN_BROKEN', `${label}: pinned root ${root.id}: ${problem}`, {
        file,
        path: path[path.length - 1]!.path,
      });
  }
  path.forEach((p, i) => {
    if (i > 0 && p.cert.version !== 3)
      notes.push(
        `${label}: ${describe(p.cert)} is an X.509 v${p.cert.version} certificate without extensions; accepted as an issuer because its link signature verifies (RFC 5280 path validation would refuse it)`,
      );
    if (!validAt(p.cert, time.at))
      throw new VerificationError(
        'KEY_OUTSIDE_VALIDITY',
        `${label}: ${describe(p.cert)} is valid from ${p.cert.notBefore} to ${p.cert.notAfter}, not at the time used ${time.atIso}`,
        { file, path: p.path },
      );
    if (ms(p.cert.notAfter) < time.now)
      notes.push(
        `${label}: ${describe(p.cert)} has expired since: valid at ${time.atIso}, expired ${p.cert.notAfter}`,
      );
  });
  if (root) {
    const r = root.cert;
    if (!validAt(r, time.at))
      notes.push(
        `${label}: the pinned root ${root.id} ${describe(r)} was not valid at the time used ${time.atIso} (valid ${r.notBefore} to ${r.notAfter}); trusted as a pinned key, its links checked by signature`,
      );
    else if (ms(r.notAfter) < time.now)
      notes.push(
        `${label}: the pinned root ${root.id} ${describe(r)} has expired since: valid at ${time.atIso}, expired ${r.notAfter}`,
      );
  }
  return { path, root, complete: root !== undefined, missingIssuer, notes };
}

/** The chain as the claim reports it: leaf first, then intermediates, then the pinned root. */
export function chainEntries(result: ChainResult, group?: string): ChainEntry[] {
  const entry = (c: Certificate, role: ChainEntry['role']): ChainEntry => ({
    subject: c.subject.text,
    issuer: c.issuer.text,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    fingerprint: c.fingerprint,
    role,
    ...(group ? { group } : {}),
  });
  const out = result.path.map((p, i) => entry(p.cert, i === 0 ? 'leaf' : 'intermediate'));
  if (result.root) out.push(entry(result.root.cert, 'root'));
  return out;
}

/** Resolves the time validity is judged at: the attestation's own, else the caller's, else the clock. */
export function timeContext(
  attested: number | undefined,
  at: number | undefined,
  now: number,
): TimeContext & { source: 'attestation' | 'caller' | 'clock' } {
  const t = attested ?? at ?? now;
  return {
    at: t,
    atIso: new Date(t).toISOString(),
    now,
    source: attested !== undefined ? 'attestation' : at !== undefined ? 'caller' : 'clock',
  };
}
