/**
 * The packs the build publishes under /packs/ (./pack.ts, docs/evidence-format.md §12). Apart from ./pack.ts, which
 * the worker bundles, so that the two modules the worker imports (./files.ts and ./pack.ts) do not import each other.
 */
import { MAX_READ, filesFor, type IndexEntry } from './files.ts';
import { pack } from './pack.ts';
import type { Target } from './protocol.ts';

/**
 * The packs of a published tree, as [path under /packs/, bytes]: one per fleet and one per namespace, each of
 * exactly the files the index lists for its pages (./files.ts filesFor), in the index's order; none over 4 MiB,
 * which the widget would not read (./files.ts fetchPack): those pages' files are fetched one by one.
 */
export function packFiles(
  index: IndexEntry[],
  files: ReadonlyMap<string, Uint8Array>,
): [string, Uint8Array][] {
  const targets = new Map<string, Target>();
  for (const { path } of index) {
    const m = /^(fleets|namespaces)\/([^/]+)\//.exec(path);
    if (m)
      targets.set(
        `${m[1]}/${m[2]}.pack`,
        m[1] === 'fleets' ? { kind: 'fleet', fleetId: m[2]! } : { kind: 'epoch', namespace: m[2]!, epoch: 0 },
      );
  }
  return [...targets]
    .map(([path, t]): [string, Uint8Array] => [path, pack(filesFor(index, t).map((p) => [p, files.get(p)!]))])
    .filter(([, b]) => b.length < MAX_READ);
}
