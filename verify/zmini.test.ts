/**
 * ./zmini.ts against the reference, zod/mini: random schemas built from every shape and check the core uses, each
 * built with both, on near-valid and arbitrary JSON values. Success, data, and every issue (code, path, expected
 * type, keys, values, and the message where the schema gives one) must be the same, in the same order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as zod from 'zod/mini';
import * as mini from './zmini.ts';

type Desc =
  | { t: 'string'; checks: StrCheck[] }
  | { t: 'number'; checks: NumCheck[] }
  | { t: 'boolean' }
  | { t: 'unknown' }
  | { t: 'literal'; v: string | number }
  | { t: 'enum'; vs: string[] }
  | { t: 'optional'; inner: Desc }
  | { t: 'array'; item: Desc; min?: number }
  | { t: 'object'; shape: [string, Desc][] };
type StrCheck = ['min', number] | ['max', number] | ['regex'] | ['refine'];
type NumCheck = ['int'] | ['min', number] | ['max', number];

const KEYS = ['a', 'b', 'c', 'format', 'keys'];
const desc: fc.Arbitrary<Desc> = fc.letrec<{ d: Desc }>((tie) => ({
  d: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      t: fc.constant('string' as const),
      checks: fc.array(
        fc.oneof(
          fc.tuple(fc.constant('min' as const), fc.nat(3)),
          fc.tuple(fc.constant('max' as const), fc.nat(4)),
          fc.constant(['regex'] as ['regex']),
          fc.constant(['refine'] as ['refine']),
        ),
        { maxLength: 3 },
      ),
    }),
    fc.record({
      t: fc.constant('number' as const),
      checks: fc.array(
        fc.oneof(
          fc.constant(['int'] as ['int']),
          fc.tuple(fc.constant('min' as const), fc.integer({ min: -2, max: 2 })),
          fc.tuple(fc.constant('max' as const), fc.integer({ min: -2, max: 10 })),
        ),
        { maxLength: 3 },
      ),
    }),
    fc.constant({ t: 'boolean' as const }),
    fc.constant({ t: 'unknown' as const }),
    fc.record({ t: fc.constant('literal' as const), v: fc.constantFrom<string | number>('x', 1, 'v1') }),
    fc.record({
      t: fc.constant('enum' as const),
      vs: fc.uniqueArray(fc.constantFrom('x', 'y', 'z'), { minLength: 1 }),
    }),
    fc.record({ t: fc.constant('optional' as const), inner: tie('d') }),
    fc.record({
      t: fc.constant('array' as const),
      item: tie('d'),
      min: fc.option(fc.nat(2), { nil: undefined }),
    }),
    fc.record({
      t: fc.constant('object' as const),
      shape: fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie('d')), {
        maxLength: 3,
        selector: ([k]) => k,
      }),
    }),
  ),
})).d;

const REGEX = /^[ab]*$/;
const refineOk = (s: string) => !s.includes('c');

/** The schema of `d`, built with one library or the other (both have the same API for these shapes). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function build(z: any, d: Desc): any {
  switch (d.t) {
    case 'string':
      return d.checks.length
        ? z
            .string()
            .check(
              ...d.checks.map((c) =>
                c[0] === 'min'
                  ? z.minLength(c[1])
                  : c[0] === 'max'
                    ? z.maxLength(c[1])
                    : c[0] === 'regex'
                      ? z.regex(REGEX, 'only a and b')
                      : z.refine(refineOk, 'no c'),
              ),
            )
        : z.string();
    case 'number':
      return d.checks.length
        ? z
            .number()
            .check(
              ...d.checks.map((c) =>
                c[0] === 'int' ? z.int() : c[0] === 'min' ? z.minimum(c[1]) : z.maximum(c[1]),
              ),
            )
        : z.number();
    case 'boolean':
      return z.boolean();
    case 'unknown':
      return z.unknown();
    case 'literal':
      return z.literal(d.v);
    case 'enum':
      return z.enum(d.vs);
    case 'optional':
      return z.optional(build(z, d.inner));
    case 'array': {
      const a = z.array(build(z, d.item));
      return d.min === undefined ? a : a.check(z.minLength(d.min));
    }
    case 'object':
      return z.strictObject(Object.fromEntries(d.shape.map(([k, v]) => [k, build(z, v)])));
  }
}

/** Values near `d`: mostly of its shape, with wrong types, missing and extra keys, bad lengths mixed in. */
function near(d: Desc): fc.Arbitrary<unknown> {
  const any = fc.jsonValue({ maxDepth: 2 });
  const shaped = ((): fc.Arbitrary<unknown> => {
    switch (d.t) {
      case 'string':
        return fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 5 });
      case 'number':
        return fc.constantFrom(0, 1, -1, 2, 1.5, -2.5, 10, 11, 2 ** 53, -(2 ** 53), 2 ** 60, 1e300);
      case 'boolean':
        return fc.boolean();
      case 'unknown':
        return any;
      case 'literal':
        return fc.constantFrom(d.v, 'x', 1);
      case 'enum':
        return fc.constantFrom(...d.vs, 'w');
      case 'optional':
        return fc.oneof(fc.constant(undefined), near(d.inner));
      case 'array':
        return fc.array(near(d.item), { maxLength: 3 });
      case 'object':
        return fc
          .tuple(
            ...d.shape.map(([k, v]) =>
              fc.option(
                near(v).map((x) => [k, x] as const),
                { nil: undefined },
              ),
            ),
            fc.array(fc.tuple(fc.constantFrom('extra', 'zz', ...KEYS), any), { maxLength: 2 }),
          )
          .map((parts) => {
            const extra = parts.pop() as [string, unknown][];
            const o: Record<string, unknown> = {};
            for (const p of parts as ([string, unknown] | undefined)[])
              if (p && p[1] !== undefined) o[p[0]] = p[1];
            for (const [k, v] of extra) if (!(k in o)) o[k] = v;
            return o;
          });
    }
  })();
  return fc.oneof({ arbitrary: shaped, weight: 5 }, { arbitrary: any, weight: 1 });
}

interface Seen {
  code: string;
  path: PropertyKey[];
  expected?: unknown;
  keys?: unknown;
  values?: unknown;
  message?: string;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const seen = (i: any): Seen => ({
  code: i.code,
  path: i.path,
  ...(i.expected !== undefined ? { expected: i.expected } : {}),
  ...(i.keys !== undefined ? { keys: i.keys } : {}),
  ...(i.values !== undefined ? { values: [...i.values] } : {}),
  ...(i.code === 'invalid_format' || i.code === 'custom' ? { message: i.message } : {}),
});

test('when random schemas of the core’s shapes parse near-valid and arbitrary JSON, zmini and zod/mini agree on every verdict, datum and issue', () => {
  let failures = 0;
  let successes = 0;
  fc.assert(
    fc.property(
      desc.chain((d) => fc.tuple(fc.constant(d), near(d))),
      ([d, value]) => {
        const want = build(zod, d).safeParse(value);
        const got = build(mini, d).safeParse(value);
        assert.equal(got.success, want.success, JSON.stringify({ d, value }));
        if (want.success) {
          successes++;
          assert.deepEqual(got.data, want.data);
        } else {
          failures++;
          assert.deepEqual(
            got.error.issues.map(seen),
            want.error.issues.map(seen),
            JSON.stringify({ d, value }),
          );
        }
      },
    ),
    { numRuns: 20_000, seed: 20261127 },
  );
  // Both outcomes are well represented.
  assert.ok(successes > 2000 && failures > 2000, `${successes} accepted, ${failures} refused`);
});
