/** Stand-in for verify/bundle/namespace.ts in the widget's worker: see ./epoch.ts. */
import { lazyPart } from './registry.ts';

type Namespace = typeof import('../../../verify/bundle/namespace.ts');
const namespace = lazyPart<Namespace>('namespace', () => import('../../../verify/bundle/namespace.ts'));

export const verifyNamespace: Namespace['verifyNamespace'] = (...a) => namespace().verifyNamespace(...a);
