/**
 * Stand-ins for verify/vendors/x509.ts and verify/vendors/asn1.ts in the widget's worker (./plugin.ts): the core
 * reads certificates only for vendor roots pinned as X.509 certificates and for vendor attestations, so the
 * certificate code is loaded when one is there (./registry.ts).
 */
import { lazyPart } from './registry.ts';

type X509 = typeof import('../../../verify/vendors/x509.ts');
const x509 = lazyPart<X509>('x509', () => import('../../../verify/vendors/x509.ts'), ['asn1']);

export const decodePemCertificates: X509['decodePemCertificates'] = (...a) =>
  x509().decodePemCertificates(...a);
export const parseCertificate: X509['parseCertificate'] = (...a) => x509().parseCertificate(...a);
export const parseSpki: X509['parseSpki'] = (...a) => x509().parseSpki(...a);
