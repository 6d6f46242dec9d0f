/**
 * C2SP tlog-tiles (../shared/specs/c2sp/tlog-tiles.md, "Merkle Tree"): the tree served as tiles of 256 hashes.
 * Tile (L, N) holds the Merkle Tree Hashes MTH(D[(N*256 + i) * 256^L : (N*256 + i + 1) * 256^L]), i < 256: the
 * hashes of height 8L of the RFC 6962 tree. Heights between multiples of 8 are rebuilt by hashing.
 *
 * Everything here is pure: the writer returns a map of path → bytes, the readers take a `getTile(path)` callback
 * (a browser passes a fetch cache). Tile bytes are untrusted: a root read from tiles must be compared with a
 * signed checkpoint (`verifyTiles` does it for every tile), and a proof built from tiles means nothing until
 * `verifyInclusion` / `verifyConsistency` accept it against signed roots.
 */
import { concatBytes, equalBytes } from '../encoding.ts';
import { VerificationError } from '../errors.ts';
import { TLOG_LIMITS } from './limits.ts';
import {
  HASH_SIZE,
  checkHash,
  checkTreeNumber,
  completeHash,
  consistencyProofFrom,
  inclusionProofFrom,
  rootFrom,
  type SubtreeHashes,
} from './merkle.ts';

type Where = { file?: string; path?: string };

/** Hashes in a full tile, and the height of the subtree a tile spans (256 = 2^8). */
export const TILE_WIDTH = 256;
export const TILE_HEIGHT = 8;

/** A tile: its level L, its index N within the level, and its width W (256 for a full tile, 1..255 partial). */
export interface TileCoord {
  level: number;
  index: number;
  width: number;
}

/** Supplies the bytes of a tile by its path (`tile/0/x001/234`), or undefined when the tile is not available. */
export type GetTile = (path: string) => Uint8Array | undefined;

const tileFail = (why: string, where: Where = {}) => new VerificationError('TILE_INVALID', why, where);

/**
 * tlog-tiles: "<N> ... MUST be a non-negative integer encoded into zero-padded 3-digit path elements. All but
 * the last path element MUST begin with an x": 1234067 is `x001/x234/067`.
 */
export function encodeTileIndex(index: number): string {
  checkTreeNumber(index, 'tile index', 'TILE_INVALID');
  let n = index;
  let s = String(n % 1000).padStart(3, '0');
  n = Math.floor(n / 1000);
  while (n > 0) {
    s = `x${String(n % 1000).padStart(3, '0')}/${s}`;
    n = Math.floor(n / 1000);
  }
  return s;
}

function checkCoord(t: TileCoord): void {
  if (!Number.isInteger(t.level) || t.level < 0 || t.level > TLOG_LIMITS.maxTileLevel) {
    throw tileFail(`tile level ${t.level} is not an integer from 0 to ${TLOG_LIMITS.maxTileLevel}`);
  }
  checkTreeNumber(t.index, 'tile index', 'TILE_INVALID');
  if (!Number.isInteger(t.width) || t.width < 1 || t.width > TILE_WIDTH) {
    throw tileFail(`tile width ${t.width} is not an integer from 1 to ${TILE_WIDTH}`);
  }
}

/** tlog-tiles: `tile/<L>/<N>[.p/<W>]`; the `.p/<W>` suffix only for a partial tile (W from 1 to 255). */
export function tilePath(t: TileCoord): string {
  checkCoord(t);
  const partial = t.width < TILE_WIDTH ? `.p/${t.width}` : '';
  return `tile/${t.level}/${encodeTileIndex(t.index)}${partial}`;
}

const TILE_PATH = /^tile\/(0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/** Reads a tile path back, strictly: only the one canonical spelling of each tile is accepted. */
export function parseTilePath(path: string, where: Where = {}): TileCoord {
  const m = typeof path === 'string' && path.length <= 128 ? TILE_PATH.exec(path) : null;
  if (!m) throw tileFail(`not a tile path: ${JSON.stringify(path)}`, where);
  const digits = m[2]!.replace(/[x/]/g, '');
  const index = Number(digits);
  const t = { level: Number(m[1]), index, width: m[3] === undefined ? TILE_WIDTH : Number(m[3]) };
  if (!Number.isSafeInteger(index)) throw tileFail(`tile index ${digits} is over the limit`, where);
  let canonical: string;
  try {
    canonical = tilePath(t);
  } catch {
    throw tileFail(`not a tile path: ${JSON.stringify(path)}`, where);
  }
  // Leading `x000/` elements, `.p/256`, levels over 63: each spells a path no writer produces.
  if (canonical !== path) throw tileFail(`${JSON.stringify(path)} is not the canonical tile path`, where);
  return t;
}

/**
 * The width of tile (level, index) in a tree of `size` leaves: 256 if full, 1..255 if partial, 0 if the tree has
 * no such tile. tlog-tiles, "Partial Tiles": the partial tile at level l has floor(s / 256^l) mod 256 entries.
 */
export function tileWidth(level: number, index: number, size: number): number {
  const hashes = Math.floor(size / TILE_WIDTH ** level); // hashes of height 8·level in the tree
  const full = Math.floor(hashes / TILE_WIDTH);
  if (index < full) return TILE_WIDTH;
  if (index === full) return hashes % TILE_WIDTH;
  return 0;
}

/** Every tile of a tree of `size` leaves, level by level: the full tiles, then the partial one if any. */
export function tilesForTree(size: number): TileCoord[] {
  checkTreeNumber(size, 'tree size', 'TILE_INVALID');
  const out: TileCoord[] = [];
  for (let level = 0; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
    const hashes = Math.floor(size / TILE_WIDTH ** level);
    for (let index = 0; index < Math.floor(hashes / TILE_WIDTH); index++) {
      out.push({ level, index, width: TILE_WIDTH });
    }
    if (hashes % TILE_WIDTH > 0) {
      out.push({ level, index: Math.floor(hashes / TILE_WIDTH), width: hashes % TILE_WIDTH });
    }
  }
  return out;
}

/**
 * The full and partial tiles of the tree of `leafHashes`, as path → bytes. A level's hashes are the leaf hashes
 * (level 0) or the MTH of each *full* tile of the level below; partial tiles are never hashed upwards
 * (tlog-tiles, "Partial Tiles": a partial tile "MUST NOT be hashed into a tile at the level above").
 */
export function writeTiles(leafHashes: readonly Uint8Array[]): Map<string, Uint8Array> {
  checkTreeNumber(leafHashes.length, 'tree size', 'TILE_INVALID');
  leafHashes.forEach((h, i) => checkHash(h, `leaf hash ${i}`));
  const out = new Map<string, Uint8Array>();
  let hashes = leafHashes.slice();
  for (let level = 0; hashes.length > 0; level++) {
    const above: Uint8Array[] = [];
    for (let index = 0; index * TILE_WIDTH < hashes.length; index++) {
      const chunk = hashes.slice(index * TILE_WIDTH, (index + 1) * TILE_WIDTH);
      out.set(tilePath({ level, index, width: chunk.length }), concatBytes(...chunk));
      if (chunk.length === TILE_WIDTH) above.push(completeHash(chunk));
    }
    hashes = above;
  }
  return out;
}

/**
 * Reads tile (level, index) of a tree of `size` leaves as its list of hashes. A partial tile that is not
 * available may be read from the full tile that replaced it (tlog-tiles: clients "MAY fetch the full tile ... as
 * a fallback"): its first W hashes are the same. Missing tiles and tiles of the wrong length are TILE_INVALID.
 */
export function readTile(level: number, index: number, size: number, getTile: GetTile): Uint8Array[] {
  const width = tileWidth(level, index, size);
  if (width === 0) throw tileFail(`a tree of ${size} leaves has no tile ${level}/${index}`);
  const path = tilePath({ level, index, width });
  let bytes = getTile(path);
  let from = path;
  if (bytes === undefined && width < TILE_WIDTH) {
    from = tilePath({ level, index, width: TILE_WIDTH });
    bytes = getTile(from);
  }
  if (bytes === undefined) throw tileFail(`tile ${path} is missing`, { file: path });
  const want = (from === path ? width : TILE_WIDTH) * HASH_SIZE;
  if (!(bytes instanceof Uint8Array) || bytes.length !== want) {
    const got = bytes instanceof Uint8Array ? bytes.length : typeof bytes;
    throw tileFail(`tile ${from} has ${got} bytes; it must have ${want}`, { file: from });
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < width; i++) out.push(bytes.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return out;
}

/**
 * A SubtreeHashes reader over the tiles of a tree of `size` leaves, for merkle.ts's root and proof builders.
 * The complete subtree (height h, index i) is hash i of level L = floor(h / 8) when h is a multiple of 8, and
 * otherwise the MTH of its 2^(h mod 8) hashes of level L, which lie in one tile. Tiles are fetched once.
 */
export function tileHashReader(size: number, getTile: GetTile): SubtreeHashes {
  checkTreeNumber(size, 'tree size', 'TILE_INVALID');
  const cache = new Map<string, Uint8Array[]>();
  const tile = (level: number, index: number): Uint8Array[] => {
    const key = `${level}/${index}`;
    let t = cache.get(key);
    if (!t) cache.set(key, (t = readTile(level, index, size, getTile)));
    return t;
  };
  return (height, index) => {
    if (!Number.isInteger(height) || height < 0 || (index + 1) * 2 ** height > size) {
      throw tileFail(`no complete subtree of height ${height} at index ${index} in a tree of ${size} leaves`);
    }
    const level = Math.floor(height / TILE_HEIGHT);
    const count = 2 ** (height % TILE_HEIGHT);
    const first = index * count; // position among the hashes of level `level`
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const offset = first - tileIndex * TILE_WIDTH;
    const hashes = tile(level, tileIndex);
    if (offset + count > hashes.length) {
      throw tileFail(`tile ${level}/${tileIndex} is too narrow for subtree ${height}/${index}`);
    }
    return completeHash(hashes.slice(offset, offset + count));
  };
}

/** The root hash of the tree of `size` leaves, rebuilt from its tiles (compare it with a signed checkpoint). */
export function rootFromTiles(size: number, getTile: GetTile): Uint8Array {
  return rootFrom(tileHashReader(size, getTile), size);
}

/** The hash of leaf `index` of the tree of `size` leaves, from its level-0 tile. */
export function leafHashFromTiles(index: number, size: number, getTile: GetTile): Uint8Array {
  checkTreeNumber(index, 'leaf index', 'TILE_INVALID');
  return tileHashReader(size, getTile)(0, index);
}

/** RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `size` leaves, from its tiles. */
export function inclusionProofFromTiles(index: number, size: number, getTile: GetTile): Uint8Array[] {
  return inclusionProofFrom(tileHashReader(size, getTile), index, size);
}

/**
 * RFC 9162 §2.1.4.1 consistency proof from `size1` to `size2`, from the tiles of the tree of `size2` leaves:
 * every subtree the proof names is complete in the larger tree, so the smaller tree's partial tiles are not needed.
 */
export function consistencyProofFromTiles(size1: number, size2: number, getTile: GetTile): Uint8Array[] {
  return consistencyProofFrom(tileHashReader(size2, getTile), size1, size2);
}

/**
 * Checks every tile of the tree of `size` leaves against its signed `root`: the root rebuilt from the tiles must
 * equal it (this uses every hash of every partial tile), and each full tile must hash to its entry in the level
 * above (so every hash of every full tile is bound to the root too). Throws TILE_INVALID naming the tile.
 */
export function verifyTiles(size: number, root: Uint8Array, getTile: GetTile): void {
  checkHash(root, 'root hash');
  const read = tileHashReader(size, getTile);
  if (!equalBytes(rootFrom(read, size), root)) {
    throw tileFail(`the tiles of a tree of ${size} leaves do not rebuild its signed root`);
  }
  for (const t of tilesForTree(size)) {
    if (t.width !== TILE_WIDTH) continue;
    const hashes = readTile(t.level, t.index, size, getTile);
    // The full tile's MTH is the complete subtree of height 8(L+1) at index N: hash N of level L+1.
    if (!equalBytes(completeHash(hashes), read(TILE_HEIGHT * (t.level + 1), t.index))) {
      const path = tilePath(t);
      throw tileFail(`tile ${path} does not hash to its entry in the level above`, { file: path });
    }
  }
}
