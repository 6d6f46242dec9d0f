/**
 * The /attestations/ page's build-time side (./page-data.ts): reads the published samples from
 * site/public/samples/hsm/, once each, and verifies them with ./samples.ts, exactly as the <attestation-verify>
 * element has the widget's worker do in the browser on the served copies. The signatures' arithmetic is OpenSSL's
 * here, as everywhere the build verifies (scripts/lib/node-crypto.ts; the core's strictness rules run in JavaScript
 * whichever provider answers, and the providers agree on every vector), rather than noble's: about 25 ms less of
 * the 50 ms verifying the three samples took.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useNodeCrypto } from '../../scripts/lib/node-crypto.ts';
import { sha256 } from '../../verify/crypto/sha256.ts';
import { toHex } from '../../verify/encoding.ts';
import { KNOWN_ROOTS } from '../../verify/vendors/roots.ts';
import type { AttestationsPageData } from './page-data.ts';
import { SAMPLES, SAMPLES_BASE, verifySample, type PublishedFile } from './samples.ts';

/** The samples' folder in the source tree (the build runs from the project root). */
export const SAMPLES_DIR = join(process.cwd(), 'site', 'public', 'samples', 'hsm');

function read(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(SAMPLES_DIR, ...path.split('/'))));
}

const published = (path: string, bytes: Uint8Array): PublishedFile => ({
  url: `${SAMPLES_BASE}${path}`,
  name: path,
  size: bytes.length,
  sha256: toHex(sha256(bytes)),
});

/**
 * What the /attestations/ page shows from build time: every sample verified from its published files (`now`, for
 * "expired since" notes, defaults to the clock), those files, and the vendor roots built into the core.
 */
export function attestationsPageData(now?: string): AttestationsPageData {
  useNodeCrypto();
  return {
    results: SAMPLES.map((sample) => {
      const attestation = read(sample.attestation);
      const certificates = sample.certificates ? read(sample.certificates) : undefined;
      return {
        sample,
        outcome: verifySample(sample, attestation, certificates, now),
        files: [
          published(sample.attestation, attestation),
          ...(sample.certificates && certificates ? [published(sample.certificates, certificates)] : []),
        ],
      };
    }),
    roots: KNOWN_ROOTS.map(({ id, vendor, fingerprint }) => ({ id, vendor, fingerprint })),
  };
}
