/**
 * The `evidence` collection: one entry, `tree`, naming the verified tree by its digest. What the pages render (the
 * verified model, the verification summary, the file index and the exact texts the site publishes as
 * /evidence/index.json and /verification-report.json) is handed to them in this process under that digest
 * (site/lib/handoff.ts), not through Astro's store, which copies an entry's data on every read.
 *
 * Fails closed. Astro only warns about missing folders and skips re-validating cached entries; this loader throws
 * (which stops `astro build`) when the folder is missing or anything in it does not verify, and it verifies on
 * every load: the data store is cleared first, so no entry from an earlier build can survive. The SHA-256 of the
 * tree (of its index, which lists the SHA-256 of every file, trust-roots.json included) is the entry's digest and is
 * recorded in the loader's meta store, so a change is also visible to Astro's own caching.
 */
import type { Loader, LoaderContext } from 'astro/loaders';
import { relative } from 'node:path';
import type { EvidenceModel, Report } from '../../verify/index.ts';
import { siteEvidenceOf, type NamespaceSummary } from '../lib/evidence-memo.ts';
import { verifiedEvidence } from '../lib/verified-evidence.ts';
import type { EvidenceFileEntry } from '../lib/evidence-index.ts';
import { EVIDENCE_ENTRY, publishSiteEvidence } from '../lib/handoff.ts';
import { pageDeps } from '../lib/page-deps.ts';

export { EVIDENCE_ENTRY };

/** The data of the `evidence` collection's one entry. */
export interface SiteEvidence {
  /** SHA-256 of /evidence/index.json. */
  treeSha256: string;
  summary: Report['summary'];
  model: EvidenceModel;
  policies: NamespaceSummary[];
  files: EvidenceFileEntry[];
  indexJson: string;
  reportJson: string;
}

/** What the store holds: the digest under which the loader handed the verified tree to the pages. */
export interface EvidenceEntry {
  treeSha256: string;
}

export function evidenceLoader(opts: { dir: string }): Loader {
  const load = async (ctx: LoaderContext) => {
    const { store, meta, logger } = ctx;
    // Cleared before anything else: if verification throws, nothing stale remains to be rendered (dev server).
    store.clear();
    pageDeps().clear(); // what pages read is noted afresh for every tree (./page-deps.ts)
    const v = await verifiedEvidence(opts.dir);
    const previous = meta.get('tree-sha256');
    if (previous && previous !== v.treeSha256)
      logger.info(
        `evidence changed since the last build (tree ${previous.slice(0, 16)}… → ${v.treeSha256.slice(0, 16)}…)`,
      );
    const data = siteEvidenceOf(v);
    publishSiteEvidence(data);
    const entry: EvidenceEntry = { treeSha256: v.treeSha256 };
    store.set({
      id: EVIDENCE_ENTRY,
      data: entry as unknown as Record<string, unknown>,
      digest: v.treeSha256,
    });
    meta.set('tree-sha256', v.treeSha256);
    logger.info(
      `verified ${relative(process.cwd(), opts.dir) || '.'}: ${v.report.summary.checks} checks over ${v.report.summary.files} files, tree ${v.treeSha256.slice(0, 16)}…`,
    );
  };
  return {
    name: 'fleetproof-evidence',
    load: async (ctx) => {
      await load(ctx);
      watch(ctx, opts.dir, () => load(ctx));
    },
  };
}

/** Dev server only: reload the whole collection when anything under `dir` changes; a failure empties it. */
export function watch(ctx: LoaderContext, dir: string, reload: () => Promise<void>): void {
  const { watcher, logger, store } = ctx;
  if (!watcher) return;
  watcher.add(dir);
  const onChange = async (path: string) => {
    if (!path.startsWith(dir)) return;
    try {
      await reload();
    } catch (e) {
      store.clear();
      logger.error((e as Error).message);
    }
  };
  watcher.on('change', onChange);
  watcher.on('add', onChange);
  watcher.on('unlink', onChange);
}
