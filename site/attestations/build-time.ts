/**
 * The /attestations/ page's build-time side: reads the published samples from site/public/samples/hsm/ and verifies
 * them with ./samples.ts, exactly as the <attestation-verify> element does in the browser on the served copies. The
 * signatures' arithmetic is OpenSSL's here, as everywhere the build verifies (scripts/lib/node-crypto.ts; the core's
 * strictness rules run in JavaScript whichever provider answers, and the providers agree on every vector), rather
 * than noble's: the page renders about 25 ms sooner (of 50 ms verifying the three samples), on the build's
 * critical path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useNodeCrypto } from '../../scripts/lib/node-crypto.ts';
import { sha256 } from '../../verify/crypto/sha256.ts';
import { toHex } from '../../verify/encoding.ts';
import { KNOWN_ROOTS } from '../../verify/vendors/roots.ts';
import type { AttestationsPageData } from './page-data.ts';
import {
  SAMPLES,
  SAMPLES_BASE,
  verifySample,
  type PublishedFile,
  type Sample,
  type SampleOutcome,
} from './samples.ts';

export type { PublishedFile };

/** The samples' folder in the source tree (the build runs from the project root). */
export const SAMPLES_DIR = join(process.cwd(), 'site', 'public', 'samples', 'hsm');

function read(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(SAMPLES_DIR, ...path.split('/'))));
}

export function publishedFiles(s: Sample): PublishedFile[] {
  return [s.attestation, ...(s.certificates ? [s.certificates] : [])].map((p) => {
    const bytes = read(p);
    return { url: `${SAMPLES_BASE}${p}`, name: p, size: bytes.length, sha256: toHex(sha256(bytes)) };
  });
}

/** Verifies a sample from its published files; `now` (for "expired since" notes) defaults to the clock. */
export function verifyPublishedSample(s: Sample, now?: string): SampleOutcome {
  useNodeCrypto();
  return verifySample(s, read(s.attestation), s.certificates ? read(s.certificates) : undefined, now);
}

/**
 * What the /attestations/ page shows from build time (./page-data.ts): every sample verified from its published
 * files, and the vendor roots built into the core.
 */
export function attestationsPageData(now?: string): AttestationsPageData {
  return {
    results: SAMPLES.map((sample) => ({
      sample,
      outcome: verifyPublishedSample(sample, now),
      files: publishedFiles(sample),
    })),
    roots: KNOWN_ROOTS.map(({ id, vendor, fingerprint }) => ({ id, vendor, fingerprint })),
  };
}
