/**
 * The wire-format validator: the few schema shapes the core uses (strict objects, arrays, strings, numbers,
 * booleans, literals, enums, optional fields, and checks on them), with the API and the verdicts of `zod/mini`,
 * which it replaces so that the browser's first chunk does not carry a general schema library (about 9 KB gzipped
 * of the widget's). zod stays the reference: verify/zmini.test.ts runs every wire schema of the core through both
 * on arbitrary and near-valid JSON and compares success, data, and every issue's code and path.
 *
 * The rules, as zod applies them (observed, and pinned by that test):
 * - A value of the wrong type gives one `invalid_type` issue and no check runs on it.
 * - Every check of a schema runs, in order, and each failure is an issue; a failed `int()` stops the checks after it.
 * - A strict object: not an object (null and arrays are not) is `invalid_type`; else each field of the shape in
 *   order (an absent field is `undefined`: fine when optional, else the field's own type issue), then one
 *   `unrecognized_keys` issue listing every other key (`for…in` order). The data has the shape's keys, in the shape's
 *   order, as present in the input.
 * - An array: not an array is `invalid_type`; else each element (path [i]), then the array's checks.
 * - Numbers: NaN and ±Infinity are not numbers. `int()`: a non-integer is `invalid_type` expected "int"; an integer
 *   outside ±(2^53 − 1) is `too_big` / `too_small` with origin "int".
 */

export type Path = (string | number)[];

/**
 * Where a value sits while parsing: a linked list from the value up to the root, so that descending into a field
 * costs one small object instead of a copy of the path array (most values have no issue); `pathOf` writes the
 * array only for an issue.
 */
export type Where = { readonly up: Where; readonly key: string | number } | undefined;
const at = (up: Where, key: string | number): Where => ({ up, key });
function pathOf(where: Where): Path {
  const p: Path = [];
  for (let w = where; w !== undefined; w = w.up) p.push(w.key);
  return p.reverse();
}

interface IssueBase {
  path: Path;
  message: string;
  /**
   * zod's `continue`: true for a check's issue (the later checks run); absent for a type issue (only the checks
   * with `when` run after it); false for a failed int() (no check runs after it, in this value or its parents).
   */
  continue?: boolean;
}
export type Issue = IssueBase &
  (
    | { code: 'invalid_type'; expected: string }
    | { code: 'invalid_value'; values: readonly unknown[] }
    | { code: 'unrecognized_keys'; keys: string[] }
    | {
        code: 'too_small' | 'too_big';
        origin: 'string' | 'array' | 'number' | 'int' | 'unknown';
        limit: number;
      }
    | { code: 'invalid_format' | 'custom' }
  );

const INVALID = 'Invalid input';

/**
 * A check on a value of type T. `when`: the checks that have one run whenever it holds, even on a value of the
 * wrong type (zod's length checks: any value with a length); the others only while no issue so far stops them.
 */
export interface Check<T> {
  when?: (value: unknown) => boolean;
  run(value: T, issues: Issue[], where: Where): void;
}

/** Marks a failed parse (the data is then meaningless). */
const FAIL: unique symbol = Symbol('fail');
type Result<T> = T | typeof FAIL;

export interface ZodMiniType<T> {
  /** Parses `value` at `where`, pushing issues; FAIL when there was any. */
  _run(value: unknown, where: Where, issues: Issue[]): Result<T>;
  /** The same schema with these checks added. */
  check(...checks: Check<T>[]): ZodMiniType<T>;
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: Issue[] } };
  readonly _optional?: boolean;
  /** Accepts `undefined` without being optional (`unknown()`): a strict object then requires the key itself. */
  readonly _anything?: boolean;
}

type Infer<S> = S extends ZodMiniType<infer T> ? T : never;
export type { Infer as infer };

/** Whether an issue from `from` on stops the checks without `when` (any issue but a check's own). */
const stops = (issues: Issue[], from: number) => {
  for (let i = from; i < issues.length; i++) if (issues[i]!.continue !== true) return true;
  return false;
};
/** Whether an issue from `from` on stops every check (a failed int(), `continue: false`). */
const stopsAll = (issues: Issue[], from: number) => {
  for (let i = from; i < issues.length; i++) if (issues[i]!.continue === false) return true;
  return false;
};

function schema<T>(
  parse: (value: unknown, where: Where, issues: Issue[]) => Result<T>,
  checks: Check<T>[] = [],
  flags: { optional?: boolean; anything?: boolean } = {},
): ZodMiniType<T> {
  const s: ZodMiniType<T> = {
    _optional: flags.optional ?? false,
    _anything: flags.anything ?? false,
    _run(value, where, issues) {
      const start = issues.length;
      const r = parse(value, where, issues);
      if (checks.length) {
        // On a failed parse the checks see the input itself (only those with `when` can run on it).
        const v = (r === FAIL ? value : r) as T;
        let stopped = stops(issues, start);
        let all = stopsAll(issues, start);
        for (const c of checks) {
          if (c.when ? all || !c.when(v) : stopped) continue;
          const n = issues.length;
          c.run(v, issues, where);
          if (issues.length === n) continue;
          if (!stopped) stopped = stops(issues, n);
          if (!all) all = stopsAll(issues, n);
        }
      }
      return issues.length > start ? FAIL : r;
    },
    check: (...more) => schema(parse, [...checks, ...more], flags),
    safeParse(value) {
      const issues: Issue[] = [];
      const v = s._run(value, undefined, issues);
      return v === FAIL || issues.length ? { success: false, error: { issues } } : { success: true, data: v };
    },
  };
  return s;
}

const typed =
  <T>(expected: string, is: (v: unknown) => boolean) =>
  (value: unknown, where: Where, issues: Issue[]): Result<T> => {
    if (is(value)) return value as T;
    issues.push({ code: 'invalid_type', expected, path: pathOf(where), message: INVALID });
    return FAIL;
  };

export const string = () => schema<string>(typed('string', (v) => typeof v === 'string'));
export const number = () =>
  schema<number>(typed('number', (v) => typeof v === 'number' && Number.isFinite(v)));
export const boolean = () => schema<boolean>(typed('boolean', (v) => typeof v === 'boolean'));
export const unknown = () => schema<unknown>((v) => v, [], { anything: true });

export function literal<const L extends string | number | boolean>(lit: L): ZodMiniType<L> {
  return schema<L>((v, where, issues) => {
    if (v === lit) return lit;
    issues.push({ code: 'invalid_value', values: [lit], path: pathOf(where), message: INVALID });
    return FAIL;
  });
}

function enumOf<const E extends readonly string[]>(values: E): ZodMiniType<E[number]> {
  return schema<E[number]>((v, where, issues) => {
    if (typeof v === 'string' && values.includes(v)) return v;
    issues.push({ code: 'invalid_value', values, path: pathOf(where), message: INVALID });
    return FAIL;
  });
}
export { enumOf as enum };

export function optional<T>(inner: ZodMiniType<T>): ZodMiniType<T | undefined> {
  return schema<T | undefined>(
    (v, where, issues) => (v === undefined ? undefined : inner._run(v, where, issues)),
    [],
    { optional: true },
  );
}

export function array<T>(item: ZodMiniType<T>): ZodMiniType<T[]> {
  return schema<T[]>((v, where, issues) => {
    if (!Array.isArray(v)) {
      issues.push({ code: 'invalid_type', expected: 'array', path: pathOf(where), message: INVALID });
      return FAIL;
    }
    // The array's own checks then run even when an element failed, as zod's do (`schema` returns FAIL after).
    const out = new Array<T>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = item._run(v[i], at(where, i), issues) as T;
    return out;
  });
}

type Shape = Record<string, ZodMiniType<unknown>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: undefined extends Infer<S[K]> ? K : never;
}[keyof S];
type ObjectOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>;
};

export function strictObject<S extends Shape>(
  shape: S,
): ZodMiniType<{ [K in keyof ObjectOf<S>]: ObjectOf<S>[K] }> {
  const keys = Object.keys(shape);
  return schema((v, where, issues) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      issues.push({ code: 'invalid_type', expected: 'object', path: pathOf(where), message: INVALID });
      return FAIL;
    }
    const input = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const field = shape[k]!;
      if (!(k in input) && field._anything && !field._optional) {
        issues.push({
          code: 'invalid_type',
          expected: 'nonoptional',
          path: pathOf(at(where, k)),
          message: INVALID,
        });
        continue;
      }
      const value = input[k];
      const r = field._run(value, at(where, k), issues);
      if (r !== FAIL && (value !== undefined || k in input)) out[k] = r;
    }
    const unknownKeys: string[] = [];
    for (const k in input) if (!Object.prototype.hasOwnProperty.call(shape, k)) unknownKeys.push(k);
    if (unknownKeys.length)
      issues.push({ code: 'unrecognized_keys', keys: unknownKeys, path: pathOf(where), message: INVALID });
    return out as { [K in keyof ObjectOf<S>]: ObjectOf<S>[K] };
  });
}

// Checks. Their issues let the later checks run (`continue`), but for a failed int().

const hasLength = (v: unknown) =>
  v !== null && v !== undefined && (v as { length?: unknown }).length !== undefined;
const originOf = (v: unknown) => (typeof v === 'string' ? 'string' : Array.isArray(v) ? 'array' : 'unknown');
const lengthOf = (v: unknown) => (v as { length: number }).length;

/**
 * A bound check: the value's size (`measure`) at least `n` (`too_small`) or at most `n` (`too_big`), its issue
 * naming the bound and what was measured (`origin`).
 */
function bound<T>(
  code: 'too_small' | 'too_big',
  n: number,
  measure: (v: T) => number,
  origin: (v: T) => 'string' | 'array' | 'number' | 'unknown',
  when?: (v: unknown) => boolean,
): Check<T> {
  return {
    ...(when ? { when } : {}),
    run(v, issues, where) {
      const m = measure(v);
      if (code === 'too_small' ? m >= n : m <= n) return;
      issues.push({
        code,
        origin: origin(v),
        limit: n,
        path: pathOf(where),
        message: INVALID,
        continue: true,
      });
    },
  };
}

const itself = (v: number) => v;
const numberOrigin = () => 'number' as const;
export const minLength = (n: number) =>
  bound<string | unknown[]>('too_small', n, lengthOf, originOf, hasLength);
export const maxLength = (n: number) =>
  bound<string | unknown[]>('too_big', n, lengthOf, originOf, hasLength);
export const minimum = (n: number) => bound<number>('too_small', n, itself, numberOrigin);
export const maximum = (n: number) => bound<number>('too_big', n, itself, numberOrigin);
export const int = (): Check<number> => ({
  run(v, issues, where) {
    if (!Number.isInteger(v))
      issues.push({
        code: 'invalid_type',
        expected: 'int',
        path: pathOf(where),
        message: INVALID,
        continue: false,
      });
    else if (v > Number.MAX_SAFE_INTEGER)
      issues.push({
        code: 'too_big',
        origin: 'int',
        limit: Number.MAX_SAFE_INTEGER,
        path: pathOf(where),
        message: INVALID,
        continue: true,
      });
    else if (v < Number.MIN_SAFE_INTEGER)
      issues.push({
        code: 'too_small',
        origin: 'int',
        limit: Number.MIN_SAFE_INTEGER,
        path: pathOf(where),
        message: INVALID,
        continue: true,
      });
  },
});
export const regex = (re: RegExp, message: string): Check<string> => ({
  run(v, issues, where) {
    re.lastIndex = 0;
    if (!re.test(v)) issues.push({ code: 'invalid_format', path: pathOf(where), message, continue: true });
  },
});
export const refine = <T>(ok: (v: T) => boolean, message: string): Check<T> => ({
  run(v, issues, where) {
    if (!ok(v)) issues.push({ code: 'custom', path: pathOf(where), message, continue: true });
  },
});
