/**
 * C2SP tlog-cosignature, Ed25519 type (../shared/specs/c2sp/tlog-cosignature.md): a witness's note signature on
 * a checkpoint, key ID SHA-256(name || "\n" || 0x04 || key)[:4], signature bytes
 * `timestamped_signature` = u64 big-endian POSIX time || Ed25519 signature (64), over
 * "cosignature/v1\ntime <t>\n" followed by the whole checkpoint text. (The ML-DSA-44 type, 0x06, is not supported.)
 */
import { verifyEd25519Strict } from '../crypto/ed25519.ts';
import { concatBytes, utf8 } from '../encoding.ts';
import { VerificationError } from '../errors.ts';
import { parseCheckpoint, type Checkpoint } from './checkpoint.ts';
import {
  COSIGNATURE_V1_TYPE,
  formatVerifierKey,
  parseNote,
  parseVerifierKey,
  type NoteSigner,
  type NoteVerifier,
  type VerifierKey,
} from './note.ts';

type Where = { file?: string; path?: string };

/** 8-byte timestamp and 64-byte Ed25519 signature, after the key ID. */
export const COSIGNATURE_V1_LENGTH = 72;

/** tlog-cosignature, "Format": the timestamp "MUST NOT exceed 2^63 - 1". */
const MAX_TIMESTAMP = 2n ** 63n - 1n;

const fail = (why: string, where: Where = {}) => new VerificationError('COSIGNATURE_INVALID', why, where);

export interface Cosignature {
  /** The witness's key name and key ID. */
  name: string;
  keyId: number;
  /** POSIX seconds at which the witness signed. */
  timestamp: number;
  signature: Uint8Array;
}

/**
 * The signed message (tlog-cosignature, "Ed25519 signed message"): "cosignature/v1", "time <t>" with t in
 * decimal without leading zeroes, each ending in a newline, then the note text with its final newline.
 */
export function cosignatureMessage(text: string | Uint8Array, timestamp: number | bigint): Uint8Array {
  if (typeof timestamp === 'number') {
    checkTimestamp(timestamp);
  } else if (timestamp < 0n || timestamp > MAX_TIMESTAMP) {
    throw fail(`the timestamp ${timestamp} is not from 0 to 2^63 - 1`);
  }
  const body = typeof text === 'string' ? utf8(text) : text;
  return concatBytes(utf8(`cosignature/v1\ntime ${timestamp}\n`), body);
}

function checkTimestamp(t: number, where: Where = {}): void {
  if (!Number.isInteger(t) || t < 0) throw fail(`the timestamp ${t} is not a non-negative integer`, where);
  // The spec allows up to 2^63 - 1; numbers here are exact only to 2^53 - 1 (the year 285 million).
  if (!Number.isSafeInteger(t)) {
    throw new VerificationError('LIMIT_EXCEEDED', `the timestamp ${t} is over 2^53 - 1`, where);
  }
}

/**
 * Splits the signature bytes after the key ID into the u64 timestamp (a bigint: the whole u64 range is signed
 * over, so a verifier must rebuild its exact decimal) and the Ed25519 signature.
 */
export function parseTimestampedSignature(
  sig: Uint8Array,
  where: Where = {},
): { timestamp: bigint; signature: Uint8Array } {
  if (sig.length !== COSIGNATURE_V1_LENGTH) {
    throw fail(
      `a cosignature/v1 has ${COSIGNATURE_V1_LENGTH} bytes after its key ID, not ${sig.length}`,
      where,
    );
  }
  let timestamp = 0n;
  for (let i = 0; i < 8; i++) timestamp = (timestamp << 8n) | BigInt(sig[i]!);
  if (timestamp > MAX_TIMESTAMP) throw fail('the cosignature timestamp is over 2^63 - 1', where);
  return { timestamp, signature: sig.slice(8) };
}

/** A verified timestamp as a number: one past 2^53 - 1 cannot be held exactly (LIMIT_EXCEEDED). */
function timestampNumber(t: bigint, where: Where): number {
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new VerificationError('LIMIT_EXCEEDED', `the cosignature timestamp ${t} is over 2^53 - 1`, where);
  }
  return Number(t);
}

function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8);
  let v = BigInt(n);
  for (let i = 7; i >= 0; i--, v >>= 8n) out[i] = Number(v & 255n);
  return out;
}

function cosignerKey(key: VerifierKey | string): VerifierKey {
  const k = typeof key === 'string' ? parseVerifierKey(key) : key;
  if (k.type !== COSIGNATURE_V1_TYPE) {
    throw new VerificationError(
      'VERIFIER_KEY_INVALID',
      `${k.name}: a cosigner key has type 0x04, not 0x${k.type.toString(16).padStart(2, '0')}`,
    );
  }
  return k;
}

/** A NoteVerifier for a cosigner's key (type 0x04), for use with verifyNote. */
export function cosignatureNoteVerifier(key: VerifierKey | string): NoteVerifier {
  const k = cosignerKey(key);
  return {
    name: k.name,
    keyId: k.keyId,
    type: k.type,
    verify: (text, sig) => {
      try {
        const { timestamp, signature } = parseTimestampedSignature(sig);
        return verifyEd25519Strict(signature, cosignatureMessage(text, timestamp), k.publicKey);
      } catch {
        return false;
      }
    },
  };
}

/**
 * A witness's signer: signs the cosignature/v1 message at `timestamp` with the callback, and checks the result
 * verifies under `publicKey` (COSIGNATURE_INVALID otherwise) before it goes into a note.
 */
export function cosignatureSigner(
  name: string,
  publicKey: Uint8Array,
  timestamp: number,
  sign: (message: Uint8Array) => Uint8Array,
): NoteSigner {
  const k = parseVerifierKey(formatVerifierKey(name, publicKey, COSIGNATURE_V1_TYPE));
  checkTimestamp(timestamp);
  return {
    name: k.name,
    keyId: k.keyId,
    sign: (text) => {
      const message = cosignatureMessage(text, timestamp);
      const sig = sign(message);
      if (
        !(sig instanceof Uint8Array) ||
        sig.length !== 64 ||
        !verifyEd25519Strict(sig, message, k.publicKey)
      ) {
        throw fail(`the signer of ${name} returned a signature that does not verify under its public key`);
      }
      return concatBytes(u64be(timestamp), sig);
    },
  };
}

export interface CosignatureOptions {
  /** Fewest distinct witnesses whose cosignature must verify (default 0: report what verifies). */
  quorum?: number;
  /** Latest acceptable timestamp, POSIX seconds ("verifiers MAY reject cosignatures with timestamps in the future"). */
  notAfter?: number;
  where?: Where;
}

/**
 * Verifies the witnesses' cosignatures on a checkpoint note. The note text must be a checkpoint; the log's own
 * signature is checked separately (openCheckpoint). Lines by other keys, and by known names under another key ID
 * (an RFC 6962 or ML-DSA signature of the same witness), are ignored (signed-note, "Signatures"). Every line by a
 * known witness must verify (COSIGNATURE_INVALID otherwise), and at least `quorum` witnesses must have signed.
 */
export function verifyCosignatures(
  note: string | Uint8Array,
  witnesses: readonly (VerifierKey | string)[],
  opts: CosignatureOptions = {},
): { checkpoint: Checkpoint; cosignatures: Cosignature[] } {
  const where = opts.where ?? {};
  const keys = new Map<string, VerifierKey>();
  for (const w of witnesses) {
    const k = cosignerKey(w);
    const id = `${k.name}+${k.keyId}`;
    if (keys.has(id)) {
      throw new VerificationError('VERIFIER_KEY_INVALID', `the witness ${k.name} is listed twice`, where);
    }
    keys.set(id, k);
  }
  const parsed = parseNote(note, where);
  const checkpoint = parseCheckpoint(parsed.text, where);
  const text = utf8(parsed.text);
  const cosignatures: Cosignature[] = [];
  for (const s of parsed.signatures) {
    const k = keys.get(`${s.name}+${s.keyId}`);
    if (!k) continue;
    const ts = parseTimestampedSignature(s.signature, where);
    if (!verifyEd25519Strict(ts.signature, cosignatureMessage(text, ts.timestamp), k.publicKey)) {
      throw fail(`the cosignature of ${s.name} (time ${ts.timestamp}) does not verify`, where);
    }
    const timestamp = timestampNumber(ts.timestamp, where);
    const signature = ts.signature;
    if (opts.notAfter !== undefined && timestamp > opts.notAfter) {
      throw fail(`the cosignature of ${s.name} is dated ${timestamp}, after ${opts.notAfter}`, where);
    }
    cosignatures.push({ name: s.name, keyId: s.keyId, timestamp, signature });
  }
  const distinct = new Set(cosignatures.map((c) => `${c.name}+${c.keyId}`)).size;
  const quorum = opts.quorum ?? 0;
  if (distinct < quorum)
    throw fail(`${distinct} of the ${quorum} witnesses required cosigned the checkpoint`, where);
  return { checkpoint, cosignatures };
}
