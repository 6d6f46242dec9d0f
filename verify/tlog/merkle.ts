/**
 * RFC 6962 / RFC 9162 Merkle trees over SHA-256: hashing, roots, and inclusion and consistency proofs
 * (generation and verification). Sizes and indices are JavaScript numbers, exact up to 2^53 - 1; every bit
 * operation is done with arithmetic, never with the 32-bit `>>`/`&` operators.
 *
 * Proof generation is written once, over a reader of complete-subtree hashes (`SubtreeHashes`), so that the same
 * code builds proofs from an in-memory list of leaf hashes (here) and from tiles fetched by a browser (tiles.ts).
 */
import { sha256 } from '../crypto/sha256.ts';
import { concatBytes, equalBytes } from '../encoding.ts';
import { VerificationError, type ErrorCode } from '../errors.ts';
import { TLOG_LIMITS } from './limits.ts';

type Where = { file?: string; path?: string };

/** SHA-256 output length: every hash in a tree, proof, checkpoint or tile. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** RFC 9162 §2.1.1: the hash of a leaf is SHA-256(0x00 || d). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF_PREFIX, data));
}

/** RFC 9162 §2.1.1: an interior node is SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}

/** RFC 9162 §2.1.1: the root of the empty tree is the hash of the empty string. */
export function emptyTreeRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/**
 * The hash of the complete subtree of 2^height leaves that starts at leaf `index * 2^height`. A reader may
 * throw a VerificationError (a tile reader throws TILE_INVALID when a tile is missing or malformed).
 */
export type SubtreeHashes = (height: number, index: number) => Uint8Array;

// --- Integer helpers: exact for every safe integer. ---

const half = (n: number): number => Math.floor(n / 2);
const isOdd = (n: number): boolean => n % 2 === 1;

/** The largest power of two <= n (n >= 1). */
function powerOfTwoAtMost(n: number): number {
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}

/** RFC 9162 §2.1.1: k, the largest power of two smaller than n (n >= 2). */
function splitPoint(n: number): number {
  return powerOfTwoAtMost(n - 1);
}

function log2(k: number): number {
  let h = 0;
  while (2 ** h < k) h++;
  return h;
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && powerOfTwoAtMost(n) === n;
}

// --- Argument checks. Each failure is a VerificationError with the caller's code. ---

/** A tree size or index: a safe non-negative integer. Over 2^53 - 1 is LIMIT_EXCEEDED, anything else `code`. */
export function checkTreeNumber(n: number, what: string, code: ErrorCode, where: Where = {}): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new VerificationError(code, `${what} must be a non-negative integer, got ${String(n)}`, where);
  }
  if (n > TLOG_LIMITS.maxTreeSize) {
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `${what} ${n} is over the limit of ${TLOG_LIMITS.maxTreeSize}`,
      where,
    );
  }
}

/** A hash is exactly 32 bytes (RFC 9162 §2.1: SHA-256); anything else is LENGTH_INVALID. */
export function checkHash(h: Uint8Array, what: string, where: Where = {}): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    const got = h instanceof Uint8Array ? `${h.length} bytes` : typeof h;
    throw new VerificationError('LENGTH_INVALID', `${what} must be ${HASH_SIZE} bytes, got ${got}`, where);
  }
}

function checkProof(proof: readonly Uint8Array[], where: Where): void {
  if (!Array.isArray(proof))
    throw new VerificationError('SCHEMA_INVALID', 'a proof is a list of hashes', where);
  if (proof.length > TLOG_LIMITS.maxProofHashes) {
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `the proof has ${proof.length} hashes; the limit is ${TLOG_LIMITS.maxProofHashes}`,
      where,
    );
  }
  proof.forEach((h, i) => checkHash(h, `proof hash ${i}`, where));
}

// --- Roots. ---

/**
 * RFC 9162 §2.1.1, MTH(D[start : start + n]) for a range whose start is a multiple of a power of two >= n (every
 * range the RFC's recursion visits). Its left parts are complete subtrees, so the hash is the right fold of the
 * complete subtrees of n's binary decomposition, largest first.
 */
export function rangeHash(read: SubtreeHashes, start: number, n: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = start;
  let rest = n;
  while (rest > 0) {
    const k = powerOfTwoAtMost(rest);
    parts.push(read(log2(k), offset / k));
    offset += k;
    rest -= k;
  }
  let acc = parts[parts.length - 1]!;
  for (let i = parts.length - 2; i >= 0; i--) acc = hashChildren(parts[i]!, acc);
  return acc;
}

/** The root of a tree of `size` leaves read through `read` (the empty tree has SHA-256("")). */
export function rootFrom(read: SubtreeHashes, size: number): Uint8Array {
  checkTreeNumber(size, 'tree size', 'PROOF_INVALID');
  return size === 0 ? emptyTreeRoot() : rangeHash(read, 0, size);
}

/** The MTH of 2^k consecutive hashes of one level (k >= 0), pairwise. */
export function completeHash(hashes: readonly Uint8Array[]): Uint8Array {
  let level = hashes.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(hashChildren(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

/**
 * A SubtreeHashes reader over leaf hashes held in memory: every level of complete subtrees is computed once
 * (n - 1 hashes in all).
 */
export function subtreeHashesFromLeaves(leafHashes: readonly Uint8Array[], where: Where = {}): SubtreeHashes {
  checkTreeNumber(leafHashes.length, 'tree size', 'PROOF_INVALID', where);
  leafHashes.forEach((h, i) => checkHash(h, `leaf hash ${i}`, where));
  const levels: Uint8Array[][] = [leafHashes.slice()];
  for (let below = levels[0]!; below.length > 1;) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) next.push(hashChildren(below[i]!, below[i + 1]!));
    levels.push(next);
    below = next;
  }
  return (height, index) => {
    const h = levels[height]?.[index];
    if (!h) {
      throw new VerificationError(
        'PROOF_INVALID',
        `no complete subtree of height ${height} at index ${index} in a tree of ${leafHashes.length} leaves`,
        where,
      );
    }
    return h;
  };
}

/** RFC 9162 §2.1.1: the Merkle Tree Hash of a list of leaf hashes. */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[], where: Where = {}): Uint8Array {
  return rootFrom(subtreeHashesFromLeaves(leafHashes, where), leafHashes.length);
}

// --- Inclusion proofs: RFC 9162 §2.1.3. ---

/** RFC 9162 §2.1.3.1, PATH(m, D[n]), over a subtree reader. Hashes run from the leaf's sibling up. */
export function inclusionProofFrom(
  read: SubtreeHashes,
  index: number,
  size: number,
  where: Where = {},
): Uint8Array[] {
  checkTreeNumber(size, 'tree size', 'PROOF_INVALID', where);
  checkTreeNumber(index, 'leaf index', 'PROOF_INVALID', where);
  if (index >= size) {
    throw new VerificationError('PROOF_INVALID', `leaf index ${index} is not in a tree of ${size}`, where);
  }
  const out: Uint8Array[] = [];
  // PATH(m, D[start : start + n]), appended bottom-up.
  const path = (m: number, start: number, n: number): void => {
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      path(m, start, k); // PATH(m, D[0:k]) : MTH(D[k:n])
      out.push(rangeHash(read, start + k, n - k));
    } else {
      path(m - k, start + k, n - k); // PATH(m - k, D[k:n]) : MTH(D[0:k])
      out.push(rangeHash(read, start, k));
    }
  };
  path(index, 0, size);
  return out;
}

/** The inclusion proof of leaf `index` in the tree of all `leafHashes`. */
export function inclusionProof(index: number, leafHashes: readonly Uint8Array[]): Uint8Array[] {
  return inclusionProofFrom(subtreeHashesFromLeaves(leafHashes), index, leafHashes.length);
}

/**
 * RFC 9162 §2.1.3.2: verifies that `leafHash` is leaf `index` of the tree of `size` leaves with root `root`.
 * Throws PROOF_INVALID (index out of range, proof too long or too short, wrong root), LENGTH_INVALID (a hash
 * that is not 32 bytes) or LIMIT_EXCEEDED (over 64 hashes, a size over 2^53 - 1).
 */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  where: Where = {},
): void {
  checkTreeNumber(size, 'tree size', 'PROOF_INVALID', where);
  checkTreeNumber(index, 'leaf index', 'PROOF_INVALID', where);
  checkProof(proof, where);
  checkHash(leafHash, 'leaf hash', where);
  checkHash(root, 'root hash', where);
  const fail = (why: string) => new VerificationError('PROOF_INVALID', why, where);
  // Step 1.
  if (index >= size) throw fail(`leaf index ${index} is not in a tree of ${size}`);
  // Steps 2-3.
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  // Step 4.
  for (const p of proof) {
    if (sn === 0) throw fail(`the proof is longer than the path from leaf ${index} in a tree of ${size}`);
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  if (sn !== 0) throw fail(`the proof is shorter than the path from leaf ${index} in a tree of ${size}`);
  if (!equalBytes(r, root))
    throw fail(`the proof for leaf ${index} does not lead to the root of tree ${size}`);
}

// --- Consistency proofs: RFC 9162 §2.1.4. ---

/**
 * RFC 9162 §2.1.4.1, PROOF(m, D[n]) = SUBPROOF(m, D[n], true), over a subtree reader of the larger tree.
 * 0 < size1 <= size2; equal sizes give the empty proof.
 */
export function consistencyProofFrom(
  read: SubtreeHashes,
  size1: number,
  size2: number,
  where: Where = {},
): Uint8Array[] {
  checkTreeNumber(size1, 'size1', 'CONSISTENCY_FAILED', where);
  checkTreeNumber(size2, 'size2', 'CONSISTENCY_FAILED', where);
  if (size1 === 0 || size1 > size2) {
    throw new VerificationError(
      'CONSISTENCY_FAILED',
      `no consistency proof from size ${size1} to size ${size2}: it needs 0 < size1 <= size2`,
      where,
    );
  }
  const out: Uint8Array[] = [];
  // SUBPROOF(m, D[start : start + n], b), appended bottom-up.
  const subproof = (m: number, start: number, n: number, b: boolean): void => {
    if (m === n) {
      if (!b) out.push(rangeHash(read, start, n)); // SUBPROOF(m, D[m], false) = {MTH(D[m])}
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(m, start, k, b); // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      out.push(rangeHash(read, start + k, n - k));
    } else {
      subproof(m - k, start + k, n - k, false); // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
      out.push(rangeHash(read, start, k));
    }
  };
  subproof(size1, 0, size2, true);
  return out;
}

/** The consistency proof from the tree of the first `size1` leaf hashes to the tree of all of them. */
export function consistencyProof(size1: number, leafHashes: readonly Uint8Array[]): Uint8Array[] {
  return consistencyProofFrom(subtreeHashesFromLeaves(leafHashes), size1, leafHashes.length);
}

/**
 * RFC 9162 §2.1.4.2: verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1`
 * leaves with root `root1`. Throws CONSISTENCY_FAILED (size1 = 0, size1 > size2, equal sizes with a proof or with
 * different roots, a proof of the wrong length, either root not rebuilt), LENGTH_INVALID or LIMIT_EXCEEDED.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
  where: Where = {},
): void {
  checkTreeNumber(size1, 'size1', 'CONSISTENCY_FAILED', where);
  checkTreeNumber(size2, 'size2', 'CONSISTENCY_FAILED', where);
  checkProof(proof, where);
  checkHash(root1, 'root1', where);
  checkHash(root2, 'root2', where);
  const fail = (why: string) => new VerificationError('CONSISTENCY_FAILED', why, where);
  if (size1 > size2) throw fail(`the tree shrank from ${size1} to ${size2} leaves`);
  // RFC 9162 §2.1.4.2 requires 0 < first: the empty tree is a prefix of every tree, so a proof from it proves
  // nothing, and a verifier holding a size-0 tree head has nothing to check (the vectors make it an error).
  if (size1 === 0) throw fail('a consistency proof from the empty tree proves nothing');
  if (size1 === size2) {
    if (proof.length !== 0) throw fail(`equal sizes (${size1}) need an empty proof`);
    if (!equalBytes(root1, root2)) throw fail(`two different roots for the same size ${size1}`);
    return;
  }
  // Step 1.
  if (proof.length === 0) throw fail(`an empty proof from ${size1} to ${size2}`);
  // Step 2.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // Steps 3-4.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = path[0]!;
  let sr = path[0]!;
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0) throw fail(`the proof from ${size1} to ${size2} is too long`);
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) throw fail(`the proof from ${size1} to ${size2} is too short`);
  if (!equalBytes(fr, root1)) throw fail(`the proof does not rebuild the root of tree ${size1}`);
  if (!equalBytes(sr, root2)) throw fail(`the proof does not rebuild the root of tree ${size2}`);
}
