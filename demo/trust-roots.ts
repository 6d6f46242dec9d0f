/** trust-roots.json (docs/evidence-format.md §3). */
import { toHex } from '../verify/encoding.ts';
import type { DemoModel, TrustKeyPlan } from './model.ts';

export function trustKeyById(model: DemoModel, id: string): TrustKeyPlan {
  const k = model.trustKeys.find((t) => t.id === id);
  if (!k) throw new Error(`no trust-root key ${id}`);
  return k;
}

export function trustRootsJson(model: DemoModel): unknown {
  return {
    version: 1,
    keys: model.trustKeys.map((k) => ({
      id: k.id,
      name: k.name,
      role: k.role,
      ...(k.vendor !== undefined ? { vendor: k.vendor } : {}),
      algorithm: k.key.algorithm,
      public_key: toHex(k.key.publicKey),
      valid_from: k.validFrom,
      valid_until: k.validUntil,
      published_at: k.publishedAt,
    })),
    namespaces: model.namespaces.map((name) => ({
      name,
      root_epoch: 1,
      auditor_keys: model.trustKeys.filter((k) => k.role === 'auditor').map((k) => k.id),
      operator_keys: model.trustKeys.filter((k) => k.role === 'operator').map((k) => k.id),
    })),
  };
}
