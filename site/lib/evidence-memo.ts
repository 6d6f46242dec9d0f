/**
 * What the site's evidence readers share without loading the verifier: the verified tree's shape, the per-process
 * memo of verified trees (keyed by folder, taken only for the same tree digest) and the build's handed-over
 * verification. ./verified.ts verifies and fills the memo; ./verified-evidence.ts is the content loaders' way in.
 */
import type { SiteEvidence } from '../loaders/evidence.ts';
import type { EvidenceParts } from './page-deps.ts';
import type { Report } from '../../verify/index.ts';
import type { EvidenceIndex } from './evidence-index.ts';

/**
 * A namespace as trust-roots.json declares it, with key ids for the pages (the core's NamespacePolicy, in
 * verify/trust.ts, carries the keys themselves).
 */
export interface NamespaceSummary {
  name: string;
  rootEpoch: number;
  auditorKeys: string[];
  operatorKeys: string[];
}

export interface VerifiedEvidence {
  /** Absolute path of the folder that was read. */
  dir: string;
  files: ReadonlyMap<string, Uint8Array>;
  index: EvidenceIndex;
  /** The exact text of /evidence/index.json. */
  indexJson: string;
  /** SHA-256 of `indexJson`: names the whole tree. */
  treeSha256: string;
  report: Report;
  /** Units (fleets, epochs) whose checks were replayed from the previous build, and units verified now. */
  units: { reused: number; verified: number };
  /** The namespace policies of trust-roots.json (the model does not carry them). */
  policies: NamespaceSummary[];
}

/** The evidence is missing or did not verify. `report` is set when verification ran. */
export class EvidenceError extends Error {
  constructor(
    message: string,
    readonly report?: Report,
  ) {
    super(message);
    this.name = 'EvidenceError';
  }
}

/**
 * The report as `fleetproof verify --json --evidence evidence` prints it (without the model), byte for byte:
 * published at /verification-report.json so that anyone can diff it against their own run.
 */
export function publishedReportJson(report: Report): string {
  const { model: _model, ...rest } = report;
  return `${JSON.stringify({ ...rest, evidence: 'evidence' }, null, 2)}\n`;
}

const MEMO = Symbol.for('fleetproof.site.verified-evidence');
/** What the pages render of a verification (site/loaders/evidence.ts SiteEvidence). */
export function siteEvidenceOf(v: VerifiedEvidence): SiteEvidence {
  return { ...evidencePartsOf(v), indexJson: v.indexJson, reportJson: publishedReportJson(v.report) };
}

/** The same but for the published texts (./page-deps.ts EvidenceParts: what the pages' notes stand for). */
export function evidencePartsOf(v: VerifiedEvidence): EvidenceParts {
  return {
    treeSha256: v.treeSha256,
    summary: v.report.summary,
    model: v.report.model,
    policies: v.policies,
    files: v.index.files,
  };
}

export const HANDED = Symbol.for('fleetproof.site.handed-verification');

/**
 * Under `npm run build` Astro starts while the build verifies the evidence (scripts/build-astro.mjs): a loader
 * waits here until the build's verification is in the memo. Elsewhere (a bare `astro build`, the dev server) there
 * is nothing to wait for.
 */
export async function handedVerification(): Promise<void> {
  await (globalThis as unknown as Record<symbol, Promise<void> | undefined>)[HANDED];
}
type Memo = Map<string, VerifiedEvidence>;

export function memo(): Memo {
  const g = globalThis as unknown as Record<symbol, Memo | undefined>;
  return (g[MEMO] ??= new Map());
}
