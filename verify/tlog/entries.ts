/**
 * C2SP tlog-tiles entry bundles (../shared/specs/c2sp/tlog-tiles.md, "Log entries"): the log's entries, 256 to a
 * bundle, at `tile/entries/<N>[.p/<W>]`, each a big-endian uint16 length followed by the entry. Entry i of
 * bundle N hashes (RFC 6962 leaf hash) to hash i of level-0 tile N.
 */
import { concatBytes, equalBytes } from '../encoding.ts';
import { VerificationError } from '../errors.ts';
import { TLOG_LIMITS } from './limits.ts';
import { checkTreeNumber, hashLeaf } from './merkle.ts';
import { TILE_WIDTH, encodeTileIndex, readTile, tileWidth, type GetTile } from './tiles.ts';

type Where = { file?: string; path?: string };

/** `tile/entries/<N>[.p/<W>]`, with <N> and .p/<W> as for tiles. */
export function entryBundlePath(index: number, width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new VerificationError('TILE_INVALID', `entry bundle width ${width} is not from 1 to ${TILE_WIDTH}`);
  }
  return `tile/entries/${encodeTileIndex(index)}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
}

/** The entry bundles of a log holding `entries`, as path → bytes (pure, like writeTiles). */
export function writeEntryBundles(entries: readonly Uint8Array[]): Map<string, Uint8Array> {
  checkTreeNumber(entries.length, 'tree size', 'TILE_INVALID');
  const out = new Map<string, Uint8Array>();
  for (let index = 0; index * TILE_WIDTH < entries.length; index++) {
    const chunk = entries.slice(index * TILE_WIDTH, (index + 1) * TILE_WIDTH);
    const parts = chunk.flatMap((e, i) => {
      if (e.length > TLOG_LIMITS.maxEntryBytes) {
        throw new VerificationError(
          'LIMIT_EXCEEDED',
          `entry ${index * TILE_WIDTH + i} has ${e.length} bytes; a bundle entry holds at most ${TLOG_LIMITS.maxEntryBytes}`,
        );
      }
      return [Uint8Array.of(e.length >> 8, e.length & 0xff), e];
    });
    out.set(entryBundlePath(index, chunk.length), concatBytes(...parts));
  }
  return out;
}

/** Splits a bundle into exactly `width` entries; a short, long or trailing-byte bundle is TILE_INVALID. */
export function parseEntryBundle(bytes: Uint8Array, width: number, where: Where = {}): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (out.length === width)
      throw new VerificationError('TILE_INVALID', `more than ${width} entries`, where);
    if (o + 2 > bytes.length) throw new VerificationError('TILE_INVALID', 'a truncated entry length', where);
    const n = (bytes[o]! << 8) | bytes[o + 1]!;
    if (o + 2 + n > bytes.length) throw new VerificationError('TILE_INVALID', 'a truncated entry', where);
    out.push(bytes.slice(o + 2, o + 2 + n));
    o += 2 + n;
  }
  if (out.length !== width) {
    throw new VerificationError('TILE_INVALID', `${out.length} entries where ${width} are due`, where);
  }
  return out;
}

/**
 * The entries of bundle `index` of a tree of `size` leaves, checked against the level-0 tile: each entry's leaf
 * hash must equal the tile's hash (verify the tiles against the signed root with verifyTiles first).
 */
export function readEntryBundle(
  index: number,
  size: number,
  bundle: Uint8Array,
  getTile: GetTile,
): Uint8Array[] {
  const width = tileWidth(0, index, size);
  if (width === 0)
    throw new VerificationError('TILE_INVALID', `a tree of ${size} leaves has no bundle ${index}`);
  const path = entryBundlePath(index, width);
  const entries = parseEntryBundle(bundle, width, { file: path });
  const hashes = readTile(0, index, size, getTile);
  entries.forEach((e, i) => {
    if (!equalBytes(hashLeaf(e), hashes[i]!)) {
      throw new VerificationError(
        'TILE_INVALID',
        `entry ${index * TILE_WIDTH + i} does not hash to its leaf hash in the level-0 tile`,
        { file: path },
      );
    }
  });
  return entries;
}
