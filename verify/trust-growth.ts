/**
 * How a published trust-roots file may change (docs/evidence-format.md §3.5): it only grows. A later version keeps
 * every key with every field unchanged and every namespace with its `root_epoch` and every key id of its lists; it
 * may add keys, namespaces, and ids to a namespace's lists. The release job (scripts/release.ts) publishes a version
 * that grows and logs it again (§10), and refuses any other change, naming each. Not loaded by the widget, which
 * reads the log but never extends it.
 */
import { toHex } from './encoding.ts';
import { VerificationError } from './errors.ts';
import { sha256 } from './crypto/sha256.ts';
import { readJson } from './json.ts';
import { parseWith } from './schema.ts';
import { TRUST_ROOTS_FILE, trustRootsWire } from './trust.ts';

/**
 * What `after` takes away from or changes in `before` (both trust-roots files as parsed JSON, `file` naming them in
 * a schema error): one line per problem, none when `after` only adds.
 */
export function trustRootsShrinks(before: unknown, after: unknown, file: string): string[] {
  return trustRootsChanges(before, after, file).takes;
}

/**
 * trustRootsShrinks' lines as `takes`, and in `adds` what `after` adds to `before`: keys and namespaces that are new,
 * key ids a namespace's lists gain.
 */
export function trustRootsChanges(
  before: unknown,
  after: unknown,
  file: string,
): { takes: string[]; adds: string[] } {
  const b = parseWith(trustRootsWire, before, file);
  const a = parseWith(trustRootsWire, after, file);
  const takes: string[] = [];
  const adds: string[] = [];
  const keysBefore = new Set(b.keys.map((k) => k.id));
  const keysAfter = new Map(a.keys.map((k) => [k.id, k as Record<string, unknown>]));
  for (const k of b.keys as Record<string, unknown>[]) {
    const now = keysAfter.get(k['id'] as string);
    if (!now) {
      takes.push(`key ${k['id']} is gone`);
      continue;
    }
    // Every field of a key is a string (trustRootsWire), so a change is an inequality.
    const fields = [...new Set([...Object.keys(k), ...Object.keys(now)])].sort();
    const changed = fields.filter((f) => k[f] !== now[f]);
    if (changed.length) takes.push(`key ${k['id']} changes its ${changed.join(', ')}`);
  }
  for (const k of a.keys) if (!keysBefore.has(k.id)) adds.push(`key ${k.id} is new`);
  const namespacesBefore = new Set(b.namespaces.map((n) => n.name));
  const namespacesAfter = new Map(a.namespaces.map((n) => [n.name, n]));
  for (const n of b.namespaces) {
    const now = namespacesAfter.get(n.name);
    if (!now) {
      takes.push(`namespace ${n.name} is gone`);
      continue;
    }
    if (now.root_epoch !== n.root_epoch)
      takes.push(`namespace ${n.name} changes its root_epoch from ${n.root_epoch} to ${now.root_epoch}`);
    for (const list of ['auditor_keys', 'operator_keys'] as const) {
      const kept = new Set(now[list]);
      const had = new Set(n[list]);
      for (const id of n[list]) if (!kept.has(id)) takes.push(`namespace ${n.name} drops ${id} from ${list}`);
      for (const id of now[list]) if (!had.has(id)) adds.push(`namespace ${n.name} adds ${id} to ${list}`);
    }
  }
  for (const n of a.namespaces) if (!namespacesBefore.has(n.name)) adds.push(`namespace ${n.name} is new`);
  return { takes, adds };
}

/**
 * nextEntries' rule for a logged file whose content changed (§3.5): true for the trust roots when `current` only
 * grows from the version logged (`logged`, its SHA-256), which the previous release serves as `published`; false
 * for any other file. Throws CONSISTENCY_FAILED at the trust roots, naming each change, when they changed otherwise.
 */
export function trustRootsMayGrow(current: Uint8Array, published: Uint8Array | undefined) {
  return (path: string, logged: string, now: string): boolean => {
    if (path !== TRUST_ROOTS_FILE) return false;
    const fail = (why: string) =>
      new VerificationError(
        'CONSISTENCY_FAILED',
        `${TRUST_ROOTS_FILE} was published with SHA-256 ${logged} and now has ${now}, ${why}`,
        { file: TRUST_ROOTS_FILE },
      );
    if (!published || toHex(sha256(published)) !== logged)
      throw fail('and the previous release does not serve the version its log holds');
    const problems = trustRootsShrinks(
      readJson(published, TRUST_ROOTS_FILE),
      readJson(current, TRUST_ROOTS_FILE),
      TRUST_ROOTS_FILE,
    );
    if (problems.length) throw fail(`but the trust roots may only grow: ${problems.join('; ')}`);
    return true;
  };
}
