/**
 * The report's checklist: each check has an id, a title, the subject it ran on, a status, a detail saying what
 * was compared, and the errors it found. Verification collects every failure.
 */
import { VerificationError, type VerificationErrorJSON } from './errors.ts';

export type CheckStatus = 'passed' | 'failed';

export interface CheckResult {
  id: string;
  title: string;
  subject: string;
  status: CheckStatus;
  detail?: string;
  errors: VerificationErrorJSON[];
}

export class Checklist {
  readonly checks: CheckResult[] = [];
  readonly errors: VerificationError[] = [];
  onCheck: ((c: CheckResult) => void) | undefined;

  /**
   * Runs one check. `fn` returns the detail to show (what was compared) or throws a VerificationError.
   * Any other exception is a bug in the verifier and propagates.
   */
  run(id: string, title: string, subject: string, fn: () => string | void): boolean {
    try {
      const detail = fn();
      this.record({ id, title, subject, status: 'passed', ...(detail ? { detail } : {}), errors: [] });
      return true;
    } catch (e) {
      if (!(e instanceof VerificationError)) throw e;
      this.fail(id, title, subject, [e]);
      return false;
    }
  }

  /** Records a failed check with several errors at once. */
  fail(id: string, title: string, subject: string, errors: VerificationError[]): void {
    this.errors.push(...errors);
    this.record({
      id,
      title,
      subject,
      status: 'failed',
      detail: errors[0]?.message,
      errors: errors.map((e) => e.toJSON()),
    });
  }

  /** Runs a check that may find several independent errors; `fn` pushes them to the array it is given. */
  runAll(
    id: string,
    title: string,
    subject: string,
    fn: (errors: VerificationError[]) => string | void,
  ): boolean {
    const errors: VerificationError[] = [];
    let detail: string | void = undefined;
    try {
      detail = fn(errors);
    } catch (e) {
      if (!(e instanceof VerificationError)) throw e;
      errors.push(e);
    }
    if (errors.length) {
      this.fail(id, title, subject, errors);
      return false;
    }
    this.record({ id, title, subject, status: 'passed', ...(detail ? { detail } : {}), errors: [] });
    return true;
  }

  /** Appends checks and errors recorded by another checklist (a unit verified elsewhere), in their order. */
  replay(checks: readonly CheckResult[], errors: readonly VerificationError[]): void {
    this.errors.push(...errors);
    for (const c of checks) this.record(c);
  }

  private record(c: CheckResult): void {
    this.checks.push(c);
    this.onCheck?.(c);
  }
}

/**
 * Runs `fn`; a VerificationError it throws is added to `errors` and gives undefined, so that a check can go on
 * and report every failure (runAll). Any other exception propagates.
 */
export function attempt<T>(fn: () => T, errors: VerificationError[]): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof VerificationError)) throw e;
    errors.push(e);
    return undefined;
  }
}
