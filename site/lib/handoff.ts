/**
 * How the pages get the verified evidence: from the evidence loader, in the same process, by the tree's digest.
 *
 * The loader verifies the tree (site/lib/verified.ts), then `publishSiteEvidence` keeps what the pages render under
 * the SHA-256 of the tree's index (which lists the SHA-256 of every file, trust-roots.json included); the content
 * store holds only that digest. A page looks the digest up with `siteEvidenceFor`: only the loader puts anything
 * here, only after verification succeeded, so a page can render nothing but a tree that verified in this process;
 * a digest with no entry (the loader did not run here, or failed) is an error, never a re-read.
 *
 * Why not the content store itself: Astro serialises the store to disk, bundles it into the server build as one
 * module, and deep-copies an entry's data on every getEntry() call. For a model of thousands of epochs and HSMs
 * that cost more than rendering the pages.
 *
 * No `node:*` import and no import of the verifier: this module is bundled into the pages.
 */
import type { SiteEvidence } from '../loaders/evidence.ts';

/** The id of the evidence collection's one entry. */
export const EVIDENCE_ENTRY = 'tree';

const HANDOFF = Symbol.for('fleetproof.site.evidence-by-tree');
/** A dev server verifies again on every change; a few trees are enough to serve the pages of the current one. */
const KEEP = 4;

function handoff(): Map<string, SiteEvidence> {
  const g = globalThis as unknown as Record<symbol, Map<string, SiteEvidence> | undefined>;
  return (g[HANDOFF] ??= new Map());
}

/** Called by the evidence loader, and only with a tree that verified. */
export function publishSiteEvidence(ev: SiteEvidence): void {
  const m = handoff();
  m.delete(ev.treeSha256);
  m.set(ev.treeSha256, ev);
  while (m.size > KEEP) m.delete(m.keys().next().value!);
}

/** The verified evidence whose tree digest is `treeSha256`; throws when this process has not verified it. */
export function siteEvidenceFor(treeSha256: string): SiteEvidence {
  const ev = handoff().get(treeSha256);
  if (!ev)
    throw new Error(
      `no verified evidence for tree ${treeSha256.slice(0, 16)}… in this process: the evidence loader did not run or failed`,
    );
  return ev;
}

const RENDERING = Symbol.for('fleetproof.site.rendering-evidence');

/**
 * The incremental build (scripts/lib/incremental.ts) renders pages with the server build of an earlier `astro
 * build`, whose content store names the tree that build verified; it sets here, after verifying the current tree,
 * the evidence those pages render instead. Nothing else sets it.
 */
export function renderWith(ev: SiteEvidence | undefined): void {
  (globalThis as unknown as Record<symbol, SiteEvidence | undefined>)[RENDERING] = ev;
}

/** What `renderWith` set, if anything. */
export function renderingEvidence(): SiteEvidence | undefined {
  return (globalThis as unknown as Record<symbol, SiteEvidence | undefined>)[RENDERING];
}
