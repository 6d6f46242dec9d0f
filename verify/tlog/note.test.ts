import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  addNoteSignatures,
  computeKeyId,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatVerifierKey,
  parseNote,
  parseVerifierKey,
  signNote,
  verifyNote,
  type NoteVerifier,
} from './note.ts';
import { fromBase64, toBase64, utf8 } from '../encoding.ts';
import { type ErrorCode } from '../errors.ts';
import { assertFails, vector } from '../../tests/lib/verdicts.ts';

const vec = (p: string) => vector(`tlog/${p}`);

interface NoteVector {
  name: string;
  vkey?: string;
  skey_for_reference?: string;
  note?: string;
  bad_vkeys?: string[];
}
const GO = vec('go-note/note-vectors.json') as { vectors: NoteVector[] };
const byName = (prefix: string) => GO.vectors.find((v) => v.name.startsWith(prefix))!;
const PETER = byName('go-note PeterNeumann');
const TWO = byName('go-note two signatures');
const C2SP = byName('C2SP signed-note example');

/** A test key: the core signs only through callbacks. */
function testKey(seedByte: number) {
  const secretKey = new Uint8Array(32).fill(seedByte);
  return { publicKey: ed25519.getPublicKey(secretKey), sign: (m: Uint8Array) => ed25519.sign(m, secretKey) };
}

describe('signed-note vectors', () => {
  test('when the Go and C2SP example notes are verified with their keys, each verifies with one signature', () => {
    for (const v of [PETER, C2SP]) {
      const r = verifyNote(v.note!, [ed25519NoteVerifier(v.vkey!)]);
      assert.equal(r.verified.length, 1, v.name);
      assert.equal(r.ignored.length, 0, v.name);
      assert.equal(r.text, v.note!.slice(0, v.note!.indexOf('\n\n') + 1));
    }
    assert.equal(
      verifyNote(C2SP.note!, [ed25519NoteVerifier(C2SP.vkey!)]).text,
      'This is an example message.\n',
    );
  });

  test('when a note carries a second signature by an unknown key, it is ignored and the known one verifies', () => {
    const r = verifyNote(TWO.note!, [ed25519NoteVerifier(TWO.vkey!)]);
    assert.deepEqual(
      r.verified.map((s) => s.signature.name),
      ['PeterNeumann'],
    );
    assert.deepEqual(
      r.ignored.map((s) => s.name),
      ['EnochRoot'],
    );
  });

  test('when key IDs are computed, they equal the vectors: SHA-256(name || 0x0A || 0x01 || key)[:4]', () => {
    for (const v of [PETER, C2SP]) {
      const k = parseVerifierKey(v.vkey!);
      const [name, id] = v.vkey!.split('+') as [string, string];
      assert.equal(k.name, name);
      assert.equal(k.type, 0x01);
      assert.equal(k.keyId, parseInt(id, 16));
      assert.equal(computeKeyId(name, 0x01, k.publicKey), parseInt(id, 16));
      assert.equal(formatVerifierKey(name, k.publicKey), v.vkey);
      // The key ID on the signature line is the same four bytes.
      assert.equal(parseNote(v.note!).signatures[0]!.keyId, k.keyId);
    }
  });

  test('when the malformed verifier keys of TestNewVerifier are parsed, each is refused', () => {
    const bad = GO.vectors.find((v) => v.bad_vkeys)!.bad_vkeys!;
    assert.equal(bad.length, 2);
    // The first ends in "BADKEY==": base64 with non-zero padding bits (Go's decoder accepts them and then fails
    // on the key length); the second has the algorithm byte 0x65.
    for (const k of bad) assertFails(() => parseVerifierKey(k), 'VERIFIER_KEY_INVALID', k);
  });

  test('when the Go note is signed again with its reference private key, the signed note is identical', () => {
    // The skey is PRIVATE+KEY+<name>+<id>+base64(0x01 || 32-byte seed): the test unwraps it, the core never does.
    const skey = PETER.skey_for_reference!.split('+');
    const seed = fromBase64(skey.slice(4).join('+')).slice(1);
    const publicKey = ed25519.getPublicKey(seed);
    assert.equal(formatVerifierKey('PeterNeumann', publicKey), PETER.vkey);
    const text = PETER.note!.slice(0, PETER.note!.indexOf('\n\n') + 1);
    const signer = ed25519NoteSigner('PeterNeumann', publicKey, (m) => ed25519.sign(m, seed));
    assert.equal(signNote(text, [signer]), PETER.note);
  });
});

describe('signed-note rules', () => {
  const alice = testKey(1);
  const bob = testKey(2);
  const aliceSigner = ed25519NoteSigner('example.com/alice', alice.publicKey, alice.sign);
  const bobSigner = ed25519NoteSigner('example.com/bob', bob.publicKey, bob.sign);
  const aliceV = ed25519NoteVerifier(formatVerifierKey('example.com/alice', alice.publicKey));
  const bobV = ed25519NoteVerifier(formatVerifierKey('example.com/bob', bob.publicKey));
  const text = 'first line\n\nafter an empty line\n';
  const note = signNote(text, [aliceSigner, bobSigner]);

  test('when a note is signed and verified, both signatures verify and the text keeps its empty line', () => {
    const r = verifyNote(note, [aliceV, bobV]);
    assert.equal(r.text, text);
    assert.equal(r.verified.length, 2);
    assert.equal(verifyNote(utf8(note), [bobV]).ignored.length, 1);
    assert.equal(
      verifyNote(addNoteSignatures(signNote(text, [aliceSigner]), [bobSigner]), [bobV]).text,
      text,
    );
  });

  test('when the text or a signature is altered, a known signer fails with NOTE_SIGNATURE_INVALID', () => {
    assertFails(() => verifyNote(note.replace('first', 'frist'), [aliceV]), 'NOTE_SIGNATURE_INVALID');
    const line = note.split('\n').find((l) => l.includes('alice'))!;
    const sig = fromBase64(line.split(' ')[2]!);
    for (const i of [4, 20, 67]) {
      const bad = sig.slice();
      bad[i]! ^= 0x10;
      const forged = note.replace(line, `— example.com/alice ${toBase64(bad)}`);
      assertFails(() => verifyNote(forged, [aliceV, bobV]), 'NOTE_SIGNATURE_INVALID', `byte ${i}`);
    }
  });

  test('when signatures share a name or a key ID with a known key but not both, they are ignored', () => {
    // bob's signature relabelled with alice's name: same name, other ID.
    const relabelled = note.replace('— example.com/bob ', '— example.com/alice ');
    const r = verifyNote(relabelled, [aliceV]);
    assert.equal(r.verified.length, 1);
    assert.equal(r.ignored.length, 1);
    // A verifier for another name with alice's key ID: no signature matches both.
    const impostor: NoteVerifier = { ...aliceV, name: 'example.com/eve' };
    assertFails(() => verifyNote(note, [impostor]), 'UNKNOWN_KEY');
  });

  test('when no known key signed the note, it is rejected with UNKNOWN_KEY', () => {
    assertFails(() => verifyNote(note, []), 'UNKNOWN_KEY');
    const carol = testKey(3);
    assertFails(
      () => verifyNote(note, [ed25519NoteVerifier(formatVerifierKey('example.com/carol', carol.publicKey))]),
      'UNKNOWN_KEY',
    );
  });

  test('when two verifiers share a name and key ID, verification refuses the ambiguity', () => {
    assertFails(() => verifyNote(note, [aliceV, { ...aliceV }]), 'VERIFIER_KEY_INVALID');
  });

  test('when a note is malformed, parsing fails with NOTE_INVALID', () => {
    const sigLine = note.slice(note.lastIndexOf('\n\n') + 2);
    const cases: [string, string | Uint8Array][] = [
      ['no final newline', note.slice(0, -1)],
      ['no blank line', text + sigLine],
      ['no signature', text + '\n'],
      ['a CR', note.replace('first line', 'first\rline')],
      ['a tab', note.replace('first line', 'first\tline')],
      ['a NUL', note.replace('first line', 'first\u0000line')],
      ['a hyphen for the em dash', note.replace('— example.com/bob', '- example.com/bob')],
      ['no space after the dash', note.replace('— example.com/bob', '—example.com/bob')],
      ['no signature after the name', note.replace(/— example.com\/bob .*\n/, '— example.com/bob\n')],
      ['an empty name', note.replace('— example.com/bob ', '—  ')],
      ['a plus in the name', note.replace('— example.com/bob ', '— example.com+bob ')],
      ['a non-breaking space in the name', note.replace('— example.com/bob ', '— example.com\u00a0bob ')],
      ['two spaces', note.replace('— example.com/bob ', '— example.com/bob  ')],
      ['non-canonical base64', note.replace(/(— example.com\/bob .*)=\n/, '$1\n')],
      ['a signature of 4 bytes', `${text}\n— example.com/bob AAAAAA==\n`],
      ['invalid UTF-8', Uint8Array.of(...utf8(text), 0xff, ...utf8('\n\n' + sigLine))],
      ['a lone surrogate', note.replace('first line', 'first \ud800 line')],
    ];
    for (const [what, n] of cases) assertFails(() => parseNote(n), 'NOTE_INVALID', what);
  });

  test('when an empty line is put among the signatures, the lines above it become text and stop verifying', () => {
    // signed-note, "Format": the last empty line separates text and signatures.
    const moved = note.replace('\n— example.com/bob', '\n\n— example.com/bob');
    const parsed = parseNote(moved);
    assert.equal(parsed.signatures.length, 1);
    assert.ok(parsed.text.startsWith(text) && parsed.text.includes('— example.com/alice'));
    assertFails(() => verifyNote(moved, [aliceV, bobV]), 'NOTE_SIGNATURE_INVALID');
  });

  test('when a note is over a limit, parsing fails with LIMIT_EXCEEDED before verifying', () => {
    const sigLine = note.slice(note.lastIndexOf('\n\n') + 2).split('\n')[0]! + '\n';
    assertFails(() => parseNote(`${text}\n${sigLine.repeat(101)}`), 'LIMIT_EXCEEDED');
    assert.equal(parseNote(`${text}\n${sigLine.repeat(100)}`).signatures.length, 100);
    // The spec's floor: at least 16 signatures, with post-quantum sizes (~5 kB each) accepted.
    const big = `— example.com/pq ${toBase64(new Uint8Array(4 + 4627).fill(7))}\n`;
    assert.equal(parseNote(`${text}\n${big.repeat(16)}`).signatures.length, 16);
    const huge = `— example.com/pq ${toBase64(new Uint8Array(6200).fill(7))}\n`;
    assertFails(() => parseNote(`${text}\n${huge}`), 'LIMIT_EXCEEDED');
    assertFails(() => parseNote('x'.repeat(1024 * 1024) + `\n\n${sigLine}`), 'LIMIT_EXCEEDED');
    assertFails(() => parseNote(new Uint8Array(1024 * 1024 + 1)), 'LIMIT_EXCEEDED');
  });

  test('when verifier keys are malformed, parsing fails with VERIFIER_KEY_INVALID or KEY_INVALID', () => {
    const good = formatVerifierKey('example.com/alice', alice.publicKey);
    const [name, id, b64] = [good.split('+')[0]!, good.split('+')[1]!, good.split('+').slice(2).join('+')];
    const cases: [string, string, ErrorCode][] = [
      ['no parts', 'example.com/alice', 'VERIFIER_KEY_INVALID'],
      ['two parts', `${name}+${id}`, 'VERIFIER_KEY_INVALID'],
      ['uppercase ID', `${name}+${id.toUpperCase()}+${b64}`, 'VERIFIER_KEY_INVALID'],
      ['short ID', `${name}+${id.slice(1)}+${b64}`, 'VERIFIER_KEY_INVALID'],
      ['wrong ID', `${name}+00000000+${b64}`, 'VERIFIER_KEY_INVALID'],
      ['other name, same ID', `example.com/eve+${id}+${b64}`, 'VERIFIER_KEY_INVALID'],
      ['empty name', `+${id}+${b64}`, 'VERIFIER_KEY_INVALID'],
      ['space in name', `a b+${id}+${b64}`, 'VERIFIER_KEY_INVALID'],
      ['bad base64', `${name}+${id}+${b64.slice(0, -1)}`, 'VERIFIER_KEY_INVALID'],
      ['empty key', `${name}+${id}+`, 'VERIFIER_KEY_INVALID'],
      [
        'short key',
        `${name}+${id}+${toBase64(Uint8Array.from([1, ...alice.publicKey.slice(1)]))}`,
        'VERIFIER_KEY_INVALID',
      ],
      [
        'type 0x02',
        `${name}+${id}+${toBase64(Uint8Array.from([2, ...alice.publicKey]))}`,
        'VERIFIER_KEY_INVALID',
      ],
      [
        'small-order key',
        `${name}+${id}+${toBase64(Uint8Array.from([1, 1, ...new Uint8Array(31)]))}`,
        'KEY_INVALID',
      ],
      ['too long', `${name}+${id}+${'A'.repeat(9000)}`, 'LIMIT_EXCEEDED'],
    ];
    for (const [what, k, code] of cases) assertFails(() => parseVerifierKey(k), code, what);
    assertFails(
      () => ed25519NoteVerifier(formatVerifierKey('w', alice.publicKey, 0x04)),
      'VERIFIER_KEY_INVALID',
    );
  });

  test('when a signer returns a bad signature or the text is not a note text, signing fails', () => {
    const liar = ed25519NoteSigner('example.com/alice', alice.publicKey, bob.sign);
    assertFails(() => signNote(text, [liar]), 'NOTE_SIGNATURE_INVALID');
    const short = ed25519NoteSigner('example.com/alice', alice.publicKey, () => new Uint8Array(63));
    assertFails(() => signNote(text, [short]), 'NOTE_SIGNATURE_INVALID');
    assertFails(() => signNote('no newline', [aliceSigner]), 'NOTE_INVALID');
    assertFails(() => signNote('', [aliceSigner]), 'NOTE_INVALID');
    assertFails(() => signNote('a\tb\n', [aliceSigner]), 'NOTE_INVALID');
    assertFails(() => signNote(text, []), 'NOTE_INVALID');
    assertFails(() => ed25519NoteSigner('bad name', alice.publicKey, alice.sign), 'VERIFIER_KEY_INVALID');
    // A text ending in an empty line still round-trips: the last blank line separates the signatures.
    const t2 = 'a\n\n';
    assert.equal(verifyNote(signNote(t2, [aliceSigner]), [aliceV]).text, t2);
  });
});
