/**
 * Wire-format validation with ./zmini.ts (zod/mini's API and verdicts for the shapes the core uses, without the
 * library: verify/zmini.test.ts compares both). A schema failure becomes SCHEMA_INVALID naming the file and the
 * JSONPath of the first offending field.
 */
import * as z from './zmini.ts';
import { VerificationError, pathOf } from './errors.ts';

export { z };

export function parseWith<T>(schema: z.ZodMiniType<T>, value: unknown, file: string, base = '$'): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const first = issues[0]!;
  const path = pathOf(base, ...(first.path as (string | number)[]));
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new VerificationError('SCHEMA_INVALID', `${describeIssue(first)}${more}`, { file, path });
}

const CHARACTERS = ['character', 'characters'] as const;
const ENTRIES = ['entry', 'entries'] as const;

function describeIssue(issue: z.Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'nonoptional' ? 'a required field is missing' : `expected ${issue.expected}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? 'at least' : 'at most';
      const noun = issue.origin === 'string' ? CHARACTERS : issue.origin === 'array' ? ENTRIES : undefined;
      const unit = noun ? ` ${noun[issue.limit === 1 ? 0 : 1]}` : '';
      return `expected ${bound} ${issue.limit}${unit}`;
    }
    default:
      return issue.message;
  }
}

/** Common field shapes. Hex and base64 stay strings here: the normalizers decode them with their own codes. */
export const isoTime = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'expected a UTC time as YYYY-MM-DDTHH:MM:SSZ'),
  z.refine(
    (s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().slice(0, 19) + 'Z' === s,
    'not a real date and time',
  ),
);
export const identifier = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9._-]{0,127}$/,
      'expected an identifier: lowercase letters, digits, ".", "_" or "-", at most 128',
    ),
  );
export const text = (max = 4096) => z.string().check(z.minLength(1), z.maxLength(max));
export const safeInt = z.number().check(z.int(), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER));
