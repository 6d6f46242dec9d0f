/**
 * How each vendor attestation sample of ./sample-list.ts is verified: by the core's vendor adapters
 * (verify/vendors/), against the vendor roots built into the core (verify/vendors/roots.ts, each with the
 * fingerprint its vendor publishes), at a stated time. The page runs this at build time (./build-time.ts); in the
 * browser the <attestation-verify> element has the widget's worker run the same code on the files as served
 * (./sample-check.ts). Browser-safe: no Node built-in.
 */
import { VerificationError } from '../../verify/errors.ts';
import { fromBase64 } from '../../verify/encoding.ts';
import {
  decodePemCertificates,
  knownRoots,
  requireCompleteChain,
  verifyVendorAttestation,
  type VendorClaim,
} from '../../verify/vendors/index.ts';
import type { Sample, SampleOutcome } from './sample-list.ts';

export * from './sample-list.ts';

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
