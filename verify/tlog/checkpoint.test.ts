import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from './checkpoint.ts';
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatVerifierKey,
  parseNote,
  parseVerifierKey,
  signNote,
  verifyNote,
} from './note.ts';
import { emptyTreeRoot, hashLeaf } from './merkle.ts';
import { fromBase64, toBase64, utf8 } from '../encoding.ts';
import { VerificationError } from '../errors.ts';
import { assertFails, vector } from '../../tests/lib/verdicts.ts';

const vec = (p: string) => vector(`tlog/${p}`);

const SUMDB = vec('sumdb/sum.golang.org-signed-tree-heads.json') as {
  vkey: string;
  notes: { tree_size: number; root_hash_b64: string; note: string }[];
};
const CT = vec('ct/ct-sth-and-static-ct-checkpoint.json') as {
  rome2024h1_checkpoint: { checkpoint: string; vkey_type05: string };
  argon2024_sth: { vkey_type05: string };
};
const GO = vec('go-note/note-vectors.json') as {
  vectors: { name: string; record?: string; tree_size?: number; formatted_tree?: string }[];
};

describe('sum.golang.org signed tree heads', () => {
  test("when each real tree head is opened with Go's pinned key, it verifies and parses as a checkpoint", () => {
    assert.equal(SUMDB.notes.length, 8);
    const log = ed25519NoteVerifier(SUMDB.vkey);
    for (const n of SUMDB.notes) {
      const { checkpoint, note } = openCheckpoint(n.note, [log], { origin: 'go.sum database tree' });
      assert.equal(checkpoint.origin, 'go.sum database tree');
      assert.equal(checkpoint.size, n.tree_size);
      assert.deepEqual(checkpoint.rootHash, fromBase64(n.root_hash_b64));
      assert.deepEqual(checkpoint.extensions, []);
      assert.equal(formatCheckpoint(checkpoint), note.text);
      assert.equal(note.verified[0]!.signature.name, 'sum.golang.org');
    }
  });

  test('when a tree head is altered (size, root, origin) its signature fails with NOTE_SIGNATURE_INVALID', () => {
    const log = ed25519NoteVerifier(SUMDB.vkey);
    const n = SUMDB.notes[0]!;
    const tampered = [
      n.note.replace(`\n${n.tree_size}\n`, `\n${n.tree_size + 1}\n`),
      n.note.replace(n.root_hash_b64, toBase64(hashLeaf(utf8('x')))),
      n.note.replace('go.sum database tree', 'go.sum database tree2'),
    ];
    for (const t of tampered) assertFails(() => openCheckpoint(t, [log]), 'NOTE_SIGNATURE_INVALID');
  });

  test('when a tree head is opened for another origin, it fails with CHECKPOINT_INVALID', () => {
    const log = ed25519NoteVerifier(SUMDB.vkey);
    assertFails(
      () => openCheckpoint(SUMDB.notes[0]!.note, [log], { origin: 'sum.golang.org' }),
      'CHECKPOINT_INVALID',
    );
  });

  test("when Go's FormatTree vector is formatted, the text is identical and its root is the leaf hash", () => {
    const v = GO.vectors.find((x) => x.formatted_tree)!;
    const text = formatCheckpoint({
      origin: 'go.sum database tree',
      size: v.tree_size!,
      rootHash: hashLeaf(utf8(v.record!)),
      extensions: [],
    });
    assert.equal(text, v.formatted_tree);
    assert.equal(parseCheckpoint(text).size, 123456789012);
  });
});

describe('static-ct-api (Sunlight) checkpoint', () => {
  const cp = CT.rome2024h1_checkpoint as { checkpoint: string; vkey_type05: string };

  test('when the Sunlight checkpoint is read, it parses and its RFC 6962 signature line is kept as a signature', () => {
    const note = parseNote(cp.checkpoint);
    const c = parseCheckpoint(note.text);
    assert.equal(c.origin, 'rome.ct.filippo.io/2024h1');
    assert.equal(c.size, 115474666);
    assert.equal(toBase64(c.rootHash), '2q1K6aiIJR+F7TyhiWOghoWOjY0/3dVBLsBbAvB4xCw=');
    assert.equal(note.signatures.length, 1);
    // The key ID of the vkey and of the line agree; the line's body is the 0x05 blob (timestamp + TLS signature).
    assert.equal(note.signatures[0]!.keyId, 0x78f4abae);
    assert.ok(cp.vkey_type05.startsWith('rome.ct.filippo.io/2024h1+78f4abae+'));
  });

  test('when its type-0x05 verifier key is parsed, it is reported as an unsupported type, not a crash', () => {
    let e: unknown;
    try {
      parseVerifierKey(cp.vkey_type05);
    } catch (err) {
      e = err;
    }
    assert.ok(e instanceof VerificationError);
    assert.equal(e.code, 'VERIFIER_KEY_INVALID');
    assert.match(e.message, /unsupported signature type 0x05/);
    assertFails(() => parseVerifierKey(CT.argon2024_sth.vkey_type05), 'VERIFIER_KEY_INVALID');
  });

  test('when it is opened with only an Ed25519 key of the same name, the 0x05 line is ignored and no key signed', () => {
    const other = ed25519.getPublicKey(new Uint8Array(32).fill(9));
    const v = ed25519NoteVerifier(formatVerifierKey('rome.ct.filippo.io/2024h1', other));
    assertFails(() => verifyNote(cp.checkpoint, [v]), 'UNKNOWN_KEY');
    assertFails(() => openCheckpoint(cp.checkpoint, []), 'UNKNOWN_KEY');
  });
});

describe('checkpoint text', () => {
  const spec = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

  test('when the spec example is parsed and formatted, it round-trips, extension lines included', () => {
    const c = parseCheckpoint(spec);
    assert.equal(c.origin, 'example.com/behind-the-sofa');
    assert.equal(c.size, 20852163);
    assert.equal(formatCheckpoint(c), spec);
    const ext = spec + 'ext one\nsecond: 2\n';
    assert.deepEqual(parseCheckpoint(ext).extensions, ['ext one', 'second: 2']);
    assert.equal(formatCheckpoint(parseCheckpoint(ext)), ext);
    const empty = `log\n0\n${toBase64(emptyTreeRoot())}\n`;
    assert.equal(parseCheckpoint(empty).size, 0);
  });

  test('when a checkpoint is malformed, parsing fails with CHECKPOINT_INVALID', () => {
    const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
    const cases: [string, string][] = [
      ['no final newline', spec.slice(0, -1)],
      ['two lines', 'example.com/log\n5\n'],
      ['an empty origin', `\n5\n${root}\n`],
      ['a leading zero', `log\n05\n${root}\n`],
      ['a sign', `log\n+5\n${root}\n`],
      ['a negative size', `log\n-5\n${root}\n`],
      ['hex size', `log\n0x5\n${root}\n`],
      ['a space after the size', `log\n5 \n${root}\n`],
      ['unpadded root', `log\n5\n${root.slice(0, -1)}\n`],
      ['base64url root', `log\n5\n${root.replace('/', '_')}\n`],
      ['a 31-byte root', `log\n5\n${toBase64(new Uint8Array(31))}\n`],
      ['a 33-byte root', `log\n5\n${toBase64(new Uint8Array(33))}\n`],
      ['an empty extension line', `log\n5\n${root}\n\next\n`],
      ['a trailing empty line', `log\n5\n${root}\n\n`],
      ['a CR', `log\r\n5\n${root}\n`],
      ['an empty tree with a root', `log\n0\n${root}\n`],
    ];
    for (const [what, text] of cases) assertFails(() => parseCheckpoint(text), 'CHECKPOINT_INVALID', what);
    assertFails(() => parseCheckpoint(`log\n9007199254740992\n${root}\n`), 'LIMIT_EXCEEDED');
    assertFails(() => parseCheckpoint(`log\n${'9'.repeat(40)}\n${root}\n`), 'LIMIT_EXCEEDED');
    assert.equal(parseCheckpoint(`log\n9007199254740991\n${root}\n`).size, Number.MAX_SAFE_INTEGER);
  });

  test('when a checkpoint is formatted from bad fields, formatting refuses it', () => {
    const rootHash = hashLeaf(utf8('x'));
    assertFails(
      () => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash, extensions: [] }),
      'CHECKPOINT_INVALID',
    );
    assertFails(
      () => formatCheckpoint({ origin: '', size: 1, rootHash, extensions: [] }),
      'CHECKPOINT_INVALID',
    );
    assertFails(
      () => formatCheckpoint({ origin: 'a', size: -1, rootHash, extensions: [] }),
      'CHECKPOINT_INVALID',
    );
    assertFails(
      () => formatCheckpoint({ origin: 'a', size: 1, rootHash, extensions: [''] }),
      'CHECKPOINT_INVALID',
    );
    assertFails(
      () => formatCheckpoint({ origin: 'a', size: 1, rootHash: rootHash.slice(1), extensions: [] }),
      'CHECKPOINT_INVALID',
    );
  });

  test('when a checkpoint is signed by a log and opened, the signed text is the formatted checkpoint', () => {
    const secret = new Uint8Array(32).fill(4);
    const pub = ed25519.getPublicKey(secret);
    const text = formatCheckpoint({
      origin: 'fleetproof.example/log',
      size: 3,
      rootHash: hashLeaf(utf8('r')),
      extensions: [],
    });
    const note = signNote(text, [
      ed25519NoteSigner('fleetproof.example/log', pub, (m) => ed25519.sign(m, secret)),
    ]);
    const opened = openCheckpoint(
      note,
      [ed25519NoteVerifier(formatVerifierKey('fleetproof.example/log', pub))],
      {
        origin: 'fleetproof.example/log',
      },
    );
    assert.equal(opened.checkpoint.size, 3);
    // The text is checked only after the signature: a signed non-checkpoint is CHECKPOINT_INVALID, an unsigned one
    // never gets that far.
    const notCp = signNote('hello\n', [
      ed25519NoteSigner('fleetproof.example/log', pub, (m) => ed25519.sign(m, secret)),
    ]);
    assertFails(
      () => openCheckpoint(notCp, [ed25519NoteVerifier(formatVerifierKey('fleetproof.example/log', pub))]),
      'CHECKPOINT_INVALID',
    );
    assertFails(() => openCheckpoint(notCp, []), 'UNKNOWN_KEY');
  });
});
