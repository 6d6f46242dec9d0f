/**
 * A tiny strict CBOR decoder (RFC 8949) for COSE_Sign1 documents: definite lengths only, integers and lengths in
 * their shortest form (§4.2.1 preferred serialization), map keys unique, text valid UTF-8, no floats, no
 * undefined, no trailing bytes, and limits on nesting and item counts checked before anything is allocated.
 * Failures raise VENDOR_FORMAT_INVALID, or LIMIT_EXCEEDED for a limit.
 */
import { VerificationError } from '../errors.ts';
import { concatBytes, utf8 } from '../encoding.ts';

export type CborValue =
  number | bigint | string | boolean | null | Uint8Array | CborValue[] | CborMap | CborTagged;

export class CborMap {
  constructor(readonly entries: [CborValue, CborValue][]) {}
  get(key: string | number): CborValue | undefined {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }
  has(key: string | number): boolean {
    return this.entries.some(([k]) => k === key);
  }
}

export class CborTagged {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

export interface CborLimits {
  maxDepth: number;
  /** Most items (array entries plus map entries) in the whole document. */
  maxItems: number;
}

const DEFAULT_LIMITS: CborLimits = { maxDepth: 16, maxItems: 4096 };
const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes exactly one CBOR data item spanning `bytes`. */
export function decodeCbor(
  bytes: Uint8Array,
  where: { file?: string; path?: string } = {},
  limits: CborLimits = DEFAULT_LIMITS,
): CborValue {
  let pos = 0;
  let items = 0;
  const fail = (msg: string) =>
    new VerificationError('VENDOR_FORMAT_INVALID', `CBOR: ${msg} at byte ${pos}`, where);

  const readArgument = (info: number): number | bigint => {
    if (info < 24) return info;
    const n = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (n === 0)
      throw fail(info === 31 ? 'indefinite lengths are not allowed' : `reserved additional info ${info}`);
    if (pos + n > bytes.length) throw fail('unexpected end of data');
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(bytes[pos++]!);
    const min = n === 1 ? 24n : n === 2 ? 0x100n : n === 4 ? 0x10000n : 0x100000000n;
    if (v < min) throw fail('an integer or length is not in its shortest form');
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  const readLength = (info: number): number => {
    const v = readArgument(info);
    if (typeof v === 'bigint' || v > bytes.length - pos) throw fail('a length runs past the end of the data');
    return v;
  };

  const countItems = (n: number) => {
    items += n;
    if (items > limits.maxItems)
      throw new VerificationError('LIMIT_EXCEEDED', `CBOR: more than ${limits.maxItems} items`, where);
  };

  const item = (depth: number): CborValue => {
    if (depth > limits.maxDepth)
      throw new VerificationError('LIMIT_EXCEEDED', `CBOR: nested deeper than ${limits.maxDepth}`, where);
    if (pos >= bytes.length) throw fail('unexpected end of data');
    const initial = bytes[pos++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0:
        return readArgument(info);
      case 1: {
        const v = readArgument(info);
        return typeof v === 'bigint' ? -1n - v : v < Number.MAX_SAFE_INTEGER ? -1 - v : -1n - BigInt(v);
      }
      case 2: {
        const n = readLength(info);
        const out = bytes.slice(pos, pos + n);
        pos += n;
        return out;
      }
      case 3: {
        const n = readLength(info);
        try {
          const s = text.decode(bytes.subarray(pos, pos + n));
          pos += n;
          return s;
        } catch {
          throw fail('a text string is not valid UTF-8');
        }
      }
      case 4: {
        const n = readLength(info); // every entry takes at least one byte
        countItems(n);
        const out: CborValue[] = [];
        for (let i = 0; i < n; i++) out.push(item(depth + 1));
        return out;
      }
      case 5: {
        const n = readLength(info);
        countItems(n);
        const entries: [CborValue, CborValue][] = [];
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const start = pos;
          const k = item(depth + 1);
          if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'bigint')
            throw fail('a map key is neither an integer nor a text string');
          const id = Array.from(bytes.subarray(start, pos)).join(',');
          if (seen.has(id)) throw fail(`duplicate map key ${String(k)}`);
          seen.add(id);
          entries.push([k, item(depth + 1)]);
        }
        return new CborMap(entries);
      }
      case 6: {
        const tag = readArgument(info);
        if (typeof tag === 'bigint') throw fail('a tag number is too large');
        return new CborTagged(tag, item(depth + 1));
      }
      default: {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        throw fail(
          info === 23
            ? 'undefined is not allowed'
            : info >= 25 && info <= 27
              ? 'floating-point values are not allowed'
              : info === 31
                ? 'a stray break'
                : 'unsupported simple value',
        );
      }
    }
  };

  const value = item(0);
  if (pos !== bytes.length) throw fail(`${bytes.length - pos} trailing bytes`);
  return value;
}

// ---- Encoding, for the bytes COSE signs ----

function head(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  return Uint8Array.of(m | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

export const cborBytes = (b: Uint8Array): Uint8Array => concatBytes(head(2, b.length), b);
export const cborText = (s: string): Uint8Array => {
  const b = utf8(s);
  return concatBytes(head(3, b.length), b);
};
export const cborArray = (...items: Uint8Array[]): Uint8Array => concatBytes(head(4, items.length), ...items);
