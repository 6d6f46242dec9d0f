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
import { formatError, formatReport, readJson } from '../../verify/index.ts';
import { defaultCacheFile, verifyEvidenceCached } from './verify-cache.ts';
import { TreeReadError, readTree } from '../../scripts/lib/read-tree.ts';
import { useNodeCrypto } from '../../scripts/lib/node-crypto.ts';
import { buildIndex, sha256Hex } from './evidence-index.ts';
import { EvidenceError, memo, type NamespaceSummary, type VerifiedEvidence } from './evidence-memo.ts';

export { buildIndex, sha256Hex };
export type { EvidenceFileEntry, EvidenceIndex } from './evidence-index.ts';
export { EvidenceError, handedVerification, publishedReportJson } from './evidence-memo.ts';
export type { NamespaceSummary, VerifiedEvidence } from './evidence-memo.ts';

/** Reads and verifies `dir`. Never throws for a tree that reads; `report.ok` says whether it verified. */
export function readEvidence(dir: string): VerifiedEvidence {
  useNodeCrypto();
  let files: Map<string, Uint8Array>;
  try {
    files = readTree(dir);
  } catch (e) {
    if (e instanceof TreeReadError) {
      throw new EvidenceError(
        `evidence in ${dir} cannot be read; nothing is published.\n${formatError(e.toVerificationError().toJSON())}`,
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

function policiesOf(files: ReadonlyMap<string, Uint8Array>): NamespaceSummary[] {
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
