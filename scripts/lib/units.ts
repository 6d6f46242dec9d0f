/**
 * The units of an evidence tree (each fleet, each complete epoch folder) as the threads of
 * scripts/lib/parallel-verify.ts share them: described by the paths of their files (the thread that claims a unit
 * reads them into the shared tree), and claimed one at a time from a shared counter, so that no thread idles while
 * another has a queue.
 */
import { Checklist, type CheckResult } from '../../verify/checklist.ts';
import type { VerificationError } from '../../verify/errors.ts';
import { verifyEpoch } from '../../verify/bundle/epoch.ts';
import type { TrustRoots } from '../../verify/trust.ts';
import { IN_PLACE, IN_PLACE_FOR_RULES, isEpochProof, layoutOf, newestEpochTime } from '../../verify/tree.ts';
import type { SharedTree, TreeEntry } from './read-tree.ts';

export type UnitTask =
  | { kind: 'fleet'; key: string; deployment?: string; attestations: [name: string, path: string][] }
  | { kind: 'epoch'; key: string; namespace: string; artifact: string; proof: string; record: string };

/** A unit's checks, errors and result, as the thread that verified it recorded them. */
export interface UnitOutcome<E = VerificationError> {
  key: string;
  checks: CheckResult[];
  errors: E[];
  result: unknown;
}

/**
 * The units verifyEvidence would run (the same conditions: an epoch folder with its three files, in a namespace
 * the trust roots declare), largest first so that the last ones claimed are small. `sizes` gives every file of the
 * tree (path → bytes, or about); only the paths decide the units.
 */
export function unitsOf(sizes: ReadonlyMap<string, number>, roots: TrustRoots): UnitTask[] {
  // The core's own layout, laid out with the sizes (a unit's size is the sum of its files').
  const { fleets, epochs } = layoutOf(sizes);
  const units: { task: UnitTask; bytes: number }[] = [];
  for (const [id, f] of fleets) {
    const dir = `fleets/${id}`;
    const deployment = f.deployment !== undefined ? `${dir}/deployment.json` : undefined;
    const attestations = [...f.attestations.keys()].map((n): [string, string] => [
      n,
      `${dir}/attestations/${n}.json`,
    ]);
    let bytes = f.deployment ?? 0;
    for (const b of f.attestations.values()) bytes += b;
    units.push({
      bytes,
      task: { kind: 'fleet', key: dir, ...(deployment ? { deployment } : {}), attestations },
    });
  }
  for (const [name, dirs] of epochs) {
    if (!roots.namespaces.has(name)) continue;
    for (const [dir, parts] of dirs) {
      const { artifact, proof, 'auditor-record': record } = parts;
      if (artifact === undefined || proof === undefined || record === undefined) continue;
      const key = `namespaces/${name}/${dir}`;
      const task: UnitTask = {
        kind: 'epoch',
        key,
        namespace: name,
        artifact: `${key}/artifact.json`,
        proof: `${key}/proof.json`,
        record: `${key}/auditor-record.json`,
      };
      units.push({ bytes: artifact + proof + record, task });
    }
  }
  // Ties by key, so that every run lists the units in the same order.
  return units.sort((a, b) => b.bytes - a.bytes || (a.task.key < b.task.key ? -1 : 1)).map((u) => u.task);
}

/**
 * Verifies units claimed from `counter` (an Int32Array over shared memory, slot 0: the next unclaimed index) until
 * none is left, handing each outcome to `emit`; every thread, the main one included, runs this loop over the same
 * `units`.
 */
export function runClaimedUnits(
  units: readonly UnitTask[],
  counter: Int32Array,
  read: (path: string) => Uint8Array | undefined,
  roots: TrustRoots,
  now: string | (() => string | undefined) | undefined,
  emit: (o: UnitOutcome) => void,
  opts: {
    /** Called after each unit (the main thread takes in the workers' outcomes there). */
    between?: () => void;
    /** Each fleet's result cut to what the rules across units read (IN_PLACE_FOR_RULES): no model will be built. */
    forRules?: boolean;
  } = {},
): void {
  const bytes = (path: string) => {
    const b = read(path);
    if (!b) throw new Error(`a unit names ${path}, which the tree does not hold`);
    return b;
  };
  for (let i = Atomics.add(counter, 0, 1); i < units.length; i = Atomics.add(counter, 0, 1)) {
    const u = units[i]!;
    const list = new Checklist();
    let result: unknown;
    if (u.kind === 'fleet') {
      result = (opts.forRules ? IN_PLACE_FOR_RULES : IN_PLACE).fleet(
        list,
        roots,
        {
          dir: u.key,
          deployment: u.deployment === undefined ? undefined : bytes(u.deployment),
          attestations: new Map(u.attestations.map(([n, p]) => [n, bytes(p)])),
        },
        { now },
      );
    } else {
      const policy = roots.namespaces.get(u.namespace);
      if (!policy) throw new Error(`${u.key}: namespace ${u.namespace} is not declared`);
      result = verifyEpoch(list, policy, {
        dir: u.key,
        artifact: bytes(u.artifact),
        proof: bytes(u.proof),
        record: bytes(u.record),
      });
    }
    emit({ key: u.key, checks: list.checks, errors: list.errors, result });
    opts.between?.();
  }
}

/** The epochs' proof files of a listed tree. */
export function proofsOf(entries: readonly TreeEntry[]): string[] {
  return entries.filter((e) => isEpochProof(e.rel)).map((e) => e.rel);
}

/**
 * The newest epoch's time (verifyEvidence's default `now`) from the proofs, computed once, when first asked (only a
 * vendor-format member asks). The proofs are read from the shared tree, by whichever threads ask first (each file
 * once: SharedTree), so every thread computes the same time from the same bytes.
 */
export function newestTime(tree: SharedTree, proofs: readonly string[]): () => string | undefined {
  let newest: string | undefined | null = null;
  return () => {
    if (newest !== null) return newest;
    return (newest = newestEpochTime(new Map(proofs.map((p) => [p, tree.get(p) ?? new Uint8Array(0)]))));
  };
}
