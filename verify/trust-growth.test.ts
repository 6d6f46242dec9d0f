/**
 * The trust roots only grow once published (docs/evidence-format.md §3.5): trustRootsShrinks names every key or
 * namespace a later version takes away or changes, and nothing when it only adds; trustRootsChanges also names what
 * it adds (what a monitor reports, §10.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { trustRootsChanges, trustRootsShrinks } from './trust-growth.ts';

interface Roots {
  keys: Record<string, unknown>[];
  namespaces: { name: string; root_epoch: number; auditor_keys: string[]; operator_keys: string[] }[];
}
const demo = JSON.parse(readFileSync('evidence/trust-roots.json', 'utf8')) as Roots;
const edited = (edit: (r: Roots) => void): Roots => {
  const r = structuredClone(demo);
  edit(r);
  return r;
};
const shrinks = (after: Roots) => trustRootsShrinks(demo, after, 'trust-roots.json');

test('when a later version only adds keys, namespaces and key ids, and reorders, nothing is named', () => {
  const after = edited((r) => {
    r.keys.push({
      ...r.keys.find((k) => k['role'] === 'auditor')!,
      id: 'auditor-next',
      public_key: '11'.repeat(32),
    });
    r.namespaces[0]!.auditor_keys.push('auditor-next');
    r.namespaces.push({ ...r.namespaces[0]!, name: 'another.namespace' });
    r.keys.reverse();
  });
  assert.deepEqual(shrinks(after), []);
  assert.deepEqual(shrinks(demo), []);
  assert.deepEqual(trustRootsChanges(demo, after, 'trust-roots.json'), {
    takes: [],
    adds: [
      'key auditor-next is new',
      `namespace ${demo.namespaces[0]!.name} adds auditor-next to auditor_keys`,
      'namespace another.namespace is new',
    ],
  });
  assert.deepEqual(trustRootsChanges(demo, demo, 'trust-roots.json'), { takes: [], adds: [] });
});

test('when a later version changes a key, each changed field is named', () => {
  const id = demo.keys[1]!['id'] as string;
  const after = edited((r) => {
    r.keys[1]!['valid_until'] = '2099-01-01T00:00:00Z';
    r.keys[1]!['name'] = 'renamed';
  });
  assert.deepEqual(shrinks(after), [`key ${id} changes its name, valid_until`]);
});

test('when a later version drops a key, a namespace, a key id or moves a root epoch, each is named', () => {
  const ns = demo.namespaces[0]!;
  const gone = demo.keys.at(-1)!['id'] as string;
  let after = edited((r) => {
    r.keys.pop();
    r.namespaces[0]!.root_epoch += 1;
    r.namespaces[0]!.operator_keys = r.namespaces[0]!.operator_keys.slice(1);
  });
  assert.deepEqual(shrinks(after), [
    `key ${gone} is gone`,
    `namespace ${ns.name} changes its root_epoch from ${ns.root_epoch} to ${ns.root_epoch + 1}`,
    `namespace ${ns.name} drops ${ns.operator_keys[0]} from operator_keys`,
  ]);
  after = edited((r) => (r.namespaces = []));
  assert.deepEqual(shrinks(after), [`namespace ${ns.name} is gone`]);
});
