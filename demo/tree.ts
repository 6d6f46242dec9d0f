/** Evidence trees as maps (path relative to the root, `/`-separated → bytes) and on disk. */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type EvidenceFiles = Map<string, Uint8Array>;

/** A copy of the map with its entries in path order. */
export function sortedFiles(files: EvidenceFiles): EvidenceFiles {
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Writes every file under dir (creating folders). Does not delete anything. */
export function writeTree(dir: string, files: EvidenceFiles): void {
  for (const [path, bytes] of sortedFiles(files)) {
    if (path.startsWith('/') || path.split('/').some((p) => p === '..' || p === ''))
      throw new Error(`unsafe path ${path}`);
    const full = join(dir, ...path.split('/'));
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, bytes);
  }
}

/** Reads every file under dir into a map (paths `/`-separated, sorted). */
export function readTree(dir: string): EvidenceFiles {
  const out: EvidenceFiles = new Map();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, r)).isDirectory()) walk(r);
      else out.set(r, new Uint8Array(readFileSync(join(dir, r))));
    }
  };
  walk('');
  return sortedFiles(out);
}
