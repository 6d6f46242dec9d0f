import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../encoding.ts';
import { VerificationError } from '../errors.ts';
import { encodeBincode, encodeProtobuf, encodeSignatureMessage } from './message.ts';
import { parseAuditorRecord, verifyAuditorSignature } from './record.ts';
import { PLEXI_VECTORS, type PlexiVector } from '../../tests/lib/plexi-vectors.ts';

const asRecord = (v: PlexiVector) => ({
  version: v.ciphersuite,
  ciphersuite: v.ciphersuite,
  namespace: v.namespace,
  timestamp: v.timestamp,
  epoch: v.epoch,
  digest: v.digest,
  signature: v.signature,
  key_id: v.key_id,
});

describe('Plexi SignatureMessage', () => {
  test('when encoding with protobuf (0x0001), every field is present in number order', () => {
    const m = {
      ciphersuite: 1,
      namespace: 'ns',
      timestamp: 300,
      epoch: 2,
      digest: Uint8Array.of(0xaa, 0xbb),
    };
    // 08 01 | 12 02 'n' 's' | 18 ac 02 (300) | 22 02 08 02 | 2a 02 aa bb
    assert.equal(toHex(encodeProtobuf(m)), '0801' + '12026e73' + '18ac02' + '22020802' + '2a02aabb');
  });

  test('when encoding with bincode (0x0002), integers are fixed-width little-endian and lengths u64', () => {
    const m = { ciphersuite: 2, namespace: 'ns', timestamp: 300, epoch: 2, digest: Uint8Array.of(0xaa) };
    assert.equal(
      toHex(encodeBincode(m)),
      '02000000' +
        '0200000000000000' +
        '6e73' +
        '2c01000000000000' +
        '0200000000000000' +
        '0100000000000000' +
        'aa',
    );
  });

  test('when the ciphersuite is unknown, no bytes are produced', () => {
    assert.equal(
      encodeSignatureMessage({
        ciphersuite: 3,
        namespace: 'x',
        timestamp: 0,
        epoch: 0,
        digest: new Uint8Array(32),
      }),
      null,
    );
  });

  for (const v of PLEXI_VECTORS) {
    test(`when given Cloudflare's vector for ciphersuite ${v.ciphersuite}, the core verifies it`, () => {
      const rec = parseAuditorRecord(asRecord(v), 'vector');
      const key = { id: 'plexi-vector', publicKey: fromHex(v.verifying_key) };
      assert.equal(verifyAuditorSignature(rec, [key], 'vector'), key);
      assert.equal(v.key_id, key.publicKey[31]);
    });

    test(`when the vector for ciphersuite ${v.ciphersuite} is checked under the other encoding, it fails`, () => {
      const other = { ...asRecord(v), ciphersuite: 3 - v.ciphersuite, version: 3 - v.ciphersuite };
      const rec = parseAuditorRecord(other, 'vector');
      assert.throws(
        () => verifyAuditorSignature(rec, [{ id: 'k', publicKey: fromHex(v.verifying_key) }], 'vector'),
        (e: unknown) =>
          e instanceof VerificationError &&
          e.code === 'AUDITOR_SIGNATURE_INVALID' &&
          e.path === '$.signature',
      );
    });
  }
});
