/**
 * Property tests over every parser of the core. Whatever the input, the core either accepts it or raises a
 * VerificationError with a code: no other exception. Mutations of a valid signed record are never accepted.
 * Runs with a fixed seed; FLEETPROOF_PROPERTY_RUNS and FLEETPROOF_PROPERTY_SEED run it longer or elsewhere:
 *   FLEETPROOF_PROPERTY_RUNS=20000 node scripts/run-tests.mjs property
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { gunzipSync } from 'node:zlib';
import { VerificationError } from '../verify/errors.ts';
import { ERROR_CODES } from '../verify/error-rules.ts';
import { readJson } from '../verify/json.ts';
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../verify/encoding.ts';
import { parseAuditorRecord, verifyAuditorSignature } from '../verify/plexi/record.ts';
import { checkRecord } from '../verify/check-record.ts';
import { parseEnvelope } from '../verify/dsse.ts';
import { parseTrustRoots } from '../verify/trust.ts';
import { parseArtifact } from '../verify/bundle/artifact.ts';
import { parseProof } from '../verify/bundle/proof.ts';
import { parseDeployment } from '../verify/fleet/deployment.ts';
import { parseAttestation } from '../verify/fleet/attestation.ts';
import { placeEvidence } from '../verify/place.ts';
import {
  parseNote,
  signNote,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatVerifierKey,
} from '../verify/tlog/note.ts';
import { openCheckpoint, formatCheckpoint } from '../verify/tlog/checkpoint.ts';
import { parseTilePath } from '../verify/tlog/tiles.ts';
import { parseEntryBundle } from '../verify/tlog/entries.ts';
import { verifyVendorAttestation, VENDOR_INPUT_FORMATS } from '../verify/vendors/index.ts';
import { knownRoots } from '../verify/vendors/roots.ts';
import { decodePemCertificates } from '../verify/vendors/x509.ts';
import { verifyEvidence } from '../verify/tree.ts';
import { readTree } from '../scripts/lib/read-tree.ts';
import { ed25519 } from '@noble/curves/ed25519.js';

const runs = Number(process.env.FLEETPROOF_PROPERTY_RUNS ?? 300);
const seed = Number(process.env.FLEETPROOF_PROPERTY_SEED ?? 20261127);
const params = { numRuns: runs, seed };

/** The call either returns or throws a VerificationError with a known code. */
function total(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof VerificationError && e.code in ERROR_CODES) return true;
    throw e;
  }
}

const KEY = fromHex('606a878700158d92b3a14a0fd37ec82e0f05f92fcf23146abfda2e3a2f10a9bc');
const records = [1, 2].map((cs) =>
  readFileSync(new URL(`./data/plexi/record-ciphersuite-${cs}.json`, import.meta.url)),
);

const parsers: [string, (v: unknown) => unknown][] = [
  ['auditor record', (v) => parseAuditorRecord(v, 'f')],
  ['proof', (v) => parseProof(v, 'f')],
  ['artifact', (v) => parseArtifact(v, 'f')],
  ['trust roots', (v) => parseTrustRoots(v, 'f')],
  ['DSSE envelope', (v) => parseEnvelope(v, 'f', '$', 'x')],
  ['deployment', (v) => parseDeployment(v, 'f')],
  ['attestation', (v) => parseAttestation(v, 'f')],
];

describe('parsers are total: verify or VerificationError, nothing else', () => {
  test('when given arbitrary bytes, reading JSON never throws anything but a VerificationError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => total(() => readJson(b, 'f'))),
      params,
    );
  });

  test('when given arbitrary JSON text, reading it never throws anything but a VerificationError', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (s) => total(() => readJson(utf8(s), 'f'))),
      params,
    );
  });

  for (const [name, parse] of parsers) {
    test(`when the ${name} parser is given arbitrary JSON values, it is total`, () => {
      fc.assert(
        fc.property(fc.jsonValue({ depthSize: 'small' }), (v) => total(() => parse(v))),
        params,
      );
    });
  }

  test('when an envelope carries an arbitrary payload, parsing it is total', () => {
    const env = fc.record({
      payloadType: fc.constantFrom('application/vnd.in-toto+json', 'text/plain'),
      payload: fc.oneof(
        fc.json().map((s) => toBase64(utf8(s))),
        fc.string(),
      ),
      signatures: fc.array(fc.record({ keyid: fc.string(), sig: fc.base64String() }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(env, (e) =>
        total(() => parseEnvelope(e, 'f', '$', 'https://fleetproof.dev/fleet-deployment/v1')),
      ),
      params,
    );
  });

  test('when placing arbitrary bytes as evidence, it is total', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => total(() => placeEvidence(b, 'f'))),
      params,
    );
  });

  test('when hex and base64 decoders get arbitrary strings, they are total and round-trip what they accept', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        let ok = true;
        try {
          const b = fromBase64(s);
          assert.equal(toBase64(b), s);
        } catch (e) {
          ok = e instanceof VerificationError && e.code === 'BASE64_INVALID';
        }
        try {
          assert.equal(toHex(fromHex(s)), s);
        } catch (e) {
          ok &&= e instanceof VerificationError && e.code === 'HEX_INVALID';
        }
        return ok;
      }),
      params,
    );
  });
});

describe('no mutation of a valid signed record is accepted', () => {
  for (const [i, bytes] of records.entries()) {
    test(`when any byte of the ciphersuite ${i + 1} record changes, check-record rejects it or the record means the same`, () => {
      const original = parseAuditorRecord(JSON.parse(bytes.toString('utf8')), 'f');
      assert.equal(checkRecord(bytes, 'f', KEY).ok, true);
      fc.assert(
        fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
          const m = new Uint8Array(bytes);
          m[at]! ^= x;
          const r = checkRecord(m, 'f', KEY);
          if (!r.ok) return r.errors.every((e) => e.code in ERROR_CODES);
          // Accepted: only if it still says exactly what was signed (e.g. whitespace or key order changed).
          const again = parseAuditorRecord(JSON.parse(new TextDecoder().decode(m)), 'f');
          verifyAuditorSignature(again, [{ id: 'k', publicKey: KEY }], 'f');
          return (
            again.namespace === original.namespace &&
            again.epoch === original.epoch &&
            again.timestamp === original.timestamp &&
            toHex(again.digest) === toHex(original.digest)
          );
        }),
        params,
      );
    });
  }
});

describe('log and vendor parsers are total', () => {
  test('when parsing arbitrary text as a signed note, it is total', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (t) => total(() => parseNote(t))),
      params,
    );
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 5 }), (lines) =>
        total(() => parseNote(`a\n\n${lines.map((l) => `\u2014 ${l}`).join('\n')}\n`)),
      ),
      params,
    );
  });

  test('when parsing arbitrary tile paths and entry bundles, they are total', () => {
    fc.assert(
      fc.property(fc.string(), (p) => total(() => parseTilePath(p))),
      params,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 256 }), (b, w) =>
        total(() => parseEntryBundle(b, w)),
      ),
      params,
    );
  });

  test('when a vendor adapter gets arbitrary bytes, it is total', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VENDOR_INPUT_FORMATS), fc.uint8Array({ maxLength: 600 }), (f, b) =>
        total(() => verifyVendorAttestation(f, b, [], { roots: [] })),
      ),
      { ...params, numRuns: Math.max(50, Math.floor(runs / 2)) },
    );
  });
});

describe('no mutation of valid signed evidence is accepted', () => {
  test('when any byte of a signed checkpoint note changes, it fails or says the same', () => {
    const sk = new Uint8Array(32).fill(9);
    const pk = ed25519.getPublicKey(sk);
    const text = formatCheckpoint({
      origin: 'example.org/log',
      size: 7,
      rootHash: new Uint8Array(32).fill(1),
      extensions: [],
    });
    const note = utf8(signNote(text, [ed25519NoteSigner('example.org/log', pk, (m) => ed25519.sign(m, sk))]));
    const verifier = ed25519NoteVerifier(formatVerifierKey('example.org/log', pk));
    fc.assert(
      fc.property(fc.nat(note.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const m = new Uint8Array(note);
        m[at]! ^= x;
        try {
          const { checkpoint } = openCheckpoint(m, [verifier]);
          return checkpoint.size === 7 && checkpoint.origin === 'example.org/log';
        } catch (e) {
          return e instanceof VerificationError;
        }
      }),
      params,
    );
  });

  // A small fleet of the demo: its trust roots, deployment record and attestations.
  const demo = readTree('evidence');
  const fleet = [...demo.keys()]
    .filter((p) => p.startsWith('fleets/'))
    .map((p) => p.split('/')[1]!)
    .sort()
    .at(-1)!;
  const subset = new Map(
    [...demo].filter(([p]) => p === 'trust-roots.json' || p.startsWith(`fleets/${fleet}/`)),
  );
  const files = [...subset.keys()].filter((p) => p !== 'trust-roots.json');

  test('when one byte of a deployment record or an attestation changes, the fleet fails or the JSON means the same', () => {
    assert.equal(verifyEvidence(subset).ok, true);
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.nat(), fc.integer({ min: 1, max: 255 }), (file, n, x) => {
        const bytes = subset.get(file)!;
        const m = new Uint8Array(bytes);
        m[n % m.length]! ^= x;
        const r = verifyEvidence(new Map([...subset, [file, m]]));
        if (!r.ok) return r.errors.every((e) => e.code in ERROR_CODES);
        // Accepted: only if the file still parses to the same JSON (e.g. one whitespace byte for another).
        return (
          JSON.stringify(JSON.parse(new TextDecoder().decode(m))) ===
          JSON.stringify(JSON.parse(new TextDecoder().decode(bytes)))
        );
      }),
      { ...params, numRuns: Math.max(30, Math.floor(runs / 6)) },
    );
  });
});

describe('no mutation of a real vendor attestation is accepted', () => {
  const hsm = (p: string) => new URL(`./data/vectors/hsm/${p}`, import.meta.url);
  const roots = knownRoots();
  const now = '2026-11-27T00:00:00Z';
  const samples: [string, 'marvell' | 'nitro', Uint8Array, Uint8Array[]][] = [
    // The attestation as signed (gunzipped: the gzip header's flags and time are not part of what is signed).
    [
      'Marvell (EC key)',
      'marvell',
      new Uint8Array(gunzipSync(readFileSync(hsm('gcp-cloudhsm-cavium/ec.dat')))),
      decodePemCertificates(readFileSync(hsm('gcp-cloudhsm-cavium/ec.certs'), 'utf8')),
    ],
    [
      'AWS Nitro',
      'nitro',
      Uint8Array.from(atob(readFileSync(hsm('aws-nitro/nitro_attestation.b64'), 'utf8').trim()), (c) =>
        c.charCodeAt(0),
      ),
      [],
    ],
  ];
  for (const [name, format, bytes, certs] of samples) {
    test(`when any byte of the ${name} sample changes, the adapter rejects it with a code`, () => {
      verifyVendorAttestation(format, bytes, certs, { roots, now });
      fc.assert(
        fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
          const m = new Uint8Array(bytes);
          m[at]! ^= x;
          try {
            verifyVendorAttestation(format, m, certs, { roots, now });
            return false;
          } catch (e) {
            return e instanceof VerificationError && e.code in ERROR_CODES;
          }
        }),
        { ...params, numRuns: Math.max(50, Math.floor(runs / 3)) },
      );
    });
  }
});
