/**
 * A small, strict DER reader (ITU-T X.690 §10) and the few DER writers the adapters need. Strict means: single-byte
 * tags only (no high tag numbers), definite lengths in their shortest form, no trailing bytes, INTEGERs and OIDs in
 * minimal form, BOOLEAN as 0x00 or 0xFF, BIT STRINGs with zero padding bits. Every failure is a VerificationError
 * with the code the caller chose (CERTIFICATE_INVALID for certificates, VENDOR_FORMAT_INVALID elsewhere).
 */
import { VerificationError, type ErrorCode } from '../errors.ts';
import { bigIntFromBytes, concatBytes } from '../encoding.ts';

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tags: [n] constructed is 0xa0 | n, [n] primitive is 0x80 | n. */
export const ctx = (n: number, constructed = true): number => (constructed ? 0xa0 : 0x80) | n;

/** Where a DER error is reported: the code, the file and a description of the place. */
export interface DerContext {
  code: ErrorCode;
  file?: string;
  path?: string;
}

export function derError(c: DerContext, message: string): VerificationError {
  return new VerificationError(c.code, message, { file: c.file, path: c.path });
}

/** One TLV: its tag byte, its content and the whole encoding (header included). */
export interface Tlv {
  tag: number;
  content: Uint8Array;
  raw: Uint8Array;
}

/** Longest long-form length accepted, in bytes (lengths up to 4 GiB; every length is also checked against the data). */
const MAX_LENGTH_BYTES = 4;

/** Reads one TLV at `offset`; returns it and the offset just past it. */
export function readTlv(bytes: Uint8Array, offset: number, c: DerContext): { tlv: Tlv; next: number } {
  const start = offset;
  if (offset >= bytes.length) throw derError(c, 'DER: unexpected end of data, expected a tag');
  const tag = bytes[offset++]!;
  if ((tag & 0x1f) === 0x1f)
    throw derError(c, `DER: high tag numbers are not supported (tag 0x${tag.toString(16)})`);
  if (offset >= bytes.length) throw derError(c, 'DER: unexpected end of data, expected a length');
  const first = bytes[offset++]!;
  let length: number;
  if (first < 0x80) length = first;
  else if (first === 0x80) throw derError(c, 'DER: indefinite lengths are not allowed');
  else {
    const n = first & 0x7f;
    if (n > MAX_LENGTH_BYTES) throw derError(c, `DER: a ${n}-byte length is too long`);
    if (offset + n > bytes.length) throw derError(c, 'DER: unexpected end of data inside a length');
    if (bytes[offset] === 0) throw derError(c, 'DER: a length has a leading zero byte (not minimal)');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[offset++]!;
    if (length < 0x80) throw derError(c, 'DER: a length below 128 must use the short form');
  }
  if (length > bytes.length - offset)
    throw derError(c, `DER: a length of ${length} runs past the end of the data`);
  const end = offset + length;
  return {
    tlv: { tag, content: bytes.subarray(offset, end), raw: bytes.subarray(start, end) },
    next: end,
  };
}

/** Parses exactly one TLV that spans all of `bytes`. */
export function parseDer(bytes: Uint8Array, c: DerContext): Tlv {
  const { tlv, next } = readTlv(bytes, 0, c);
  if (next !== bytes.length) throw derError(c, `DER: ${bytes.length - next} trailing bytes after the value`);
  return tlv;
}

/** Reads the children of a constructed value in order. */
export class DerReader {
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    readonly c: DerContext,
  ) {}

  static of(tlv: Tlv, tag: number, c: DerContext, what: string): DerReader {
    expectTag(tlv, tag, c, what);
    return new DerReader(tlv.content, c);
  }

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  peekTag(): number | undefined {
    return this.done ? undefined : this.bytes[this.offset];
  }

  next(what: string): Tlv {
    if (this.done) throw derError(this.c, `DER: ${what} is missing`);
    const { tlv, next } = readTlv(this.bytes, this.offset, this.c);
    this.offset = next;
    return tlv;
  }

  /** The next child if it has this tag, else undefined (an OPTIONAL or DEFAULT field). */
  optional(tag: number): Tlv | undefined {
    return this.peekTag() === tag ? this.next('optional field') : undefined;
  }

  expect(tag: number, what: string): Tlv {
    const t = this.next(what);
    expectTag(t, tag, this.c, what);
    return t;
  }

  end(what: string): void {
    if (!this.done) throw derError(this.c, `DER: unexpected extra data at the end of ${what}`);
  }
}

export function expectTag(tlv: Tlv, tag: number, c: DerContext, what: string): void {
  if (tlv.tag !== tag)
    throw derError(c, `DER: ${what} has tag 0x${tlv.tag.toString(16)}, expected 0x${tag.toString(16)}`);
}

/** An INTEGER in minimal two's-complement form, as a bigint. */
export function readInteger(tlv: Tlv, c: DerContext, what: string): bigint {
  expectTag(tlv, TAG.INTEGER, c, what);
  const b = tlv.content;
  if (b.length === 0) throw derError(c, `DER: ${what} is an empty INTEGER`);
  if (b.length > 1 && ((b[0] === 0 && b[1]! < 0x80) || (b[0] === 0xff && b[1]! >= 0x80)))
    throw derError(c, `DER: ${what} is an INTEGER with a redundant leading byte`);
  let n = bigIntFromBytes(b);
  if (b[0]! >= 0x80) n -= 1n << BigInt(8 * b.length);
  return n;
}

/** A non-negative INTEGER's magnitude bytes, without the sign byte (RSA modulus and exponent). */
export function readUnsignedIntegerBytes(tlv: Tlv, c: DerContext, what: string): Uint8Array {
  const n = readInteger(tlv, c, what);
  if (n < 0n) throw derError(c, `DER: ${what} is negative`);
  const b = tlv.content;
  return b[0] === 0 && b.length > 1 ? b.subarray(1) : b;
}

export function readBoolean(tlv: Tlv, c: DerContext, what: string): boolean {
  expectTag(tlv, TAG.BOOLEAN, c, what);
  if (tlv.content.length !== 1 || (tlv.content[0] !== 0 && tlv.content[0] !== 0xff))
    throw derError(c, `DER: ${what} is not a DER BOOLEAN (0x00 or 0xff)`);
  return tlv.content[0] === 0xff;
}

export function readNull(tlv: Tlv, c: DerContext, what: string): void {
  expectTag(tlv, TAG.NULL, c, what);
  if (tlv.content.length !== 0) throw derError(c, `DER: ${what} is a NULL with content`);
}

/** An OBJECT IDENTIFIER in dotted form; subidentifiers must be minimal (no leading 0x80). */
export function readOid(tlv: Tlv, c: DerContext, what: string): string {
  expectTag(tlv, TAG.OID, c, what);
  const b = tlv.content;
  if (b.length === 0 || b.length > 64) throw derError(c, `DER: ${what} is not a valid OID`);
  const arcs: bigint[] = [];
  let v = 0n;
  let fresh = true;
  for (let i = 0; i < b.length; i++) {
    const x = b[i]!;
    if (fresh && x === 0x80) throw derError(c, `DER: ${what} has a non-minimal OID arc`);
    v = (v << 7n) | BigInt(x & 0x7f);
    fresh = false;
    if ((x & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
      fresh = true;
    }
  }
  if (!fresh) throw derError(c, `DER: ${what} ends inside an OID arc`);
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** A BIT STRING: its bytes and the number of unused bits in the last byte (which must be zero bits). */
export function readBitString(
  tlv: Tlv,
  c: DerContext,
  what: string,
): { bytes: Uint8Array; unusedBits: number } {
  expectTag(tlv, TAG.BIT_STRING, c, what);
  const b = tlv.content;
  if (b.length === 0) throw derError(c, `DER: ${what} is an empty BIT STRING`);
  const unused = b[0]!;
  if (unused > 7 || (b.length === 1 && unused !== 0))
    throw derError(c, `DER: ${what} has an invalid unused-bits count`);
  if (unused > 0 && (b[b.length - 1]! & ((1 << unused) - 1)) !== 0)
    throw derError(c, `DER: ${what} has non-zero padding bits`);
  return { bytes: b.subarray(1), unusedBits: unused };
}

/** A BIT STRING that must hold whole bytes (keys and signatures). */
export function readOctetAlignedBitString(tlv: Tlv, c: DerContext, what: string): Uint8Array {
  const { bytes, unusedBits } = readBitString(tlv, c, what);
  if (unusedBits !== 0) throw derError(c, `DER: ${what} is not a whole number of bytes`);
  return bytes;
}

export function readOctetString(tlv: Tlv, c: DerContext, what: string): Uint8Array {
  expectTag(tlv, TAG.OCTET_STRING, c, what);
  return tlv.content;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A character string of the kinds X.509 names use, decoded to text. */
export function readString(tlv: Tlv, c: DerContext, what: string): string {
  const b = tlv.content;
  switch (tlv.tag) {
    case TAG.UTF8_STRING:
      try {
        return utf8.decode(b);
      } catch {
        throw derError(c, `DER: ${what} is not valid UTF-8`);
      }
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
      for (const x of b) if (x > 0x7f) throw derError(c, `DER: ${what} has a non-ASCII byte`);
      return String.fromCharCode(...b);
    case TAG.TELETEX_STRING:
      return String.fromCharCode(...b); // read as Latin-1, as most software does
    case TAG.BMP_STRING: {
      if (b.length % 2 !== 0) throw derError(c, `DER: ${what} is a BMPString of odd length`);
      let s = '';
      for (let i = 0; i < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return s;
    }
    case TAG.UNIVERSAL_STRING: {
      if (b.length % 4 !== 0) throw derError(c, `DER: ${what} is a UniversalString of bad length`);
      let s = '';
      for (let i = 0; i < b.length; i += 4) {
        const cp = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
        if (cp > 0x10ffff) throw derError(c, `DER: ${what} has an invalid code point`);
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      throw derError(c, `DER: ${what} has tag 0x${tlv.tag.toString(16)}, not a string type`);
  }
}

/**
 * UTCTime (YYMMDDHHMMSSZ; years 50–99 are 19xx, RFC 5280 §4.1.2.5.1) or GeneralizedTime (YYYYMMDDHHMMSSZ, no
 * fraction, §4.1.2.5.2), as an ISO time "YYYY-MM-DDTHH:MM:SSZ".
 */
export function readTime(tlv: Tlv, c: DerContext, what: string): string {
  const s = String.fromCharCode(...tlv.content);
  let m: RegExpMatchArray | null;
  let year: string;
  if (tlv.tag === TAG.UTC_TIME) {
    m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/);
    if (!m) throw derError(c, `DER: ${what} is not a UTCTime YYMMDDHHMMSSZ`);
    const yy = Number(m[1]);
    year = String(yy >= 50 ? 1900 + yy : 2000 + yy);
  } else if (tlv.tag === TAG.GENERALIZED_TIME) {
    m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/);
    if (!m) throw derError(c, `DER: ${what} is not a GeneralizedTime YYYYMMDDHHMMSSZ`);
    year = m[1]!;
  } else throw derError(c, `DER: ${what} is not a time (tag 0x${tlv.tag.toString(16)})`);
  const iso = `${year}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
  const t = Date.parse(iso);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 19) + 'Z' !== iso)
    throw derError(c, `DER: ${what} is not a real date and time (${s})`);
  return iso;
}

// ---- Writers (DER), for the public keys the adapters rebuild as SubjectPublicKeyInfo ----

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Uint8Array.of(0x80 | out.length, ...out);
}

export function derTlv(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), encodeLength(content.length), content);
}

export const derSequence = (...parts: Uint8Array[]): Uint8Array =>
  derTlv(TAG.SEQUENCE, concatBytes(...parts));
export const derNull = (): Uint8Array => Uint8Array.of(TAG.NULL, 0);
export const derBitString = (bytes: Uint8Array): Uint8Array =>
  derTlv(TAG.BIT_STRING, concatBytes(Uint8Array.of(0), bytes));

/** A non-negative INTEGER from big-endian magnitude bytes (leading zeros dropped, a sign byte added if needed). */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  const body = m.length === 0 ? Uint8Array.of(0) : m[0]! >= 0x80 ? concatBytes(Uint8Array.of(0), m) : m;
  return derTlv(TAG.INTEGER, body);
}

export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((x) => BigInt(x));
  const out: number[] = [];
  const push = (v: bigint) => {
    const groups: number[] = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return derTlv(TAG.OID, Uint8Array.from(out));
}
