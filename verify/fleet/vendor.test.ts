/**
 * Vendor attestations as fleet members (docs/evidence-format.md §3.4, §8.3), through verifyEvidence on the demo
 * tree with one more fleet:
 * - a synthetic YubiHSM 2 fleet (verify/vendors/testing.ts): a test CA pinned in trust-roots.json, each fleet key
 *   generated in its "device" and attested by it; then one tamper per rule, each failing with its code;
 * - the real samples (Marvell LiquidSecurity via Google Cloud HSM, AWS Nitro Enclaves, YubiHSM 2) as members of a
 *   test fleet whose deployment record, signed with the demo operator key, declares the attested EC keys as fleet
 *   keys: everything verifies but what cannot (the YubiHSM chain lacks the Yubico sub-CA: CHAIN_INCOMPLETE).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { p384 } from '@noble/curves/nist.js';
import { sealEnvelope } from '../../demo/envelope.ts';
import { jsonFile, parseJsonFile } from '../../demo/json.ts';
import { verifyEvidence, type Report } from '../index.ts';
import { fromBase64, toBase64, toHex } from '../encoding.ts';
import { VerificationError, type ErrorCode } from '../errors.ts';
import { placeEvidence } from '../place.ts';
import { parseVendorAttestation } from './vendor.ts';
import { OID, ecSpki } from '../vendors/x509.ts';
import { p256TestKey, syntheticYubiHsm, toPem } from '../vendors/testing.ts';
import {
  FLEET,
  FLEET_KEYS,
  HSMS,
  NITRO_PCR0,
  NOW,
  SAMPLES,
  SAMPLE_MEMBERS,
  SUB,
  ctx,
  file0,
  keyId,
  samplesFleet,
  sub0,
  yubiFleet,
  yubicoRoot,
} from '../../tests/vendor-fleets.ts';

const codes = (r: Report) => [...new Set(r.errors.map((e) => e.code))].sort();
const check = (r: Report, id: string, subject: string) => {
  const c = r.checks.find((x) => x.id === id && x.subject === subject);
  assert.ok(c, `no check ${id} on ${subject}`);
  return c;
};
function flip(b: Uint8Array, i: number): Uint8Array {
  const c = b.slice();
  c[i < 0 ? c.length + i : i]! ^= 0x01;
  return c;
}

// ---------------------------------------------------------------------------------------------------------------
// A synthetic YubiHSM 2 fleet

/** Verifies and asserts the codes, and that the first member's errors name its file. */
function failsWith(files: Map<string, Uint8Array>, expected: ErrorCode[], where = file0): Report {
  const r = verifyEvidence(files, { now: NOW });
  assert.equal(r.ok, false);
  for (const code of expected) {
    assert.ok(
      r.errors.some((e) => e.code === code && (e.file === where || where === '*')),
      `${code} in ${where}; got ${r.errors.map((e) => `${e.code} ${e.file} ${e.message}`).join('\n')}`,
    );
  }
  return r;
}

describe('a fleet attested by YubiHSM 2 key attestations (synthetic CA)', () => {
  test('when every member attests its fleet key generated on the device, the whole tree verifies', () => {
    const r = verifyEvidence(yubiFleet(), { now: NOW });
    assert.deepEqual(codes(r), [], r.errors.map((e) => `${e.code} ${e.file}: ${e.message}`).join('\n'));
    assert.equal(r.ok, true);
    const fleet = r.model.fleets.find((f) => f.fleetId === FLEET)!;
    assert.equal(fleet.ok, true);
    const m = fleet.members[0]!;
    assert.equal(m.attestation.verified, true);
    assert.equal(m.attestation.format, 'yubihsm2-key-attestation');
    assert.equal(m.attestation.rootId, 'test-yubico-root');
    const c = m.attestation.vendorClaim!;
    assert.equal(c.vendor, 'Yubico');
    assert.equal(c.serial, '7000001');
    assert.equal(c.firmware, '2.4.0');
    assert.equal(c.keyType, 'ec-p256');
    assert.deepEqual(c.fleetKeyIds, [keyId(0)]);
    assert.equal(c.generatedOnDevice, true);
    assert.equal(c.exportable, false);
    assert.equal(c.timeUsed, '2025-01-15T09:00:00.000Z');
    assert.equal(c.timeSource, 'deployed_at');
    assert.equal(c.chainComplete, true);
    assert.deepEqual(
      c.chain.map((e) => e.role),
      ['leaf', 'intermediate', 'intermediate', 'root'],
    );
    assert.equal(c.publicKeySpki, toHex(FLEET_KEYS[0]!.spki));
    // The device chain in the generic shape: device attestation certificate, then the sub-CA.
    assert.deepEqual(
      m.attestation.chain.map((x) => [x.model, x.isCa]),
      [
        ['YubiHSM Attestation (7000001)', false],
        ['Test YubiHSM Sub-CA', true],
      ],
    );
    // The details name the vendor, the chain (subjects and fingerprints), the claims and the time used.
    const chain = check(r, 'hsm.chain', sub0);
    assert.equal(chain.status, 'passed');
    assert.match(chain.detail!, /^Yubico chain "YubiHSM Attestation id:0x1234" \(sha256 [0-9a-f]{16}…\) ← /);
    assert.match(chain.detail!, /pinned root "Test YubiHSM Root CA"/);
    assert.match(chain.detail!, /at 2025-01-15T09:00:00\.000Z \(the deployment's deployed_at\)/);
    const claims = check(r, 'hsm.claims', sub0);
    assert.match(
      claims.detail!,
      /^Yubico YubiHSM 2 serial 7000001, firmware version 2\.4\.0 = record \(member 0\); ec-p256 key, generated on the device, not exportable, = fleet key fleet-yubi\/signing-01/,
    );
    assert.match(
      check(r, 'hsm.signature', sub0).detail!,
      /under the key of "YubiHSM Attestation \(7000001\)"/,
    );
    assert.match(
      check(r, 'hsm.read', sub0).detail!,
      /^yubihsm2-key-attestation: \d+-byte vendor attestation/,
    );
    const root = r.model.trustRoots.find((k) => k.id === 'test-yubico-root')!;
    assert.equal(root.certificate!.subject, 'CN=Test YubiHSM Root CA');
    assert.ok(
      r.checks.some(
        (x) => x.id === 'fleet.keys-attested' && x.subject === `fleets/${FLEET}` && x.status === 'passed',
      ),
    );
  });

  test('when a byte of the key attestation signature is flipped, ATTESTATION_SIGNATURE_INVALID', () => {
    const r = failsWith(
      yubiFleet({
        file: (a, i) => {
          if (i === 0) a.attestation = toBase64(flip(fromBase64(a.attestation as string), -1));
        },
      }),
      ['ATTESTATION_SIGNATURE_INVALID'],
    );
    const e = r.errors.find((x) => x.code === 'ATTESTATION_SIGNATURE_INVALID')!;
    assert.match(e.path!, /^\$\.attestation/);
    // Its key is then not attested; the two other members still meet the quorum.
    assert.deepEqual(codes(r), ['ATTESTATION_SIGNATURE_INVALID', 'KEY_NOT_ATTESTED']);
  });

  test('when a byte of a chain certificate (the sub-CA) is flipped, CHAIN_BROKEN', () => {
    const r = failsWith(
      yubiFleet({
        file: (a, i) => {
          if (i === 0) a.certificates = [toPem(HSMS[0]!.device), toPem(flip(HSMS[0]!.sub, -1))];
        },
      }),
      ['CHAIN_BROKEN'],
    );
    assert.equal(r.errors.find((x) => x.code === 'CHAIN_BROKEN')!.path, '$.certificates[1]');
  });

  test('when the root is supplied with the chain but not pinned, UNKNOWN_KEY', () => {
    const other = p256TestKey('vendor-fleet/another-root');
    const otherCa = syntheticYubiHsm({
      root: other,
      sub: other,
      device: other,
      serial: 1,
      rootName: 'Other Root',
    });
    failsWith(
      yubiFleet({
        roots: [yubicoRoot({ public_key: toHex(other.point), certificate: toPem(otherCa.root) })],
        file: (a) => {
          a.certificates = [...(a.certificates as string[]), toPem(HSMS[0]!.root)];
        },
      }),
      ['UNKNOWN_KEY'],
    );
  });

  test('when the root is neither pinned nor supplied, CHAIN_INCOMPLETE; the adapters’ built-in roots are never used', () => {
    failsWith(yubiFleet({ roots: [] }), ['CHAIN_INCOMPLETE']);
  });

  test('when another key is pinned under the root’s name, the signature check refuses it: CHAIN_BROKEN', () => {
    const impostor = p256TestKey('vendor-fleet/impostor');
    const fake = syntheticYubiHsm({ root: impostor, sub: impostor, device: impostor, serial: 1 });
    failsWith(
      yubiFleet({
        roots: [yubicoRoot({ public_key: toHex(impostor.point), certificate: toPem(fake.root) })],
      }),
      ['CHAIN_BROKEN'],
    );
  });

  test('when the fleet key is marked exportable under wrap, KEY_EXPORTABLE', () => {
    const r = failsWith(yubiFleet({ facts: (i) => (i === 0 ? { capabilities: 0x80n | (1n << 16n) } : {}) }), [
      'KEY_EXPORTABLE',
    ]);
    assert.match(r.errors.find((e) => e.code === 'KEY_EXPORTABLE')!.message, /exportable under wrap/);
    assert.deepEqual(codes(r), ['KEY_EXPORTABLE']);
  });

  test('when the record names another serial than the attestation, MEMBER_MISMATCH', () => {
    const r = failsWith(
      yubiFleet({
        member: (m, i) => {
          if (i === 0) m.serial = '7999999';
        },
      }),
      ['MEMBER_MISMATCH'],
    );
    assert.match(r.errors.find((e) => e.code === 'MEMBER_MISMATCH')!.message, /serial "7000001".*"7999999"/);
  });

  test('when the generating member attests the key as imported, KEY_NOT_ATTESTED', () => {
    const r = failsWith(
      yubiFleet({ facts: (i) => (i === 0 ? { origin: 0x02 } : {}) }),
      ['KEY_NOT_ATTESTED'],
      '*',
    );
    assert.match(
      r.errors.find((e) => e.code === 'KEY_NOT_ATTESTED')!.message,
      /not .*generated on the device.*imported/,
    );
  });

  test('when an attestation is mapped to another member’s fleet key, ATTESTED_KEY_MISMATCH', () => {
    failsWith(
      yubiFleet({
        file: (a, i) => {
          if (i === 0) a.keys = [{ key_id: keyId(1) }];
        },
      }),
      ['ATTESTED_KEY_MISMATCH'],
    );
  });

  test('when an attestation is mapped to a key id the record does not declare, ATTESTED_KEY_MISMATCH', () => {
    failsWith(
      yubiFleet({
        file: (a, i) => {
          if (i === 0) a.keys = [{ key_id: `${FLEET}/nonexistent` }];
        },
      }),
      ['ATTESTED_KEY_MISMATCH'],
    );
  });

  test('when the attested key is a P-384 key mapped to a fleet key, ATTESTED_KEY_UNSUPPORTED', () => {
    const sk = new Uint8Array(48).fill(7);
    const p384Spki = ecSpki(OID.p384, p384.getPublicKey(sk, false));
    failsWith(yubiFleet({ attestedKey: (i) => (i === 0 ? p384Spki : FLEET_KEYS[i]!.spki) }), [
      'ATTESTED_KEY_UNSUPPORTED',
    ]);
  });

  test('when the record states another firmware version, FIRMWARE_MISMATCH', () => {
    failsWith(
      yubiFleet({
        member: (m, i) => {
          if (i === 0) m.firmware = '2.3.1';
        },
      }),
      ['FIRMWARE_MISMATCH'],
    );
  });

  test('when the pinned root’s certificate carries another key than its public_key, ROOT_CERTIFICATE_MISMATCH', () => {
    const r = failsWith(yubiFleet({ roots: [yubicoRoot({ public_key: toHex(SUB.point) })] }), [], '*');
    assert.deepEqual(codes(r), ['ROOT_CERTIFICATE_MISMATCH']);
    assert.equal(r.errors[0]!.file, 'trust-roots.json');
  });

  test('when the pinned root is not trusted at the deployment time, KEY_OUTSIDE_VALIDITY', () => {
    const r = failsWith(yubiFleet({ roots: [yubicoRoot({ valid_from: '2025-06-01T00:00:00Z' })] }), [], '*');
    assert.ok(r.errors.some((e) => e.code === 'KEY_OUTSIDE_VALIDITY' && e.file === 'trust-roots.json'));
  });

  test('when the pinned root’s trust window has ended since the time used, a note says so and it verifies', () => {
    const r = verifyEvidence(yubiFleet({ roots: [yubicoRoot({ valid_until: '2026-01-01T00:00:00Z' })] }), {
      now: NOW,
    });
    assert.equal(r.ok, true, r.errors.map((e) => e.message).join('\n'));
    assert.match(
      check(r, 'hsm.chain', sub0).detail!,
      /trust window has ended since \(2026-01-01T00:00:00Z\)/,
    );
  });

  test('when the pinned root belongs to another vendor, CHAIN_BROKEN', () => {
    failsWith(yubiFleet({ roots: [yubicoRoot({ vendor: 'Demo HSM Vendor' })] }), ['CHAIN_BROKEN'], '*');
  });

  test('when the wrapper is malformed, hsm.read fails with the code of the field', () => {
    failsWith(
      yubiFleet({
        file: (a, i) => {
          if (i === 0) a.certificates = [toPem(HSMS[0]!.device) + toPem(HSMS[0]!.sub)];
        },
      }),
      ['CERTIFICATE_INVALID'],
    );
    failsWith(
      yubiFleet({
        file: (a, i) => {
          if (i === 0) a.attestation = 'not base64!';
        },
      }),
      ['BASE64_INVALID'],
    );
    failsWith(
      yubiFleet({
        file: (a, i) => {
          if (i === 0) a.format = 'yubihsm3';
        },
      }),
      ['SCHEMA_INVALID'],
    );
  });

  test('when a Nitro attestation file supplies certificates, SCHEMA_INVALID at $.certificates (the document carries its own)', () => {
    const file = (certificates?: string[]) => ({
      format: 'aws-nitro-enclaves',
      fleet_id: 'fleet-x',
      hsm_id: 'hsm-1',
      attestation: 'AAAA',
      ...(certificates ? { certificates } : {}),
      keys: [],
    });
    assert.equal(parseVendorAttestation(file(), 'a.json').certificates.length, 0);
    assert.equal(parseVendorAttestation(file([]), 'a.json').certificates.length, 0);
    assert.throws(
      () => parseVendorAttestation(file([toPem(HSMS[0]!.device)]), 'a.json'),
      (e: unknown) =>
        e instanceof VerificationError &&
        e.code === 'SCHEMA_INVALID' &&
        e.file === 'a.json' &&
        e.path === '$.certificates',
    );
  });

  test('when a vendor attestation is ingested, its place is read from its fleet_id and hsm_id', () => {
    const files = yubiFleet();
    assert.deepEqual(placeEvidence(files.get(file0)!, 'dropped.json'), { kind: 'attestation', path: file0 });
  });

  test('when an X.509-root algorithm is given to a key that is not a vendor root with a certificate, SCHEMA_INVALID', () => {
    const r = failsWith(
      yubiFleet({ roots: [yubicoRoot({ algorithm: 'ecdsa-p384-sha384', certificate: undefined })] }),
      [],
      '*',
    );
    assert.deepEqual(codes(r), ['SCHEMA_INVALID']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real samples

describe('the real vendor samples as members of a test fleet', () => {
  const sub = (m: string) => `fleets/${SAMPLES}/attestations/${m}`;

  test('when the real roots are pinned, Marvell and Nitro verify in full and the YubiHSM fails only for its missing sub-CA', () => {
    const r = verifyEvidence(samplesFleet(), { now: NOW });
    // What genuinely cannot verify: the Yubico sub-CA is not public, so the YubiHSM chain stops short of the root,
    // and the fleet key generated on that member is therefore not attested.
    assert.deepEqual(codes(r), ['CHAIN_INCOMPLETE', 'KEY_NOT_ATTESTED']);
    const incomplete = r.errors.find((e) => e.code === 'CHAIN_INCOMPLETE')!;
    assert.equal(incomplete.file, `${sub(SAMPLE_MEMBERS.yubi)}.json`);
    assert.match(incomplete.message, /Yubico YubiHSM 6742036 Sub-CA/);
    assert.equal(r.errors.find((e) => e.code === 'KEY_NOT_ATTESTED')!.message.includes('yubihsm-ec'), true);
    for (const m of [SAMPLE_MEMBERS.marvell, SAMPLE_MEMBERS.nitro])
      for (const id of ['hsm.read', 'hsm.chain', 'hsm.signature', 'hsm.claims'])
        assert.equal(check(r, id, sub(m)).status, 'passed', `${id} ${m}: ${check(r, id, sub(m)).detail}`);
    for (const id of ['hsm.read', 'hsm.signature', 'hsm.claims'])
      assert.equal(check(r, id, sub(SAMPLE_MEMBERS.yubi)).status, 'passed', id);
    assert.equal(check(r, 'fleet.quorum', `fleets/${SAMPLES}`).status, 'passed');

    const fleet = r.model.fleets.find((f) => f.fleetId === SAMPLES)!;
    const member = (id: string) => fleet.members.find((m) => m.hsmId === id)!.attestation;
    const mv = member(SAMPLE_MEMBERS.marvell);
    assert.equal(mv.verified, true);
    assert.equal(mv.rootId, 'marvell-liquidsecurity-root-2034');
    assert.deepEqual(mv.vendorClaim!.fleetKeyIds, [`${SAMPLES}/marvell-ec`]);
    assert.equal(mv.vendorClaim!.timeUsed, '2025-01-15T09:00:00.000Z');
    assert.deepEqual([...new Set(mv.vendorClaim!.chain.map((e) => e.group))], ['manufacturer', 'owner']);
    const nv = member(SAMPLE_MEMBERS.nitro);
    assert.equal(nv.verified, true);
    assert.equal(nv.vendorClaim!.timeSource, 'attestation');
    assert.equal(nv.vendorClaim!.timeUsed, '2024-09-07T14:37:39.545Z');
    assert.equal(nv.attestedAt, '2024-09-07T14:37:39.545Z');
    assert.equal(nv.vendorClaim!.measurements.PCR0, NITRO_PCR0);
    const yv = member(SAMPLE_MEMBERS.yubi);
    assert.equal(yv.verified, false);
    assert.equal(yv.vendorClaim!.chainComplete, false);
    assert.ok(yv.vendorClaim!.notes.some((n) => /^intermediate missing/.test(n)));

    // The details name the time used and the chain.
    assert.match(
      check(r, 'hsm.chain', sub(SAMPLE_MEMBERS.nitro)).detail!,
      /at 2024-09-07T14:37:39\.545Z \(the attestation's own timestamp\)/,
    );
    assert.match(
      check(r, 'hsm.chain', sub(SAMPLE_MEMBERS.marvell)).detail!,
      /manufacturer: "HSM:5\.2G1804-ICM000678:PARTN:1, for FIPS mode" \(sha256 [0-9a-f]{16}…\) ← .*owner: /,
    );
    assert.match(
      check(r, 'hsm.claims', sub(SAMPLE_MEMBERS.nitro)).detail!,
      /PCR0 e72a46ca80a260fb… = record/,
    );
  });

  test('when the fleet declares no key on the YubiHSM, only CHAIN_INCOMPLETE remains', () => {
    const r = verifyEvidence(samplesFleet({ withYubiKey: false }), { now: NOW });
    assert.deepEqual(codes(r), ['CHAIN_INCOMPLETE']);
  });

  test('when a root has expired since the time used, the chain check passes with a note saying so', () => {
    const r = verifyEvidence(samplesFleet({ withYubiKey: false }), { now: '2031-06-01T00:00:00Z' });
    const d = check(r, 'hsm.chain', sub(SAMPLE_MEMBERS.marvell));
    assert.equal(d.status, 'passed');
    assert.match(d.detail!, /pinned root google-hawksbill-root-v1-prod .* has expired since/);
    assert.match(
      d.detail!,
      /google-hawksbill-root-v1-prod was valid at the time used; its trust window has ended since/,
    );
  });

  test('when the real roots are not pinned in trust-roots.json, nothing verifies: the adapters’ own roots are not used', () => {
    const r = verifyEvidence(samplesFleet({ roots: [] }), { now: NOW });
    for (const m of Object.values(SAMPLE_MEMBERS))
      assert.equal(check(r, 'hsm.chain', sub(m)).status, 'failed', m);
    assert.ok(codes(r).includes('UNKNOWN_KEY'));
  });

  test('when the record states a firmware for the Marvell member, which states none, FIRMWARE_MISMATCH', () => {
    const files = treeWithFirmware(
      samplesFleet({ withYubiKey: false }),
      SAMPLE_MEMBERS.marvell,
      'aa'.repeat(32),
    );
    const r = verifyEvidence(files, { now: NOW });
    // The Marvell member no longer verifies: its key is not attested and one attested member cannot meet the quorum.
    assert.deepEqual(codes(r), [
      'CHAIN_INCOMPLETE',
      'FIRMWARE_MISMATCH',
      'KEY_NOT_ATTESTED',
      'QUORUM_INVALID',
    ]);
    assert.match(r.errors.find((e) => e.code === 'FIRMWARE_MISMATCH')!.message, /states no firmware/);
  });
});

/** Re-signs the samples fleet's deployment record with a firmware_measurement on one member. */
function treeWithFirmware(files: Map<string, Uint8Array>, hsm: string, fw: string): Map<string, Uint8Array> {
  const path = `fleets/${SAMPLES}/deployment.json`;
  const env = parseJsonFile<{ payload: string }>(files.get(path)!);
  const st = JSON.parse(new TextDecoder().decode(fromBase64(env.payload))) as {
    subject: unknown[];
    predicateType: string;
    predicate: { members: { hsm_id: string; firmware_measurement?: string }[] };
  };
  st.predicate.members.find((m) => m.hsm_id === hsm)!.firmware_measurement = fw;
  const signers = ['demo-operator-2024', 'demo-witness-marchetti', 'demo-witness-feldmann'].map((id) => ({
    keyid: id,
    key: ctx.trustKey(id),
  }));
  const out = new Map(files);
  out.set(path, jsonFile(sealEnvelope(st, signers)));
  return out;
}
