import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { claimUnit, newUnitCounter, unitsOf } from './units.ts';
import { readJson } from '../../verify/json.ts';
import { TRUST_ROOTS_FILE, parseTrustRoots } from '../../verify/trust.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('when threads claim from both ends in any interleaving, every unit is handed out exactly once', () => {
  for (const n of [0, 1, 2, 7, 64]) {
    // Patterns of which end claims next: alternating, front-heavy, back-heavy, and a fixed pseudo-random one.
    let seed = 12345;
    const patterns: ((k: number) => boolean)[] = [
      (k) => k % 2 === 1,
      (k) => k % 5 === 4,
      (k) => k % 5 !== 4,
      () => ((seed = (seed * 1103515245 + 12345) >>> 0) & 0x10000) !== 0,
    ];
    for (const fromBack of patterns) {
      const counter = new Int32Array(newUnitCounter());
      const front: number[] = [];
      const back: number[] = [];
      let doneFront = false;
      let doneBack = false;
      for (let k = 0; !(doneFront && doneBack); k++) {
        const b = fromBack(k);
        if (b ? doneBack : doneFront) continue;
        const i = claimUnit(counter, n, b);
        if (i < 0) {
          if (b) doneBack = true;
          else doneFront = true;
          continue;
        }
        (b ? back : front).push(i);
      }
      // The front hands out 0, 1, 2, …; the back n - 1, n - 2, …; together each index once.
      assert.deepEqual(
        front,
        front.map((_, j) => j),
      );
      assert.deepEqual(
        back,
        back.map((_, j) => n - 1 - j),
      );
      assert.deepEqual(
        [...front, ...back].sort((x, y) => x - y),
        Array.from({ length: n }, (_, j) => j),
        `n ${n}`,
      );
      // Nothing is left for a late claim from either end.
      assert.equal(claimUnit(counter, n, false), -1);
      assert.equal(claimUnit(counter, n, true), -1);
    }
  }
});

test('when an epoch is larger than a fleet, the fleets still come first and the epochs last, each largest first', () => {
  // The demo's trust roots declare the namespace; the sizes are made up so that size alone would interleave kinds.
  const roots = parseTrustRoots(
    readJson(readFileSync(`${root}evidence/${TRUST_ROOTS_FILE}`), TRUST_ROOTS_FILE),
  );
  const ns = 'namespaces/meta.encrypted_backups.fleet_keys.v1';
  const sizes = new Map<string, number>([
    [TRUST_ROOTS_FILE, 100],
    ['fleets/small/deployment.json', 10],
    ['fleets/small/attestations/m1.json', 10],
    ['fleets/large/deployment.json', 500],
    ['fleets/large/attestations/m1.json', 500],
    [`${ns}/1/artifact.json`, 5],
    [`${ns}/1/proof.json`, 5],
    [`${ns}/1/auditor-record.json`, 5],
    [`${ns}/2/artifact.json`, 5000],
    [`${ns}/2/proof.json`, 5],
    [`${ns}/2/auditor-record.json`, 5],
  ]);
  assert.deepEqual(
    unitsOf(sizes, roots).map((u) => u.key),
    ['fleets/large', 'fleets/small', `${ns}/2`, `${ns}/1`],
  );
});
