/** Tampers with trust-roots.json (docs/evidence-format.md §3). It is not signed: edits need no re-signing. */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '../verify/crypto/sha256.ts';
import { toHex, utf8 } from '../verify/encoding.ts';
import { readJson, targetFleet, writeJson } from './tamper-kit.ts';
import type { Tamper } from './tamper-types.ts';
import type { EvidenceFiles } from './tree.ts';

interface TrustRootsJson {
  version: number;
  keys: Record<string, unknown>[];
  namespaces: { name: string; root_epoch: number; auditor_keys: string[]; operator_keys: string[] }[];
}

function editTrustRoots(files: EvidenceFiles, edit: (t: TrustRootsJson) => void): void {
  const t = readJson<TrustRootsJson>(files, 'trust-roots.json');
  edit(t);
  writeJson(files, 'trust-roots.json', t);
}

/** 32 bytes that are not the encoding of any Ed25519 point (deterministic from the seed). */
function notAPoint(seed: string): string {
  for (let i = 0; ; i++) {
    const b = sha256(utf8(`fleetproof-demo|${seed}|not-a-point|${i}`));
    b[31]! &= 0x7f;
    try {
      ed25519.Point.fromBytes(b);
    } catch {
      return toHex(b);
    }
  }
}

export const TRUST_TAMPERS: Tamper[] = [
  {
    kind: 'key-outside-validity',
    description:
      "a ceremony witness's key expires (valid_until) exactly when the fleet it witnessed was deployed",
    expectedCode: 'KEY_OUTSIDE_VALIDITY',
    apply(files, ctx) {
      const fleet = targetFleet(ctx);
      const witness = fleet.ceremony.witnesses[0]!.id;
      editTrustRoots(files, (t) => {
        for (const k of t.keys) if (k['id'] === witness) k['valid_until'] = fleet.deployedAt;
      });
    },
  },
  {
    kind: 'key-role-invalid',
    description: 'the namespace lists an auditor key among its operator keys',
    expectedCode: 'KEY_ROLE_INVALID',
    apply(files) {
      editTrustRoots(files, (t) => {
        const ns = t.namespaces[0]!;
        ns.operator_keys.push(ns.auditor_keys.at(-1)!);
      });
    },
  },
  {
    kind: 'namespace-unknown',
    description: 'the published namespace removed from the trust roots',
    expectedCode: 'NAMESPACE_UNKNOWN',
    apply(files) {
      editTrustRoots(files, (t) => (t.namespaces = []));
    },
  },
  {
    kind: 'invalid-public-key',
    description: 'an extra (unused) witness key whose public key is not an Ed25519 point',
    expectedCode: 'KEY_INVALID',
    apply(files, ctx) {
      editTrustRoots(files, (t) => {
        t.keys.push({
          id: 'demo-witness-spare',
          name: 'Spare ceremony witness key (DEMO KEY)',
          role: 'witness',
          algorithm: 'ed25519',
          public_key: notAPoint(ctx.seed),
          valid_from: '2021-01-01T00:00:00Z',
          valid_until: '2031-01-01T00:00:00Z',
          published_at: 'https://witnesses.example/spare',
        });
      });
    },
  },
  {
    kind: 'namespace-declared-twice',
    description:
      'the namespace declared a second time, its name in capitals (one folder on a file system that ignores case)',
    expectedCode: 'DUPLICATE_ID',
    apply(files) {
      editTrustRoots(files, (t) =>
        t.namespaces.push({ ...t.namespaces[0]!, name: t.namespaces[0]!.name.toUpperCase() }),
      );
    },
  },
  {
    kind: 'duplicate-id',
    description: 'a trust-root key listed twice under the same id',
    expectedCode: 'DUPLICATE_ID',
    apply(files) {
      editTrustRoots(files, (t) => t.keys.push({ ...t.keys.at(-1)! }));
    },
  },
];
