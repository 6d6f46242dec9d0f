/**
 * C2SP signed notes (../shared/specs/c2sp/signed-note.md): a UTF-8 text ending in a newline, a blank line, and
 * one or more signature lines `— <key name> base64(key ID || signature)`; verifier keys
 * `<name>+<hex key ID>+base64(type || public key)`.
 *
 * The core never holds a private key: signing takes a callback `(message) => signature` (an HSM, a KMS, a test's
 * key), and checks what it returns before writing it into a note.
 */
import { isValidEd25519PublicKey, verifyEd25519Strict } from '../crypto/ed25519.ts';
import { sha256 } from '../crypto/sha256.ts';
import { concatBytes, fromBase64, fromUtf8, toBase64, toHex, utf8 } from '../encoding.ts';
import { VerificationError } from '../errors.ts';
import { TLOG_LIMITS } from './limits.ts';

type Where = { file?: string; path?: string };

/** signed-note, "Signature types": 0x01 Ed25519 over the note text. */
export const ED25519_TYPE = 0x01;
/** tlog-cosignature: 0x04, timestamped Ed25519 checkpoint cosignatures (cosignature.ts). */
export const COSIGNATURE_V1_TYPE = 0x04;

/** One signature line of a note: the key name, the 32-bit key ID, and the signature bytes after the key ID. */
export interface NoteSignature {
  name: string;
  keyId: number;
  signature: Uint8Array;
  /** The line as written, without its newline. */
  line: string;
}

export interface Note {
  /** The note text: every line before the blank line, with the final newline (signed-note, "Format"). */
  text: string;
  signatures: NoteSignature[];
}

/** A verifier key (signed-note, "Verifier keys"), parsed and checked. */
export interface VerifierKey {
  name: string;
  keyId: number;
  type: number;
  publicKey: Uint8Array;
}

/** Verifies one signature type over a note text; `signature` is the bytes after the key ID. */
export interface NoteVerifier {
  name: string;
  keyId: number;
  type: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** Produces a note signature (the bytes after the key ID) over the note text. */
export interface NoteSigner {
  name: string;
  keyId: number;
  sign(text: Uint8Array): Uint8Array;
}

export interface VerifiedNote extends Note {
  /** Signatures by known keys, each verified. */
  verified: { signature: NoteSignature; verifier: NoteVerifier }[];
  /** Signatures by keys the caller does not know: ignored, as signed-note ("Signatures") requires. */
  ignored: NoteSignature[];
}

const noteFail = (why: string, where: Where) => new VerificationError('NOTE_INVALID', why, where);
const keyFail = (why: string, where: Where) => new VerificationError('VERIFIER_KEY_INVALID', why, where);

const SIG_PREFIX = '\u2014 '; // em dash, space
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SPACE = /\p{White_Space}/u;

/** The index of the first control character other than newline (below U+0020), or -1. */
export function controlCharIndex(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return i;
  }
  return -1;
}

/**
 * signed-note, "Format": "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus (U+002B)
 * characters." Control characters are refused too: no note line may hold one.
 */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !SPACE.test(name) &&
    !name.includes('+') &&
    controlCharIndex(name) < 0
  );
}

/**
 * signed-note, "Signatures" (RECOMMENDED, and what every Ed25519 key uses):
 * key ID = SHA-256(key name || 0x0A || signature type || public key)[:4], as a big-endian uint32.
 */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const h = sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

const u32be = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
const hex32 = (n: number) => toHex(u32be(n));
const typeHex = (t: number) => `0x${t.toString(16).padStart(2, '0')}`;

function utf8Length(s: string): number {
  return utf8(s).length;
}

/** Checks a string against the note rules that are not about its structure: size, UTF-8, control characters. */
function checkNoteChars(s: string, what: string, where: Where): void {
  if (LONE_SURROGATE.test(s)) throw noteFail(`${what} is not valid UTF-8 (a lone surrogate)`, where);
  // signed-note, "Format": "MUST NOT contain any ASCII control characters (those below U+0020) other than newline".
  const c = controlCharIndex(s);
  if (c >= 0) {
    const code = s.charCodeAt(c).toString(16).padStart(4, '0');
    throw noteFail(`${what} contains the control character U+${code}`, where);
  }
}

/**
 * Parses a signed note without verifying it: text, blank line, signature lines. Throws NOTE_INVALID (not UTF-8,
 * a control character, no blank line, a malformed signature line) or LIMIT_EXCEEDED (note size, signature count,
 * line length; see TLOG_LIMITS).
 */
export function parseNote(input: string | Uint8Array, where: Where = {}): Note {
  let s: string;
  if (input instanceof Uint8Array) {
    if (input.length > TLOG_LIMITS.maxNoteBytes) {
      throw new VerificationError(
        'LIMIT_EXCEEDED',
        `the note has ${input.length} bytes; the limit is ${TLOG_LIMITS.maxNoteBytes}`,
        where,
      );
    }
    try {
      s = fromUtf8(input);
    } catch {
      throw noteFail('the note is not valid UTF-8', where);
    }
  } else if (typeof input === 'string') {
    // A UTF-16 string is at most 3 UTF-8 bytes per unit: measure exactly only when it could be over.
    if (input.length * 3 > TLOG_LIMITS.maxNoteBytes && utf8Length(input) > TLOG_LIMITS.maxNoteBytes) {
      throw new VerificationError(
        'LIMIT_EXCEEDED',
        `the note is over ${TLOG_LIMITS.maxNoteBytes} bytes`,
        where,
      );
    }
    s = input;
  } else {
    throw noteFail('a note is text', where);
  }
  checkNoteChars(s, 'the note', where);
  if (!s.endsWith('\n')) throw noteFail('the note does not end with a newline', where);
  // "the text is separated from the signatures by the last empty line in the note".
  const blank = s.lastIndexOf('\n\n');
  if (blank < 0) throw noteFail('the note has no blank line before its signatures', where);
  const text = s.slice(0, blank + 1);
  const block = s.slice(blank + 2);
  if (block === '') throw noteFail('the note has no signature line', where);
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > TLOG_LIMITS.maxNoteSignatures) {
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `the note has ${lines.length} signature lines; the limit is ${TLOG_LIMITS.maxNoteSignatures}`,
      where,
    );
  }
  const signatures = lines.map((line, i) => parseSignatureLine(line, i + 1, where));
  return { text, signatures };
}

/** `— <key name> base64(32-bit key ID || signature)`. */
function parseSignatureLine(line: string, n: number, where: Where): NoteSignature {
  if (
    line.length > TLOG_LIMITS.maxSignatureLineBytes ||
    utf8Length(line) > TLOG_LIMITS.maxSignatureLineBytes
  ) {
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `signature line ${n} is over ${TLOG_LIMITS.maxSignatureLineBytes} bytes`,
      where,
    );
  }
  if (!line.startsWith(SIG_PREFIX)) throw noteFail(`signature line ${n} does not start with "— "`, where);
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw noteFail(`signature line ${n} has no space between key name and signature`, where);
  const name = rest.slice(0, space);
  const b64 = rest.slice(space + 1);
  if (!isValidKeyName(name)) throw noteFail(`signature line ${n} has an invalid key name`, where);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(b64);
  } catch {
    throw noteFail(`signature line ${n} is not canonical base64 (RFC 4648 §4)`, where);
  }
  // "Signatures are the base64 encoding of 4+n bytes": a key ID and a non-empty signature.
  if (bytes.length < 5) throw noteFail(`signature line ${n} is shorter than a key ID and a signature`, where);
  const keyId = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  return { name, keyId, signature: bytes.slice(4), line };
}

/**
 * Parses a verifier key `<name>+<hex key ID>+base64(type || public key)`. Only the types this core verifies are
 * accepted: 0x01 (Ed25519) and 0x04 (Ed25519 cosignature/v1); any other (0x02 ECDSA, 0x05 RFC 6962, 0x06 ML-DSA)
 * is VERIFIER_KEY_INVALID "unsupported", as the spec allows ("implementations SHOULD select only the one(s)
 * required for their design"). The key ID must be the one computed from name, type and key; an Ed25519 key that
 * is not a valid, non-small-order point is KEY_INVALID.
 */
export function parseVerifierKey(vkey: string, where: Where = {}): VerifierKey {
  if (typeof vkey !== 'string') throw keyFail('a verifier key is a string', where);
  if (vkey.length > TLOG_LIMITS.maxVerifierKeyBytes) {
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `the verifier key is over ${TLOG_LIMITS.maxVerifierKeyBytes} bytes`,
      where,
    );
  }
  // The name holds no '+'; the base64 may: split at the first two.
  const p1 = vkey.indexOf('+');
  const p2 = p1 < 0 ? -1 : vkey.indexOf('+', p1 + 1);
  if (p2 < 0) throw keyFail('a verifier key is <name>+<key ID>+<key>', where);
  const name = vkey.slice(0, p1);
  const id = vkey.slice(p1 + 1, p2);
  const b64 = vkey.slice(p2 + 1);
  if (!isValidKeyName(name))
    throw keyFail(`the verifier key name ${JSON.stringify(name)} is not valid`, where);
  // signed-note, "Conventions": hex is "fixed length lowercase".
  if (!/^[0-9a-f]{8}$/.test(id)) throw keyFail('the key ID is not 8 lowercase hex digits', where);
  let key: Uint8Array;
  try {
    key = fromBase64(b64);
  } catch {
    throw keyFail('the key is not canonical base64 (RFC 4648 §4)', where);
  }
  if (key.length < 1) throw keyFail('the key has no signature type byte', where);
  const type = key[0]!;
  const publicKey = key.slice(1);
  if (type !== ED25519_TYPE && type !== COSIGNATURE_V1_TYPE) {
    throw keyFail(`unsupported signature type ${typeHex(type)}`, where);
  }
  if (publicKey.length !== 32) {
    throw keyFail(`an Ed25519 verifier key holds 32 bytes, not ${publicKey.length}`, where);
  }
  if (!isValidEd25519PublicKey(publicKey)) {
    throw new VerificationError('KEY_INVALID', `the key of ${name} is not a valid Ed25519 point`, where);
  }
  const keyId = computeKeyId(name, type, publicKey);
  if (hex32(keyId) !== id) {
    throw keyFail(
      `the key ID ${id} is not SHA-256(name || 0x0A || type || key)[:4] = ${hex32(keyId)}`,
      where,
    );
  }
  return { name, keyId, type, publicKey };
}

/** The verifier key string of an Ed25519 key (type 0x01, or 0x04 for a cosigner). */
export function formatVerifierKey(name: string, publicKey: Uint8Array, type: number = ED25519_TYPE): string {
  if (!isValidKeyName(name)) throw keyFail(`the key name ${JSON.stringify(name)} is not valid`, {});
  if (type !== ED25519_TYPE && type !== COSIGNATURE_V1_TYPE) {
    throw keyFail(`unsupported signature type ${typeHex(type)}`, {});
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32 || !isValidEd25519PublicKey(publicKey)) {
    throw new VerificationError('KEY_INVALID', `the key of ${name} is not a valid Ed25519 public key`);
  }
  const keyId = computeKeyId(name, type, publicKey);
  return `${name}+${hex32(keyId)}+${toBase64(concatBytes(Uint8Array.of(type), publicKey))}`;
}

function asKey(key: VerifierKey | string): VerifierKey {
  return typeof key === 'string' ? parseVerifierKey(key) : key;
}

/** signed-note, "Ed25519 signatures": an Ed25519 signature over the note text (verified strictly). */
export function ed25519NoteVerifier(key: VerifierKey | string): NoteVerifier {
  const k = asKey(key);
  if (k.type !== ED25519_TYPE)
    throw keyFail(`${k.name}: an Ed25519 note key has type 0x01, not ${typeHex(k.type)}`, {});
  return {
    name: k.name,
    keyId: k.keyId,
    type: k.type,
    verify: (text, sig) => sig.length === 64 && verifyEd25519Strict(sig, text, k.publicKey),
  };
}

/**
 * Parses a note and verifies it (signed-note, "Signatures"):
 * - a signature whose key name and key ID do not both match a verifier is ignored ("MUST ignore signatures from
 *   unknown keys, even if they share a name or ID (but not both) with a known key");
 * - every signature by a known key is verified, and one that fails rejects the whole note
 *   (NOTE_SIGNATURE_INVALID: the spec's "SHOULD reject the whole note", taken as a must here);
 * - a note no known key signed is rejected: UNKNOWN_KEY ("If no signature from a known key verifies
 *   successfully, clients MUST reject the note").
 * Two verifiers with the same name and key ID are VERIFIER_KEY_INVALID: a signature would be ambiguous.
 */
export function verifyNote(
  input: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  where: Where = {},
): VerifiedNote {
  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const id = `${v.name}+${hex32(v.keyId)}`;
    if (known.has(id)) throw keyFail(`two verifier keys are named ${id}`, where);
    known.set(id, v);
  }
  const note = parseNote(input, where);
  const text = utf8(note.text);
  const verified: VerifiedNote['verified'] = [];
  const ignored: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const v = known.get(`${sig.name}+${hex32(sig.keyId)}`);
    if (!v) {
      ignored.push(sig);
      continue;
    }
    if (!v.verify(text, sig.signature)) {
      throw new VerificationError(
        'NOTE_SIGNATURE_INVALID',
        `the signature of ${sig.name} (key ID ${hex32(sig.keyId)}) does not verify`,
        where,
      );
    }
    verified.push({ signature: sig, verifier: v });
  }
  if (verified.length === 0) {
    const names = note.signatures.map((s) => `${s.name}+${hex32(s.keyId)}`).join(', ');
    throw new VerificationError(
      'UNKNOWN_KEY',
      `no signature on the note is by a known key (${names})`,
      where,
    );
  }
  return { ...note, verified, ignored };
}

/**
 * A signer for Ed25519 note signatures (type 0x01). `sign` is called with the exact bytes to sign; what it
 * returns must be a 64-byte signature that verifies under `publicKey`, or signing fails with
 * NOTE_SIGNATURE_INVALID (a signer holding the wrong key is caught before its note is published).
 */
export function ed25519NoteSigner(
  name: string,
  publicKey: Uint8Array,
  sign: (message: Uint8Array) => Uint8Array,
): NoteSigner {
  const k = parseVerifierKey(formatVerifierKey(name, publicKey, ED25519_TYPE));
  return {
    name: k.name,
    keyId: k.keyId,
    sign: (text) => {
      const sig = sign(text);
      if (!(sig instanceof Uint8Array) || sig.length !== 64 || !verifyEd25519Strict(sig, text, k.publicKey)) {
        throw new VerificationError(
          'NOTE_SIGNATURE_INVALID',
          `the signer of ${name} returned a signature that does not verify under its public key`,
        );
      }
      return sig;
    },
  };
}

/** `— <name> base64(key ID || signature)` followed by a newline. */
export function formatSignatureLine(name: string, keyId: number, signature: Uint8Array): string {
  if (!isValidKeyName(name)) throw noteFail(`the key name ${JSON.stringify(name)} is not valid`, {});
  return `${SIG_PREFIX}${name} ${toBase64(concatBytes(u32be(keyId >>> 0), signature))}\n`;
}

/** Checks a note text: non-empty, ending in a newline, valid characters. */
function checkText(text: string): void {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw noteFail('a note text is non-empty and ends with a newline', {});
  }
  checkNoteChars(text, 'the note text', {});
}

/**
 * Signs a note text with every signer, in order, and returns the signed note. The result is parsed back before it
 * is returned, so a note this writes is a note parseNote accepts.
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  if (signers.length === 0) throw noteFail('a signed note has at least one signature', {});
  const bytes = utf8(text);
  const note = `${text}\n${signers.map((s) => formatSignatureLine(s.name, s.keyId, s.sign(bytes))).join('')}`;
  parseNote(note);
  return note;
}

/** Adds signatures to a signed note (a witness cosigning a checkpoint): existing lines are kept as they are. */
export function addNoteSignatures(note: string, signers: readonly NoteSigner[]): string {
  const parsed = parseNote(note);
  const bytes = utf8(parsed.text);
  const added = signers.map((s) => formatSignatureLine(s.name, s.keyId, s.sign(bytes))).join('');
  const out = note + added;
  parseNote(out);
  return out;
}
