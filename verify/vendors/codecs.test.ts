import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { isVerificationError } from '../errors.ts';
import { fromHex, toHex } from '../encoding.ts';
import {
  DerReader,
  TAG,
  derOid,
  parseDer,
  readBitString,
  readBoolean,
  readInteger,
  readOid,
  readTime,
} from './asn1.ts';
import { CborMap, CborTagged, decodeCbor } from './cbor.ts';
import { crc32, gunzip, inflateRaw } from './inflate.ts';
import { MAX_CERTIFICATE_BYTES, decodePemCertificates, parseCertificate } from './x509.ts';
import { fails } from '../../tests/lib/verdicts.ts';

const C = { code: 'VENDOR_FORMAT_INVALID' as const };
const dir = new URL('../../tests/data/vectors/hsm/', import.meta.url);

async function gzipOf(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(data)]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A small deterministic PRNG (xorshift32), so that failures reproduce. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

describe('DER reader', () => {
  test('when lengths are long-form, minimal and in bounds, they are read', () => {
    const t = parseDer(fromHex('048180' + '00'.repeat(128)), C);
    assert.equal(t.content.length, 128);
  });

  test('when a length is indefinite, non-minimal, or runs past the data, the reader refuses', () => {
    fails('VENDOR_FORMAT_INVALID', () => parseDer(fromHex('3080' + '0000'), C), /indefinite/);
    fails('VENDOR_FORMAT_INVALID', () => parseDer(fromHex('04810100'), C), /short form/);
    fails('VENDOR_FORMAT_INVALID', () => parseDer(fromHex('0482000100'), C), /leading zero/);
    fails('VENDOR_FORMAT_INVALID', () => parseDer(fromHex('0405000000'), C), /runs past/);
    fails('VENDOR_FORMAT_INVALID', () => parseDer(fromHex('040100' + '00'), C), /trailing/);
    fails('VENDOR_FORMAT_INVALID', () => parseDer(fromHex('1f0100'), C), /high tag/);
  });

  test('when INTEGERs, BOOLEANs, OIDs and BIT STRINGs are not in DER form, the reader refuses', () => {
    assert.equal(readInteger(parseDer(fromHex('020200ff'), C), C, 'i'), 255n);
    assert.equal(readInteger(parseDer(fromHex('0201ff'), C), C, 'i'), -1n);
    fails('VENDOR_FORMAT_INVALID', () => readInteger(parseDer(fromHex('0202007f'), C), C, 'i'), /redundant/);
    fails('VENDOR_FORMAT_INVALID', () => readInteger(parseDer(fromHex('0200'), C), C, 'i'));
    assert.equal(readBoolean(parseDer(fromHex('0101ff'), C), C, 'b'), true);
    fails('VENDOR_FORMAT_INVALID', () => readBoolean(parseDer(fromHex('010101'), C), C, 'b'));
    assert.equal(readOid(parseDer(fromHex('06082a8648ce3d030107'), C), C, 'o'), '1.2.840.10045.3.1.7');
    fails('VENDOR_FORMAT_INVALID', () => readOid(parseDer(fromHex('0603808001'), C), C, 'o'), /non-minimal/);
    fails('VENDOR_FORMAT_INVALID', () => readOid(parseDer(fromHex('06022a86'), C), C, 'o'), /ends inside/);
    assert.deepEqual(readBitString(parseDer(fromHex('03020780'), C), C, 'b').unusedBits, 7);
    fails('VENDOR_FORMAT_INVALID', () => readBitString(parseDer(fromHex('03020781'), C), C, 'b'), /padding/);
    fails('VENDOR_FORMAT_INVALID', () => readBitString(parseDer(fromHex('030108'), C), C, 'b'));
  });

  test('when an OID is written and read back, it round-trips', () => {
    for (const oid of [
      '1.2.840.113549.1.1.11',
      '1.3.6.1.4.1.41482.4.5',
      '2.5.29.19',
      '1.3.132.0.34',
      '2.999.1',
    ])
      assert.equal(readOid(parseDer(derOid(oid), C), C, 'o'), oid);
  });

  test('when times are read, UTCTime years 50–99 are 19xx and impossible dates are refused', () => {
    assert.equal(
      readTime(parseDer(fromHex('170d3137303130313030303030305a'), C), C, 't'),
      '2017-01-01T00:00:00Z',
    );
    assert.equal(
      readTime(parseDer(fromHex('170d3530303130313030303030305a'), C), C, 't'),
      '1950-01-01T00:00:00Z',
    );
    assert.equal(
      readTime(parseDer(fromHex('180f32303731313030353030303030305a'), C), C, 't'),
      '2071-10-05T00:00:00Z',
    );
    fails('VENDOR_FORMAT_INVALID', () =>
      readTime(parseDer(fromHex('170d3137303233303030303030305a'), C), C, 't'),
    );
    fails('VENDOR_FORMAT_INVALID', () =>
      readTime(parseDer(fromHex('170b313730313031303030305a'), C), C, 't'),
    );
  });

  test('when a reader is asked for more children than there are, it says which is missing', () => {
    const r = DerReader.of(parseDer(fromHex('3003020101'), C), TAG.SEQUENCE, C, 'seq');
    r.next('first');
    fails('VENDOR_FORMAT_INVALID', () => r.next('second'), /second is missing/);
  });
});

describe('X.509 certificates', () => {
  const all = [
    'gcp-cloudhsm-cavium/ec.certs',
    'gcp-cloudhsm-cavium/rsa.certs',
    'gcp-cloudhsm-cavium/aes.certs',
    'gcp-cloudhsm-cavium/marvell-liquidsecurity-root-2034.pem',
    'gcp-cloudhsm-cavium/google-hawksbill-root-v1-prod.pem',
    'aws-nitro/aws-nitro-enclaves-root-G1.pem',
    'yubihsm2/key-attestation-0x7e57.pem',
    'yubihsm2/device-attestation-31650425.pem',
    'yubihsm2/yubihsm-31650558-device-attestation.pem',
    'yubihsm2/yubico-yubihsm-root-ca.pem',
  ];

  test('when every sample certificate is parsed, names, validity and keys come out', () => {
    let n = 0;
    for (const f of all)
      for (const der of decodePemCertificates(readFileSync(new URL(f, dir), 'utf8'))) {
        const c = parseCertificate(der);
        assert.ok(c.subject.text.length > 0 && c.notBefore < c.notAfter, f);
        assert.notEqual(c.publicKey.kind, 'other', f);
        n++;
      }
    assert.equal(n, 25);
  });

  test('when the Cavium card certificate is read, it is X.509 v1 without extensions', () => {
    const card = parseCertificate(
      decodePemCertificates(readFileSync(new URL('gcp-cloudhsm-cavium/ec.certs', dir), 'utf8'))[1]!,
    );
    assert.equal(card.version, 1);
    assert.equal(card.extensions.size, 0);
    assert.equal(card.basicConstraints, undefined);
  });

  test('when the signature algorithm outside the certificate differs from the one inside, CERTIFICATE_INVALID', () => {
    const der = decodePemCertificates(
      readFileSync(new URL('yubihsm2/device-attestation-31650425.pem', dir), 'utf8'),
    )[0]!;
    // The last occurrence of the sha256WithRSAEncryption OID is the outer one: make it sha384WithRSAEncryption.
    const oid = fromHex('2a864886f70d01010b');
    let at = -1;
    for (let i = 0; i + oid.length <= der.length; i++) if (oid.every((b, k) => der[i + k] === b)) at = i;
    const bad = der.slice();
    bad[at + oid.length - 1] = 0x0c;
    fails('CERTIFICATE_INVALID', () => parseCertificate(bad), /differs/);
  });

  test('when a certificate is truncated, has trailing bytes or is too large, it is refused', () => {
    const der = decodePemCertificates(
      readFileSync(new URL('aws-nitro/aws-nitro-enclaves-root-G1.pem', dir), 'utf8'),
    )[0]!;
    fails('CERTIFICATE_INVALID', () => parseCertificate(der.subarray(0, der.length - 1)));
    fails('CERTIFICATE_INVALID', () => parseCertificate(new Uint8Array([...der, 0])));
    fails('LIMIT_EXCEEDED', () => parseCertificate(new Uint8Array(MAX_CERTIFICATE_BYTES + 1)));
  });

  test('when PEM text has bad base64 or mismatched labels, CERTIFICATE_INVALID', () => {
    fails('CERTIFICATE_INVALID', () =>
      decodePemCertificates('-----BEGIN CERTIFICATE-----\nAAA*\n-----END CERTIFICATE-----'),
    );
    fails('CERTIFICATE_INVALID', () =>
      decodePemCertificates('-----BEGIN CERTIFICATE-----\nAAAA\n-----END PUBLIC KEY-----'),
    );
    assert.deepEqual(decodePemCertificates('no pem here'), []);
  });
});

describe('CBOR', () => {
  test('when well-formed CBOR is decoded, integers, strings, maps, tags and simple values come out', () => {
    // 18([h'a10126', {}, {"a": 1, -257: true}, null])
    const v = decodeCbor(fromHex('d28443a10126a0a2616101390100f5f6'));
    assert.ok(v instanceof CborTagged && v.tag === 18);
    const arr = v.value as unknown[];
    assert.equal(arr.length, 4);
    assert.deepEqual(Array.from(arr[0] as Uint8Array), [0xa1, 0x01, 0x26]);
    const m = arr[2] as CborMap;
    assert.equal(m.get('a'), 1);
    assert.equal(m.get(-257), true);
    assert.equal(arr[3], null);
    assert.equal(decodeCbor(fromHex('3bfffffffffffffffe')), -(2n ** 64n) + 1n);
    assert.equal(decodeCbor(fromHex('f6')), null);
  });

  const bad: [string, string, RegExp][] = [
    ['an indefinite-length array', '9f01ff', /indefinite/],
    ['a non-shortest integer', '1817', /shortest/],
    ['a non-shortest length', '5801ff', /shortest/],
    ['a float', 'fb3ff0000000000000', /floating/],
    ['undefined', 'f7', /undefined/],
    ['a duplicate map key', 'a2616101616102', /duplicate/],
    ['a map key that is a byte string', 'a1410001', /map key/],
    ['invalid UTF-8', '62c328', /UTF-8/],
    ['a length past the end', '5a00010000', /past the end/],
    ['trailing bytes', '0000', /trailing/],
    ['truncated data', '820118', /end of data/],
  ];
  for (const [name, hex, re] of bad)
    test(`when CBOR has ${name}, VENDOR_FORMAT_INVALID`, () => {
      fails('VENDOR_FORMAT_INVALID', () => decodeCbor(fromHex(hex)), re);
    });

  test('when CBOR nests too deep or holds too many items, LIMIT_EXCEEDED', () => {
    fails('LIMIT_EXCEEDED', () => decodeCbor(new Uint8Array(40).fill(0x81)));
    fails('LIMIT_EXCEEDED', () => decodeCbor(new Uint8Array([0x99, 0x13, 0x88, ...new Uint8Array(5000)])));
  });

  test('when arbitrary bytes are decoded, the decoder returns or raises a VerificationError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeCbor(b);
        } catch (e) {
          if (!isVerificationError(e)) throw e;
        }
      }),
      { seed: 7, numRuns: 2000 },
    );
  });
});

describe('inflate and gunzip', () => {
  test('when the real Marvell samples are gunzipped, the sizes match their headers', () => {
    for (const [n, size] of [
      ['ec', 2112],
      ['rsa', 2528],
      ['aes', 1111],
    ] as const) {
      const out = gunzip(new Uint8Array(readFileSync(new URL(`gcp-cloudhsm-cavium/${n}.dat`, dir))), 1 << 20);
      assert.equal(out.length, size);
      assert.equal(new DataView(out.buffer).getUint32(8), size);
    }
  });

  test('when random data is compressed by the platform gzip, it decompresses to the same bytes', async () => {
    const rnd = prng(2024);
    for (let i = 0; i < 60; i++) {
      const len = rnd() % 70000;
      const data = new Uint8Array(len);
      const alphabet = 1 + (rnd() % 256);
      for (let j = 0; j < len; j++) data[j] = rnd() % 4 === 0 ? rnd() & 255 : (j % alphabet) & 255;
      const gz = await gzipOf(data);
      const out = gunzip(gz, 1 << 20);
      assert.equal(toHex(out), toHex(data), `case ${i} (${len} bytes)`);
    }
  });

  test('when a stored block and a fixed-Huffman block are decoded, their bytes come out', () => {
    // Stored: BFINAL=1, BTYPE=00, LEN=3, NLEN=~3, "abc".
    assert.equal(toHex(inflateRaw(fromHex('010300fcff616263'), 100).output), '616263');
    // Fixed Huffman "a" then end of block (what a raw deflater writes for "a").
    assert.equal(toHex(inflateRaw(fromHex('4b0400'), 100).output), '61');
  });

  test('when the data is corrupt, the CRC, ISIZE, block type or distance checks fail: VENDOR_FORMAT_INVALID', async () => {
    const gz = await gzipOf(new TextEncoder().encode('attestation '.repeat(50)));
    const crc = gz.slice();
    crc[gz.length - 8]! ^= 1;
    fails('VENDOR_FORMAT_INVALID', () => gunzip(crc, 1 << 20), /CRC/);
    const size = gz.slice();
    size[gz.length - 1]! ^= 1;
    fails('VENDOR_FORMAT_INVALID', () => gunzip(size, 1 << 20), /ISIZE/);
    fails(
      'VENDOR_FORMAT_INVALID',
      () => gunzip(new Uint8Array([...gz, 0]), 1 << 20),
      /after the gzip member/,
    );
    fails('VENDOR_FORMAT_INVALID', () => inflateRaw(fromHex('07'), 100), /reserved block type/);
    fails('VENDOR_FORMAT_INVALID', () => inflateRaw(fromHex('010300fdff616263'), 100), /complement/);
    // Fixed block: length 3, distance 1 with empty output.
    fails('VENDOR_FORMAT_INVALID', () => inflateRaw(fromHex('0302000000'), 100));
    fails('VENDOR_FORMAT_INVALID', () => gunzip(fromHex('1f8b0800'), 100));
  });

  test('when the output would pass the limit, LIMIT_EXCEEDED before it is all produced', async () => {
    const gz = await gzipOf(new Uint8Array(200000));
    fails('LIMIT_EXCEEDED', () => gunzip(gz, 100000));
    assert.equal(gunzip(gz, 200000).length, 200000);
  });

  test('when CRC-32 is computed for "123456789", it gives the check value cbf43926', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')).toString(16), 'cbf43926');
  });

  test('when arbitrary bytes are inflated, the decoder returns or raises a VerificationError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          inflateRaw(b, 1 << 16);
        } catch (e) {
          if (!isVerificationError(e)) throw e;
        }
      }),
      { seed: 11, numRuns: 3000 },
    );
  });
});
