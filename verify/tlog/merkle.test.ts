import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  consistencyProof,
  emptyTreeRoot,
  hashChildren,
  hashLeaf,
  inclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';
import { fromBase64, fromHex, toHex, utf8 } from '../encoding.ts';
import { type ErrorCode } from '../errors.ts';
import { assertFails, codeOf } from '../../tests/lib/verdicts.ts';

const DATA = new URL('../../tests/data/vectors/tlog/merkle/testdata/', import.meta.url).pathname;

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? jsonFiles(p) : n.endsWith('.json') ? [p] : [];
    });
}

/** The vectors' base64 (Go's []byte JSON encoding: "" for an empty slice). */
const b64 = (s: string): Uint8Array => (s === '' ? new Uint8Array(0) : fromBase64(s));

/**
 * One deliberate departure from the vectors: `sizes-are-equal-one-and-proof-is-empty` passes roots of 12 bytes
 * ("don't care 2") and expects success, since Go compares the byte strings. A root here is a SHA-256 hash: any
 * other length is LENGTH_INVALID before anything is compared.
 */
const OVERRIDES: Record<string, ErrorCode> = {
  'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json': 'LENGTH_INVALID',
};

// transparency-dev/merkle proof/verify_test.go: the eight leaves behind the numbered vector directories.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const LEAF_HASHES = LEAVES.map((h) => hashLeaf(fromHex(h)));

describe('RFC 6962 hashing', () => {
  test('when hashing, leaves and nodes get their domain-separation prefixes and the empty tree is SHA-256("")', () => {
    assert.equal(toHex(emptyTreeRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(
      toHex(hashLeaf(new Uint8Array(0))),
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    assert.deepEqual(rootFromLeafHashes([]), emptyTreeRoot());
    assert.deepEqual(rootFromLeafHashes(LEAF_HASHES.slice(0, 1)), LEAF_HASHES[0]);
    assert.deepEqual(
      rootFromLeafHashes(LEAF_HASHES.slice(0, 2)),
      hashChildren(LEAF_HASHES[0]!, LEAF_HASHES[1]!),
    );
    // RFC 6962 test roots (verify_test.go `roots`): sizes 3, 7, 8.
    assert.equal(
      toHex(rootFromLeafHashes(LEAF_HASHES.slice(0, 3))),
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    );
    assert.equal(
      toHex(rootFromLeafHashes(LEAF_HASHES.slice(0, 7))),
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    );
    assert.equal(
      toHex(rootFromLeafHashes(LEAF_HASHES)),
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    );
  });

  test('when a leaf hash is not 32 bytes, the root is refused with LENGTH_INVALID', () => {
    assertFails(() => rootFromLeafHashes([new Uint8Array(31)]), 'LENGTH_INVALID');
  });
});

describe('transparency-dev/merkle vectors', () => {
  const inclusion = jsonFiles(join(DATA, 'inclusion'));
  const consistency = jsonFiles(join(DATA, 'consistency'));

  test('when the vector set is read, every case is there', () => {
    assert.equal(inclusion.length, 98);
    assert.equal(consistency.length, 98);
  });

  test('when every inclusion vector is verified, the verdict matches wantErr and failures are typed', () => {
    let good = 0;
    for (const f of inclusion) {
      const name = f.slice(DATA.length);
      const v = JSON.parse(readFileSync(f, 'utf8')) as {
        leafIdx: number;
        treeSize: number;
        root: string;
        leafHash: string;
        proof: string[] | null;
        wantErr: boolean;
      };
      const code = codeOf(() =>
        verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root)),
      );
      if (OVERRIDES[name]) assert.equal(code, OVERRIDES[name], name);
      else if (v.wantErr) {
        // LIMIT_EXCEEDED: `leafIdx - 1` wraps to 2^64 - 1 in Go's uint64 (JSON.parse rounds it; either way too large).
        assert.ok(
          ['PROOF_INVALID', 'LENGTH_INVALID', 'LIMIT_EXCEEDED'].includes(code!),
          `${name}: got ${code}`,
        );
      } else {
        assert.equal(code, undefined, name);
        good++;
      }
    }
    assert.equal(good, 6);
  });

  test('when every consistency vector is verified, the verdict matches wantErr and failures are typed', () => {
    let good = 0;
    for (const f of consistency) {
      const name = f.slice(DATA.length);
      const v = JSON.parse(readFileSync(f, 'utf8')) as {
        size1: number;
        size2: number;
        root1: string;
        root2: string;
        proof: string[] | null;
        wantErr: boolean;
      };
      const code = codeOf(() =>
        verifyConsistency(v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2)),
      );
      if (OVERRIDES[name]) assert.equal(code, OVERRIDES[name], name);
      else if (v.wantErr) {
        assert.ok(
          ['CONSISTENCY_FAILED', 'LENGTH_INVALID', 'LIMIT_EXCEEDED'].includes(code!),
          `${name}: got ${code}`,
        );
      } else {
        assert.equal(code, undefined, name);
        good++;
      }
    }
    assert.equal(good, 5);
  });

  test('when a vector modifies one bit of a proof hash, the failure is the proof code, not a length error', () => {
    for (const f of [...inclusion, ...consistency].filter((f) => f.includes('modified-proof'))) {
      const v = JSON.parse(readFileSync(f, 'utf8'));
      const code = codeOf(() =>
        'leafIdx' in v
          ? verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), v.proof.map(b64), b64(v.root))
          : verifyConsistency(v.size1, v.size2, v.proof.map(b64), b64(v.root1), b64(v.root2)),
      );
      assert.equal(code, 'leafIdx' in v ? 'PROOF_INVALID' : 'CONSISTENCY_FAILED', f);
    }
  });

  test('when proofs are generated for the happy-path vectors, they equal the vectors byte for byte', () => {
    for (const f of inclusion.filter((f) => f.endsWith('happy-path.json'))) {
      const v = JSON.parse(readFileSync(f, 'utf8'));
      const leaves = LEAF_HASHES.slice(0, v.treeSize);
      assert.deepEqual(rootFromLeafHashes(leaves), b64(v.root), f);
      assert.deepEqual(inclusionProof(v.leafIdx, leaves), (v.proof ?? []).map(b64), f);
      assert.deepEqual(LEAF_HASHES[v.leafIdx], b64(v.leafHash), f);
    }
    for (const f of consistency.filter((f) => f.endsWith('happy-path.json'))) {
      const v = JSON.parse(readFileSync(f, 'utf8'));
      const leaves = LEAF_HASHES.slice(0, v.size2);
      assert.deepEqual(rootFromLeafHashes(leaves.slice(0, v.size1)), b64(v.root1), f);
      assert.deepEqual(rootFromLeafHashes(leaves), b64(v.root2), f);
      assert.deepEqual(consistencyProof(v.size1, leaves), (v.proof ?? []).map(b64), f);
    }
  });
});

describe('proof generation and verification', () => {
  const N = 70;
  const leaves = Array.from({ length: N }, (_, i) => hashLeaf(utf8(`leaf ${i}`)));
  const roots = Array.from({ length: N + 1 }, (_, n) => rootFromLeafHashes(leaves.slice(0, n)));

  test('when every inclusion proof of trees up to 70 leaves is generated, it verifies and a flipped bit fails', () => {
    for (let size = 1; size <= N; size++) {
      const tree = leaves.slice(0, size);
      for (let i = 0; i < size; i++) {
        const proof = inclusionProof(i, tree);
        verifyInclusion(i, size, leaves[i]!, proof, roots[size]!);
        for (let j = 0; j < proof.length; j++) {
          const bad = proof.map((h) => h.slice());
          bad[j]![(i + j) % 32]! ^= 1 << (j % 8);
          assertFails(() => verifyInclusion(i, size, leaves[i]!, bad, roots[size]!), 'PROOF_INVALID');
        }
        if (size > 1) {
          assertFails(
            () => verifyInclusion((i + 1) % size, size, leaves[i]!, proof, roots[size]!),
            'PROOF_INVALID',
          );
        }
        const leaf = leaves[i]!.slice();
        leaf[0]! ^= 0x80;
        assertFails(() => verifyInclusion(i, size, leaf, proof, roots[size]!), 'PROOF_INVALID');
      }
    }
  });

  test('when every consistency proof between trees up to 70 leaves is generated, it verifies and tampering fails', () => {
    for (let size2 = 1; size2 <= N; size2++) {
      const tree = leaves.slice(0, size2);
      for (let size1 = 1; size1 <= size2; size1++) {
        const proof = consistencyProof(size1, tree);
        verifyConsistency(size1, size2, proof, roots[size1]!, roots[size2]!);
        for (let j = 0; j < proof.length; j++) {
          const bad = proof.map((h) => h.slice());
          bad[j]![31 - (j % 32)]! ^= 1 << ((size1 + j) % 8);
          assertFails(
            () => verifyConsistency(size1, size2, bad, roots[size1]!, roots[size2]!),
            'CONSISTENCY_FAILED',
            `${size1}->${size2} hash ${j}`,
          );
        }
        if (size1 < size2) {
          assertFails(
            () => verifyConsistency(size1, size2, proof.slice(0, -1), roots[size1]!, roots[size2]!),
            'CONSISTENCY_FAILED',
          );
          assertFails(
            () => verifyConsistency(size1, size2, [...proof, roots[size2]!], roots[size1]!, roots[size2]!),
            'CONSISTENCY_FAILED',
          );
          assertFails(
            () => verifyConsistency(size1, size2, proof, roots[size2]!, roots[size1]!),
            'CONSISTENCY_FAILED',
          );
          assertFails(
            () => verifyConsistency(size2, size1, proof, roots[size2]!, roots[size1]!),
            'CONSISTENCY_FAILED',
          );
        }
      }
    }
  });

  test('when a proof or size is over its limit, verification fails with LIMIT_EXCEEDED before hashing', () => {
    const root = roots[1]!;
    const long = Array.from({ length: 65 }, () => new Uint8Array(32));
    assertFails(() => verifyInclusion(0, 2, leaves[0]!, long, root), 'LIMIT_EXCEEDED');
    assertFails(() => verifyConsistency(1, 2, long, root, root), 'LIMIT_EXCEEDED');
    assertFails(() => verifyInclusion(0, 2 ** 53, leaves[0]!, [], root), 'LIMIT_EXCEEDED');
    assertFails(() => verifyConsistency(1, 2 ** 53, [root], root, root), 'LIMIT_EXCEEDED');
    assertFails(() => verifyInclusion(-1, 2, leaves[0]!, [], root), 'PROOF_INVALID');
    assertFails(() => verifyInclusion(0.5, 2, leaves[0]!, [], root), 'PROOF_INVALID');
    assertFails(() => verifyConsistency(1.5, 2, [root], root, root), 'CONSISTENCY_FAILED');
  });

  test('when the largest tree size is used, a proof of its last leaf still verifies with exact arithmetic', () => {
    // A tree of 2^53 - 1 leaves whose hashes we do not know: build a proof for its last leaf from arbitrary
    // sibling hashes and check the verifier walks all 52 levels (2^53 - 1 = 52 set bits below the top).
    const size = Number.MAX_SAFE_INTEGER;
    const index = size - 1;
    const siblings = Array.from({ length: 52 }, (_, i) => hashLeaf(utf8(`sibling ${i}`)));
    let root = leaves[0]!;
    for (const s of siblings) root = hashChildren(s, root);
    verifyInclusion(index, size, leaves[0]!, siblings, root);
    assertFails(() => verifyInclusion(index, size, leaves[0]!, siblings.slice(1), root), 'PROOF_INVALID');
  });

  test('when proofs are asked of impossible trees, generation fails with the proof codes', () => {
    assertFails(() => inclusionProof(3, leaves.slice(0, 3)), 'PROOF_INVALID');
    assertFails(() => inclusionProof(0, []), 'PROOF_INVALID');
    assertFails(() => consistencyProof(0, leaves.slice(0, 3)), 'CONSISTENCY_FAILED');
    assertFails(() => consistencyProof(4, leaves.slice(0, 3)), 'CONSISTENCY_FAILED');
  });
});
