/**
 * The build's verification, with the checks of each unchanged unit taken from the previous build.
 *
 * The core verifies a tree as independent units (each fleet folder, each epoch folder: verify/tree.ts UnitRunner)
 * and then the rules that span them. The CLI's parallel runner (scripts/lib/parallel-verify.ts) computes units in
 * worker threads and replays their checks in order; this runner replays, for a unit whose inputs are unchanged
 * since a build that verified it, the checks that build recorded, and runs the core on every other unit. The rules
 * that span units (key uniqueness, epoch sequence, timestamps, keys that left, the report) always run in full.
 *
 * A unit's key is the SHA-256 of
 *   - the verifier: every source file of verify/ and this module, the lockfile (the @noble versions) and the Node
 *     version (node:crypto answers the signature checks), see `verifierDigest`;
 *   - the trust roots: the SHA-256 of trust-roots.json's bytes;
 *   - the unit: its kind and folder, and the name and SHA-256 of each of its files.
 * A fleet's checks may also depend on the time its vendor-format members are judged against (`now`, the newest
 * epoch's time): the entry records the time the unit asked for, and is taken only when the time is the same; a
 * unit that asked for the time and got none (the clock) is never stored.
 *
 * Only units whose every check passed are stored, so a hit can only replay a pass that the core itself computed for
 * the very same bytes, trust roots and verifier. A missing, unreadable or foreign cache file means every unit is
 * verified. The file lives in the build's cache folder (FLEETPROOF_CACHE_DIR, else node_modules/.cache/fleetproof),
 * as trusted as the node_modules the build runs; it holds only the current tree's units and is replaced whole
 * (written aside, then renamed).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { Checklist, type CheckResult } from '../../verify/checklist.ts';
import { VerificationError, type VerificationErrorJSON } from '../../verify/errors.ts';
import { verifyEpoch } from '../../verify/bundle/epoch.ts';
import { verifyFleet } from '../../verify/fleet/fleet.ts';
import type { Report } from '../../verify/report.ts';
import { TRUST_ROOTS_FILE } from '../../verify/trust.ts';
import {
  type EvidenceFiles,
  type UnitRunner,
  type VerifyOptions,
  verifyEvidenceWith,
} from '../../verify/tree.ts';

const FORMAT = 'fleetproof-verify-units-1';

interface Entry {
  checks: CheckResult[];
  errors: VerificationErrorJSON[];
  result: unknown;
  /** The time the unit asked for; null when it did not ask. */
  now: string | null;
}

/** Each entry serialised on its own, when computed: what a later build replays is what the core returned. */
interface CacheFile {
  format: string;
  verifier: string;
  entries: Map<string, Uint8Array>;
}

export interface CachedVerification {
  report: Report;
  /** Units replayed from the cache, and units the core verified in this run. */
  hits: number;
  misses: number;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let verifierMemo: string | undefined;

/** SHA-256 over the verifier's code: verify/**.ts (tests aside), this module, the lockfile, the Node version. */
export function verifierDigest(root = REPO): string {
  if (root === REPO && verifierMemo) return verifierMemo;
  const h = createHash('sha256').update(`${FORMAT}\0${process.version}\0`);
  const walk = (rel: string): string[] =>
    readdirSync(join(root, rel), { withFileTypes: true })
      .flatMap((d) => (d.isDirectory() ? walk(`${rel}/${d.name}`) : [`${rel}/${d.name}`]))
      .filter((p) => p.endsWith('.ts') && !p.endsWith('.test.ts'));
  const files = [...walk('verify').sort(), 'site/lib/verify-cache.ts', 'package-lock.json'];
  for (const f of files) h.update(`${f}\0${sha256(readFileSync(join(root, f)))}\0`);
  const digest = h.digest('hex');
  if (root === REPO) verifierMemo = digest;
  return digest;
}

/** The cache file for this build: in FLEETPROOF_CACHE_DIR, else node_modules/.cache/fleetproof/. */
export function defaultCacheFile(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): string {
  const dir = env.FLEETPROOF_CACHE_DIR || join(root, 'node_modules', '.cache', 'fleetproof');
  return join(dir, 'verified-units.bin');
}

function load(file: string, verifier: string): Map<string, Uint8Array> {
  try {
    const c = deserialize(readFileSync(file)) as CacheFile;
    if (c?.format === FORMAT && c.verifier === verifier && c.entries instanceof Map) return c.entries;
  } catch {
    /* no cache, or not one of ours: verify everything */
  }
  return new Map();
}

function save(file: string, verifier: string, entries: Map<string, Uint8Array>): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, serialize({ format: FORMAT, verifier, entries } satisfies CacheFile));
    renameSync(tmp, file);
  } catch {
    /* a cache that cannot be written only costs the next build time */
  }
}

/** The units of one run: those stored by the last run (`old`), those to store for the next (`fresh`). */
export class UnitCache {
  readonly fresh = new Map<string, Uint8Array>();
  hits = 0;
  misses = 0;

  constructor(private readonly old: ReadonlyMap<string, Uint8Array>) {}

  /**
   * Replays the stored run of the unit `key` when there is one (and, if that run asked for the time, `now()` gives
   * the same time), else runs `compute` on a checklist of its own and stores it if every check passed and it did
   * not depend on the clock. Either way the unit's checks are added to `list` and its result returned.
   */
  unit<T>(
    list: Checklist,
    key: string,
    now: () => string | undefined,
    compute: (own: Checklist, now: () => string | undefined) => T,
  ): T {
    const stored = this.old.get(key);
    let hit: Entry | undefined;
    try {
      hit = stored && (deserialize(stored) as Entry);
    } catch {
      hit = undefined;
    }
    if (stored && hit && (hit.now === null || hit.now === now())) {
      this.hits++;
      this.fresh.set(key, stored);
      list.replay(
        hit.checks,
        hit.errors.map((e) => new VerificationError(e.code, e.message, { file: e.file, path: e.path })),
      );
      return hit.result as T;
    }
    this.misses++;
    const own = new Checklist();
    let asked = false;
    let answer: string | undefined;
    const result = compute(own, () => {
      asked = true;
      return (answer = now());
    });
    const passed = own.errors.length === 0 && own.checks.every((c) => c.status === 'passed');
    // Serialised before anything downstream can touch the result.
    if (passed && (!asked || answer !== undefined))
      this.fresh.set(
        key,
        serialize({ checks: own.checks, errors: [], result, now: asked ? answer! : null } satisfies Entry),
      );
    list.replay(own.checks, own.errors);
    return result;
  }
}

/**
 * verifyEvidence (same report, byte for byte), replaying the units unchanged since the build that wrote
 * `cacheFile`, and writing this tree's passing units there for the next build.
 */
export function verifyEvidenceCached(
  files: EvidenceFiles,
  cacheFile: string,
  opts: VerifyOptions & { verifier?: string } = {},
): CachedVerification {
  const verifier = opts.verifier ?? verifierDigest();
  const rootsBytes = files.get(TRUST_ROOTS_FILE);
  const cache = new UnitCache(load(cacheFile, verifier));
  const keyOf = (kind: string, dir: string, parts: [string, Uint8Array | undefined][]) =>
    sha256(
      JSON.stringify([
        verifier,
        rootsBytes ? sha256(rootsBytes) : null,
        kind,
        dir,
        parts.map(([name, b]) => [name, b ? sha256(b) : null]),
      ]),
    );
  const unit = cache.unit.bind(cache);
  const runner: UnitRunner = {
    fleet(list, roots, f, fopts) {
      const now = typeof fopts.now === 'function' ? fopts.now : () => fopts.now as string | undefined;
      const key = keyOf('fleet', f.dir, [
        ['deployment.json', f.deployment],
        ...[...f.attestations]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([id, b]): [string, Uint8Array] => [`attestations/${id}.json`, b]),
      ]);
      return unit(list, key, now, (own, spy) => verifyFleet(own, roots, f, { now: spy }));
    },
    epoch(list, policy, f) {
      const key = keyOf('epoch', f.dir, [
        ['artifact.json', f.artifact],
        ['proof.json', f.proof],
        ['auditor-record.json', f.record],
      ]);
      // An epoch's checks never ask for the time.
      return unit(
        list,
        key,
        () => undefined,
        (own) => verifyEpoch(own, policy, f),
      );
    },
  };
  const { verifier: _v, ...vopts } = opts;
  const report = verifyEvidenceWith(files, vopts, runner);
  save(cacheFile, verifier, cache.fresh);
  return { report, hits: cache.hits, misses: cache.misses };
}
