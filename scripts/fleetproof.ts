/**
 * `fleetproof`: the command-line verifier an auditor runs offline.
 *   fleetproof verify [--evidence DIR] [--json] [--verbose] [--jobs N]
 *   fleetproof check-record FILE --auditor-key KEY [--json]
 *   fleetproof ingest FILE... [--evidence DIR] [--json]
 *   fleetproof check-attestation FILE --format marvell|nitro|yubihsm2 [...]
 *   fleetproof monitor SITE --trust-roots FILE [--state FILE] [--origin ORIGIN] [--json]
 * Exit status: 0 verified, 1 not verified (a missing or malformed file included), 2 usage error.
 */
import { parseArgs } from 'node:util';
import { formatError, formatReport } from '../verify/index.ts';
import { checkRecord, parseAuditorKey } from '../verify/check-record.ts';
import { VerificationError } from '../verify/errors.ts';
import { LIMITS } from '../verify/limits.ts';
import { SharedTree, TreeReadError, listTree, readNamedFile } from './lib/read-tree.ts';
import { runIngest } from './ingest.ts';
import { runCheckAttestation } from './check-attestation.ts';
import { runMonitor } from './monitor.ts';
import { saveCodeCachesOfTheRun } from './lib/code-cache.cjs';
import { useNodeCrypto } from './lib/node-crypto.ts';
import { checksReportOf, spawnWorkers, verifyTreeChecks } from './lib/parallel-verify.ts';
import { availableParallelism } from 'node:os';
import { writeJsonLines } from './lib/json-lines.ts';
import type { ChecksReport } from '../verify/report.ts';

const USAGE = `usage:
  fleetproof verify [--evidence DIR] [--json] [--verbose] [--jobs N]
      verify a whole evidence tree (default: evidence/) in N threads (default: one per core for a tree of 8 MiB
      or more, else one)
  fleetproof check-record FILE --auditor-key KEY [--json]
      verify one auditor record as the auditor's API returns it; KEY is the 32-byte Ed25519 key in hex or base64
  fleetproof ingest FILE... [--evidence DIR] [--json]
      verify new evidence against the tree and add it; writes nothing unless everything verifies
  fleetproof check-attestation FILE --format marvell|nitro|yubihsm2 [--chain PEMFILE] [--roots DIR] [--at TIME] [--json]
      verify one HSM vendor attestation as the vendor's tools hand it over (raw or base64)
  fleetproof monitor SITE --trust-roots FILE [--state FILE] [--origin ORIGIN] [--json]
      check a published site (an https URL or a folder) against your pinned trust roots: its log signed and
      extending the checkpoint remembered in FILE, every logged file served as logged, the evidence verified
exit status: 0 verified, 1 not verified, 2 usage error`;

export class UsageError extends Error {}

function usage(msg: string): never {
  throw new UsageError(msg);
}

interface VerifyRun {
  dir: string;
  json: boolean;
  verbose: boolean;
  jobs: number | undefined;
}

/** `verify`'s options (a usage error before anything is read or started). */
function parseVerify(args: string[]): VerifyRun {
  const { values } = parseArgs({
    args,
    options: {
      evidence: { type: 'string', default: 'evidence' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      jobs: { type: 'string', short: 'j' },
    },
    strict: true,
    allowPositionals: false,
  });
  let jobs: number | undefined;
  if (values.jobs !== undefined) {
    if (!/^[1-9][0-9]{0,3}$/.test(values.jobs)) usage(`--jobs takes a number of threads, not ${values.jobs}`);
    jobs = Number(values.jobs);
  }
  return { dir: values.evidence!, json: values.json ?? false, verbose: values.verbose ?? false, jobs };
}

/**
 * A tree that cannot be read whole (the folder missing, a file or folder in it unreadable): nothing is verified.
 * Prints the one error, as the report would (--json: ok false, no checks); exit status 1.
 */
function printUnreadable(run: VerifyRun, e: TreeReadError): number {
  const err = e.toVerificationError().toJSON();
  if (run.json) console.log(JSON.stringify({ ok: false, evidence: run.dir, errors: [err] }, null, 2));
  else console.error(formatError(err));
  return 1;
}

function progress(run: VerifyRun): (c: unknown) => void {
  const started = Date.now();
  let last = started;
  let n = 0;
  return () => {
    n++;
    if (!run.json && (n & 255) === 0 && Date.now() - last > 1000) {
      last = Date.now();
      process.stderr.write(`… ${n} checks, ${((last - started) / 1000).toFixed(1)} s\n`);
    }
  };
}

function printVerify(run: VerifyRun, report: ChecksReport): number {
  if (run.json) {
    const { ok, summary, checks, errors } = report;
    // Whole or in pieces by its size (scripts/lib/json-lines.ts).
    writeJsonLines({ ok, summary, checks, errors, evidence: run.dir }, (text) => process.stdout.write(text));
  } else console.log(formatReport(report, { verbose: run.verbose }));
  // Run from the bundles: their code cache, if this run had none, once a tree verified (one written after a usage
  // error, a missing folder or another command would hold next to none of what verify runs, and a cache V8 takes
  // is never written again).
  if (report.ok) saveCodeCachesOfTheRun();
  return report.ok ? 0 : 1;
}

/** Single-threaded (the synchronous entry point); `mainAsync` runs --jobs N. */
function cmdVerify(args: string[]): number {
  const run = parseVerify(args);
  let files;
  try {
    files = SharedTree.of(listTree(run.dir)).files();
  } catch (e) {
    if (e instanceof TreeReadError) return printUnreadable(run, e);
    throw e;
  }
  return printVerify(run, checksReportOf(files, { onCheck: progress(run) }));
}

async function cmdVerifyParallel(args: string[]): Promise<number> {
  const run = parseVerify(args);
  // Workers load their code while the tree is listed; verifyTreeChecks stops those it does not need. At most one
  // per other core ahead of time; more, if asked for, once the units are known.
  const n = Math.min(run.jobs ?? availableParallelism(), availableParallelism()) - 1;
  const workers = n > 0 ? spawnWorkers(n) : [];
  let report;
  try {
    ({ report } = await verifyTreeChecks(listTree(run.dir), {
      jobs: run.jobs,
      workers,
      onCheck: progress(run),
      onWorkerError: (e, n) =>
        console.error(
          `fleetproof: ${e.message}; ${n} unverified units were verified on the main thread instead`,
        ),
    }));
  } catch (e) {
    for (const w of workers) w.cancel(); // a worker left waiting would keep the process alive
    // Whichever thread met it first, this thread meets it again: a worker's units are verified here if it stops.
    if (e instanceof TreeReadError) return printUnreadable(run, e);
    throw e;
  }
  return printVerify(run, report);
}

function cmdCheckRecord(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    options: { 'auditor-key': { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) usage('check-record takes exactly one FILE');
  const keyText = values['auditor-key'];
  if (!keyText) usage('check-record needs --auditor-key KEY (32-byte Ed25519 key, hex or base64)');
  let key: Uint8Array;
  try {
    key = parseAuditorKey(keyText, '--auditor-key');
  } catch (e) {
    if (e instanceof VerificationError) usage(`--auditor-key: ${e.message}`);
    throw e;
  }
  const file = positionals[0]!;
  let bytes: Uint8Array;
  try {
    bytes = readNamedFile(file, LIMITS.maxRecordBytes + 1);
  } catch (e) {
    if (!(e instanceof TreeReadError)) throw e;
    const err = e.toVerificationError().toJSON();
    console.log(values.json ? JSON.stringify({ ok: false, errors: [err] }, null, 2) : formatError(err));
    return 1;
  }
  const r = checkRecord(bytes, file, key, '--auditor-key');
  if (values.json) console.log(JSON.stringify(r, null, 2));
  else {
    for (const c of r.checks)
      console.log(`${c.status === 'passed' ? '✓' : '✗'} ${c.title}${c.detail ? `\n    ${c.detail}` : ''}`);
    for (const e of r.errors) console.log(formatError(e));
    console.log(
      r.ok
        ? `✓ verified: epoch ${r.record!.epoch} of ${r.record!.namespace}, digest ${r.record!.digest}`
        : '✗ NOT verified',
    );
  }
  return r.ok ? 0 : 1;
}

/** `main`, with `verify` spread over worker threads (--jobs). What bin/fleetproof.mjs runs. */
export async function mainAsync(argv: string[]): Promise<number> {
  if (argv[0] !== 'verify' && argv[0] !== 'monitor') return main(argv);
  useNodeCrypto();
  try {
    return await (argv[0] === 'verify' ? cmdVerifyParallel : runMonitor)(argv.slice(1));
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`fleetproof: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

export function main(argv: string[]): number {
  useNodeCrypto();
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'verify':
        return cmdVerify(rest);
      case 'check-record':
        return cmdCheckRecord(rest);
      case 'ingest':
        return runIngest(rest);
      case 'check-attestation':
        return runCheckAttestation(rest);
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        usage(cmd ? `unknown command ${cmd}` : 'no command given');
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`fleetproof: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
