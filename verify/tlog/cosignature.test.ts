import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  cosignatureMessage,
  cosignatureNoteVerifier,
  cosignatureSigner,
  parseTimestampedSignature,
  verifyCosignatures,
} from './cosignature.ts';
import { formatCheckpoint, openCheckpoint } from './checkpoint.ts';
import {
  addNoteSignatures,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatVerifierKey,
  parseNote,
  parseVerifierKey,
  signNote,
  verifyNote,
} from './note.ts';
import { hashLeaf } from './merkle.ts';
import { fromBase64, fromUtf8, toBase64, utf8 } from '../encoding.ts';
import { assertFails } from '../../tests/lib/verdicts.ts';

const W = JSON.parse(
  readFileSync(
    new URL('../../tests/data/vectors/tlog/witness/arche2025h1-cosigned-checkpoint.json', import.meta.url),
    'utf8',
  ),
) as { checkpoint: string; vkeys: [string, string]; expected: Record<string, number> };
const [LOG_VKEY, WITNESS_VKEY] = W.vkeys;

/** Replaces the body of the signature line by `name` (the first one) with `f(bytes)`. */
function editLine(note: string, name: string, f: (b: Uint8Array) => Uint8Array): string {
  const line = note.split('\n').find((l) => l.startsWith(`— ${name} `))!;
  const bytes = fromBase64(line.slice(`— ${name} `.length));
  return note.replace(line, `— ${name} ${toBase64(f(bytes.slice()))}`);
}

describe('a real cosigned checkpoint (arche2025h1, remora.n621.de)', () => {
  test("when the log's Ed25519 signature is checked, it verifies and the other five lines are ignored", () => {
    const { checkpoint, note } = openCheckpoint(W.checkpoint, [ed25519NoteVerifier(LOG_VKEY)], {
      origin: 'arche2025h1.staging.ct.transparency.dev',
    });
    assert.equal(checkpoint.size, 1432088532);
    assert.equal(note.verified.length, 1);
    // The log's own RFC 6962 (0x05) line shares its name but not its key ID; four witnesses are not configured.
    assert.equal(note.ignored.length, 5);
    assert.equal(note.ignored.filter((s) => s.name === 'arche2025h1.staging.ct.transparency.dev').length, 1);
  });

  test("when the witness's cosignature is checked, it verifies with its timestamp and the rest are ignored", () => {
    const { checkpoint, cosignatures } = verifyCosignatures(W.checkpoint, [WITNESS_VKEY], { quorum: 1 });
    assert.equal(checkpoint.origin, 'arche2025h1.staging.ct.transparency.dev');
    assert.equal(cosignatures.length, 1);
    assert.equal(cosignatures[0]!.name, 'remora.n621.de');
    assert.equal(cosignatures[0]!.keyId, parseVerifierKey(WITNESS_VKEY).keyId);
    assert.equal(cosignatures[0]!.timestamp, W.expected['remora.n621.de cosignature timestamp']);
    // The same check through the generic note verifier.
    const r = verifyNote(W.checkpoint, [cosignatureNoteVerifier(WITNESS_VKEY)]);
    assert.equal(r.verified.length, 1);
  });

  test('when the signed message is rebuilt, it is the cosignature/v1 header, the time line and the note text', () => {
    const note = parseNote(W.checkpoint);
    const msg = fromUtf8(cosignatureMessage(note.text, 1779573024));
    assert.equal(msg, `cosignature/v1\ntime 1779573024\n${note.text}`);
    const sig = note.signatures.find((s) => s.name === 'remora.n621.de')!;
    const { signature } = parseTimestampedSignature(sig.signature);
    assert.ok(
      ed25519.verify(signature, utf8(msg), parseVerifierKey(WITNESS_VKEY).publicKey, { zip215: false }),
    );
  });

  test('when the cosignature, its timestamp or the checkpoint is altered, it fails with COSIGNATURE_INVALID', () => {
    for (const i of [4, 11, 12, 40, 75]) {
      const bad = editLine(W.checkpoint, 'remora.n621.de', (b) => ((b[i]! ^= 0x01), b));
      assertFails(() => verifyCosignatures(bad, [WITNESS_VKEY]), 'COSIGNATURE_INVALID', `byte ${i}`);
    }
    const moved = W.checkpoint.replace('\n1432088532\n', '\n1432088533\n');
    assertFails(() => verifyCosignatures(moved, [WITNESS_VKEY]), 'COSIGNATURE_INVALID');
    assertFails(() => openCheckpoint(moved, [ed25519NoteVerifier(LOG_VKEY)]), 'NOTE_SIGNATURE_INVALID');
    const short = editLine(W.checkpoint, 'remora.n621.de', (b) => b.slice(0, -1));
    assertFails(() => verifyCosignatures(short, [WITNESS_VKEY]), 'COSIGNATURE_INVALID');
    const long = editLine(W.checkpoint, 'remora.n621.de', (b) => Uint8Array.of(...b, 0));
    assertFails(() => verifyCosignatures(long, [WITNESS_VKEY]), 'COSIGNATURE_INVALID');
  });

  test('when a policy asks for more witnesses or an earlier time than the note has, it fails with COSIGNATURE_INVALID', () => {
    assertFails(() => verifyCosignatures(W.checkpoint, [WITNESS_VKEY], { quorum: 2 }), 'COSIGNATURE_INVALID');
    assertFails(() => verifyCosignatures(W.checkpoint, [], { quorum: 1 }), 'COSIGNATURE_INVALID');
    assertFails(
      () => verifyCosignatures(W.checkpoint, [WITNESS_VKEY], { notAfter: 1779573023 }),
      'COSIGNATURE_INVALID',
    );
    assert.equal(
      verifyCosignatures(W.checkpoint, [WITNESS_VKEY], { notAfter: 1779573024 }).cosignatures.length,
      1,
    );
  });

  test('when the witness key is given as a note key or twice, it is refused with VERIFIER_KEY_INVALID', () => {
    assertFails(() => verifyCosignatures(W.checkpoint, [LOG_VKEY]), 'VERIFIER_KEY_INVALID');
    assertFails(() => verifyCosignatures(W.checkpoint, [WITNESS_VKEY, WITNESS_VKEY]), 'VERIFIER_KEY_INVALID');
    assertFails(() => ed25519NoteVerifier(WITNESS_VKEY), 'VERIFIER_KEY_INVALID');
  });
});

describe('timestamped signatures', () => {
  test("when the spec's example cosignature line is decoded, its timestamp is the example's 1679315147", () => {
    // tlog-cosignature, "Format": "— witness.example.com/w1 jWbPPwAAAABkGFDL…"; "time 1679315147" below it.
    const line =
      'jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';
    const b = fromBase64(line);
    assert.equal(b.length, 4 + 72);
    assert.equal(parseTimestampedSignature(b.slice(4)).timestamp, 1679315147n);
  });

  test('when a timestamp is over 2^63 - 1 it is malformed, and a valid one over 2^53 - 1 is LIMIT_EXCEEDED', () => {
    const sig = new Uint8Array(72);
    sig[0] = 0x80;
    assertFails(() => parseTimestampedSignature(sig), 'COSIGNATURE_INVALID');
    sig[0] = 0x7f;
    sig.fill(0xff, 1, 8);
    assert.equal(parseTimestampedSignature(sig).timestamp, 2n ** 63n - 1n);
    // A genuine cosignature dated 2^60: it verifies, then cannot be reported as an exact number.
    const secret = new Uint8Array(32).fill(5);
    const publicKey = ed25519.getPublicKey(secret);
    const text = formatCheckpoint({ origin: 'log', size: 1, rootHash: hashLeaf(utf8('a')), extensions: [] });
    const t = 2n ** 60n;
    const blob = new Uint8Array(72);
    blob.set([0x10], 0); // 2^60 big-endian
    blob.set(ed25519.sign(cosignatureMessage(text, t), secret), 8);
    const vkey = formatVerifierKey('w.example', publicKey, 0x04);
    const id = parseVerifierKey(vkey).keyId;
    const keyId = [24, 16, 8, 0].map((shift) => (id >>> shift) & 255);
    const note = `${text}\n— w.example ${toBase64(Uint8Array.of(...keyId, ...blob))}\n`;
    assert.ok(verifyNote(note, [cosignatureNoteVerifier(vkey)]).verified.length === 1);
    assertFails(() => verifyCosignatures(note, [vkey]), 'LIMIT_EXCEEDED');
    assertFails(
      () => cosignatureSigner('w.example', publicKey, 2 ** 53, (m) => ed25519.sign(m, secret)),
      'LIMIT_EXCEEDED',
    );
  });
});

describe('cosigning round trip', () => {
  const logSecret = new Uint8Array(32).fill(11);
  const logPub = ed25519.getPublicKey(logSecret);
  const witnesses = [21, 22, 23].map((n) => {
    const secret = new Uint8Array(32).fill(n);
    const publicKey = ed25519.getPublicKey(secret);
    const name = `witness${n}.example`;
    return { name, publicKey, secret, vkey: formatVerifierKey(name, publicKey, 0x04) };
  });
  const text = formatCheckpoint({
    origin: 'fleetproof.example/log',
    size: 10,
    rootHash: hashLeaf(utf8('root')),
    extensions: [],
  });
  const signed = signNote(text, [
    ed25519NoteSigner('fleetproof.example/log', logPub, (m) => ed25519.sign(m, logSecret)),
  ]);
  const cosigned = witnesses.reduce(
    (note, w, i) =>
      addNoteSignatures(note, [
        cosignatureSigner(w.name, w.publicKey, 1_700_000_000 + i, (m) => ed25519.sign(m, w.secret)),
      ]),
    signed,
  );

  test('when a log signs and three witnesses cosign, the log signature and every cosignature verify', () => {
    const logV = ed25519NoteVerifier(formatVerifierKey('fleetproof.example/log', logPub));
    assert.equal(openCheckpoint(cosigned, [logV]).note.ignored.length, 3);
    const r = verifyCosignatures(
      cosigned,
      witnesses.map((w) => w.vkey),
      { quorum: 3 },
    );
    assert.deepEqual(
      r.cosignatures.map((c) => [c.name, c.timestamp]),
      witnesses.map((w, i) => [w.name, 1_700_000_000 + i]),
    );
    assert.ok(witnesses.every((w) => w.vkey.split('+')[2]!.startsWith('B'))); // base64 of 0x04…
  });

  test('when a witness signer holds the wrong key, cosigning fails before the note is written', () => {
    const w = witnesses[0]!;
    const liar = cosignatureSigner(w.name, w.publicKey, 1, (m) => ed25519.sign(m, witnesses[1]!.secret));
    assertFails(() => addNoteSignatures(signed, [liar]), 'COSIGNATURE_INVALID');
    assertFails(
      () => cosignatureSigner(w.name, w.publicKey, -1, (m) => ed25519.sign(m, w.secret)),
      'COSIGNATURE_INVALID',
    );
  });

  test('when a cosignature is moved to another checkpoint of the same log, it fails with COSIGNATURE_INVALID', () => {
    const other = formatCheckpoint({
      origin: 'fleetproof.example/log',
      size: 11,
      rootHash: hashLeaf(utf8('root 2')),
      extensions: [],
    });
    const lines = cosigned.slice(cosigned.lastIndexOf('\n\n') + 2);
    assertFails(
      () =>
        verifyCosignatures(
          `${other}\n${lines}`,
          witnesses.map((w) => w.vkey),
        ),
      'COSIGNATURE_INVALID',
    );
  });
});
