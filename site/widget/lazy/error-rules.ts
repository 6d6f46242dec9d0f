/**
 * Stand-in for verify/error-rules.ts in the widget's worker (./plugin.ts). The rules' texts (about 1.5 KB gzipped)
 * are shown only beside a failure, so they are a chunk of their own: the worker loads it before it posts the first
 * failed check and fills in each error's rule then (../worker.ts withRules). Until it is loaded a rule is '', never
 * a wrong text, and no run of the core is repeated for it: a rule is shown, it takes no part in a verdict.
 */
import { lazyPart, partIfLoaded } from './registry.ts';

type Real = typeof import('../../../verify/error-rules.ts');
/** The part's name, which ../worker.ts loads. */
const PART = 'error-rules';
lazyPart<Real>(PART, () => import('../../../verify/error-rules.ts'));

export const ruleOf: Real['ruleOf'] = (code) => partIfLoaded<Real>(PART)?.ruleOf(code) ?? '';
