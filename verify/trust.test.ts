/**
 * Namespace names in the trust roots are unique without regard to case (docs/evidence-format.md §3.3): a namespace
 * declared twice, exactly or in another case, is refused at the later declaration's name; names that differ in more
 * than case are not. (The demo's tamper namespace-declared-twice covers the second case on a whole tree.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { VerificationError } from './errors.ts';
import { readJson } from './json.ts';
import { TRUST_ROOTS_FILE, parseTrustRoots } from './trust.ts';

const demo = JSON.parse(readFileSync(`evidence/${TRUST_ROOTS_FILE}`, 'utf8')) as {
  namespaces: { name: string }[];
};

function parseWithNamespaces(names: string[]) {
  const t = structuredClone(demo);
  t.namespaces = names.map((name) => ({ ...demo.namespaces[0]!, name }));
  return parseTrustRoots(readJson(new TextEncoder().encode(JSON.stringify(t)), TRUST_ROOTS_FILE));
}

function refused(names: string[], message: RegExp) {
  assert.throws(
    () => parseWithNamespaces(names),
    (e: unknown) =>
      e instanceof VerificationError &&
      e.code === 'DUPLICATE_ID' &&
      e.file === TRUST_ROOTS_FILE &&
      e.path === `$.namespaces[${names.length - 1}].name` &&
      message.test(e.message),
  );
}

test('when two namespaces have one name, DUPLICATE_ID at the later name', () => {
  refused(['a.keys.v1', 'b.keys.v1', 'a.keys.v1'], /^namespace a\.keys\.v1 appears twice$/);
});

test('when two namespace names differ only in case, DUPLICATE_ID at the later name, naming both', () => {
  refused(
    ['Fleet.Keys', 'fleet.keys'],
    /^namespace fleet\.keys differs from namespace Fleet\.Keys only in case/,
  );
});

test('when namespace names differ in more than case, each is declared', () => {
  const roots = parseWithNamespaces(['fleet.keys', 'fleet.keys.v2', 'fleet_keys', 'Fleet-Keys']);
  assert.deepEqual([...roots.namespaces.keys()], ['fleet.keys', 'fleet.keys.v2', 'fleet_keys', 'Fleet-Keys']);
});
