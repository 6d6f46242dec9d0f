/**
 * A page's pack: the raw evidence files a widget fetches for one fleet or one namespace, byte for byte, in one
 * file, so that a click costs two requests (the pack and /evidence/index.json, in parallel) instead of the index
 * and then one request per file (docs/evidence-format.md §12).
 *
 *   /packs/fleets/<fleet-id>.pack          the files a fleet page verifies (./files.ts filesFor)
 *   /packs/namespaces/<namespace>.pack     the files every epoch page of the namespace verifies
 *
 * Format: one line of JSON, `{"fleetproof-pack":1,"files":[{"path":…,"size":…},…]}`, a line feed (0x0a), then the
 * files' bytes one after the other in that order, nothing between them and nothing after. The pack is not
 * evidence and not a claim: each file taken from it is checked against /evidence/index.json exactly as a file
 * fetched on its own, and the core verifies those bytes. The raw files stay published under /evidence/.
 *
 * Browser-safe (the worker decodes with `unpack`); the build encodes with `pack` (./pack-files.ts, called by
 * site/integration.ts).
 */
import type { Target } from './protocol.ts';

/** The URL of a target's pack: an epoch page's is its namespace's (every epoch page verifies the same files). */
export function packUrl(t: Target): string {
  return t.kind === 'fleet'
    ? `/packs/fleets/${encodeURIComponent(t.fleetId)}.pack`
    : `/packs/namespaces/${encodeURIComponent(t.namespace)}.pack`;
}

/** A pack of `files`, in their order. */
export function pack(files: [path: string, bytes: Uint8Array][]): Uint8Array {
  const head = new TextEncoder().encode(
    `${JSON.stringify({ 'fleetproof-pack': 1, files: files.map(([path, b]) => ({ path, size: b.length })) })}\n`,
  );
  const out = new Uint8Array(files.reduce((n, [, b]) => n + b.length, head.length));
  out.set(head);
  let o = head.length;
  for (const [, b] of files) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/**
 * The files of a pack, by path (each a copy of its bytes); undefined when `bytes` is not exactly a pack: no header
 * line, another version, a bad or repeated entry, or sizes that do not add up to the bytes after the header. A
 * pack of no files is one (every file is then fetched alone).
 */
export function unpack(bytes: Uint8Array): Map<string, Uint8Array> | undefined {
  const nl = bytes.indexOf(10);
  try {
    const head = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, nl))) as {
      'fleetproof-pack'?: unknown;
      files?: { path?: unknown; size?: unknown }[];
    };
    const out = new Map<string, Uint8Array>();
    let o = nl + 1;
    for (const { path, size } of head['fleetproof-pack'] === 1 && nl > 0 ? head.files! : []) {
      if (typeof path !== 'string' || size !== (size as number) >>> 0 || out.has(path)) return undefined;
      out.set(path, bytes.slice(o, (o += size as number)));
    }
    return o === bytes.length ? out : undefined;
  } catch {
    return undefined;
  }
}
