/** The generator's context: the seed's keyring and plan, and key lookups that tampers use to re-sign. */
import { DEFAULT_NAMESPACE, DEFAULT_SEED } from './catalog.ts';
import { DemoKeys, type DemoKey, type KeyAlgorithm } from './keys.ts';
import { auditorKeyIdAt, operatorKeyIdAt, planDemo, type DemoModel } from './model.ts';
import { trustKeyById } from './trust-roots.ts';
import { deviceKey, intermediateKey } from './fleets.ts';

export interface GenerateOptions {
  seed?: string;
  /** Positive integer: N times the fleets, HSMs and epochs. Default 1. */
  scale?: number;
  /** The namespace name. Default meta.encrypted_backups.fleet_keys.v1. */
  namespace?: string;
}

export interface DemoContext {
  seed: string;
  scale: number;
  namespace: string;
  model: DemoModel;
  keys: DemoKeys;
  /** The pinned key of a trust-root id. */
  trustKey(id: string): DemoKey;
  /** The key a DSSE `keyid` names: a trust-root id or the fingerprint of a demo key (device, intermediate CA). */
  signerFor(keyid: string): DemoKey;
  /** The auditor and operator keys the demo uses at a time (ms). */
  auditorAt(t: number): DemoKey;
  operatorAt(t: number): DemoKey;
  /** A key pinned nowhere, for forgeries. */
  rogue(label: string, algorithm: KeyAlgorithm): DemoKey;
}

export function resolveOptions(opts: GenerateOptions = {}): Required<GenerateOptions> {
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || scale > 1000)
    throw new Error(`scale must be an integer from 1 to 1000, not ${scale}`);
  return { seed: opts.seed ?? DEFAULT_SEED, scale, namespace: opts.namespace ?? DEFAULT_NAMESPACE };
}

export function createContext(opts: GenerateOptions = {}): DemoContext {
  const { seed, scale, namespace } = resolveOptions(opts);
  const keys = new DemoKeys(seed);
  const model = planDemo(seed, scale, namespace, keys);
  const trustKey = (id: string) => trustKeyById(model, id).key;
  let byFingerprint: Map<string, DemoKey> | undefined;
  /** Every signing key the generator derives for this plan, by fingerprint. */
  const index = () => {
    if (!byFingerprint) {
      byFingerprint = new Map();
      for (const f of model.fleets) {
        intermediateKey(keys, f.generation.model);
        for (const m of f.members) deviceKey(keys, m.hsmId);
      }
      for (const k of keys.all()) byFingerprint.set(k.fingerprint, k);
    }
    return byFingerprint;
  };
  return {
    seed,
    scale,
    namespace,
    model,
    keys,
    trustKey,
    signerFor(keyid) {
      const pinned = model.trustKeys.find((k) => k.id === keyid);
      if (pinned) return pinned.key;
      const derived = index().get(keyid) ?? keys.all().find((k) => k.fingerprint === keyid);
      if (!derived) throw new Error(`no demo key for keyid ${keyid}`);
      return derived;
    },
    auditorAt: (t) => trustKey(auditorKeyIdAt(t)),
    operatorAt: (t) => trustKey(operatorKeyIdAt(t)),
    rogue: (label, algorithm) => keys.get(`rogue/${label}/${algorithm}`, algorithm),
  };
}

export function isContext(x: DemoContext | GenerateOptions): x is DemoContext {
  return 'model' in x && 'keys' in x;
}

const recent = new Map<string, DemoContext>();

/**
 * A full context from either a context or generator options (e.g. just `{ seed }`). Contexts built from options
 * are cached (a few, keyed by the resolved options): they are deterministic, so sharing one is safe.
 */
export function toContext(x: DemoContext | GenerateOptions = {}): DemoContext {
  if (isContext(x)) return x;
  const o = resolveOptions(x);
  const key = JSON.stringify([o.seed, o.scale, o.namespace]);
  let ctx = recent.get(key);
  if (!ctx) {
    ctx = createContext(o);
    if (recent.size >= 4) recent.delete(recent.keys().next().value!);
    recent.set(key, ctx);
  }
  return ctx;
}
