import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isVerificationError } from '../errors.ts';
import { KNOWN_ROOTS, knownRoots } from './roots.ts';
import { decodePemCertificates, parseCertificate } from './x509.ts';
import { checkVendorAttestation, verifyVendorAttestation } from './index.ts';
import { runCheckAttestation } from '../../scripts/check-attestation.ts';
import { scratchDir } from '../../tests/lib/scratch.ts';

const dir = new URL('../../tests/data/vectors/hsm/', import.meta.url);
const path = (p: string) => fileURLToPath(new URL(p, dir));
const pem = (p: string) => decodePemCertificates(readFileSync(new URL(p, dir), 'utf8'));

/** Runs the command with console output captured. */
function run(args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    return { code: runCheckAttestation(args), out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('pinned vendor roots', () => {
  test('when the built-in roots are compared with the published copies, fingerprints and certificates match', () => {
    const copies: Record<string, string> = {
      'aws-nitro-enclaves-root-g1': 'aws-nitro/aws-nitro-enclaves-root-G1.pem',
      'yubico-yubihsm-root-ca': 'yubihsm2/yubico-yubihsm-root-ca.pem',
      'marvell-liquidsecurity-root-2034': 'gcp-cloudhsm-cavium/marvell-liquidsecurity-root-2034.pem',
      'google-hawksbill-root-v1-prod': 'gcp-cloudhsm-cavium/google-hawksbill-root-v1-prod.pem',
    };
    assert.deepEqual(KNOWN_ROOTS.map((r) => r.id).sort(), Object.keys(copies).sort());
    for (const r of knownRoots()) {
      const cert = parseCertificate(r.der);
      const copy = parseCertificate(pem(copies[r.id!]!)[0]!);
      assert.equal(cert.fingerprint, copy.fingerprint, r.id);
      assert.equal(cert.fingerprint, KNOWN_ROOTS.find((k) => k.id === r.id)!.fingerprint);
    }
    // The fingerprints the vendors publish (tests/data/vectors/README.md).
    assert.match(KNOWN_ROOTS[0]!.fingerprint, /^641a0321a3e244ef.*79bb5b$/);
    assert.match(KNOWN_ROOTS[1]!.fingerprint, /^094a3ac4.*2fb724$/);
  });

  test('when the real samples are checked against the built-in roots, all verify (YubiHSM: chain incomplete)', () => {
    const roots = knownRoots();
    const now = '2026-11-27T00:00:00Z';
    const gz = new Uint8Array(readFileSync(new URL('gcp-cloudhsm-cavium/rsa.dat', dir)));
    const m = verifyVendorAttestation('marvell', gz, pem('gcp-cloudhsm-cavium/rsa.certs'), { roots, now });
    assert.equal(m.rootId, 'marvell-liquidsecurity-root-2034');
    const doc = Uint8Array.from(
      atob(readFileSync(new URL('aws-nitro/nitro_attestation.b64', dir), 'utf8').trim()),
      (ch) => ch.charCodeAt(0),
    );
    assert.equal(
      verifyVendorAttestation('nitro', doc, [], { roots, now }).rootId,
      'aws-nitro-enclaves-root-g1',
    );
    const y = checkVendorAttestation(
      'yubihsm2',
      pem('yubihsm2/key-attestation-0x7e57.pem')[0]!,
      pem('yubihsm2/device-attestation-31650425.pem'),
      { roots, now },
    );
    assert.equal(y.ok, false);
    assert.equal(y.errors[0]!.code, 'CHAIN_INCOMPLETE');
  });

  test('when certificates are supplied for a Nitro document, SCHEMA_INVALID', () => {
    assert.throws(
      () =>
        verifyVendorAttestation('nitro', new Uint8Array(1), pem('yubihsm2/yubico-yubihsm-root-ca.pem'), {
          roots: [],
        }),
      (e: unknown) => isVerificationError(e) && e.code === 'SCHEMA_INVALID',
    );
  });
});

describe('fleetproof check-attestation', () => {
  test('when the Marvell sample and its bundle are checked, exit 0', () => {
    const r = run([
      path('gcp-cloudhsm-cavium/ec.dat'),
      '--format',
      'marvell',
      '--chain',
      path('gcp-cloudhsm-cavium/ec.certs'),
      '--at',
      '2025-01-01T00:00:00Z',
    ]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /✓ verified: Marvell LiquidSecurity 5\.2G1804-ICM000678/);
  });

  test('when the base64 Nitro document is checked with --json, exit 0 and the claim is printed', () => {
    const r = run([path('aws-nitro/nitro_attestation.b64'), '--format', 'nitro', '--json']);
    assert.equal(r.code, 0, r.out + r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.ok, true);
    assert.equal(j.claim.timeUsed, '2024-09-07T14:37:39.545Z');
    assert.match(j.claim.measurements.PCR0, /^e72a46ca/);
  });

  test('when the YubiHSM attestation lacks the sub-CA, exit 1 with CHAIN_INCOMPLETE unless allowed', () => {
    const args = [
      path('yubihsm2/key-attestation-0x7e57.pem'),
      '--format',
      'yubihsm2',
      '--chain',
      path('yubihsm2/device-attestation-31650425.pem'),
    ];
    const strict = run(args);
    assert.equal(strict.code, 1);
    assert.match(strict.out, /CHAIN_INCOMPLETE/);
    assert.match(strict.out, /intermediate missing/);
    const allowed = run([...args, '--allow-incomplete-chain']);
    assert.equal(allowed.code, 0);
    assert.match(allowed.out, /chain incomplete, allowed/);
  });

  test('when --roots names a folder without the needed root, exit 1 with UNKNOWN_KEY', () => {
    const roots = scratchDir('roots');
    writeFileSync(
      join(roots, 'yubico.pem'),
      readFileSync(new URL('yubihsm2/yubico-yubihsm-root-ca.pem', dir)),
    );
    const r = run([path('aws-nitro/nitro_attestation.b64'), '--format', 'nitro', '--roots', roots, '--json']);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.out).errors[0].code, 'UNKNOWN_KEY');
    assert.deepEqual(readdirSync(roots), ['yubico.pem']);
  });

  test('when a tampered attestation is checked, exit 1 with its code', () => {
    const tmp = scratchDir('att');
    const key = pem('yubihsm2/key-attestation-0x7e57.pem')[0]!.slice();
    key[key.length - 1]! ^= 1;
    writeFileSync(join(tmp, 'key.der'), key);
    const r = run([
      join(tmp, 'key.der'),
      '--format',
      'yubihsm2',
      '--chain',
      path('yubihsm2/device-attestation-31650425.pem'),
      '--json',
    ]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.out).errors[0].code, 'ATTESTATION_SIGNATURE_INVALID');
  });

  test('when FILE, --chain or --roots cannot be read or FILE is too large, exit 1 naming it with its code, as check-record does', () => {
    const scratch = scratchDir('check-attestation');
    const dangling = join(scratch, 'roots');
    mkdirSync(dangling);
    symlinkSync(join(scratch, 'gone.pem'), join(dangling, 'root.pem'));
    const big = join(scratch, 'big.b64');
    writeFileSync(big, 'A'.repeat(1024 * 1024 + 1));
    const nitro = path('aws-nitro/nitro_attestation.b64');
    const yubi = path('yubihsm2/key-attestation-0x7e57.pem');
    for (const [args, code, file, message] of [
      [[scratch, '--format', 'nitro'], 'FILE_UNREADABLE', scratch, /^the file cannot be read: EISDIR/],
      [
        [join(scratch, 'none.b64'), '--format', 'nitro'],
        'FILE_MISSING',
        join(scratch, 'none.b64'),
        /^no such file$/,
      ],
      [[big, '--format', 'nitro'], 'FILE_TOO_LARGE', big, /^the file is larger than 1048576 bytes$/],
      [
        [yubi, '--format', 'yubihsm2', '--chain', join(scratch, 'chain.pem')],
        'FILE_MISSING',
        join(scratch, 'chain.pem'),
        /^no such file$/,
      ],
      [
        [nitro, '--format', 'nitro', '--roots', dangling],
        'FILE_MISSING',
        join(dangling, 'root.pem'),
        /^no such file$/,
      ],
      [
        [nitro, '--format', 'nitro', '--roots', join(scratch, 'no-roots')],
        'FILE_MISSING',
        join(scratch, 'no-roots'),
        /^no such folder$/,
      ],
    ] as const) {
      const json = run([...args, '--json']);
      assert.equal(json.code, 1, args.join(' '));
      assert.equal(json.err, '', 'no usage, no stack trace');
      const e = JSON.parse(json.out).errors[0];
      assert.deepEqual([e.code, e.file], [code, file]);
      assert.match(e.message, message);
      assert.ok(e.rule, 'with its rule');
      const text = run([...args]);
      assert.equal(text.code, 1);
      assert.equal(text.out.split('\n')[0], `✗ ${code}  ${file}`);
      assert.match(text.out, /\n {4}rule: .+\n✗ NOT verified$/);
    }
  });

  test('when the command is misused, exit 2 with the usage', () => {
    for (const args of [
      [],
      ['x', '--format', 'hsm'],
      [
        path('aws-nitro/nitro_attestation.b64'),
        '--format',
        'nitro',
        '--chain',
        path('yubihsm2/yubico-yubihsm-root-ca.pem'),
      ],
      [path('gcp-cloudhsm-cavium/ec.dat'), '--format', 'marvell'],
      [path('gcp-cloudhsm-cavium/ec.dat'), '--format', 'marvell', '--chain', 'x', '--at', 'yesterday'],
      ['--bogus'],
    ]) {
      const r = run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /usage:/);
    }
  });
});
