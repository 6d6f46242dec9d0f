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
  const out: [string, Uint8Array][] = [];
  for (const [path, t] of targets) {
    const listed = filesFor(index, t).map((p): [string, Uint8Array] => [p, files.get(p)!]);
    // The files alone already too many bytes: no pack to build (its header only adds to them).
    if (listed.reduce((n, [, b]) => n + b.length, 0) >= MAX_READ) continue;
    const bytes = pack(listed);
    if (bytes.length < MAX_READ) out.push([path, bytes]);
  }
  return out;
}
