/**
 * Writing the evidence files and packs into a built site (./publish-evidence.ts): byte for byte, only what the
 * index lists, nothing outside /evidence/ and /packs/.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIndex } from './evidence-index.ts';
import { publishEvidenceFiles } from './publish-evidence.ts';
import { packFiles } from '../widget/pack-files.ts';

const enc = new TextEncoder();
const tree = new Map<string, Uint8Array>([
  ['trust-roots.json', enc.encode('{"roots":1}\n')],
  ['fleets/fleet-a/deployment.json', enc.encode('{"fleet":"a"}\n')],
  ['fleets/fleet-a/attestations/hsm-1.json', enc.encode('{"hsm":1}\n')],
  ['namespaces/ns.a/epoch-1/artifact.json', enc.encode('{"epoch":1}\n')],
]);

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

function withOut(f: (out: string) => void): void {
  const out = mkdtempSync(join(tmpdir(), 'fleetproof-publish-'));
  try {
    f(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('publishing the evidence files', () => {
  it('when the index lists the tree, every file is written under /evidence/ byte for byte, with each page’s pack under /packs/', () => {
    withOut((out) => {
      const { index } = buildIndex(tree);
      const n = publishEvidenceFiles(out, index.files, tree);
      const packs = packFiles(index.files, tree);
      assert.deepEqual(n, { evidence: tree.size, packs: packs.length });
      assert.ok(packs.length > 0);
      assert.deepEqual(
        files(out),
        [...[...tree.keys()].map((p) => `evidence/${p}`), ...packs.map(([p]) => `packs/${p}`)].sort(),
      );
      for (const [p, bytes] of tree)
        assert.deepEqual(readFileSync(join(out, 'evidence', p)), Buffer.from(bytes));
      for (const [p, bytes] of packs)
        assert.deepEqual(readFileSync(join(out, 'packs', p)), Buffer.from(bytes));
    });
  });

  it('when the index lists a file the tree does not hold, it stops naming the file', () => {
    withOut((out) => {
      const { index } = buildIndex(tree);
      const fewer = new Map(tree);
      fewer.delete('fleets/fleet-a/deployment.json');
      assert.throws(
        () => publishEvidenceFiles(out, index.files, fewer),
        /evidence file fleets\/fleet-a\/deployment\.json vanished/,
      );
    });
  });

  it('when a path would leave /evidence/, it stops and writes nothing outside', () => {
    withOut((out) => {
      const evil = new Map([['../escaped.json', enc.encode('{}')]]);
      const { index } = buildIndex(evil);
      assert.throws(() => publishEvidenceFiles(join(out, 'site'), index.files, evil), /escapes \/evidence\//);
      assert.deepEqual(files(out), []);
    });
  });

  it('when an evidence file is named index.json, it stops: /evidence/index.json is the index', () => {
    withOut((out) => {
      const clash = new Map([['index.json', enc.encode('{}')]]);
      assert.throws(
        () => publishEvidenceFiles(out, buildIndex(clash).index.files, clash),
        /would collide with \/evidence\/index\.json/,
      );
    });
  });
});
