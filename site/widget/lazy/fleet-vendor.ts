/**
 * Stand-in for verify/fleet/vendor.ts in the widget's worker (./plugin.ts): a fleet member whose attestation is in
 * a vendor's format is verified by code loaded when there is one (./registry.ts). Telling the formats apart is
 * needed for every attestation, so the list of formats is here (a copy; ./lazy.test.ts checks it is the real one).
 */
import type { VendorFormat } from '../../../verify/vendors/claim.ts';
import { lazyPart } from './registry.ts';

type Real = typeof import('../../../verify/fleet/vendor.ts');
const real = lazyPart<Real>('fleet-vendor', () => import('../../../verify/fleet/vendor.ts'), [
  'vendors',
  'x509',
  'asn1',
]);

export const VENDOR_ATTESTATION_FORMATS: Real['VENDOR_ATTESTATION_FORMATS'] = [
  'marvell-cavium-v2',
  'aws-nitro-enclaves',
  'yubihsm2-key-attestation',
];

export function isVendorFormat(format: unknown): format is VendorFormat {
  return (VENDOR_ATTESTATION_FORMATS as readonly unknown[]).includes(format);
}

export const isFleetKey: Real['isFleetKey'] = (...a) => real().isFleetKey(...a);
export const verifyVendorMember: Real['verifyVendorMember'] = (...a) => real().verifyVendorMember(...a);
export const commonName: Real['commonName'] = (...a) => real().commonName(...a);
