/**
 * Writes the evidence files of a site under /evidence/ byte for byte, and each page's pack under /packs/
 * (site/widget/pack.ts): every file that `index` lists, from `files`, into the built site at `out`.
 *
 * Two callers, the same bytes: the build integration (site/integration.ts) after a bare `astro build`, from the
 * files it read again and checked against /evidence/index.json; and `npm run build` (scripts/build.ts), from the
 * files its verification read, into a folder beside Astro's output while Astro renders the pages (the files need
 * no page, and the build's main thread is idle then), moved in once Astro is done. /evidence/index.json itself is
 * a page (site/pages/evidence/index.json.ts), written by Astro.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EvidenceFileEntry } from './evidence-index.ts';
import { packFiles } from '../widget/pack-files.ts';

/** Set by scripts/build-astro.mjs: under `npm run build`, its main thread writes the evidence files. */
const WRITTEN_BY_BUILD = Symbol.for('fleetproof.build.writes-evidence');

/**
 * True in Astro's thread of `npm run build`, whose main thread writes the files it verified beside Astro's output
 * while the pages render and moves them in once Astro is done (scripts/build.ts); false under a bare `astro build`.
 */
export function evidenceWrittenByBuild(): boolean {
  return (globalThis as unknown as Record<symbol, unknown>)[WRITTEN_BY_BUILD] === true;
}

export function publishEvidenceFiles(
  out: string,
  index: readonly EvidenceFileEntry[],
  files: ReadonlyMap<string, Uint8Array>,
): { evidence: number; packs: number } {
  const made = new Set<string>();
  const write = (target: string, bytes: Uint8Array) => {
    const dir = dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(target, bytes);
  };
  const evidenceDir = join(out, 'evidence');
  for (const f of index) {
    const bytes = files.get(f.path);
    if (!bytes) throw new Error(`evidence file ${f.path} vanished during the build`);
    const target = join(evidenceDir, ...f.path.split('/'));
    if (!target.startsWith(evidenceDir + '/')) throw new Error(`evidence path ${f.path} escapes /evidence/`);
    if (f.path === 'index.json')
      throw new Error('an evidence file named index.json would collide with /evidence/index.json');
    write(target, bytes);
  }
  const packsDir = join(out, 'packs');
  const packs = packFiles([...index], files);
  for (const [path, bytes] of packs) {
    const target = join(packsDir, ...path.split('/'));
    if (!target.startsWith(packsDir + '/')) throw new Error(`pack path ${path} escapes /packs/`);
    write(target, bytes);
  }
  return { evidence: index.length, packs: packs.length };
}
