/**
 * Stand-in for verify/vendors/index.ts in the widget's worker (./plugin.ts): the vendor adapters (Marvell, AWS
 * Nitro, YubiHSM 2, with their CBOR, inflate, X.509 and RSA code) are loaded when an attestation in a vendor's
 * format is checked (./registry.ts).
 */
import { lazyPart } from './registry.ts';

type Real = typeof import('../../../verify/vendors/index.ts');
const real = lazyPart<Real>('vendors', () => import('../../../verify/vendors/index.ts'), ['x509', 'asn1']);

export const verifyVendorAttestation: Real['verifyVendorAttestation'] = (...a) =>
  real().verifyVendorAttestation(...a);
export const checkVendorAttestation: Real['checkVendorAttestation'] = (...a) =>
  real().checkVendorAttestation(...a);
/** A copy of the real constant (./lazy.test.ts checks that they are equal). */
export const VENDOR_INPUT_FORMATS: Real['VENDOR_INPUT_FORMATS'] = ['marvell', 'nitro', 'yubihsm2'];
