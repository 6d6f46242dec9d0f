/**
 * `fleetproof verify --jobs N`: the units of a tree (each fleet, each epoch folder) verified by N threads, the main
 * one and N − 1 workers, then the rules that span them and the report on the main thread, through the core's
 * verifyEvidenceWith with a runner that hands back the units' results in the order the single-threaded run
 * computes them. The report is the same whatever N (scripts/lib/parallel-verify.test.ts compares the JSON byte for
 * byte).
 *
 * The tree is in one SharedArrayBuffer (SharedTree, scripts/lib/read-tree.ts): workers get views of it, not
 * copies, and claim units one at a time from a shared counter (scripts/lib/units.ts), largest first, so that the
 * threads finish together; the thread that claims a unit reads its files, so reading is spread over the threads too.
 */
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { VerificationError, type VerificationErrorJSON } from '../../verify/errors.ts';
import { readJson } from '../../verify/json.ts';
import { type ChecksReport, type Report, buildChecksReport } from '../../verify/report.ts';
import type { VerifiedEpoch } from '../../verify/bundle/epoch.ts';
import type { VerifiedFleet } from '../../verify/fleet/fleet.ts';
import { TRUST_ROOTS_FILE, type TrustRoots, parseTrustRoots } from '../../verify/trust.ts';
import {
  type EvidenceFiles,
  type FleetForRules,
  type UnitRunner,
  type VerifyOptions,
  IN_PLACE_FOR_RULES,
  checkEvidenceWith,
  verifyEvidence,
  verifyEvidenceWith,
} from '../../verify/tree.ts';
import { SharedTree, type SharedTreeHandle, type TreeEntry } from './read-tree.ts';
import { WORKER_BUNDLE, cliBundles } from './bundle-cache.mjs';
import { type UnitOutcome, type UnitTask, newestTime, proofsOf, runClaimedUnits, unitsOf } from './units.ts';

/** What a worker is started with. */
export interface WorkerJob {
  tree: SharedTreeHandle;
  counter: SharedArrayBuffer;
  units: UnitTask[];
  now: string | undefined;
  /** Fleets' results cut to what the rules across units read (no model will be built). */
  forRules: boolean;
}

/** Below this many bytes of evidence, threads cost more to start than they save (measured: the demo, 284 files). */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;

/** Threads for a tree of `bytes`: one for a small tree, else one per core. */
export function defaultJobs(bytes: number): number {
  return bytes < PARALLEL_MIN_BYTES ? 1 : availableParallelism();
}

/** What a worker thread runs: a module, and the data it is started with. */
export interface WorkerEntry {
  url: URL;
  workerData?: unknown;
}

/**
 * The worker's code: the cached bundle when there is one (run with its code cache by verify-worker-bundle.cjs),
 * else the TypeScript through tsx.
 */
function workerEntry(): WorkerEntry {
  const g = globalThis as Record<symbol, unknown>;
  if (g[WORKER_BUNDLE] === undefined)
    g[WORKER_BUNDLE] = (cliBundles() as { worker: string } | undefined)?.worker ?? '';
  const bundle = g[WORKER_BUNDLE] as string;
  return bundle
    ? { url: new URL('./verify-worker-bundle.cjs', import.meta.url), workerData: { bundle } }
    : { url: new URL('./verify-worker.mjs', import.meta.url) };
}

/** A unit's outcome as a worker posts it: errors as JSON. */
export type WorkerOutcome = UnitOutcome<VerificationErrorJSON>;

/** The outcomes a worker posted, and the error that stopped it if it stopped before it finished. */
export interface WorkerResult {
  outcomes: WorkerOutcome[];
  error?: Error;
}

/** A worker thread started ahead of its job (it loads its code meanwhile). */
export interface VerifyWorker {
  /** Hands the worker its job; `done` then settles when it has posted every outcome, or stopped. */
  start(job: WorkerJob): void;
  /** Takes in, now, the outcomes the worker has posted so far. */
  drain(): void;
  /** Takes in the rest as they come (once this thread has no unit left to claim). */
  listen(): void;
  done: Promise<WorkerResult>;
  /** Stops a worker that will not be given a job (`done` then resolves with no outcome). */
  cancel(): void;
}

/**
 * Starts `n` workers that wait for their job, so that they load while this thread lists and reads the tree. A
 * worker's `done` resolves with every outcome it posted (batches, then `null`) and the error that stopped it if it
 * stopped before `null` (out of memory, say): the units it claimed without posting are then verified on this
 * thread, so a worker's death costs time, never a verdict.
 */
export function spawnWorkers(n: number, entry: WorkerEntry = workerEntry()): VerifyWorker[] {
  return Array.from({ length: n }, () => {
    // A small young generation: a worker's objects are short-lived (it posts its outcomes as it goes), and the
    // default lets each worker hold tens of MB more at the peak for no measurable speed (scripts/bench.ts).
    const w = new Worker(entry.url, {
      workerData: entry.workerData,
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    // The worker posts its outcomes on a port of their own, which this thread reads between its own units
    // (receiveMessageOnPort), so that taking them in is part of the parallel phase, not a tail after it.
    const { port1, port2 } = new MessageChannel();
    const outcomes: WorkerOutcome[] = [];
    let settled = false;
    let listening = false;
    let resolve!: (r: WorkerResult) => void;
    const done = new Promise<WorkerResult>((r) => (resolve = r));
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      port1.close();
      resolve(error ? { outcomes, error } : { outcomes });
      void w.terminate();
    };
    const take = (m: WorkerOutcome[] | null) => {
      if (m) for (const o of m) outcomes.push(o);
      else settle();
    };
    const drainNow = () => {
      for (let r; !settled && (r = receiveMessageOnPort(port1));) take(r.message as WorkerOutcome[] | null);
    };
    w.once('error', (e) => {
      drainNow();
      settle(e);
    });
    // What it posted before it exited is in the port's queue (the exit may be seen first): take that in, then
    // judge whether it finished.
    w.once('exit', (code) => {
      drainNow();
      settle(new Error(`a verify worker exited with code ${code} before it finished`));
    });
    return {
      start: (job) => w.postMessage({ ...job, port: port2 }, [port2]),
      drain() {
        if (!listening) drainNow();
      },
      listen() {
        if (listening || settled) return;
        listening = true;
        port1.on('message', take);
      },
      done,
      cancel: () => {
        w.unref(); // the process need not wait for it to stop
        settle();
      },
    };
  });
}

export interface ParallelOptions extends VerifyOptions {
  jobs?: number;
  /** Told when a worker stopped early, with the number of units then verified on this thread instead. */
  onWorkerError?: (e: Error, reverified: number) => void;
  /** false: this thread claims no unit while the workers run (tests); default true. */
  mainThreadClaims?: boolean;
  /** The worker module (tests); default: the bundled worker, else scripts/lib/verify-worker.mjs. */
  workerUrl?: URL;
  /** Workers spawned ahead (spawnWorkers): used first; those not needed are stopped. */
  workers?: VerifyWorker[];
}

/** verifyEvidence, with the units spread over `jobs` threads (this one included). */
export function verifyEvidenceParallel(files: EvidenceFiles, opts: ParallelOptions = {}): Promise<Report> {
  return verifyShared(SharedTree.fromFiles(files), opts, true).then((r) => r.report);
}

/**
 * Reads and verifies a listed tree (listTree) with `jobs` threads (default: defaultJobs by the listed sizes).
 * Each unit's files are read by the thread that claims the unit; the trust roots by this thread before the workers
 * get their job, the epochs' proofs (which the vendor notes' time is taken from) by whichever threads first need
 * that time, and what no unit holds by this thread after the units. Gives the files as read, for the caller's
 * report, and the report.
 */
export function verifyTreeParallel(
  entries: TreeEntry[],
  opts: ParallelOptions = {},
): Promise<{ files: EvidenceFiles; report: Report }> {
  return verifyShared(SharedTree.of(entries), opts, true);
}

/**
 * The checks-only report of a tree on this thread alone, each fleet's result kept only as far as the rules across
 * units read it (IN_PLACE_FOR_RULES): what `fleetproof verify` prints for one thread.
 */
export function checksReportOf(files: EvidenceFiles, opts: VerifyOptions = {}): ChecksReport {
  return buildChecksReport(checkEvidenceWith(files, opts, IN_PLACE_FOR_RULES).list, files);
}

/**
 * verifyTreeParallel without the report's model, for a caller that prints only the checks (the CLI): every check
 * and error the same, but each fleet's result is cut to what the rules across units read (fleetForRules), so a
 * worker hands back a few KB per fleet instead of its members' certificates and statements (17 MB of results at
 * --scale 20, cloned from the workers and held until the report); so does one thread alone (IN_PLACE_FOR_RULES).
 */
export function verifyTreeChecks(
  entries: TreeEntry[],
  opts: ParallelOptions = {},
): Promise<{ files: EvidenceFiles; report: ChecksReport }> {
  return verifyShared(SharedTree.of(entries), opts, false);
}

/** With `model`, the full Report (verifyEvidence's); without, the checks only (checkEvidenceWith's). */
function verifyShared(
  tree: SharedTree,
  opts: ParallelOptions,
  model: true,
): Promise<{ files: EvidenceFiles; report: Report }>;
function verifyShared(
  tree: SharedTree,
  opts: ParallelOptions,
  model: false,
): Promise<{ files: EvidenceFiles; report: ChecksReport }>;
async function verifyShared(
  tree: SharedTree,
  opts: ParallelOptions,
  model: boolean,
): Promise<{ files: EvidenceFiles; report: Report | ChecksReport }> {
  try {
    return await verifySharedWith(tree, opts, model);
  } catch (e) {
    for (const w of opts.workers ?? []) w.cancel(); // none may keep the process alive
    throw e;
  }
}

async function verifySharedWith(
  tree: SharedTree,
  opts: ParallelOptions,
  model: boolean,
): Promise<{ files: EvidenceFiles; report: Report | ChecksReport }> {
  const single = () => {
    for (const w of opts.workers ?? []) w.cancel();
    const files = tree.files();
    return {
      files,
      report: model ? verifyEvidence(files, opts) : checksReportOf(files, opts),
    };
  };
  const jobs = Math.max(1, opts.jobs ?? defaultJobs(tree.size));
  if (jobs === 1) return single();
  const rootsBytes = tree.get(TRUST_ROOTS_FILE);
  let roots: TrustRoots | undefined;
  try {
    if (rootsBytes) roots = parseTrustRoots(readJson(rootsBytes, TRUST_ROOTS_FILE));
  } catch {
    roots = undefined; // the single-threaded run reports it
  }
  if (!roots) return single();
  const { entries } = tree.handle;
  const units = unitsOf(new Map(entries.map((e) => [e.rel, Math.max(0, e.room)])), roots);
  if (units.length < 2) return single();

  const counter = new SharedArrayBuffer(4);
  const wanted = Math.min(jobs, units.length) - 1;
  const ready = opts.workers ?? [];
  for (const w of ready.slice(wanted)) w.cancel();
  const workers = [
    ...ready.slice(0, wanted),
    ...spawnWorkers(Math.max(0, wanted - ready.length), opts.workerUrl && { url: opts.workerUrl }),
  ];
  for (const w of workers) w.start({ tree: tree.handle, counter, units, now: opts.now, forRules: !model });
  // The newest epoch's time, from the proofs, read by whichever threads first need it (SharedTree: each file once).
  const now = opts.now ?? newestTime(tree, proofsOf(entries));
  const read = (p: string) => tree.get(p);
  const byKey = new Map<string, UnitOutcome>();
  // This thread claims units too, while the workers start.
  if (opts.mainThreadClaims !== false)
    runClaimedUnits(units, new Int32Array(counter), read, roots, now, (o) => byKey.set(o.key, o), {
      between: () => {
        for (const w of workers) w.drain();
      },
      forRules: !model,
    });
  for (const w of workers) w.listen();
  const stopped: Error[] = [];
  for (const { outcomes, error } of await Promise.all(workers.map((w) => w.done))) {
    if (error) stopped.push(error);
    for (const o of outcomes)
      byKey.set(o.key, {
        ...o,
        errors: o.errors.map((e) => new VerificationError(e.code, e.message, { file: e.file, path: e.path })),
      });
  }
  const missing = units.filter((u) => !byKey.has(u.key));
  for (const e of stopped) opts.onWorkerError?.(e, missing.length);
  // Every worker has stopped: a file one was reading when it died is read again here.
  if (stopped.length) tree.unclaimAbandoned();
  if (missing.length)
    runClaimedUnits(
      missing,
      new Int32Array(new SharedArrayBuffer(4)),
      read,
      roots,
      now,
      (o) => byKey.set(o.key, o),
      { forRules: !model },
    );

  const take = (key: string) => {
    const o = byKey.get(key);
    if (!o) throw new Error(`no thread verified ${key}`);
    return o;
  };
  const files = tree.files();
  if (!model) {
    const { list } = checkEvidenceWith(files, opts, replaying<FleetForRules>(take));
    return { files, report: buildChecksReport(list, files) };
  }
  return { files, report: verifyEvidenceWith(files, opts, replaying<VerifiedFleet>(take)) };
}

/** A runner that hands back, in the order the core asks for them, the units' outcomes the threads computed. */
function replaying<F extends FleetForRules>(take: (key: string) => UnitOutcome): UnitRunner<F> {
  return {
    fleet(list, _roots, f) {
      const o = take(f.dir);
      list.replay(o.checks, o.errors);
      return o.result as F;
    },
    epoch(list, _policy, f) {
      const o = take(f.dir);
      list.replay(o.checks, o.errors);
      return o.result as VerifiedEpoch | undefined;
    },
  };
}
