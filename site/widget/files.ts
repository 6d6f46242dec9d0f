/**
 * A page's evidence files as the widget's worker fetches them (./worker.ts): which ones (the index's list for the
 * page's fleet or epoch), where they are (the page's pack, ./pack.ts, fetched beside the index; any file it cannot
 * give from /evidence/ one by one), how much of each is read, and `EvidenceSet`, the fetch of one page's files
 * ahead of the click. Whatever fetched them, the checklist (./plan.ts verifyTarget) checks each against the index
 * and verifies exactly the bytes read here.
 *
 * Nothing here parses evidence beyond the index's list of paths and a pack's header, and nothing imports the core's
 * checks.
 */
import { LIMITS } from '../../verify/limits.ts';
import type { Target } from './protocol.ts';
import { packUrl, unpack } from './pack.ts';

/**
 * verify/trust.ts TRUST_ROOTS_FILE (a unit test says they are equal): not imported from there, as that module
 * builds the core's schemas when it loads.
 */
export const TRUST_ROOTS = 'trust-roots.json';

export interface IndexEntry {
  path: string;
  sha256: string;
  size: number;
}

/** Reads one published file by its evidence path ('index.json' is /evidence/index.json): undefined when absent. */
export type Fetcher = (path: string) => Promise<Uint8Array | undefined>;

/** The site could not be read at all: no index, or the network failed. */
export class FetchError extends Error {
  override name = 'FetchError';
}

/** Parses /evidence/index.json (shape only: it is the site's claim, used to list files and as a second signal). */
export function parseIndex(bytes: Uint8Array): IndexEntry[] {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new FetchError('/evidence/index.json is not JSON');
  }
  const files = (v as { files?: unknown })?.files;
  if (!Array.isArray(files)) throw new FetchError('/evidence/index.json lists no files');
  return files.filter(
    (f): f is IndexEntry =>
      typeof f === 'object' &&
      f !== null &&
      typeof f.path === 'string' &&
      typeof f.sha256 === 'string' &&
      typeof f.size === 'number',
  );
}

export function targetDir(t: Target): string {
  return t.kind === 'fleet' ? `fleets/${t.fleetId}` : `namespaces/${t.namespace}/${t.epoch}`;
}

/** The evidence files a page's widget fetches, from the index. */
export function filesFor(index: IndexEntry[], t: Target): string[] {
  const want =
    t.kind === 'fleet'
      ? (p: string) => p === TRUST_ROOTS || p.startsWith(`fleets/${t.fleetId}/`)
      : (p: string) =>
          p === TRUST_ROOTS ||
          /^fleets\/[^/]+\/deployment\.json$/.test(p) ||
          p.startsWith(`namespaces/${t.namespace}/`);
  return index.map((f) => f.path).filter(want);
}

/** /evidence/<path>, each segment percent-encoded (as the site's own links: site/lib/urls.ts). */
export function evidenceUrl(path: string): string {
  return `/evidence/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** How much of one file is read: the core's limit plus one byte, so that the core reports FILE_TOO_LARGE. */
export const MAX_READ = LIMITS.maxFileBytes + 1;

/**
 * Reads a response body up to `max` bytes and stops there: a hostile 50 MB file costs the reader 4 MiB, and the
 * core then fails it with FILE_TOO_LARGE (docs/evidence-format.md §2), as the CLI does.
 */
export async function readCapped(r: Response, max: number): Promise<Uint8Array> {
  if (!r.body) return new Uint8Array(await r.arrayBuffer()).subarray(0, max);
  const reader = r.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  while (n < max) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
  }
  if (n >= max) await reader.cancel();
  const out = new Uint8Array(Math.min(n, max));
  let o = 0;
  for (const p of parts) {
    const take = Math.min(p.length, out.length - o);
    out.set(p.subarray(0, take), o);
    o += take;
    if (o === out.length) break;
  }
  return out;
}

/** A file of this site, revalidated, read up to `max` bytes (readCapped): undefined when absent (404). */
export async function fetchSite(
  url: string,
  max: number,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  const r = await fetch(url, {
    cache: 'no-cache',
    credentials: 'omit',
    redirect: 'error',
    signal: signal ?? null,
  });
  if (r.status === 404) return undefined;
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return readCapped(r, max);
}

/** One file from this site's /evidence/ (the check is about the bytes the site serves now). */
export const fetchEvidence = (path: string, signal?: AbortSignal) =>
  fetchSite(evidenceUrl(path), MAX_READ, signal);

/** A page's pack, by path: undefined when it cannot be used (the files are then fetched one by one). */
export type Pack = Promise<Map<string, Uint8Array> | undefined>;

/**
 * The target's pack (./pack.ts) as this site serves it, read up to `max` bytes: undefined when absent, unreadable,
 * larger (a file over the core's limit is then read alone, and fails with FILE_TOO_LARGE) or not a pack.
 */
export const fetchPack = (t: Target, max = MAX_READ, signal?: AbortSignal): Pack =>
  fetchSite(packUrl(t), max, signal).then(
    (b) => (b && b.length < max ? unpack(b) : undefined),
    () => undefined,
  );

/** Files from a pack (waited for) where it holds them, else from `raw`, one by one; the index always from `raw`. */
export function fromPack(pack: Pack, raw: Fetcher): Fetcher {
  return async (path) => (path === 'index.json' ? undefined : (await pack)?.get(path)) ?? raw(path);
}

/** One fetched file: its bytes, absent (404), or why it could not be read. */
export type FileResult =
  { path: string; bytes: Uint8Array } | { path: string; absent: true } | { path: string; error: string };

/** `get`'s outcome as a FileResult (never rejects). */
export async function settle(path: string, get: () => Promise<Uint8Array | undefined>): Promise<FileResult> {
  try {
    const bytes = await get();
    return bytes ? { path, bytes } : { path, absent: true };
  } catch (e) {
    return { path, error: (e as Error).message || String(e) };
  }
}

/**
 * Fetching ahead of the click is skipped when the files the index lists for the page add up to more than this
 * (the index's own sizes), and stopped when the bytes actually read pass it (the index is the site's claim): a
 * reader who scrolls past the widget should not pay for a large namespace's every epoch. The click then fetches
 * everything itself. The demo's pages list about 100 to 200 KB each.
 */
export const PREFETCH_MAX_BYTES = 512 * 1024;
/** The pack read ahead of the click: the files' limit and room for its header line. */
const PREFETCH_MAX_PACK = PREFETCH_MAX_BYTES + 64 * 1024;

/**
 * A prefetched set is used by a click within this time of its start, else fetched again: the /evidence/ files'
 * own freshness (their Cache-Control: max-age=300, site/lib/headers.ts).
 */
export const PREFETCH_MAX_AGE_MS = 5 * 60 * 1000;

/**
 * The evidence of one page fetched ahead of the click: the index and the page's pack at once (read up to
 * PREFETCH_MAX_BYTES and room for its header), then every file the index lists for the target, from the pack or
 * (what it cannot give) one by one in parallel, each file's outcome kept as a promise that never rejects, bounded
 * by PREFETCH_MAX_BYTES until a click claims the set. The click's checklist then reads these bytes (and fetches
 * anew any file this could not read).
 */
export class EvidenceSet {
  readonly startedAt = performance.now();
  readonly index: Promise<FileResult>;
  /** Every listed file's outcome, by path, once the index is in (none when the index could not be read). */
  readonly files: Promise<Map<string, Promise<FileResult>>>;
  /** The prefetch stopped (over PREFETCH_MAX_BYTES); a click does not use a stopped set. */
  stopped = false;
  /** A click took this set (`claim`). */
  taken = false;
  private readonly abort = new AbortController();

  constructor(
    readonly target: Target,
    fetchFile: (path: string, signal: AbortSignal) => Promise<Uint8Array | undefined> = fetchEvidence,
    getPack: (t: Target, max: number, signal: AbortSignal) => Pack = fetchPack,
  ) {
    const signal = this.abort.signal;
    const viaPack = fromPack(getPack(target, PREFETCH_MAX_PACK, signal), (p) => fetchFile(p, signal));
    const get = (p: string) => settle(p, () => viaPack(p));
    this.index = get('index.json');
    this.files = this.index.then((r) => {
      const files = new Map<string, Promise<FileResult>>();
      if (!('bytes' in r)) return files;
      let entries: IndexEntry[];
      try {
        entries = parseIndex(r.bytes);
      } catch {
        return files; // the worker parses the same bytes and fails with the index's own error
      }
      const paths = filesFor(entries, target);
      if (!this.taken) {
        const sizes = new Map(entries.map((e) => [e.path, e.size]));
        const listed = paths.reduce((n, p) => n + (sizes.get(p) ?? 0), 0);
        if (listed > PREFETCH_MAX_BYTES) {
          this.stopped = true;
          this.abort.abort();
          return files;
        }
      }
      let read = 0;
      for (const p of paths) {
        const f = get(p);
        files.set(p, f);
        void f.then((x) => {
          if ('bytes' in x) read += x.bytes.length;
          if (!this.taken && !this.stopped && read > PREFETCH_MAX_BYTES) {
            this.stopped = true;
            this.abort.abort();
          }
        });
      }
      return files;
    });
  }

  /**
   * A click takes this set: true when it may (not stopped, not stale, not taken before), and from then on the
   * prefetch limit no longer applies (the click wants every file).
   */
  claim(now = performance.now()): boolean {
    if (this.taken || this.stopped || now - this.startedAt > PREFETCH_MAX_AGE_MS) return false;
    this.taken = true;
    return true;
  }
}
