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
  const out: [string, Uint8Array][] = [];
  for (const [path, members] of packPlan(index)) {
    const bytes = packOf(members, files);
    if (bytes) out.push([path, bytes]);
  }
  return out;
}

/** Each pack's path under /packs/ and the files it would hold, in the index's order. */
export function packPlan(index: IndexEntry[]): [string, string[]][] {
  const targets = new Map<string, Target>();
  for (const { path } of index) {
    const m = /^(fleets|namespaces)\/([^/]+)\//.exec(path);
    if (m)
      targets.set(
        `${m[1]}/${m[2]}.pack`,
        m[1] === 'fleets' ? { kind: 'fleet', fleetId: m[2]! } : { kind: 'epoch', namespace: m[2]!, epoch: 0 },
      );
  }
  return [...targets].map(([path, t]) => [path, filesFor(index, t)]);
}

/** The pack of `members`, or undefined when it would reach 4 MiB. */
export function packOf(members: string[], files: ReadonlyMap<string, Uint8Array>): Uint8Array | undefined {
  const listed = members.map((p): [string, Uint8Array] => [p, files.get(p)!]);
  // The files alone already too many bytes: no pack to build (its header only adds to them).
  if (listed.reduce((n, [, b]) => n + b.length, 0) >= MAX_READ) return undefined;
  const bytes = pack(listed);
  return bytes.length < MAX_READ ? bytes : undefined;
}
