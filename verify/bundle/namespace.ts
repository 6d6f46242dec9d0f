/**
 * Rules across a namespace's epochs (docs/evidence-format.md §5.4 step 7 and §5.5) and the diff between
 * consecutive epochs (§5.6).
 */
import { VerificationError } from '../errors.ts';
import type { Checklist } from '../checklist.ts';
import type { NamespacePolicy } from '../trust.ts';
import type { BundleKey, BundleKeyRole } from './artifact.ts';
import type { VerifiedEpoch } from './epoch.ts';

/** A fleet key as its deployment record declares it. */
export interface DeclaredFleetKey {
  keyId: string;
  fleetId: string;
  algorithm: string;
  publicKeyHex: string;
  deployedAt: string;
}

export interface EpochDiff {
  added: string[];
  removed: string[];
  roleChanged: { keyId: string; from: BundleKeyRole; to: BundleKeyRole }[];
}

/** The same keys in the same order (id, key and role each): an epoch that changed nothing. */
function sameKeys(prev: BundleKey[] | undefined, next: BundleKey[]): boolean {
  if (!prev || prev.length !== next.length) return false;
  for (let i = 0; i < next.length; i++) {
    const a = prev[i]!;
    const b = next[i]!;
    if (a.keyId !== b.keyId || a.publicKeyHex !== b.publicKeyHex || a.role !== b.role) return false;
  }
  return true;
}

export function diffKeys(prev: BundleKey[] | undefined, next: BundleKey[]): EpochDiff {
  // Most epochs carry the previous one's keys unchanged: no maps to build for them (a quarter of the rules across
  // units at --scale 20).
  if (sameKeys(prev, next)) return { added: [], removed: [], roleChanged: [] };
  const before = new Map((prev ?? []).map((k) => [k.keyId, k]));
  const after = new Map(next.map((k) => [k.keyId, k]));
  const diff: EpochDiff = { added: [], removed: [], roleChanged: [] };
  for (const [id, k] of after) {
    const b = before.get(id);
    if (!b || b.publicKeyHex !== k.publicKeyHex) {
      if (b) diff.removed.push(id);
      diff.added.push(id);
    } else if (b.role !== k.role) diff.roleChanged.push({ keyId: id, from: b.role, to: k.role });
  }
  for (const id of before.keys()) if (!after.has(id)) diff.removed.push(id);
  diff.added.sort();
  diff.removed.sort();
  diff.roleChanged.sort((a, b) => (a.keyId < b.keyId ? -1 : 1));
  return diff;
}

/**
 * Step 7 for each epoch, then the namespace rules. `epochs` are every epoch folder that could be read, in any
 * order. Returns the epochs sorted, with their diffs.
 */
export function verifyNamespace(
  list: Checklist,
  policy: NamespacePolicy,
  epochs: VerifiedEpoch[],
  fleetKeys: Map<string, DeclaredFleetKey>,
  unreadable: { epoch: number; dir: string }[] = [],
): { epochs: VerifiedEpoch[]; diffs: Map<number, EpochDiff> } {
  const subject = `namespaces/${policy.name}`;
  const sorted = [...epochs].sort((a, b) => a.epoch - b.epoch || (a.dir < b.dir ? -1 : 1));

  for (const e of sorted) {
    if (!e.artifact) continue;
    const file = `${e.dir}/artifact.json`;
    list.runAll('epoch.fleet-keys', 'Every key in the bundle is a deployed fleet key', e.dir, (errors) => {
      e.artifact!.keys.forEach((k, i) => {
        const path = `$.keys[${i}]`;
        const d = fleetKeys.get(k.keyId);
        if (
          !d ||
          d.fleetId !== k.fleetId ||
          d.algorithm !== k.algorithm ||
          d.publicKeyHex !== k.publicKeyHex
        ) {
          errors.push(
            new VerificationError(
              'FLEET_KEY_UNKNOWN',
              d
                ? `${k.keyId} differs from the key its deployment record declares`
                : `no deployment record declares ${k.keyId}`,
              { file, path },
            ),
          );
        } else if (d.deployedAt >= e.time) {
          errors.push(
            new VerificationError(
              'TIME_ORDER_INVALID',
              `${k.keyId} is carried at ${e.time}, before its fleet was deployed at ${d.deployedAt}`,
              {
                file,
                path,
              },
            ),
          );
        }
      });
      return `${e.artifact!.keys.length} keys, each declared by a deployment before ${e.time}`;
    });
  }

  list.runAll(
    'namespace.sequence',
    `Epochs run consecutively from the root epoch ${policy.rootEpoch}`,
    subject,
    (errors) => {
      const seen = new Map<number, VerifiedEpoch>();
      for (const e of sorted) {
        const first = seen.get(e.epoch);
        if (first) {
          errors.push(
            new VerificationError(
              'EPOCH_REPUBLISHED',
              `epoch ${e.epoch} is published in ${first.dir} and again in ${e.dir}`,
              {
                file: `${e.dir}/proof.json`,
                path: '$.epoch',
              },
            ),
          );
        } else seen.set(e.epoch, e);
      }
      const placeholders = new Map(unreadable.filter((u) => !seen.has(u.epoch)).map((u) => [u.epoch, u.dir]));
      const numbers = [...new Set([...seen.keys(), ...placeholders.keys()])].sort((a, b) => a - b);
      const dirOf = (n: number) => seen.get(n)?.dir ?? placeholders.get(n)!;
      let expect = policy.rootEpoch;
      for (const n of numbers) {
        if (n !== expect) {
          errors.push(
            new VerificationError(
              'EPOCH_GAP',
              n < expect
                ? `epoch ${n} is before the root epoch ${policy.rootEpoch}`
                : `epoch ${expect}${n - 1 > expect ? `–${n - 1}` : ''} missing before epoch ${n}`,
              { file: `${dirOf(n)}/proof.json`, path: '$.epoch' },
            ),
          );
        }
        expect = Math.max(expect, n + 1);
      }
      if (numbers.length === 0)
        errors.push(
          new VerificationError(
            'FILE_MISSING',
            `no epoch is published, the root epoch ${policy.rootEpoch} included`,
            { file: subject },
          ),
        );
      return numbers.length
        ? `epochs ${numbers[0]}–${numbers[numbers.length - 1]}, ${numbers.length} in all, none twice`
        : undefined;
    },
  );

  list.runAll('namespace.digests', 'No digest appears in two epochs', subject, (errors) => {
    const byDigest = new Map<string, VerifiedEpoch>();
    for (const e of sorted) {
      const first = byDigest.get(e.digestHex);
      if (first) {
        errors.push(
          new VerificationError(
            'DIGEST_REUSED',
            `epoch ${e.epoch} signs digest ${e.digestHex}, already signed for epoch ${first.epoch}`,
            {
              file: `${e.dir}/proof.json`,
              path: '$.digest',
            },
          ),
        );
      } else byDigest.set(e.digestHex, e);
    }
    return `${byDigest.size} distinct digests`;
  });

  list.runAll('namespace.timestamps', 'Timestamps never decrease', subject, (errors) => {
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1]!;
      const b = sorted[i]!;
      if (b.timestamp < a.timestamp) {
        errors.push(
          new VerificationError(
            'TIMESTAMP_REGRESSION',
            `epoch ${b.epoch} is dated ${b.time}, before epoch ${a.epoch} at ${a.time}`,
            {
              file: `${b.dir}/proof.json`,
              path: '$.timestamp',
            },
          ),
        );
      }
    }
    return sorted.length ? `${sorted[0]!.time} … ${sorted[sorted.length - 1]!.time}` : undefined;
  });

  const diffs = new Map<number, EpochDiff>();
  list.runAll('namespace.keys', 'A key that left the namespace never comes back', subject, (errors) => {
    const gone = new Map<string, number>();
    let prev: BundleKey[] | undefined;
    for (const e of sorted) {
      if (!e.artifact) continue;
      const diff = diffKeys(prev, e.artifact.keys);
      diffs.set(e.epoch, diff);
      for (const id of diff.added) {
        const left = gone.get(id);
        if (left !== undefined) {
          errors.push(
            new VerificationError(
              'KEY_REINTRODUCED',
              `${id} left the namespace at epoch ${left} and returns at epoch ${e.epoch}`,
              {
                file: `${e.dir}/artifact.json`,
                path: `$.keys[${e.artifact.keys.findIndex((k) => k.keyId === id)}]`,
              },
            ),
          );
        }
      }
      for (const id of diff.removed) if (!diff.added.includes(id)) gone.set(id, e.epoch);
      prev = e.artifact.keys;
    }
    return `${gone.size} key${gone.size === 1 ? '' : 's'} retired, none returned`;
  });

  return { epochs: sorted, diffs };
}
