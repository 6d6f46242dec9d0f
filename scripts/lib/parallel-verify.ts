/**
 * `fleetproof verify --jobs N`: the units of a tree (each fleet, each epoch folder) verified in N worker threads,
 * then the rules that span them and the report on the main thread, through the core's verifyEvidenceWith with a
 * runner that hands back the workers' results in the order the single-threaded run computes them. The report is the
 * same whatever N (scripts/lib/parallel-verify.test.ts compares the JSON byte for byte).
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CheckResult } from '../../verify/checklist.ts';
import { VerificationError, type VerificationErrorJSON } from '../../verify/errors.ts';
import { readJson } from '../../verify/json.ts';
import type { Report } from '../../verify/report.ts';
import { TRUST_ROOTS_FILE, parseTrustRoots } from '../../verify/trust.ts';
import {
  type EvidenceFiles,
  type UnitRunner,
  type VerifyOptions,
  layoutOf,
  newestEpochTime,
  verifyEvidence,
  verifyEvidenceWith,
} from '../../verify/tree.ts';

/** One unit sent to a worker. */
export type UnitTask =
  | {
      kind: 'fleet';
      key: string;
      dir: string;
      deployment?: Uint8Array;
      attestations: Map<string, Uint8Array>;
    }
  | {
      kind: 'epoch';
      key: string;
      namespace: string;
      dir: string;
      artifact: Uint8Array;
      proof: Uint8Array;
      record: Uint8Array;
    };

export interface WorkerJob {
  trustRoots: Uint8Array;
  now: string | undefined;
  units: UnitTask[];
}

export interface UnitOutcome {
  key: string;
  checks: CheckResult[];
  errors: VerificationErrorJSON[];
  result: unknown;
}

/** Below this many bytes of evidence, threads cost more to start than they save (measured: the demo, 284 files). */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;

/** Threads for a tree: one for a small tree, else one per core. */
export function defaultJobs(files?: EvidenceFiles): number {
  if (files) {
    let bytes = 0;
    for (const b of files.values()) bytes += b.length;
    if (bytes < PARALLEL_MIN_BYTES) return 1;
  }
  return availableParallelism();
}

const size = (u: UnitTask) =>
  u.kind === 'fleet'
    ? (u.deployment?.length ?? 0) + [...u.attestations.values()].reduce((n, b) => n + b.length, 0)
    : u.artifact.length + u.proof.length + u.record.length;

/** The units verifyEvidence would run (the same conditions), keyed by their folder. */
function unitsOf(files: EvidenceFiles): UnitTask[] | undefined {
  const bytes = files.get(TRUST_ROOTS_FILE);
  if (!bytes) return undefined;
  let roots;
  try {
    roots = parseTrustRoots(readJson(bytes, TRUST_ROOTS_FILE));
  } catch {
    return undefined; // the single-threaded run reports it
  }
  const { fleets, epochs } = layoutOf(files);
  const units: UnitTask[] = [];
  for (const [id, f] of fleets)
    units.push({
      kind: 'fleet',
      key: `fleets/${id}`,
      dir: `fleets/${id}`,
      ...(f.deployment ? { deployment: f.deployment } : {}),
      attestations: f.attestations,
    });
  for (const [name, dirs] of epochs) {
    if (!roots.namespaces.has(name)) continue;
    for (const [dir, parts] of dirs) {
      if (!parts.artifact || !parts.proof || !parts['auditor-record']) continue;
      const path = `namespaces/${name}/${dir}`;
      units.push({
        kind: 'epoch',
        key: path,
        namespace: name,
        dir: path,
        artifact: parts.artifact,
        proof: parts.proof,
        record: parts['auditor-record'],
      });
    }
  }
  return units;
}

let bundled: string | undefined;

/**
 * The worker as one bundled ES module (esbuild, which tsx already brings), written once per process: a worker that
 * loads the TypeScript through tsx spends most of a second compiling before it verifies anything. Falls back to the
 * tsx-loaded worker when esbuild is unavailable.
 */
function workerEntry(): URL {
  if (bundled === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const esbuild = require('esbuild') as typeof import('esbuild');
      const out = esbuild.buildSync({
        entryPoints: [fileURLToPath(new URL('./verify-worker.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      });
      const file = join(mkdtempSync(join(tmpdir(), 'fleetproof-verify-')), 'worker.mjs');
      writeFileSync(file, out.outputFiles[0]!.contents);
      process.once('exit', () => rmSync(dirname(file), { recursive: true, force: true }));
      bundled = pathToFileURL(file).href;
    } catch {
      bundled = '';
    }
  }
  return bundled ? new URL(bundled) : new URL('./verify-worker.mjs', import.meta.url);
}

function runWorker(job: WorkerJob): Promise<UnitOutcome[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerEntry(), { workerData: job });
    let done = false;
    w.once('message', (m: UnitOutcome[]) => {
      done = true;
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => {
      if (!done) reject(new Error(`a verify worker exited with ${code}`));
    });
  });
}

/** verifyEvidence, with the units spread over `jobs` worker threads. */
export async function verifyEvidenceParallel(
  files: EvidenceFiles,
  opts: VerifyOptions & { jobs?: number } = {},
): Promise<Report> {
  const jobs = Math.max(1, opts.jobs ?? defaultJobs(files));
  const units = jobs > 1 ? unitsOf(files) : undefined;
  if (!units || units.length < 2) return verifyEvidence(files, opts);
  const now = opts.now ?? newestEpochTime(files);
  // Largest first onto the least loaded worker.
  const shares: { load: number; units: UnitTask[] }[] = Array.from(
    { length: Math.min(jobs, units.length) },
    () => ({
      load: 0,
      units: [],
    }),
  );
  for (const u of [...units].sort((a, b) => size(b) - size(a) || (a.key < b.key ? -1 : 1))) {
    const s = shares.reduce((m, x) => (x.load < m.load ? x : m));
    s.units.push(u);
    s.load += size(u) + 2048; // a fixed cost per unit beside its bytes
  }
  const trustRoots = files.get(TRUST_ROOTS_FILE)!;
  const outcomes = (
    await Promise.all(shares.map((s) => runWorker({ trustRoots, now, units: s.units })))
  ).flat();
  const byKey = new Map(outcomes.map((o) => [o.key, o]));
  const take = (key: string) => {
    const o = byKey.get(key);
    if (!o) throw new Error(`no worker result for ${key}`);
    return o;
  };
  const replay = (list: Parameters<UnitRunner['fleet']>[0], o: UnitOutcome) =>
    list.replay(
      o.checks,
      o.errors.map((e) => new VerificationError(e.code, e.message, { file: e.file, path: e.path })),
    );
  const runner: UnitRunner = {
    fleet(list, _roots, f) {
      const o = take(f.dir);
      replay(list, o);
      return o.result as ReturnType<UnitRunner['fleet']>;
    },
    epoch(list, _policy, f) {
      const o = take(f.dir);
      replay(list, o);
      return o.result as ReturnType<UnitRunner['epoch']>;
    },
  };
  return verifyEvidenceWith(files, { ...opts, now }, runner);
}
