/**
 * The packs the build publishes under /packs/ (./pack.ts, docs/evidence-format.md §12). Apart from ./pack.ts, which
 * the worker bundles, so that the two modules the worker imports (./files.ts and ./pack.ts) do not import each other.
 */
import { MAX_READ, TRUST_ROOTS, type IndexEntry } from './files.ts';
import { pack } from './pack.ts';

/**
 * The packs of a published tree, as [path under /packs/, bytes]: one per fleet and one per namespace, each of
 * exactly the files the index lists for its pages (./files.ts filesFor), in the index's order; none over 4 MiB,
 * which the widget would not read (./files.ts fetchPack): those pages' files are fetched one by one.
 */
export function packFiles(
  index: IndexEntry[],
  files: ReadonlyMap<string, Uint8Array>,
): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  for (const [path, members] of packPlan(index)) {
    const bytes = packOf(members, files);
    if (bytes) out.push([path, bytes]);
  }
  return out;
}

/**
 * Each pack's path under /packs/ and the files it would hold, in the index's order: for each target, what
 * ./files.ts filesFor lists, in one pass over the index (filesFor per target is targets × files).
 */
export function packPlan(index: IndexEntry[]): [string, string[]][] {
  const packs = new Map<string, string[]>();
  const fleets: string[][] = [];
  const namespaces: string[][] = [];
  const targetOf = (path: string) => /^(fleets|namespaces)\/([^/]+)\//.exec(path);
  for (const { path } of index) {
    const m = targetOf(path);
    const key = m && `${m[1]}/${m[2]}.pack`;
    if (key && !packs.has(key)) {
      const list: string[] = [];
      packs.set(key, list);
      (m[1] === 'fleets' ? fleets : namespaces).push(list);
    }
  }
  for (const { path } of index) {
    const m = targetOf(path);
    const everyPage = path === TRUST_ROOTS;
    // Every namespace page's widget also reads each fleet's deployment (./files.ts filesFor).
    const everyNamespace = everyPage || /^fleets\/[^/]+\/deployment\.json$/.test(path);
    if (everyPage) for (const list of fleets) list.push(path);
    else if (m?.[1] === 'fleets') packs.get(`fleets/${m[2]}.pack`)!.push(path);
    if (everyNamespace) for (const list of namespaces) list.push(path);
    else if (m?.[1] === 'namespaces') packs.get(`namespaces/${m[2]}.pack`)!.push(path);
  }
  return [...packs];
}

/** The pack of `members`, or undefined when it would reach 4 MiB. */
export function packOf(members: string[], files: ReadonlyMap<string, Uint8Array>): Uint8Array | undefined {
  const listed = members.map((p): [string, Uint8Array] => [p, files.get(p)!]);
  // The files alone already too many bytes: no pack to build (its header only adds to them).
  if (listed.reduce((n, [, b]) => n + b.length, 0) >= MAX_READ) return undefined;
  const bytes = pack(listed);
  return bytes.length < MAX_READ ? bytes : undefined;
}
