/**
 * Byte encodings, strict and browser-safe (no Buffer). Every decoder names the field it decodes so that its
 * error can say which one was malformed.
 */
import { VerificationError } from './errors.ts';

const HEX = '0123456789abcdef';
/** The value of each lowercase hex digit by character code below 128; 255 for every other character. */
const HEX_VALUE = new Uint8Array(128).fill(255);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX.charCodeAt(i)] = i;

const HEX_CHAR = Uint8Array.from(HEX, (c) => c.charCodeAt(0));
const ascii = new TextDecoder();

/**
 * Lowercase hex, as one flat string: the digits are written as ASCII bytes and decoded once. (A `+=` loop is as
 * fast but leaves a rope with a node per byte, about 32 bytes each, for as long as the string lives, and hex
 * strings live long here: memo keys, key ids, the model.)
 */
export function toHex(bytes: Uint8Array): string {
  const out = new Uint8Array(bytes.length * 2);
  for (let i = 0, j = 0; i < bytes.length; i++, j += 2) {
    out[j] = HEX_CHAR[bytes[i]! >> 4]!;
    out[j + 1] = HEX_CHAR[bytes[i]! & 15]!;
  }
  return ascii.decode(out);
}

/**
 * The unsigned big-endian integer that `bytes` encode (0n for none). Four bytes per BigInt step: a step per byte
 * allocates a BigInt per byte, and key and signature checks convert thousands of 32-byte values per run.
 */
export function bigIntFromBytes(bytes: Uint8Array): bigint {
  const head = bytes.length % 4;
  let x = 0;
  for (let i = 0; i < head; i++) x = x * 256 + bytes[i]!;
  let n = BigInt(x);
  for (let i = head; i < bytes.length; i += 4) {
    const word = (bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!;
    n = (n << 32n) | BigInt(word >>> 0);
  }
  return n;
}

const hexInvalid = (where: { file?: string; path?: string }, why: string) =>
  new VerificationError('HEX_INVALID', `expected lowercase hex of even length: ${why}`, where);

/** Lowercase hex of even length, optionally of an exact decoded length. */
export function fromHex(
  s: string,
  where: { file?: string; path?: string } = {},
  length?: number,
): Uint8Array {
  if (typeof s !== 'string') throw hexInvalid(where, `got ${s === null ? 'null' : typeof s}`);
  if (s.length % 2 !== 0) throw hexInvalid(where, `odd length (${s.length} characters)`);
  // Each digit is checked as it is decoded (one pass, where a /^[0-9a-f]*$/ test first was a second): a character
  // outside 0-9a-f has no value below 16 (255 in HEX_VALUE, or a code of 128 or more, read as undefined).
  const out = new Uint8Array(s.length / 2);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) {
    const hi = HEX_VALUE[s.charCodeAt(j)] ?? 255;
    const lo = HEX_VALUE[s.charCodeAt(j + 1)] ?? 255;
    if ((hi | lo) > 15) {
      const at = hi > 15 ? j : j + 1;
      throw hexInvalid(where, `${JSON.stringify(s[at])} at character ${at + 1}`);
    }
    out[i] = (hi << 4) | lo;
  }
  if (length !== undefined && out.length !== length) {
    throw new VerificationError('LENGTH_INVALID', `expected ${length} bytes, got ${out.length}`, where);
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Base64 with padding, as one flat string (see toHex). */
export function toBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    parts.push(B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    parts.push(B64[n >> 18]! + B64[(n >> 12) & 63]! + '==');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    parts.push(B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=');
  }
  return parts.join('');
}

/** The value of a base64 character, -1 for any other (by character code, below 128). */
const sextet = (c: number) => (c < 128 ? B64_INDEX[c]! : -1);

/**
 * The groups of four characters of s before `end` (a multiple of four) into out, three bytes each; false at the first
 * character outside the alphabet. A function of its own: V8 optimizes this loop once and keeps it when fromBase64
 * itself is deoptimized (as it is the first time it meets padding), instead of running it in the interpreter until
 * fromBase64 is hot again, which cost a thread up to 150 ms at --scale 20 (in about one run of three).
 */
function decodeGroups(s: string, end: number, out: Uint8Array): boolean {
  let o = 0;
  for (let i = 0; i < end; i += 4) {
    // A -1 anywhere makes the group negative.
    const x =
      (sextet(s.charCodeAt(i)) << 18) |
      (sextet(s.charCodeAt(i + 1)) << 12) |
      (sextet(s.charCodeAt(i + 2)) << 6) |
      sextet(s.charCodeAt(i + 3));
    if (x < 0) return false;
    out[o++] = x >> 16;
    out[o++] = (x >> 8) & 255;
    out[o++] = x & 255;
  }
  return true;
}

/**
 * Standard base64 (RFC 4648 §4) with padding, canonical: re-encoding gives the same string (the unused bits of the
 * last character are zero, §3.5). One pass over the characters, four at a time: any character outside the
 * alphabet, `=` anywhere but the last one or two places, or a length that is not a multiple of four fails.
 */
export function fromBase64(
  s: string,
  where: { file?: string; path?: string } = {},
  length?: number,
): Uint8Array {
  const bad = () =>
    new VerificationError('BASE64_INVALID', 'expected canonical padded base64 (RFC 4648 §4)', where);
  if (typeof s !== 'string' || s.length % 4 !== 0) throw bad();
  const n = s.length;
  const pad = n > 0 && s.charCodeAt(n - 1) === 61 ? (s.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
  const out = new Uint8Array((n / 4) * 3 - pad);
  const full = pad ? n - 4 : n;
  if (!decodeGroups(s, full, out)) throw bad();
  let o = (full / 4) * 3;
  if (pad) {
    const a = sextet(s.charCodeAt(full));
    const b = sextet(s.charCodeAt(full + 1));
    const c = pad === 1 ? sextet(s.charCodeAt(full + 2)) : 0;
    // Canonical: the bits of the last character that carry no data are zero.
    if (a < 0 || b < 0 || c < 0 || (pad === 2 ? b & 0x0f : c & 0x03) !== 0) throw bad();
    out[o++] = (a << 2) | (b >> 4);
    if (pad === 1) out[o++] = ((b & 15) << 4) | (c >> 2);
  }
  if (length !== undefined && out.length !== length) {
    throw new VerificationError('LENGTH_INVALID', `expected ${length} bytes, got ${out.length}`, where);
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Strict UTF-8 decoding: invalid sequences are an error, a byte-order mark is kept (and then rejected by JSON). */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
