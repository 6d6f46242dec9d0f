/**
 * The one way the site gets at evidence: read the whole tree, verify it through the core, and refuse to go on
 * unless everything verified. Both content loaders, the remark plugin, the build integration and
 * `scripts/build.ts` call `readVerifiedEvidence`; within one process the result is memoised under the SHA-256 of
 * every file, so the tree is verified once per build but any change to any byte (trust roots included) means a
 * fresh verification. `scripts/build.ts` runs Astro in its own process for that reason: the loaders read and hash
 * the tree again and take the pre-check's verification only when the digest is the same. Nothing is cached across
 * processes but the checks of units (a fleet, an epoch) whose bytes, trust roots and verifier are unchanged since
 * the last build, see site/lib/verify-cache.ts; every build runs every rule that spans units.
 */
import { createHash } from 'node:crypto';
import { formatReport, readJson, type Report } from '../../verify/index.ts';
import { defaultCacheFile, verifyEvidenceCached } from './verify-cache.ts';
import { TreeReadError, readTree } from '../../scripts/lib/read-tree.ts';
import { useNodeCrypto } from '../../scripts/lib/node-crypto.ts';

export interface EvidenceFileEntry {
  path: string;
  sha256: string;
  size: number;
}

/** Published at /evidence/index.json: every evidence file with its SHA-256 and size, sorted by path. */
export interface EvidenceIndex {
  version: 1;
  files: EvidenceFileEntry[];
}

export interface NamespacePolicy {
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
  policies: NamespacePolicy[];
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

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function buildIndex(files: ReadonlyMap<string, Uint8Array>): {
  index: EvidenceIndex;
  indexJson: string;
} {
  const entries = [...files.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((path) => {
      const bytes = files.get(path)!;
      return { path, sha256: sha256Hex(bytes), size: bytes.byteLength };
    });
  const index: EvidenceIndex = { version: 1, files: entries };
  return { index, indexJson: `${JSON.stringify(index, null, 2)}\n` };
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
const HANDED = Symbol.for('fleetproof.site.handed-verification');

/**
 * Under `npm run build` Astro starts while the build verifies the evidence (scripts/build-astro.mjs): a loader
 * waits here until the build's verification is in the memo. Elsewhere (a bare `astro build`, the dev server) there
 * is nothing to wait for.
 */
export async function handedVerification(): Promise<void> {
  await (globalThis as unknown as Record<symbol, Promise<void> | undefined>)[HANDED];
}
type Memo = Map<string, VerifiedEvidence>;

function memo(): Memo {
  const g = globalThis as unknown as Record<symbol, Memo | undefined>;
  return (g[MEMO] ??= new Map());
}

/** Reads and verifies `dir`. Never throws for a tree that reads; `report.ok` says whether it verified. */
export function readEvidence(dir: string): VerifiedEvidence {
  useNodeCrypto();
  let files: Map<string, Uint8Array>;
  try {
    files = readTree(dir);
  } catch (e) {
    if (e instanceof TreeReadError) {
      throw new EvidenceError(
        `✗ FILE_MISSING  ${dir}\n    ${e.message}: the site is built only from an evidence tree that verifies`,
      );
    }
    throw e;
  }
  const { index, indexJson } = buildIndex(files);
  const treeSha256 = sha256Hex(indexJson);
  const cached = memo().get(dir);
  if (cached && cached.treeSha256 === treeSha256) return cached;
  // Units unchanged since the last build replay its checks (site/lib/verify-cache.ts); everything else runs.
  const { report, hits, misses } = verifyEvidenceCached(files, defaultCacheFile());
  const result: VerifiedEvidence = {
    dir,
    files,
    index,
    indexJson,
    treeSha256,
    report,
    units: { reused: hits, verified: misses },
    policies: report.ok ? policiesOf(files) : [],
  };
  memo().set(dir, result);
  return result;
}

/** Reads and verifies `dir`; throws an EvidenceError carrying the core's readable report unless all of it verified. */
export function readVerifiedEvidence(dir: string): VerifiedEvidence {
  const v = readEvidence(dir);
  if (!v.report.ok)
    throw new EvidenceError(
      `evidence in ${dir} did not verify; nothing is published.\n${formatReport(v.report)}`,
      v.report,
    );
  if (v.index.files.length === 0) throw new EvidenceError(`evidence in ${dir} is empty`);
  return v;
}

function policiesOf(files: ReadonlyMap<string, Uint8Array>): NamespacePolicy[] {
  // Only called on a verified tree: trust-roots.json parsed and matched the core's schema.
  const raw = readJson(files.get('trust-roots.json')!, 'trust-roots.json') as {
    namespaces: { name: string; root_epoch: number; auditor_keys: string[]; operator_keys: string[] }[];
  };
  return raw.namespaces.map((n) => ({
    name: n.name,
    rootEpoch: n.root_epoch,
    auditorKeys: [...n.auditor_keys],
    operatorKeys: [...n.operator_keys],
  }));
}
