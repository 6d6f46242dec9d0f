/**
 * The real vendor attestation samples the /attestations/ page publishes (site/public/samples/hsm/, provenance in
 * its README.md): what each is and where it is served, the shape of a verdict on one, and the words for a chain
 * that stops short. No verification code here (that is ./samples.ts): the page's <attestation-verify> script
 * imports only this, and has the samples verified in the widget's worker (./sample-check.ts).
 *
 * These are samples, not evidence: they belong to no fleet of this site. A verdict here says what the vendor signed,
 * nothing about any deployment.
 */
import type { VendorClaim, VendorInputFormat } from '../../verify/vendors/index.ts';

/** Where the samples are served. */
export const SAMPLES_BASE = '/samples/hsm/';

export interface Sample {
  id: string;
  title: string;
  format: VendorInputFormat;
  /** The attestation file, under SAMPLES_BASE, and how it is encoded as published. */
  attestation: string;
  encoding: 'raw' | 'base64' | 'pem';
  /** The PEM bundle that came with it, under SAMPLES_BASE (none for Nitro: the document carries its chain). */
  certificates: string | undefined;
  /**
   * The time certificate validity is judged at, for formats that carry none (Marvell, YubiHSM 2): a fixed time, so
   * that every build says the same; Nitro documents carry their own timestamp, which is used instead.
   */
  at: string | undefined;
  /** Where the sample comes from (also in the folder's README.md). */
  provenance: string;
}

const FIXED_AT = '2025-01-01T00:00:00Z';

export const SAMPLES: Sample[] = [
  {
    id: 'marvell-ec',
    title: 'Marvell LiquidSecurity (Google Cloud HSM): an EC P-256 key',
    format: 'marvell',
    attestation: 'gcp-cloudhsm-cavium/ec.dat',
    encoding: 'raw',
    certificates: 'gcp-cloudhsm-cavium/ec.certs',
    at: FIXED_AT,
    provenance:
      'smallstep/crypto, kms/cloudkms/testdata/ec.dat and ec.certs, added in 71155360 (Apache-2.0): a Cloud KMS HSM key attestation (CAVIUM_V2_COMPRESSED) with the certificate bundle Google returns',
  },
  {
    id: 'aws-nitro',
    title: 'AWS Nitro Enclaves: an attestation document',
    format: 'nitro',
    attestation: 'aws-nitro/nitro_attestation.b64',
    encoding: 'base64',
    certificates: undefined,
    at: undefined,
    provenance:
      'blocky/nitrite, internal/testdata/nitro_attestation.b64 at bdd0c92f: an attestation document (COSE_Sign1, base64) from us-east-1, 2024-09-07',
  },
  {
    id: 'yubihsm2',
    title: 'YubiHSM 2: a key attestation certificate',
    format: 'yubihsm2',
    attestation: 'yubihsm2/key-attestation-0x7e57.pem',
    encoding: 'pem',
    certificates: 'yubihsm2/device-attestation-31650425.pem',
    at: FIXED_AT,
    provenance:
      'blechschmidt/secsy-pki, server/internal/hsmaudit/keyproof_test.go at d7d24815: a YubiHSM 2 (firmware 2.4.0) key attestation and its device attestation certificate',
  },
];

/** A sample's file as the site publishes it. */
export interface PublishedFile {
  /** The file's URL on the site. */
  url: string;
  name: string;
  size: number;
  sha256: string;
}

export interface SampleOutcome {
  /** Verified, and the chain reaches a pinned root. */
  ok: boolean;
  /** On failure, the core's code (CHAIN_INCOMPLETE, ATTESTATION_SIGNATURE_INVALID, …). */
  code: string | undefined;
  message: string | undefined;
  /** What the adapter verified, also when only the chain's completeness failed (YubiHSM without its sub-CA). */
  claim: VendorClaim | undefined;
}

/** The note that says the chain stops short of a pinned root, in words for readers. */
export function incompleteChainText(claim: VendorClaim): string | undefined {
  if (claim.chainComplete) return undefined;
  const missing = /^intermediate missing: "([^"]+)"/.exec(
    claim.notes.find((n) => n.startsWith('intermediate missing')) ?? '',
  );
  const name = missing?.[1]?.replace(/^CN=/, '');
  return `chain incomplete: ${name ? `the ${name} certificate` : 'a certificate between the device and a pinned root'} is not available, so the device certificate is not linked to a pinned ${claim.vendor} root`;
}
