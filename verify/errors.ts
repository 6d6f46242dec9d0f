/**
 * Typed verification failures: a stable code (./error-rules.ts, where each code's rule is written), the file and the
 * JSONPath they concern.
 */
import { type ErrorCode, ruleOf } from './error-rules.ts';

export type { ErrorCode } from './error-rules.ts';

export interface VerificationErrorJSON {
  code: ErrorCode;
  message: string;
  rule: string;
  file?: string;
  path?: string;
}

/**
 * A typed verification failure. `file` is the evidence path relative to the tree's root (or the name given
 * to a single file), `path` a JSONPath into it ("$.predicate.members[3].serial"), `rule` the broken rule.
 */
export class VerificationError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly path: string | undefined;
  readonly rule: string;

  constructor(code: ErrorCode, message: string, where: { file?: string; path?: string } = {}) {
    super(message);
    this.name = 'VerificationError';
    this.code = code;
    this.file = where.file;
    this.path = where.path;
    this.rule = ruleOf(code);
  }

  /** A copy that names the file (and a path prefix), for errors raised by code that does not know them. */
  at(file: string | undefined, pathPrefix?: string): VerificationError {
    const path =
      pathPrefix === undefined
        ? this.path
        : this.path === undefined
          ? pathPrefix
          : pathPrefix + this.path.replace(/^\$/, '');
    return new VerificationError(this.code, this.message, { file: this.file ?? file, path });
  }

  toJSON(): VerificationErrorJSON {
    const out: VerificationErrorJSON = { code: this.code, message: this.message, rule: this.rule };
    if (this.file !== undefined) out.file = this.file;
    if (this.path !== undefined) out.path = this.path;
    return out;
  }

  /** One line: `CODE file $.path: message (rule: …)`. */
  override toString(): string {
    const where = [this.file, this.path].filter((x) => x !== undefined).join(' ');
    return `${this.code}${where ? ` ${where}` : ''}: ${this.message}`;
  }
}

export function isVerificationError(e: unknown): e is VerificationError {
  return e instanceof VerificationError;
}

/** JSONPath helpers: pathOf('$', 'a', 3, 'b') === '$.a[3].b'. */
export function pathOf(base: string, ...parts: (string | number)[]): string {
  let p = base;
  for (const part of parts)
    p +=
      typeof part === 'number'
        ? `[${part}]`
        : /^[A-Za-z_][\w]*$/.test(part)
          ? `.${part}`
          : `[${JSON.stringify(part)}]`;
  return p;
}
