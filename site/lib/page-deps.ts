/**
 * Which parts of the verified evidence each page read: what lets an incremental build (scripts/lib/incremental.ts)
 * render again exactly the pages whose inputs changed, and carry every other page over.
 *
 * A page takes the evidence through `pageEvidence(ev, pathname)` (site/lib/site-data.ts getPageEvidence): a view
 * of the very same objects that notes, for that page, each part it reads, as a key:
 *   ns:<name>    anything of namespace <name> but its name (its epochs, root, latest epoch)
 *   namespaces   the list of namespaces: how many, their names, their order
 *   fleets       the fleets (every page that colours fleets reads them all)
 *   trust-roots  the trust roots
 *   policies     the namespace policies of trust-roots.json
 *   summary      the verification's counts
 *   tree         the tree's digest, and the texts of /evidence/index.json and /verification-report.json
 *   files        the list of evidence files as a whole
 *   file:<path>  one file's entry in that list (site-data.ts fileEntry)
 * `fingerprint(ev, key)` is what a key stood for in a tree: a page whose every key has the same fingerprint in two
 * trees renders the same bytes from both (pages read nothing else that changes with the evidence: posts and code
 * are the incremental build's own conditions). The one exception is the footer, which every page shows and which
 * names the tree's counts and digest: the layout reads it from the evidence itself, not from a page's view, and
 * the incremental build replaces it in the pages it carries over.
 *
 * The notes are kept per page in this process (Symbol.for: one registry per thread, shared by every bundled copy
 * of this module); the build's integration saves them for the next build.
 */
import type { NamespaceModel } from '../../verify/index.ts';
import type { SiteEvidence } from '../loaders/evidence.ts';
import { sha256Hex } from './evidence-index.ts';

const NOTES = Symbol.for('fleetproof.site.page-deps');
const RAW = Symbol('fleetproof.site.raw-evidence');
const NOTE = Symbol('fleetproof.site.note');

/** pathname → the keys its page read. */
export function pageDeps(): Map<string, Set<string>> {
  const g = globalThis as unknown as Record<symbol, Map<string, Set<string>> | undefined>;
  return (g[NOTES] ??= new Map());
}

const POST_REFS = Symbol.for('fleetproof.site.post-refs');

/**
 * slug → what the post refers to in the evidence (site/remark/citations.ts citationFingerprint), as the posts
 * loader last rendered it in this thread: posts are rendered into Astro's server build, so an incremental build
 * is possible only while everything they refer to is unchanged.
 */
export function postRefs(): Map<string, string[]> {
  const g = globalThis as unknown as Record<symbol, Map<string, string[]> | undefined>;
  return (g[POST_REFS] ??= new Map());
}

const EV_KEYS: Record<string, string> = {
  summary: 'summary',
  treeSha256: 'tree',
  indexJson: 'tree',
  reportJson: 'tree',
  files: 'files',
  policies: 'policies',
};
const MODEL_KEYS: Record<string, string> = { fleets: 'fleets', trustRoots: 'trust-roots' };

/**
 * `ev` for the page at `pathname`, noting what the page reads (above). The view's namespaces are views too, the
 * same object each time within the page; everything below them is the evidence's own (read through them, so
 * already noted).
 */
export function pageEvidence(ev: SiteEvidence, pathname: string): SiteEvidence {
  const raw = rawEvidence(ev);
  const notes = pageDeps();
  const seen = notes.get(pathname) ?? new Set<string>();
  notes.set(pathname, seen);
  const nsViews = new Map<NamespaceModel, NamespaceModel>();
  const nsView = (ns: NamespaceModel): NamespaceModel => {
    let v = nsViews.get(ns);
    if (!v)
      nsViews.set(
        ns,
        (v = new Proxy(ns, {
          get(t, p, r) {
            seen.add(p === 'name' ? 'namespaces' : `ns:${t.name}`);
            return Reflect.get(t, p, r);
          },
        })),
      );
    return v;
  };
  const namespaces = new Proxy(raw.model.namespaces, {
    get(t, p, r) {
      seen.add('namespaces');
      const v = Reflect.get(t, p, r) as unknown;
      return typeof p === 'string' && /^(0|[1-9][0-9]*)$/.test(p) && v ? nsView(v as NamespaceModel) : v;
    },
  });
  const model = new Proxy(raw.model, {
    get(t, p, r) {
      if (p === 'namespaces') return namespaces;
      if (typeof p === 'string') seen.add(MODEL_KEYS[p] ?? `model.${p}`);
      return Reflect.get(t, p, r);
    },
  });
  return new Proxy(raw, {
    get(t, p, r) {
      if (p === RAW) return raw;
      if (p === NOTE) return seen;
      if (p === 'model') return model;
      if (p === 'then') return undefined; // `await` asks whether the view is a promise: it is not, and reads nothing
      if (typeof p === 'string') seen.add(EV_KEYS[p] ?? `ev.${p}`);
      return Reflect.get(t, p, r);
    },
  });
}

/** The evidence behind a page's view (itself when it is not a view): for caches kept per tree. */
export function rawEvidence<T extends object>(ev: T): T {
  return ((ev as unknown as Record<symbol, T | undefined>)[RAW] ?? ev) as T;
}

/** Notes `key` for the page whose view `ev` is (nothing for the evidence itself): for reads past a per-tree cache. */
export function noteRead(ev: SiteEvidence, key: string): void {
  (ev as unknown as Record<symbol, Set<string> | undefined>)[NOTE]?.add(key);
}

/** What the notes stand for: the evidence but for the published texts, which are the endpoints' own. */
export type EvidenceParts = Pick<SiteEvidence, 'treeSha256' | 'summary' | 'model' | 'policies' | 'files'>;

/**
 * What `key` stands for in `ev`, as a string that differs whenever what a page could read under the key differs.
 * An unknown key (a part of the evidence this module does not name) has no fingerprint: the page must be rendered.
 */
export function fingerprint(ev: EvidenceParts, key: string): string | undefined {
  const raw = rawEvidence(ev);
  if (key.startsWith('ns:')) {
    const ns = raw.model.namespaces.find((n) => n.name === key.slice(3));
    return ns ? JSON.stringify(ns) : 'absent';
  }
  if (key.startsWith('file:')) {
    const f = fileIndex(raw).get(key.slice(5));
    return f ? JSON.stringify(f) : 'absent';
  }
  switch (key) {
    case 'namespaces':
      return JSON.stringify(raw.model.namespaces.map((n) => n.name));
    case 'fleets':
      return JSON.stringify(raw.model.fleets);
    case 'trust-roots':
      return JSON.stringify(raw.model.trustRoots);
    case 'policies':
      return JSON.stringify(raw.policies);
    case 'summary':
      return JSON.stringify(raw.summary);
    case 'tree':
    case 'files':
      return raw.treeSha256;
    default:
      return undefined;
  }
}

/** SHA-256 of `fingerprint(ev, key)`, null for none (the render state keeps digests: a namespace's is its model). */
export function fingerprintDigest(ev: EvidenceParts, key: string): string | null {
  const f = fingerprint(ev, key);
  return f === undefined ? null : sha256Hex(f);
}

/**
 * `fingerprintDigest` of `ev`, each key computed once, when first asked; with `ahead`, every key a page of `ev`
 * could note is computed now (scripts/build.ts: while Astro renders, on a thread that only waits for it).
 */
export function fingerprintDigests(
  ev: EvidenceParts,
  opts: { ahead?: boolean } = {},
): (key: string) => string | null {
  const raw = rawEvidence(ev);
  const known = new Map<string, string | null>();
  const digest = (key: string) => {
    let d = known.get(key);
    if (d === undefined) known.set(key, (d = fingerprintDigest(raw, key)));
    return d;
  };
  if (opts.ahead) {
    for (const k of ['namespaces', 'fleets', 'trust-roots', 'policies', 'summary', 'tree', 'files'])
      digest(k);
    for (const n of raw.model.namespaces) digest(`ns:${n.name}`);
    for (const f of raw.files) digest(`file:${f.path}`);
  }
  return digest;
}

const filesByPath = new WeakMap<EvidenceParts, Map<string, SiteEvidence['files'][number]>>();

/** The evidence's file entries by path, built once per tree. */
export function fileIndex(ev: EvidenceParts): Map<string, SiteEvidence['files'][number]> {
  const raw = rawEvidence(ev);
  let m = filesByPath.get(raw);
  if (!m) filesByPath.set(raw, (m = new Map(raw.files.map((f) => [f.path, f]))));
  return m;
}
