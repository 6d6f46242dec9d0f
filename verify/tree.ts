/**
 * The whole evidence tree (docs/evidence-format.md §1): classify every file, then trust roots, fleets,
 * namespaces, and the rules that span them. Input is an in-memory map of path → bytes, so the same code runs in
 * the CLI, the build and the browser.
 */
import { VerificationError } from './errors.ts';
import { readJson } from './json.ts';
import { LIMITS } from './limits.ts';
import { Checklist, type CheckResult } from './checklist.ts';
import {
  TRUST_ROOTS_FILE,
  type NamespacePolicy,
  type TrustRoots,
  isoOfMs,
  parseTrustRoots,
} from './trust.ts';
import { type FleetFiles, type FleetOptions, type VerifiedFleet, verifyFleet } from './fleet/fleet.ts';
import { type EpochFiles, type VerifiedEpoch, verifyEpoch } from './bundle/epoch.ts';
import { type DeclaredFleetKey, type EpochDiff, verifyNamespace } from './bundle/namespace.ts';
import type { Deployment } from './fleet/deployment.ts';
import { type Report, buildReport } from './report.ts';

export type EvidenceFiles = ReadonlyMap<string, Uint8Array>;

export interface VerifyOptions {
  /** Called after each check: progress for long runs. */
  onCheck?: (c: CheckResult) => void;
  /**
   * The time (ISO 8601 UTC) for the notes that say a vendor certificate or root has expired since the time an
   * attestation was judged at (§8.3); default: the newest epoch's time in the tree, else the clock. No verdict
   * depends on it, and with the default two runs over the same evidence print the same report, whatever the day.
   */
  now?: string;
}

const FLEET_DEPLOYMENT = /^fleets\/([^/]+)\/deployment\.json$/;
const FLEET_ATTESTATION = /^fleets\/([^/]+)\/attestations\/([^/]+)\.json$/;
const EPOCH_FILE = /^namespaces\/([^/]+)\/([^/]+)\/(artifact|proof|auditor-record)\.json$/;

/** Whether `path` is an epoch's proof.json (the files the newest epoch's time is read from). */
export const isEpochProof = (path: string): boolean => path.endsWith('/proof.json') && EPOCH_FILE.test(path);
const ID = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export interface VerifiedNamespace {
  name: string;
  rootEpoch: number;
  epochs: VerifiedEpoch[];
  diffs: Map<number, EpochDiff>;
}

/** What the rules across units read of a verified fleet: its folder, and its record's id, time and keys. */
export interface FleetForRules {
  dir: string;
  deployment: Pick<Deployment, 'fleetId' | 'deployedAt' | 'keys'> | undefined;
}

/**
 * A verified fleet cut to what the rules across units read: for a caller that builds no model (the CLI's report),
 * so that a worker thread hands back a few KB per fleet instead of its members' certificates and statements.
 */
export function fleetForRules(f: FleetForRules): FleetForRules {
  const d = f.deployment;
  return { dir: f.dir, deployment: d && { fleetId: d.fleetId, deployedAt: d.deployedAt, keys: d.keys } };
}

export interface VerifiedTree<F extends FleetForRules = VerifiedFleet> {
  roots: TrustRoots | undefined;
  fleets: F[];
  namespaces: VerifiedNamespace[];
}

/**
 * The independent units of a tree: each fleet and each epoch folder is verified on its own (by verifyFleet and
 * verifyEpoch) before the rules that span them. A runner computes them; the default runs them in place, the Node
 * CLI's (scripts/lib/parallel-verify.ts) hands back results computed in worker threads. Either way the checks land
 * in the same order, so the report is the same.
 */
export interface UnitRunner<F extends FleetForRules = VerifiedFleet> {
  fleet(list: Checklist, roots: TrustRoots, f: FleetFiles, opts: FleetOptions): F;
  epoch(list: Checklist, policy: NamespacePolicy, f: EpochFiles): VerifiedEpoch | undefined;
}

export const IN_PLACE: UnitRunner = { fleet: verifyFleet, epoch: verifyEpoch };

/**
 * IN_PLACE with each fleet's result cut to what the rules across units read (fleetForRules), for a caller that
 * builds no model (the CLI's report): a fleet's members' certificates and statements are garbage once the fleet is
 * verified, instead of living to the end of the run.
 */
export const IN_PLACE_FOR_RULES: UnitRunner<FleetForRules> = {
  fleet: (list, roots, f, opts) => fleetForRules(verifyFleet(list, roots, f, opts)),
  epoch: verifyEpoch,
};

/** A fleet's files (`V`: their bytes; the CLI's threads lay out sizes, scripts/lib/units.ts). */
export type FleetFileSet<V = Uint8Array> = { deployment?: V; attestations: Map<string, V> };
export type EpochFileSet<V = Uint8Array> = Partial<Record<'artifact' | 'proof' | 'auditor-record', V>>;

export interface Layout<V = Uint8Array> {
  fleets: Map<string, FleetFileSet<V>>;
  epochs: Map<string, Map<string, EpochFileSet<V>>>;
}

/**
 * Sorts the tree's files into fleets and epoch folders; files with no place go to `errors`. What each path maps to
 * is carried along as it is: the bytes, for the checks; a size, for the units a thread claims.
 */
export function layoutOf<V = Uint8Array>(
  files: ReadonlyMap<string, V>,
  errors: VerificationError[] = [],
): Layout<V> {
  const fleets = new Map<string, FleetFileSet<V>>();
  const epochs = new Map<string, Map<string, EpochFileSet<V>>>();
  for (const [path, value] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    let m: RegExpExecArray | null;
    if (path === TRUST_ROOTS_FILE) continue;
    if ((m = FLEET_DEPLOYMENT.exec(path)) && ID.test(m[1]!)) {
      fleetEntry(fleets, m[1]!).deployment = value;
    } else if ((m = FLEET_ATTESTATION.exec(path)) && ID.test(m[1]!) && ID.test(m[2]!)) {
      fleetEntry(fleets, m[1]!).attestations.set(m[2]!, value);
    } else if ((m = EPOCH_FILE.exec(path))) {
      const ns = epochs.get(m[1]!) ?? new Map<string, EpochFileSet<V>>();
      epochs.set(m[1]!, ns);
      const e = ns.get(m[2]!) ?? {};
      ns.set(m[2]!, e);
      e[m[3] as 'artifact'] = value;
    } else {
      errors.push(
        new VerificationError('FILE_UNEXPECTED', 'the evidence layout has no place for this file', {
          file: path,
        }),
      );
    }
  }
  return { fleets, epochs };
}

export function verifyEvidence(files: EvidenceFiles, opts: VerifyOptions = {}): Report {
  return verifyEvidenceWith(files, opts, IN_PLACE);
}

/** verifyEvidence with the units computed by `runner`. */
export function verifyEvidenceWith(files: EvidenceFiles, opts: VerifyOptions, runner: UnitRunner): Report {
  const { list, tree } = checkEvidence(files, opts, runner);
  return buildReport(list, tree, files);
}

/**
 * Every check of verifyEvidence, without the report: the checklist (each check, each error, in order) and the
 * verified tree. For a caller that only shows the checks as they come (the widget), so that its bundle need not
 * carry the report's model.
 */
export function checkEvidence(
  files: EvidenceFiles,
  opts: VerifyOptions = {},
  runner: UnitRunner = IN_PLACE,
): { list: Checklist; tree: VerifiedTree } {
  return checkEvidenceWith(files, opts, runner);
}

/** checkEvidence with a runner whose fleets may be cut to what the rules across units read (fleetForRules). */
export function checkEvidenceWith<F extends FleetForRules>(
  files: EvidenceFiles,
  opts: VerifyOptions,
  runner: UnitRunner<F>,
): { list: Checklist; tree: VerifiedTree<F> } {
  const list = new Checklist();
  list.onCheck = opts.onCheck;
  const tree: VerifiedTree<F> = { roots: undefined, fleets: [], namespaces: [] };

  // Layout.
  let fleets = new Map<string, FleetFileSet>();
  let epochs = new Map<string, Map<string, EpochFileSet>>();
  list.runAll('tree.layout', 'Every file has its place in the layout', 'evidence', (errors) => {
    if (files.size > LIMITS.maxFiles) {
      throw new VerificationError(
        'LIMIT_EXCEEDED',
        `${files.size} files; the limit is ${LIMITS.maxFiles}`,
        {},
      );
    }
    ({ fleets, epochs } = layoutOf(files, errors));
    return `${files.size} files: ${fleets.size} fleets, ${epochs.size} namespace${epochs.size === 1 ? '' : 's'}`;
  });

  // Trust roots.
  list.run('trust-roots', 'The trust roots parse and every key is valid', TRUST_ROOTS_FILE, () => {
    const bytes = files.get(TRUST_ROOTS_FILE);
    if (!bytes)
      throw new VerificationError('FILE_MISSING', 'the tree has no trust roots', { file: TRUST_ROOTS_FILE });
    tree.roots = parseTrustRoots(readJson(bytes, TRUST_ROOTS_FILE));
    return `${tree.roots.keys.length} pinned keys, ${tree.roots.namespaces.size} namespace${tree.roots.namespaces.size === 1 ? '' : 's'}`;
  });
  const roots = tree.roots;
  if (!roots) return { list, tree };

  // Fleets. The time for vendor notes is found once, and only if a vendor-format member needs it.
  let newest: string | undefined | null = null;
  const now = () => opts.now ?? (newest === null ? (newest = newestEpochTime(files)) : newest);
  for (const [id, f] of [...fleets].sort(([a], [b]) => (a < b ? -1 : 1))) {
    tree.fleets.push(
      runner.fleet(
        list,
        roots,
        { dir: `fleets/${id}`, deployment: f.deployment, attestations: f.attestations },
        { now },
      ),
    );
  }
  const declared = new Map<string, DeclaredFleetKey>();
  list.runAll('fleets.keys-unique', 'No key appears in two fleets', 'fleets', (errors) => {
    const byKey = new Map<string, string>();
    for (const fl of tree.fleets) {
      const d = fl.deployment;
      if (!d) continue;
      for (const k of d.keys) {
        const other = byKey.get(k.publicKeyHex);
        if (other) {
          errors.push(
            new VerificationError('KEY_REUSED', `${k.keyId} has the same public key as ${other}`, {
              file: `${fl.dir}/deployment.json`,
              path: k.path,
            }),
          );
        }
        byKey.set(k.publicKeyHex, k.keyId);
        // Declared by a record that parses; the record's own failures are reported against its fleet.
        declared.set(k.keyId, {
          keyId: k.keyId,
          fleetId: d.fleetId,
          algorithm: k.algorithm,
          publicKeyHex: k.publicKeyHex,
          deployedAt: d.deployedAt,
        });
      }
    }
    return `${byKey.size} fleet keys, all distinct`;
  });

  // Namespaces.
  for (const [name, dirs] of [...epochs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const policy = roots.namespaces.get(name);
    const ok = list.run(
      'namespace.declared',
      'The namespace is declared in the trust roots',
      `namespaces/${name}`,
      () => {
        if (!policy)
          throw new VerificationError(
            'NAMESPACE_UNKNOWN',
            `namespace ${name} is not declared in ${TRUST_ROOTS_FILE}`,
            { file: `namespaces/${name}` },
          );
        return `root epoch ${policy.rootEpoch}; auditor keys ${policy.auditorKeys.map((k) => k.id).join(', ')}; operator keys ${policy.operatorKeys.map((k) => k.id).join(', ')}`;
      },
    );
    if (!ok || !policy) continue;
    const verified: VerifiedEpoch[] = [];
    /** Folders whose proof could not be read: their failure is reported; they still hold their place in the sequence. */
    const unreadable: { epoch: number; dir: string }[] = [];
    for (const [dir, parts] of [...dirs].sort(([a], [b]) => Number(a) - Number(b) || (a < b ? -1 : 1))) {
      const path = `namespaces/${name}/${dir}`;
      list.runAll('epoch.files', 'The epoch has its three files', path, (errors) => {
        if (!/^(0|[1-9][0-9]*)$/.test(dir))
          errors.push(
            new VerificationError(
              'PATH_MISMATCH',
              `${dir} is not an epoch number in decimal without leading zeros`,
              { file: path },
            ),
          );
        for (const part of ['artifact', 'proof', 'auditor-record'] as const) {
          if (!parts[part])
            errors.push(
              new VerificationError('FILE_MISSING', `the epoch has no ${part}.json`, {
                file: `${path}/${part}.json`,
              }),
            );
        }
      });
      const e =
        parts.artifact && parts.proof && parts['auditor-record']
          ? runner.epoch(list, policy, {
              dir: path,
              artifact: parts.artifact,
              proof: parts.proof,
              record: parts['auditor-record'],
            })
          : undefined;
      if (e) verified.push(e);
      else if (/^(0|[1-9][0-9]*)$/.test(dir)) unreadable.push({ epoch: Number(dir), dir: path });
    }
    const { epochs: sorted, diffs } = verifyNamespace(list, policy, verified, declared, unreadable);
    tree.namespaces.push({ name, rootEpoch: policy.rootEpoch, epochs: sorted, diffs });
  }

  return { list, tree };
}

function fleetEntry<V>(fleets: Map<string, FleetFileSet<V>>, id: string): FleetFileSet<V> {
  let f = fleets.get(id);
  if (!f) fleets.set(id, (f = { attestations: new Map() }));
  return f;
}

/** The newest proof timestamp in the tree (ISO, to the second), or undefined when it has no readable epoch. */
export function newestEpochTime(files: EvidenceFiles): string | undefined {
  let max = -1;
  for (const [p, b] of files) {
    if (!isEpochProof(p)) continue;
    try {
      const t = (readJson(b, p) as { timestamp?: unknown }).timestamp;
      if (typeof t === 'number' && Number.isSafeInteger(t) && t > max) max = t;
    } catch {
      /* an unreadable proof fails verification anyway */
    }
  }
  return max < 0 ? undefined : isoOfMs(max);
}
