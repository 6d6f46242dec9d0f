import type { ErrorCode } from '../verify/errors.ts';
import type { DemoContext } from './context.ts';
import type { EvidenceFiles } from './tree.ts';

/**
 * A tamper mutates a generated tree (in place) so that verification must fail with `expectedCode` among its
 * errors. It re-signs what it changes, so the intended defect is the only one wherever that is possible.
 */
export interface Tamper {
  kind: string;
  description: string;
  expectedCode: ErrorCode;
  apply(files: EvidenceFiles, ctx: DemoContext): void;
}
