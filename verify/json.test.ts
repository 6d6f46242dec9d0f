import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkJsonLimits, readJson, scanJson } from './json.ts';
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
    assert.equal(scanJson(text, 100).depth, depth, text);
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

/** The error reading `text` raises (readJson), as [code, path, message]. */
function readError(text: string, path?: string): [string, string | undefined, string] | undefined {
  try {
    readJson(new TextEncoder().encode(text), 'f.json', { path });
    return undefined;
  } catch (e) {
    assert.ok(e instanceof VerificationError);
    assert.equal(e.file, 'f.json');
    return [e.code, e.path, e.message];
  }
}

test('when an object has a member name twice, reading fails with JSON_INVALID at that member, escapes decoded', () => {
  const cases: [string, string, string][] = [
    // Even with the same value twice: the rule is on the names, not on what a reader would make of them.
    ['{"a":1,"a":1}', '$.a', 'a'],
    ['{"k":{"x":1,"y":{"x":2},"x":3}}', '$.k.x', 'x'],
    ['[{"a":1},{"a":1,"b":[1,2,{"c":1,"\\u0063":2}]}]', '$[1].b[2].c', 'c'],
    ['{"odd key":1, "odd key" : 2}', '$["odd key"]', 'odd key'],
    ['{"a\\"b":[],"a\\"b":{}}', '$["a\\"b"]', 'a"b'],
    ['{"s":"x:","s":"y"}', '$.s', 's'],
    ['{"__proto__":1,"__proto__":2}', '$.__proto__', '__proto__'],
  ];
  for (const [text, path, name] of cases) {
    assert.deepEqual(
      readError(text),
      ['JSON_INVALID', path, `the member name ${JSON.stringify(name)} appears twice in one object`],
      text,
    );
  }
  // Inside another document (a DSSE payload), the path starts at that document's place.
  assert.equal(readError('{"predicate":{"a":1,"a":2}}', '$.payload')?.[1], '$.payload.predicate.a');
  for (const text of [
    '{"a":{"a":{"a":1}}}',
    '[{"a":1},{"a":2}]',
    '{"a":"a","b":"a","c":["a","a"]}',
    '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}],"d":{"a":5}}',
    '{"a\\\\":1,"a":2}', // `a\` and `a`
    '{"__proto__":{"a":1},"b":{"__proto__":2}}',
  ]) {
    assert.equal(readError(text), undefined, text);
  }
  // Not JSON at all: the syntax error, whatever the names.
  assert.equal(readError('{"a":1,"a":2')?.[0], 'JSON_INVALID');
  assert.match(readError('{"a":1,"a":2')![2], /^not well-formed JSON/);
});

test('when a number has a fraction or an exponent, reading fails with SCHEMA_INVALID at its field, even one equal to an integer', () => {
  const cases: [string, string][] = [
    ['{"epoch":1.0}', '$.epoch'],
    ['{"a":[1,2,3e2]}', '$.a[2]'],
    ['{"a":[1,{"b":-1E0}]}', '$.a[1].b'],
    ['{"s":"1.5","t":2.5}', '$.t'],
    ['7.0', '$'],
  ];
  for (const [text, path] of cases) {
    assert.deepEqual(
      readError(text),
      ['SCHEMA_INVALID', path, 'expected an integer, written without a fraction or an exponent'],
      text,
    );
  }
  for (const text of ['{"t":true,"f":false,"n":null,"s":"1.5e3 E.","x":10,"y":-3,"z":0}', '[1e', '[1.]']) {
    assert.notEqual(readError(text)?.[0], 'SCHEMA_INVALID', text);
  }
});

test('when a DSSE envelope carries a payload longer than a string may be, only that payload is exempt (§2)', () => {
  const long = 'A'.repeat(LIMITS.maxStringLength + 4);
  const envelope = { payloadType: 'application/vnd.in-toto+json', payload: long, signatures: [] };
  assert.equal(readError(JSON.stringify(envelope)), undefined);
  assert.equal(readError(JSON.stringify({ attestation: envelope, chain: [envelope] })), undefined);
  for (const [value, path] of [
    [{ ...envelope, sig: long }, '$.sig'],
    [{ payload: long }, '$.payload'], // no payloadType: not an envelope
    [{ payloadType: 'x', other: { payload: long } }, '$.other.payload'],
  ] as const) {
    assert.deepEqual(readError(JSON.stringify(value))?.slice(0, 2), ['LIMIT_EXCEEDED', path]);
  }
});
