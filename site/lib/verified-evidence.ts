/**
 * The content loaders' way to the verified evidence, without compiling the verifier when `scripts/build.ts` has
 * verified the tree and handed its verification over.
 *
 * Astro compiles every module its content loaders import, through Vite, on every build. This module reads and
 * hashes the tree and takes the memoised verification of the very same digest (the one `scripts/build.ts` verified
 * and handed over); it loads the verifier (./verified.ts) only where no verification is handed over (a bare
 * `astro build`, the dev server), and then verifies, or reports the failure, exactly as before.
 */
import { readTree } from '../../scripts/lib/read-tree.ts';
import { buildIndex, sha256Hex } from './evidence-index.ts';
import { EvidenceError, HANDED, handedVerification, memo, type VerifiedEvidence } from './evidence-memo.ts';

/**
 * The verifier, loaded now unless `scripts/build.ts` hands its verification over (its Astro thread sets the
 * hand-over before Astro starts): Astro closes the module runner that loads this module before the loaders run, so
 * the verifier cannot be loaded later, when it turns out to be needed.
 */
const verifier = handoffExpected() ? undefined : await import('./verified.ts');

function handoffExpected(): boolean {
  return (globalThis as unknown as Record<symbol, Promise<void> | undefined>)[HANDED] !== undefined;
}

/**
 * The verified evidence of `dir` (after the build's handed verification, if any): the memoised verification when
 * the tree read now has its digest and it passed; else, where the verifier is loaded, what ./verified.ts
 * `readVerifiedEvidence` returns or throws (it verifies, fails closed, and memoises). Under `scripts/build.ts` a
 * tree that is not the one it verified and handed over is an error: the evidence changed during the build.
 */
export async function verifiedEvidence(dir: string): Promise<VerifiedEvidence> {
  await handedVerification();
  const cached = memo().get(dir);
  if (cached && cached.report.ok && cached.index.files.length > 0) {
    let files: Map<string, Uint8Array> | undefined;
    try {
      files = readTree(dir);
    } catch {
      files = undefined; // reported below
    }
    if (files && sha256Hex(buildIndex(files).indexJson) === cached.treeSha256) return cached;
  }
  if (!verifier)
    throw new EvidenceError(
      `evidence in ${dir} is not the tree the build verified before starting Astro (did it change during the build?); nothing is published`,
    );
  return verifier.readVerifiedEvidence(dir);
}
