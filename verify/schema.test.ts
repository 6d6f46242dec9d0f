import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWith, text, z } from './schema.ts';
import { VerificationError } from './errors.ts';

const messageOf = (schema: Parameters<typeof parseWith>[0], value: unknown) => {
  try {
    parseWith(schema, value, 'f.json');
  } catch (e) {
    assert.ok(e instanceof VerificationError && e.code === 'SCHEMA_INVALID');
    return `${e.path} ${e.message}`;
  }
  return 'accepted';
};

test('when a field breaks a length or a bound, SCHEMA_INVALID names its path and the bound, in words', () => {
  const record = z.strictObject({
    keys: z.array(z.string()).check(z.minLength(1)),
    name: text(3),
    n: z.number().check(z.int(), z.maximum(9)),
  });
  assert.equal(messageOf(record, { keys: [], name: 'a', n: 1 }), '$.keys expected at least 1 entry');
  assert.equal(
    messageOf(record, { keys: ['k'], name: 'abcd', n: 1 }),
    '$.name expected at most 3 characters',
  );
  assert.equal(messageOf(record, { keys: ['k'], name: 'a', n: 10 }), '$.n expected at most 9');
  assert.equal(
    messageOf(record, { keys: ['k'], name: '', n: 1.5, extra: 1 }),
    '$.name expected at least 1 character (and 2 more problems)',
  );
  assert.equal(messageOf(z.strictObject({ p: z.unknown() }), {}), '$.p a required field is missing');
  // The other kinds docs/evidence-format.md §11 lists.
  const shaped = z.strictObject({ role: z.enum(['active', 'standby']), id: z.string() });
  assert.equal(messageOf(shaped, { role: 'active', id: 1 }), '$.id expected string');
  assert.equal(messageOf(shaped, { role: 'gone', id: 'a' }), '$.role expected one of "active", "standby"');
  assert.equal(messageOf(shaped, { role: 'active', id: 'a', x: 1 }), '$ unknown field "x"');
});
