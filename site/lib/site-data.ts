/**
 * What pages read: the verified evidence and the posts, typed, with the lookups pages need. Every page goes
 * through here, so every page renders the same verified tree.
 */
import { getCollection, getEntry, type CollectionEntry } from 'astro:content';
import type { EpochModel, FleetModel, NamespaceModel } from '../../verify/index.ts';
// Types only: the loader (and the verifier behind it) stays out of the pages' bundle.
import type { EvidenceEntry, SiteEvidence } from '../loaders/evidence.ts';
import { EVIDENCE_ENTRY, renderingEvidence, siteEvidenceFor } from './handoff.ts';
import { fileIndex, noteRead, pageEvidence, rawEvidence } from './page-deps.ts';
import { fleetUrl, postUrl } from './urls.ts';

export interface PostData {
  title: string;
  description: string;
  date: Date;
  updated?: Date | undefined;
  author?: string | undefined;
  fleet?: string | undefined;
  namespace?: string | undefined;
  tags: string[];
  draft: boolean;
}

export interface Post {
  id: string;
  data: PostData;
  url: string;
  entry: CollectionEntry<'posts'>;
}

/**
 * The verified evidence, for what is not a page's own content: getStaticPaths, endpoints (which an incremental
 * build always renders again) and the layout's footer (which it replaces). A page reads it through
 * `getPageEvidence`.
 */
export async function getEvidence(): Promise<SiteEvidence> {
  const rendering = renderingEvidence();
  if (rendering) return rendering;
  const e = await getEntry('evidence', EVIDENCE_ENTRY);
  if (!e) throw new Error('the evidence collection is empty: the evidence loader did not run or failed');
  return siteEvidenceFor((e.data as unknown as EvidenceEntry).treeSha256);
}

/** The verified evidence for the page at `url` (Astro.url), noting what the page reads (./page-deps.ts). */
export async function getPageEvidence(url: URL): Promise<SiteEvidence> {
  return pageEvidence(await getEvidence(), url.pathname);
}

export async function getPosts(): Promise<Post[]> {
  const entries: CollectionEntry<'posts'>[] = await getCollection('posts');
  if (entries.length === 0) throw new Error('no posts: the posts loader did not run or failed');
  return entries
    .map((entry: CollectionEntry<'posts'>): Post => {
      const data = entry.data as unknown as PostData;
      return { id: entry.id, data, url: data.fleet ? fleetUrl(data.fleet) : postUrl(entry.id), entry };
    })
    .sort((a: Post, b: Post) => b.data.date.getTime() - a.data.date.getTime() || (a.id < b.id ? -1 : 1));
}

export function primaryNamespace(ev: SiteEvidence): NamespaceModel | undefined {
  return ev.model.namespaces[0];
}

export function latestEpoch(ns: NamespaceModel | undefined): EpochModel | undefined {
  return ns?.epochs[ns.epochs.length - 1];
}

export function fleetById(ev: SiteEvidence, id: string): FleetModel | undefined {
  return ev.model.fleets.find((f) => f.fleetId === id);
}

// Per verified tree (a SiteEvidence is never changed once handed over; a page's view is keyed by the tree behind
// it): an epoch page looks up a few files of thousands, and every page colours the fleets.
const coloursOf = new WeakMap<SiteEvidence, Map<string, number>>();

export function fileEntry(ev: SiteEvidence, path: string) {
  noteRead(ev, `file:${path}`);
  return fileIndex(ev).get(path);
}

/** Stable colour slots for fleets (CSS classes fleet-c0 … fleet-c5), in order of deployment. */
export function fleetColours(view: SiteEvidence): Map<string, number> {
  noteRead(view, 'fleets');
  const ev = rawEvidence(view);
  const known = coloursOf.get(ev);
  if (known) return known;
  const sorted = [...ev.model.fleets].sort((a, b) =>
    a.deployedAt < b.deployedAt ? -1 : a.deployedAt > b.deployedAt ? 1 : a.fleetId < b.fleetId ? -1 : 1,
  );
  const colours = new Map(sorted.map((f, i) => [f.fleetId, i % 6]));
  coloursOf.set(ev, colours);
  return colours;
}
