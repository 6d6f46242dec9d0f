import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  TILE_WIDTH,
  consistencyProofFromTiles,
  encodeTileIndex,
  inclusionProofFromTiles,
  leafHashFromTiles,
  parseTilePath,
  rootFromTiles,
  tilePath,
  tilesForTree,
  verifyTiles,
  writeTiles,
  type GetTile,
} from './tiles.ts';
import { entryBundlePath, parseEntryBundle, readEntryBundle, writeEntryBundles } from './entries.ts';
import {
  consistencyProof,
  emptyTreeRoot,
  hashLeaf,
  inclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';
import { utf8 } from '../encoding.ts';
import { VerificationError } from '../errors.ts';
import { assertFails } from '../../tests/lib/verdicts.ts';

/** A fixed-seed PRNG (mulberry32): the samples are the same on every run. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const MAX = 1000;
const ENTRIES = Array.from({ length: MAX }, (_, i) => utf8(`entry ${i}`));
const LEAVES = ENTRIES.map(hashLeaf);
const getter =
  (tiles: ReadonlyMap<string, Uint8Array>): GetTile =>
  (p) =>
    tiles.get(p);

const rand = prng(0x7106);
/** Sizes 1..1000, sampled: every size to 70, the edges of each full tile, and 40 more at random. */
const SIZES = [
  ...new Set([
    ...Array.from({ length: 70 }, (_, i) => i + 1),
    255,
    256,
    257,
    511,
    512,
    513,
    767,
    768,
    769,
    999,
    1000,
    ...Array.from({ length: 40 }, () => 1 + rand(MAX)),
  ]),
].sort((a, b) => a - b);

describe('tile paths', () => {
  test('when tile indices are encoded, they use x-prefixed 3-digit elements as in the spec', () => {
    assert.equal(encodeTileIndex(0), '000');
    assert.equal(encodeTileIndex(67), '067');
    assert.equal(encodeTileIndex(1000), 'x001/000');
    assert.equal(encodeTileIndex(1234067), 'x001/x234/067');
    assert.equal(tilePath({ level: 0, index: 1234067, width: 256 }), 'tile/0/x001/x234/067');
    assert.equal(tilePath({ level: 2, index: 3, width: 17 }), 'tile/2/003.p/17');
    assert.equal(entryBundlePath(1234067, 112), 'tile/entries/x001/x234/067.p/112');
  });

  test('when tile paths are parsed, canonical paths round-trip and every other spelling is TILE_INVALID', () => {
    for (const p of ['tile/0/000', 'tile/63/x001/x234/067.p/255', 'tile/1/x999/999.p/1']) {
      assert.equal(tilePath(parseTilePath(p)), p);
    }
    for (const p of [
      'tile/0/0',
      'tile/00/000',
      'tile/64/000',
      'tile/0/x000/001',
      'tile/0/001/002',
      'tile/0/x1/000',
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/012',
      'tile/0/000.p/',
      'tile/entries/000',
      '/tile/0/000',
      'tile/0/000/',
      'tile/-1/000',
      'tile/0/x999/x999/x999/x999/x999/x999/000',
    ]) {
      assertFails(() => parseTilePath(p), 'TILE_INVALID', p);
    }
  });

  test('when the spec examples are listed, a tree of 70,000 and a tree of 256 have exactly their tiles', () => {
    // tlog-tiles: "273 full level 0 tiles, one partial level 0 tile of width 112, one full level 1 tile, one
    // partial level 1 tile of width 17, and one partial level 2 tile of width 1".
    const t = tilesForTree(70000);
    const count = (level: number, full: boolean) =>
      t.filter((c) => c.level === level && (c.width === TILE_WIDTH) === full).length;
    assert.equal(count(0, true), 273);
    assert.deepEqual(
      t.filter((c) => c.width < TILE_WIDTH),
      [
        { level: 0, index: 273, width: 112 },
        { level: 1, index: 1, width: 17 },
        { level: 2, index: 0, width: 1 },
      ],
    );
    assert.equal(count(1, true), 1);
    assert.equal(t.length, 273 + 1 + 1 + 1 + 1);
    // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1".
    assert.deepEqual(tilesForTree(256), [
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    assert.deepEqual(tilesForTree(0), []);
  });
});

describe('tiles written and read back', () => {
  test('when tiles are written for sizes 1..1000 (sampled), they are the spec tiles and rebuild the same root', () => {
    for (const size of SIZES) {
      const leaves = LEAVES.slice(0, size);
      const tiles = writeTiles(leaves);
      assert.deepEqual([...tiles.keys()].sort(), tilesForTree(size).map(tilePath).sort(), `size ${size}`);
      const root = rootFromLeafHashes(leaves);
      assert.deepEqual(rootFromTiles(size, getter(tiles)), root, `size ${size}`);
      verifyTiles(size, root, getter(tiles));
    }
    assert.deepEqual(rootFromTiles(0, getter(new Map())), emptyTreeRoot());
    verifyTiles(0, emptyTreeRoot(), getter(new Map()));
  });

  test('when a tree of 70,000 leaves is tiled, its tiles verify and give the in-memory proofs', () => {
    const leaves = Array.from({ length: 70000 }, (_, i) => hashLeaf(utf8(`big ${i}`)));
    const tiles = writeTiles(leaves);
    assert.equal(tiles.size, 277);
    const root = rootFromLeafHashes(leaves);
    verifyTiles(70000, root, getter(tiles));
    for (const i of [0, 255, 256, 65535, 65536, 69887, 69888, 69999]) {
      const proof = inclusionProofFromTiles(i, 70000, getter(tiles));
      assert.deepEqual(proof, inclusionProof(i, leaves));
      verifyInclusion(i, 70000, leaves[i]!, proof, root);
    }
    for (const s1 of [1, 256, 65536, 65537, 69888, 69999]) {
      const proof = consistencyProofFromTiles(s1, 70000, getter(tiles));
      assert.deepEqual(proof, consistencyProof(s1, leaves));
      verifyConsistency(s1, 70000, proof, rootFromLeafHashes(leaves.slice(0, s1)), root);
    }
  });

  test('when inclusion and consistency proofs are generated from tiles, they verify against the roots', () => {
    const r = prng(42);
    for (const size of SIZES) {
      const leaves = LEAVES.slice(0, size);
      const get = getter(writeTiles(leaves));
      const root = rootFromLeafHashes(leaves);
      const indices =
        size <= 70 ? Array.from({ length: size }, (_, i) => i) : [0, size - 1, r(size), r(size)];
      for (const i of indices) {
        assert.deepEqual(leafHashFromTiles(i, size, get), leaves[i]);
        const proof = inclusionProofFromTiles(i, size, get);
        assert.deepEqual(proof, inclusionProof(i, leaves), `size ${size} leaf ${i}`);
        verifyInclusion(i, size, leaves[i]!, proof, root);
      }
      const sizes1 = size <= 70 ? Array.from({ length: size }, (_, i) => i + 1) : [1, size, 1 + r(size)];
      for (const s1 of sizes1) {
        const proof = consistencyProofFromTiles(s1, size, get);
        assert.deepEqual(proof, consistencyProof(s1, leaves), `${s1} -> ${size}`);
        verifyConsistency(s1, size, proof, rootFromLeafHashes(leaves.slice(0, s1)), root);
      }
    }
  });

  test('when a bit of any tile is flipped, the tiles fail with TILE_INVALID and the proofs through it fail', () => {
    const r = prng(7);
    for (const size of [1, 2, 255, 256, 257, 300, 513, 1000]) {
      const leaves = LEAVES.slice(0, size);
      const tiles = writeTiles(leaves);
      const root = rootFromLeafHashes(leaves);
      for (const [path, bytes] of tiles) {
        // Every hash of small tiles, a sample of the full ones.
        const hashes = bytes.length / 32;
        const which =
          hashes <= 8 || size <= 300 ? [...Array(hashes).keys()] : [0, hashes - 1, r(hashes), r(hashes)];
        for (const h of which) {
          const bad = new Map(tiles);
          const copy = bytes.slice();
          copy[h * 32 + r(32)]! ^= 1 << r(8);
          bad.set(path, copy);
          const e = (() => {
            try {
              verifyTiles(size, root, getter(bad));
            } catch (err) {
              return err;
            }
          })();
          assert.ok(e instanceof VerificationError && e.code === 'TILE_INVALID', `${size} ${path} hash ${h}`);
          const c = parseTilePath(path);
          if (c.level === 0) {
            // The flipped leaf hash: its own inclusion proof (read from the same tiles) cannot verify.
            const i = c.index * TILE_WIDTH + h;
            {
              const leaf = leafHashFromTiles(i, size, getter(bad));
              assertFails(
                () => verifyInclusion(i, size, leaf, inclusionProofFromTiles(i, size, getter(bad)), root),
                'PROOF_INVALID',
              );
            }
          }
        }
      }
    }
  });

  test('when a tile is missing, short, long or of another level, reading fails with TILE_INVALID', () => {
    const tiles = writeTiles(LEAVES.slice(0, 600));
    const root = rootFromLeafHashes(LEAVES.slice(0, 600));
    const without = new Map(tiles);
    without.delete('tile/0/001');
    assertFails(() => verifyTiles(600, root, getter(without)), 'TILE_INVALID');
    assertFails(() => inclusionProofFromTiles(300, 600, getter(without)), 'TILE_INVALID');
    const short = new Map(tiles).set('tile/0/002.p/88', tiles.get('tile/0/002.p/88')!.slice(0, 87 * 32));
    assertFails(() => rootFromTiles(600, getter(short)), 'TILE_INVALID');
    const long = new Map(tiles).set('tile/1/000.p/2', new Uint8Array(3 * 32));
    assertFails(() => rootFromTiles(600, getter(long)), 'TILE_INVALID');
    const wrongSize = new Map(tiles);
    assertFails(() => rootFromTiles(601, getter(wrongSize)), 'TILE_INVALID');
    assertFails(
      () => verifyTiles(600, rootFromLeafHashes(LEAVES.slice(0, 599)), getter(tiles)),
      'TILE_INVALID',
    );
    assertFails(() => leafHashFromTiles(600, 600, getter(tiles)), 'TILE_INVALID');
  });

  test('when a partial tile is gone but its full tile exists, the reader falls back to the full tile', () => {
    // The tiles of 300 after the log grew past 512: tile/0/001.p/44 was deleted once tile/0/001 was full.
    const tiles = writeTiles(LEAVES.slice(0, 300));
    tiles.delete('tile/0/001.p/44');
    tiles.set('tile/0/001', writeTiles(LEAVES.slice(0, 600)).get('tile/0/001')!);
    const small = getter(tiles);
    const leaves = LEAVES.slice(0, 300);
    assert.deepEqual(rootFromTiles(300, small), rootFromLeafHashes(leaves));
    verifyTiles(300, rootFromLeafHashes(leaves), small);
    assert.deepEqual(inclusionProofFromTiles(299, 300, small), inclusionProof(299, leaves));
  });
});

describe('entry bundles', () => {
  test('when entries are bundled, each bundle parses back and matches its level-0 tile', () => {
    for (const size of [1, 255, 256, 257, 1000]) {
      const bundles = writeEntryBundles(ENTRIES.slice(0, size));
      const get = getter(writeTiles(LEAVES.slice(0, size)));
      assert.equal(bundles.size, Math.ceil(size / 256));
      for (let n = 0; n * 256 < size; n++) {
        const width = Math.min(256, size - n * 256);
        const bytes = bundles.get(entryBundlePath(n, width))!;
        assert.deepEqual(readEntryBundle(n, size, bytes, get), ENTRIES.slice(n * 256, n * 256 + width));
      }
    }
  });

  test('when a bundle is truncated, padded or altered, it fails with TILE_INVALID', () => {
    const bundles = writeEntryBundles(ENTRIES.slice(0, 10));
    const get = getter(writeTiles(LEAVES.slice(0, 10)));
    const bytes = bundles.get('tile/entries/000.p/10')!;
    assertFails(() => readEntryBundle(0, 10, bytes.slice(0, -1), get), 'TILE_INVALID');
    assertFails(() => readEntryBundle(0, 10, Uint8Array.of(...bytes, 0, 0), get), 'TILE_INVALID');
    assertFails(() => readEntryBundle(0, 10, Uint8Array.of(...bytes, 0), get), 'TILE_INVALID');
    const altered = bytes.slice();
    altered[5]! ^= 1;
    assertFails(() => readEntryBundle(0, 10, altered, get), 'TILE_INVALID');
    assertFails(() => parseEntryBundle(bytes, 9), 'TILE_INVALID');
    assertFails(() => writeEntryBundles([new Uint8Array(0x10000)]), 'LIMIT_EXCEEDED');
  });
});
