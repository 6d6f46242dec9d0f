/**
 * ./points.ts decodes exactly what noble decodes, and ./ed25519.ts accepts exactly the Ed25519 keys noble decodes:
 * every class of input (real keys of both encodings, the small-order points, non-canonical and off-curve encodings,
 * wrong prefixes and lengths, random bytes) gets the same verdict and, when it is a SEC1 point, the same
 * coordinates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { decodeSec1Point, encodeSec1Uncompressed } from './points.ts';
import { isValidEd25519PublicKey } from './ed25519.ts';
import { fromHex, toHex } from '../encoding.ts';

function nobleEd(b: Uint8Array): { x: bigint; y: bigint } | null {
  try {
    const pt = ed25519.Point.fromBytes(b, false);
    return pt.isSmallOrder() ? null : { x: pt.x, y: pt.y };
  } catch {
    return null;
  }
}

const NIST = { p256, p384 } as const;
function nobleSec1(curve: 'p256' | 'p384', b: Uint8Array): { x: bigint; y: bigint } | null {
  try {
    const pt = NIST[curve].Point.fromBytes(b);
    pt.assertValidity();
    return { x: pt.x, y: pt.y };
  } catch {
    return null;
  }
}

const P25519 = 2n ** 255n - 19n;
const le32 = (n: bigint, sign = false) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  if (sign) out[31]! |= 0x80;
  return out;
};

test('when an Ed25519 encoding is a real key, a small-order point, non-canonical, off the curve or random, ed25519.ts and noble agree on its validity', () => {
  const inputs: Uint8Array[] = [];
  for (let i = 0; i < 64; i++) {
    const pk = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
    inputs.push(pk);
    const flipped = pk.slice();
    flipped[31]! ^= 0x80; // the other x
    inputs.push(flipped);
    const other = pk.slice();
    other[i % 32]! ^= 1 << (i % 8); // most are off the curve
    inputs.push(other);
  }
  // The 8 small-order points and their sign twins, and their non-canonical twins y + p.
  for (const h of [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  ]) {
    const b = fromHex(h);
    inputs.push(
      b,
      Uint8Array.from(b, (x, i) => (i === 31 ? x | 0x80 : x)),
    );
  }
  for (let y = 0n; y < 19n; y++)
    inputs.push(le32(P25519 + y), le32(P25519 + y, true), le32(y), le32(y, true));
  for (const y of [P25519 - 1n, P25519 - 2n, 2n ** 255n - 1n]) inputs.push(le32(y), le32(y, true));
  inputs.push(new Uint8Array(31), new Uint8Array(33));
  let points = 0;
  for (const b of inputs) {
    const want = nobleEd(b);
    if (want) points++;
    assert.equal(isValidEd25519PublicKey(b), want !== null, toHex(b));
  }
  assert.ok(points >= 128, `${points} real points among the inputs`);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => {
      assert.equal(isValidEd25519PublicKey(b), nobleEd(b) !== null);
    }),
    { numRuns: 2000 },
  );
});

for (const curve of ['p256', 'p384'] as const) {
  test(`when a ${curve} SEC1 encoding is a real key (either form), off the curve, out of range, of a wrong prefix or length, or random, points.ts and noble agree`, () => {
    const c = NIST[curve];
    const f = curve === 'p256' ? 32 : 48;
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < 48; i++) {
      const pk = c.getPublicKey(c.utils.randomSecretKey(), false);
      const comp = c.getPublicKey(c.utils.randomSecretKey(), true);
      inputs.push(pk, comp);
      const off = pk.slice();
      off[1 + (i % (2 * f))]! ^= 1;
      inputs.push(off);
      const compOff = comp.slice();
      compOff[1 + (i % f)]! ^= 1 << (i % 8); // about half of these x have a y
      inputs.push(compOff);
      const parity = comp.slice();
      parity[0] = parity[0] === 2 ? 3 : 2;
      inputs.push(parity);
      for (const head of [0x00, 0x01, 0x05, 0x06, 0x07])
        inputs.push(Uint8Array.from(pk, (x, j) => (j ? x : head)));
      inputs.push(
        Uint8Array.from(comp, (x, j) => (j ? x : 0x04)),
        Uint8Array.from(pk, (x, j) => (j ? x : 0x02)),
      );
    }
    // x or y ≥ p, and x = 0 compressed.
    const pBytes = fromHex(
      curve === 'p256'
        ? 'ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'
        : 'fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff',
    );
    const pk = c.getPublicKey(c.utils.randomSecretKey(), false);
    inputs.push(Uint8Array.from([0x04, ...pBytes, ...pk.subarray(1 + f)]));
    inputs.push(Uint8Array.from([0x04, ...pk.subarray(1, 1 + f), ...pBytes]));
    inputs.push(Uint8Array.from([0x02, ...pBytes]), Uint8Array.from([0x02, ...new Uint8Array(f)]));
    inputs.push(
      Uint8Array.from([0x03, ...new Uint8Array(f)]),
      Uint8Array.from([0x04, ...new Uint8Array(2 * f)]),
    );
    inputs.push(Uint8Array.of(0), new Uint8Array(0), pk.subarray(0, 2 * f));
    let points = 0;
    for (const b of inputs) {
      const want = nobleSec1(curve, b);
      if (want) points++;
      const got = decodeSec1Point(curve, b);
      assert.deepEqual(got, want, toHex(b));
      if (got)
        assert.equal(toHex(encodeSec1Uncompressed(curve, got)), toHex(c.Point.fromBytes(b).toBytes(false)));
    }
    assert.ok(points >= 100, `${points} real points among the inputs`);
    fc.assert(
      fc.property(
        fc.constantFrom(0x02, 0x03, 0x04),
        fc.uint8Array({ minLength: 2 * f, maxLength: 2 * f }),
        (head, body) => {
          for (const b of [Uint8Array.from([head, ...body]), Uint8Array.from([head, ...body.subarray(0, f)])])
            assert.deepEqual(decodeSec1Point(curve, b), nobleSec1(curve, b));
        },
      ),
      { numRuns: 1000 },
    );
  });
}
