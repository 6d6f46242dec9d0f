/** diffKeys (verify/bundle/namespace.ts): what changed between two epochs' keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BundleKey, BundleKeyRole } from './artifact.ts';
import { diffKeys } from './namespace.ts';

/** The diff as the rules define it, over distinct ids (a later entry of an id stands for it, as in a bundle read). */
function expected(prev: BundleKey[], next: BundleKey[]) {
  const last = (ks: BundleKey[]) => new Map(ks.map((k) => [k.keyId, k]));
  const b = last(prev);
  const a = last(next);
  const ids = (m: Map<string, BundleKey>) => [...m.keys()];
  const replaced = ids(a).filter((id) => b.has(id) && b.get(id)!.publicKeyHex !== a.get(id)!.publicKeyHex);
  return {
    added: ids(a)
      .filter((id) => !b.has(id) || replaced.includes(id))
      .sort(),
    removed: [...ids(b).filter((id) => !a.has(id)), ...replaced].sort(),
    roleChanged: ids(a)
      .filter((id) => b.has(id) && !replaced.includes(id) && b.get(id)!.role !== a.get(id)!.role)
      .sort()
      .map((keyId) => ({ keyId, from: b.get(keyId)!.role, to: a.get(keyId)!.role })),
  };
}

const key = fc
  .record({
    keyId: fc.constantFrom('k1', 'k2', 'k3', 'k4'),
    publicKeyHex: fc.constantFrom('aa', 'bb'),
    role: fc.constantFrom<BundleKeyRole>('active', 'standby'),
  })
  .map((k) => k as unknown as BundleKey);

test('when an epoch keeps, adds, drops, replaces or re-roles keys (duplicates included), diffKeys says exactly that', () => {
  fc.assert(
    fc.property(
      fc.array(key, { maxLength: 6 }),
      fc.option(fc.array(key, { maxLength: 6 })),
      (prev, other) => {
        // Half the cases: the next epoch carries the same keys (the common case, diffKeys' shortcut).
        const next = other ?? prev.map((k) => ({ ...k }));
        assert.deepEqual(diffKeys(prev, next), expected(prev, next));
      },
    ),
    { numRuns: 5000 },
  );
  assert.deepEqual(diffKeys(undefined, []), { added: [], removed: [], roleChanged: [] });
});
