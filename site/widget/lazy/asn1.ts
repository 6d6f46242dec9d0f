/** Stand-in for verify/vendors/asn1.ts in the widget's worker: see ./x509.ts. */
import { lazyPart } from './registry.ts';

type Asn1 = typeof import('../../../verify/vendors/asn1.ts');
const asn1 = lazyPart<Asn1>('asn1', () => import('../../../verify/vendors/asn1.ts'));

export const parseDer: Asn1['parseDer'] = (...a) => asn1().parseDer(...a);
