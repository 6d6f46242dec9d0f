/**
 * /evidence/index.json: every evidence file with its SHA-256 and size, sorted by path; its SHA-256 names the whole
 * tree. Apart from site/lib/verified.ts so that the build integration can check the published files against it
 * without loading the verifier (Astro loads the integration through Vite, which compiles every module it imports).
 */
import { createHash } from 'node:crypto';

export interface EvidenceFileEntry {
  path: string;
  sha256: string;
  size: number;
}

/** Published at /evidence/index.json: every evidence file with its SHA-256 and size, sorted by path. */
export interface EvidenceIndex {
  version: 1;
  files: EvidenceFileEntry[];
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function buildIndex(files: ReadonlyMap<string, Uint8Array>): {
  index: EvidenceIndex;
  indexJson: string;
} {
  const entries = [...files.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((path) => {
      const bytes = files.get(path)!;
      return { path, sha256: sha256Hex(bytes), size: bytes.byteLength };
    });
  const index: EvidenceIndex = { version: 1, files: entries };
  return { index, indexJson: `${JSON.stringify(index, null, 2)}\n` };
}
