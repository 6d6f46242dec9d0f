/**
 * The real vendor attestation samples the /attestations/ page publishes (site/public/samples/hsm/, provenance in
 * its README.md), and how each is verified: by the core's vendor adapters (verify/vendors/), against the vendor
 * roots built into the core (verify/vendors/roots.ts, each with the fingerprint its vendor publishes), at a stated
 * time. The page runs this at build time; the <attestation-verify> element runs the same code in the browser on the
 * files as served. Browser-safe: no Node built-in.
 *
 * These are samples, not evidence: they belong to no fleet of this site. A verdict here says what the vendor signed,
 * nothing about any deployment.
 */
import { VerificationError } from '../../verify/errors.ts';
import { fromBase64 } from '../../verify/encoding.ts';
import {
  decodePemCertificates,
  knownRoots,
  requireCompleteChain,
  verifyVendorAttestation,
  type VendorClaim,
  type VendorInputFormat,
} from '../../verify/vendors/index.ts';

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

export interface SampleOutcome {
  /** Verified, and the chain reaches a pinned root. */
  ok: boolean;
  /** On failure, the core's code (CHAIN_INCOMPLETE, ATTESTATION_SIGNATURE_INVALID, …). */
  code: string | undefined;
  message: string | undefined;
  /** What the adapter verified, also when only the chain's completeness failed (YubiHSM without its sub-CA). */
  claim: VendorClaim | undefined;
}

const latin1 = (b: Uint8Array) => {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return s;
};

/** The vendor's bytes from the published file. Raises BASE64_INVALID or CERTIFICATE_INVALID. */
export function decodeAttestation(sample: Sample, bytes: Uint8Array): Uint8Array {
  const file = sample.attestation;
  if (sample.encoding === 'raw') return bytes;
  const text = latin1(bytes);
  if (sample.encoding === 'base64') return fromBase64(text.replace(/\s+/g, ''), { file });
  const certs = decodePemCertificates(text, { file });
  if (certs.length !== 1)
    throw new VerificationError(
      'CERTIFICATE_INVALID',
      `expected one PEM certificate, found ${certs.length}`,
      {
        file,
      },
    );
  return certs[0]!;
}

/**
 * Verifies one sample from the bytes of its published files. Never throws a VerificationError: the outcome carries
 * the code. An incomplete chain fails with CHAIN_INCOMPLETE, the claim kept so that what did verify can be shown.
 */
export function verifySample(
  sample: Sample,
  attestation: Uint8Array,
  certificates: Uint8Array | undefined,
  now?: string,
): SampleOutcome {
  let claim: VendorClaim | undefined;
  try {
    const bytes = decodeAttestation(sample, attestation);
    const certs = certificates
      ? decodePemCertificates(latin1(certificates), { file: sample.certificates })
      : [];
    claim = verifyVendorAttestation(sample.format, bytes, certs, {
      roots: knownRoots(),
      at: sample.at,
      now,
      file: sample.attestation,
    });
    requireCompleteChain(claim, sample.attestation);
    return { ok: true, code: undefined, message: undefined, claim };
  } catch (e) {
    if (!(e instanceof VerificationError)) throw e;
    return { ok: false, code: e.code, message: e.message, claim };
  }
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
