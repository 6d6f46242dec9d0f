import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkJsonLimits, jsonDepth, readJson } from './json.ts';
import { LIMITS } from './limits.ts';
import { VerificationError } from './errors.ts';

test('when strings hold brackets, quotes and backslashes, the depth counts only real nesting', () => {
  const cases: [string, number][] = [
    ['1', 0],
    ['[]', 1],
    ['[[{"a":[1]}]]', 4],
    ['["[[[["]', 1],
    ['["a\\"[[["]', 1],
    ['["a\\\\", [[1]]]', 3],
    ['{"k\\\\\\"[": {"x": "}}}}"}}', 2],
    ['"[[[["', 0],
  ];
  for (const [text, depth] of cases) {
    assert.equal(jsonDepth(text, 100), depth, text);
    assert.doesNotThrow(() => JSON.parse(text), text);
  }
});

test('when nesting passes the limit, reading fails with JSON_TOO_DEEP before parsing', () => {
  const deep = new TextEncoder().encode('['.repeat(33) + ']'.repeat(33));
  assert.throws(
    () => readJson(deep, 'f'),
    (e: unknown) => e instanceof VerificationError && e.code === 'JSON_TOO_DEEP',
  );
  const ok = new TextEncoder().encode('['.repeat(32) + ']'.repeat(32));
  assert.doesNotThrow(() => readJson(ok, 'f'));
});

test('when a string or an array passes its limit, LIMIT_EXCEEDED names its JSONPath', () => {
  const long = 'x'.repeat(LIMITS.maxStringLength + 1);
  const cases: [unknown, string][] = [
    [{ a: [{ b: long }] }, '$.a[0].b'],
    [{ 'odd key': { c: long } }, '$["odd key"].c'],
    [[1, 2, { d: new Array(LIMITS.maxArrayEntries + 1).fill(0) }], '$[2].d'],
  ];
  for (const [value, path] of cases) {
    try {
      checkJsonLimits(value, 'f.json');
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof VerificationError);
      assert.equal(e.code, 'LIMIT_EXCEEDED');
      assert.equal(e.path, path);
      assert.equal(e.file, 'f.json');
    }
  }
  assert.doesNotThrow(() => checkJsonLimits({ a: ['x'.repeat(LIMITS.maxStringLength)] }, 'f.json'));
});
