/**
 * Stand-ins for verify/bundle/epoch.ts and verify/bundle/namespace.ts in the widget's worker (./plugin.ts): the
 * rules of epochs and namespaces (and with them the Plexi record and proof code) are loaded when the tree has a
 * namespace, on an epoch page (./registry.ts).
 */
import { lazyPart } from './registry.ts';

type Epoch = typeof import('../../../verify/bundle/epoch.ts');
const epoch = lazyPart<Epoch>('epoch', () => import('../../../verify/bundle/epoch.ts'), ['namespace']);

export const verifyEpoch: Epoch['verifyEpoch'] = (...a) => epoch().verifyEpoch(...a);
