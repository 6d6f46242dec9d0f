/**
 * Vendor attestations read natively: Marvell LiquidSecurity (Google Cloud HSM), AWS Nitro Enclaves, YubiHSM 2.
 * Each adapter verifies the vendor's own signature and certificate chains and returns one normalized VendorClaim.
 */
import { VerificationError, type VerificationErrorJSON } from '../errors.ts';
import { verifyMarvellAttestation } from './marvell.ts';
import { verifyNitroAttestation } from './nitro.ts';
import { verifyYubiHsm2Attestation } from './yubihsm2.ts';
import {
  type VendorClaim,
  type VerifyOptions,
  refuseSuppliedNitroCertificates,
  requireCompleteChain,
} from './claim.ts';

export type { VendorClaim, VerifyOptions, ChainEntry, AttestedPublicKey, PinnedRootInput } from './claim.ts';
export { requireCompleteChain } from './claim.ts';
export { verifyMarvellAttestation, parseMarvellAttestation } from './marvell.ts';
export { verifyNitroAttestation, parseNitroDocument } from './nitro.ts';
export { verifyYubiHsm2Attestation } from './yubihsm2.ts';
export { KNOWN_ROOTS, knownRoots } from './roots.ts';
export { decodePemCertificates, parseCertificate } from './x509.ts';

export const VENDOR_INPUT_FORMATS = ['marvell', 'nitro', 'yubihsm2'] as const;
export type VendorInputFormat = (typeof VENDOR_INPUT_FORMATS)[number];

/**
 * One entry point for the three formats. `attestation`: Marvell gzip (or raw) bytes, a Nitro COSE_Sign1 document,
 * or a YubiHSM key attestation certificate (DER). `certificates`: the chain bundle (Marvell: both chains; YubiHSM:
 * the device certificate and, if available, the Yubico sub-CA; Nitro: none, the document carries its own).
 */
export function verifyVendorAttestation(
  format: VendorInputFormat,
  attestation: Uint8Array,
  certificates: Uint8Array[],
  opts: VerifyOptions,
): VendorClaim {
  switch (format) {
    case 'marvell':
      return verifyMarvellAttestation({ attestation, certificates }, opts);
    case 'yubihsm2':
      return verifyYubiHsm2Attestation({ attestation, certificates }, opts);
    case 'nitro':
      refuseSuppliedNitroCertificates(certificates.length, { file: opts.file });
      return verifyNitroAttestation(attestation, opts);
  }
}

export interface VendorCheck {
  /** Verified, and the chain reaches a pinned root (or an incomplete chain was explicitly allowed). */
  ok: boolean;
  claim: VendorClaim | undefined;
  errors: VerificationErrorJSON[];
}

/** verifyVendorAttestation as a report: errors are collected, an incomplete chain fails with CHAIN_INCOMPLETE. */
export function checkVendorAttestation(
  format: VendorInputFormat,
  attestation: Uint8Array,
  certificates: Uint8Array[],
  opts: VerifyOptions & { allowIncompleteChain?: boolean },
): VendorCheck {
  let claim: VendorClaim | undefined;
  try {
    claim = verifyVendorAttestation(format, attestation, certificates, opts);
    if (!opts.allowIncompleteChain) requireCompleteChain(claim, opts.file);
    return { ok: true, claim, errors: [] };
  } catch (e) {
    if (e instanceof VerificationError) return { ok: false, claim, errors: [e.toJSON()] };
    throw e;
  }
}
