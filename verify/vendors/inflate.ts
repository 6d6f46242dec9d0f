/**
 * A small inflate (RFC 1951 DEFLATE) and gunzip (RFC 1952), synchronous and browser-safe, with an output size
 * limit: enough for Marvell attestations (a few KiB), with no dependency. Decoding follows the canonical-Huffman
 * method of Mark Adler's reference decoder "puff": codes are decoded bit by bit from per-length counts. Strict: reserved
 * block type 3, over-subscribed or (beyond the single-code case) incomplete code sets, distances reaching before
 * the start, stored-block length mismatches, a bad CRC-32 or ISIZE, and bytes after the gzip member are errors.
 * Failures raise VENDOR_FORMAT_INVALID, or LIMIT_EXCEEDED when the output would pass the limit.
 */
import { VerificationError } from '../errors.ts';

const MAX_BITS = 15;

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

interface Huffman {
  count: Uint16Array;
  symbol: Uint16Array;
}

/** Builds a decoding table; returns how many codes are left unused (0 = complete), or -1 if over-subscribed. */
function construct(h: Huffman, lengths: ArrayLike<number>, n: number): number {
  h.count.fill(0);
  for (let s = 0; s < n; s++) h.count[lengths[s]!]!++;
  if (h.count[0] === n) return 0;
  let left = 1;
  for (let len = 1; len <= MAX_BITS; len++) {
    left <<= 1;
    left -= h.count[len]!;
    if (left < 0) return -1;
  }
  const offs = new Uint16Array(MAX_BITS + 1);
  for (let len = 1; len < MAX_BITS; len++) offs[len + 1] = offs[len]! + h.count[len]!;
  for (let s = 0; s < n; s++) if (lengths[s] !== 0) h.symbol[offs[lengths[s]!]!++] = s;
  return left;
}

const newHuffman = (n: number): Huffman => ({
  count: new Uint16Array(MAX_BITS + 1),
  symbol: new Uint16Array(n),
});

let FIXED: { len: Huffman; dist: Huffman } | undefined;
function fixedTables(): { len: Huffman; dist: Huffman } {
  if (!FIXED) {
    const lengths = new Uint8Array(288);
    lengths.fill(8, 0, 144);
    lengths.fill(9, 144, 256);
    lengths.fill(7, 256, 280);
    lengths.fill(8, 280, 288);
    const len = newHuffman(288);
    construct(len, lengths, 288);
    const dist = newHuffman(30);
    construct(dist, new Uint8Array(30).fill(5), 30);
    FIXED = { len, dist };
  }
  return FIXED;
}

/** Inflates raw DEFLATE data starting at `start`; returns the output and the offset just past the last block. */
export function inflateRaw(
  data: Uint8Array,
  maxOutput: number,
  where: { file?: string; path?: string } = {},
  start = 0,
): { output: Uint8Array; end: number } {
  let pos = start;
  let bitBuf = 0;
  let bitCnt = 0;
  let out = new Uint8Array(Math.min(maxOutput, Math.max(1024, data.length * 4)));
  let outLen = 0;
  const fail = (msg: string) => new VerificationError('VENDOR_FORMAT_INVALID', `inflate: ${msg}`, where);

  const bits = (need: number): number => {
    let val = bitBuf;
    while (bitCnt < need) {
      if (pos >= data.length) throw fail('unexpected end of compressed data');
      val |= data[pos++]! << bitCnt;
      bitCnt += 8;
    }
    bitBuf = val >>> need;
    bitCnt -= need;
    return val & ((1 << need) - 1);
  };

  const ensure = (extra: number) => {
    if (outLen + extra > maxOutput)
      throw new VerificationError(
        'LIMIT_EXCEEDED',
        `inflate: the output passes the ${maxOutput}-byte limit`,
        where,
      );
    if (outLen + extra > out.length) {
      const bigger = new Uint8Array(Math.min(maxOutput, Math.max(out.length * 2, outLen + extra)));
      bigger.set(out.subarray(0, outLen));
      out = bigger;
    }
  };

  const decode = (h: Huffman): number => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      code |= bits(1);
      const count = h.count[len]!;
      if (code - count < first) return h.symbol[index + (code - first)]!;
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    throw fail('an invalid Huffman code');
  };

  const codes = (len: Huffman, dist: Huffman) => {
    for (;;) {
      const sym = decode(len);
      if (sym < 256) {
        ensure(1);
        out[outLen++] = sym;
      } else if (sym === 256) return;
      else {
        const li = sym - 257;
        if (li >= 29) throw fail(`invalid length symbol ${sym}`);
        const length = LENGTH_BASE[li]! + bits(LENGTH_EXTRA[li]!);
        const di = decode(dist);
        if (di >= 30) throw fail(`invalid distance symbol ${di}`);
        const distance = DIST_BASE[di]! + bits(DIST_EXTRA[di]!);
        if (distance > outLen) throw fail('a distance reaches before the start of the output');
        ensure(length);
        for (let i = 0; i < length; i++) {
          out[outLen] = out[outLen - distance]!;
          outLen++;
        }
      }
    }
  };

  const dynamic = () => {
    const nlen = bits(5) + 257;
    const ndist = bits(5) + 1;
    const ncode = bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw fail('too many length or distance codes');
    const lengths = new Uint8Array(320);
    for (let i = 0; i < ncode; i++) lengths[CODE_LENGTH_ORDER[i]!] = bits(3);
    const lencode = newHuffman(286);
    if (construct(lencode, lengths, 19) !== 0) throw fail('an incomplete code-length code');
    lengths.fill(0);
    let index = 0;
    while (index < nlen + ndist) {
      const sym = decode(lencode);
      if (sym < 16) lengths[index++] = sym;
      else {
        let len = 0;
        let rep: number;
        if (sym === 16) {
          if (index === 0) throw fail('a repeat with no previous length');
          len = lengths[index - 1]!;
          rep = 3 + bits(2);
        } else if (sym === 17) rep = 3 + bits(3);
        else rep = 11 + bits(7);
        if (index + rep > nlen + ndist) throw fail('code lengths overflow');
        while (rep--) lengths[index++] = len;
      }
    }
    if (lengths[256] === 0) throw fail('no end-of-block code');
    let err = construct(lencode, lengths, nlen);
    if (err < 0 || (err > 0 && nlen - lencode.count[0]! !== 1)) throw fail('an invalid literal/length code');
    const distcode = newHuffman(30);
    err = construct(distcode, lengths.subarray(nlen), ndist);
    if (err < 0 || (err > 0 && ndist - distcode.count[0]! !== 1)) throw fail('an invalid distance code');
    codes(lencode, distcode);
  };

  let last = 0;
  do {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      bitBuf = 0;
      bitCnt = 0;
      if (pos + 4 > data.length) throw fail('unexpected end of a stored block');
      const len = data[pos]! | (data[pos + 1]! << 8);
      const nlen = data[pos + 2]! | (data[pos + 3]! << 8);
      pos += 4;
      if (len !== (~nlen & 0xffff)) throw fail('a stored block length does not match its complement');
      if (pos + len > data.length) throw fail('unexpected end of a stored block');
      ensure(len);
      out.set(data.subarray(pos, pos + len), outLen);
      outLen += len;
      pos += len;
    } else if (type === 1) {
      const f = fixedTables();
      codes(f.len, f.dist);
    } else if (type === 2) dynamic();
    else throw fail('reserved block type 3');
  } while (!last);
  return { output: out.slice(0, outLen), end: pos };
}

let CRC_TABLE: Uint32Array | undefined;
export function crc32(data: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of data) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** Decompresses one gzip member (RFC 1952) with the header checks, CRC-32 and ISIZE; nothing may follow it. */
export function gunzip(
  data: Uint8Array,
  maxOutput: number,
  where: { file?: string; path?: string } = {},
): Uint8Array {
  const fail = (msg: string) => new VerificationError('VENDOR_FORMAT_INVALID', `gzip: ${msg}`, where);
  if (data.length < 18 || !isGzip(data)) throw fail('not gzip data (magic 1f 8b)');
  if (data[2] !== 8) throw fail(`compression method ${data[2]} is not deflate`);
  const flags = data[3]!;
  if (flags & 0xe0) throw fail('reserved header flags are set');
  let pos = 10;
  const need = (n: number) => {
    if (pos + n > data.length) throw fail('truncated header');
  };
  if (flags & 0x04) {
    need(2);
    const xlen = data[pos]! | (data[pos + 1]! << 8);
    pos += 2;
    need(xlen);
    pos += xlen;
  }
  for (const bit of [0x08, 0x10]) {
    if (flags & bit) {
      while (pos < data.length && data[pos] !== 0) pos++;
      need(1);
      pos++;
    }
  }
  if (flags & 0x02) {
    need(2);
    const hcrc = data[pos]! | (data[pos + 1]! << 8);
    if ((crc32(data.subarray(0, pos)) & 0xffff) !== hcrc) throw fail('header CRC mismatch');
    pos += 2;
  }
  const { output, end } = inflateRaw(data, maxOutput, where, pos);
  if (end + 8 > data.length) throw fail('truncated trailer');
  const u32 = (o: number) =>
    (data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24)) >>> 0;
  if (u32(end) !== crc32(output)) throw fail('CRC-32 mismatch: the data is corrupt');
  if (u32(end + 4) !== output.length >>> 0) throw fail('ISIZE mismatch: the data is corrupt');
  if (end + 8 !== data.length) throw fail(`${data.length - end - 8} bytes after the gzip member`);
  return output;
}
