/**
 * What the /attestations/ page shows from build time: each sample's verdict on its published files and the files
 * themselves (./build-time.ts, with OpenSSL), and the vendor roots built into the core. Provided to the page before
 * it renders by whatever renders it (the build integration, site/integration.ts, for a build and the dev server; an
 * incremental build, scripts/lib/incremental.ts), and computed on the page's first read, once. The page does not
 * compute it itself so that its module graph holds no vendor adapter: Astro's server build would bundle them with
 * Rollup for this one page, about 0.15 s of every cold build, on its critical path.
 *
 * No `node:*` import: this module is bundled into the page.
 */
import type { PublishedFile, Sample, SampleOutcome } from './sample-list.ts';

export interface AttestationsPageData {
  results: { sample: Sample; outcome: SampleOutcome; files: PublishedFile[] }[];
  roots: { id: string; vendor: string; fingerprint: string }[];
}

const KEY = Symbol.for('fleetproof.site.attestations-page');

type Slot = Record<symbol, (() => AttestationsPageData) | undefined>;

/** Called by the integration, or an incremental build, before pages render. */
export function provideAttestationsPageData(compute: () => AttestationsPageData): void {
  let data: AttestationsPageData | undefined;
  (globalThis as unknown as Slot)[KEY] = () => (data ??= compute());
}

/** The page's data; with none provided, rendering fails instead of publishing a page without its verdicts. */
export function attestationsPageData(): AttestationsPageData {
  const data = (globalThis as unknown as Slot)[KEY];
  if (!data)
    throw new Error(
      'no vendor attestation samples verified in this process: the fleetproof integration did not provide them',
    );
  return data();
}
