import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bigIntFromBytes, fromBase64, fromHex, toBase64, toHex } from './encoding.ts';
import { VerificationError } from './errors.ts';

/** The previous decoder, kept as the reference: a pattern for the shape, atob, then the canonical-bits rule. */
function reference(s: string): Uint8Array | 'invalid' {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return 'invalid';
  const bin = atob(s);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  if (pad) {
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.indexOf(
      s[s.length - pad - 1]!,
    );
    if ((pad === 2 ? last & 0x0f : last & 0x03) !== 0) return 'invalid';
  }
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function decoded(s: string): Uint8Array | 'invalid' {
  try {
    return fromBase64(s);
  } catch (e) {
    assert.ok(e instanceof VerificationError && e.code === 'BASE64_INVALID', String(e));
    return 'invalid';
  }
}

test('when decoding the RFC 4648 §10 test vectors, the bytes are the expected ones', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];
  for (const [plain, b64] of vectors) {
    assert.equal(new TextDecoder().decode(fromBase64(b64)), plain);
    assert.equal(toBase64(new TextEncoder().encode(plain)), b64);
  }
});

test('when a string is near-base64 (odd characters, misplaced or missing padding, stray bits), the verdict is the reference decoder’s', () => {
  const alphabet = 'AZaz09+/=QEgw-_ \né';
  const near = fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }).map((cs) => cs.join(''));
  const mutated = fc
    .tuple(fc.uint8Array({ maxLength: 20 }), fc.nat(), fc.constantFrom(...alphabet))
    .map(([b, at, c]) => {
      const s = toBase64(b);
      if (s.length === 0) return c;
      const i = at % s.length;
      return s.slice(0, i) + c + s.slice(i + 1);
    });
  fc.assert(
    fc.property(fc.oneof(near, mutated, fc.string()), (s) => {
      assert.deepEqual(decoded(s), reference(s), JSON.stringify(s));
    }),
    { numRuns: 20_000, seed: 4648 },
  );
});

test('when any byte string up to 4 KB is encoded, decoding gives it back', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), (b) => {
      assert.deepEqual(fromBase64(toBase64(b)), b);
    }),
    { numRuns: 500, seed: 4648 },
  );
  // Canonical only: the same bytes with a non-zero unused bit are refused.
  assert.equal(decoded('Zh=='), 'invalid');
  assert.equal(decoded('Zm9='), 'invalid');
});

test('when bytes of any length are read as a big-endian integer, each byte counts 256 times the next', () => {
  const byteAtATime = (b: Uint8Array) => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      assert.equal(bigIntFromBytes(b), byteAtATime(b));
    }),
    { numRuns: 5_000, seed: 4648 },
  );
  assert.equal(bigIntFromBytes(new Uint8Array(0)), 0n);
  assert.equal(bigIntFromBytes(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff)), 0xffffffffffn);
  assert.equal(bigIntFromBytes(Uint8Array.of(0x80, 0, 0, 0)), 0x80000000n); // no sign from the 32-bit step
});

test('when a string is near-hex (characters beside the digit ranges, uppercase, non-ASCII, odd length), the verdict is the pattern’s', () => {
  // The reference: lowercase hex of even length, /^[0-9a-f]*$/, as the decoder checked before it checked each digit
  // as it decodes it.
  const reference = (x: string) => x.length % 2 === 0 && /^[0-9a-f]*$/.test(x);
  const verdict = (x: string) => {
    try {
      const b = fromHex(x);
      assert.equal(toHex(b), x);
      return true;
    } catch (e) {
      assert.ok(e instanceof VerificationError && e.code === 'HEX_INVALID', String(e));
      return false;
    }
  };
  const near = [
    '/',
    '0',
    '9',
    ':',
    '@',
    'A',
    'F',
    'G',
    '`',
    'a',
    'f',
    'g',
    '\u007f',
    '\u0080',
    '\u00e9',
    '\u0130',
    '\u{1f600}',
    '\u0000',
  ];
  const digits = '0123456789abcdef';
  let checked = 0;
  for (const c of near)
    for (const at of [0, 1, 2, 3])
      for (const len of [0, 2, 3, 4, 64]) {
        const base = Array.from({ length: len }, (_, i) => digits[(i * 7) % 16]).join('');
        const x = at <= base.length ? base.slice(0, at) + c + base.slice(at + 1) : base + c;
        assert.equal(verdict(x), reference(x), JSON.stringify(x));
        checked++;
      }
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...near, ...digits) }), (x) => verdict(x) === reference(x)),
    { numRuns: 2000 },
  );
  assert.ok(checked > 300);
  // The message says what is wrong, and where in the string.
  const why = (x: string) => {
    try {
      fromHex(x, { file: 'f.json', path: '$.key' });
    } catch (e) {
      assert.ok(e instanceof VerificationError && e.file === 'f.json' && e.path === '$.key');
      return e.message;
    }
    return 'accepted';
  };
  assert.match(why('abc'), /odd length \(3 characters\)/);
  assert.match(why('00aG'), /"G" at character 4/);
  assert.match(why('A0'), /"A" at character 1/);
  // The expected length, when asked for, after the digits.
  assert.throws(
    () => fromHex('00ff', {}, 3),
    (e: unknown) => e instanceof VerificationError && e.code === 'LENGTH_INVALID',
  );
  assert.deepEqual(fromHex('00ff', {}, 2), Uint8Array.of(0, 255));
});
