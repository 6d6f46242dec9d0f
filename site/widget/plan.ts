/**
 * What the <fleet-verify> widget checks, without any DOM or worker: the worker (site/widget/worker.ts) runs these
 * with `fetch`, the unit tests with files read from disk. Everything that decides a verdict is the core's
 * (verify/index.ts); this file only chooses the files, groups the core's checks for the page, and adds two
 * signals of its own (the fetch, and each file's SHA-256 against /evidence/index.json).
 *
 * Fleet page: trust-roots.json, the fleet's deployment.json and all its attestations, through `checkEvidence`
 * exactly as the CLI runs it on a tree that holds only them.
 *
 * Epoch page: trust-roots.json, every fleet's deployment.json (their keys are the fleet keys an artifact may
 * carry) and every epoch of the namespace (the namespace rules need all of them), again through
 * `checkEvidence`. The fleets' attestations are not fetched here, so the checks that need them (verified on each
 * fleet's page) are out of this page's scope; everything else counts.
 *
 * A checked file (pasted or dropped) is ./drop.ts's, a module of its own that the worker loads when a reader drops
 * one; it shares the helpers exported here.
 */
// The core's modules one by one, not verify/index.ts: that would bring every module it re-exports into the worker's
// first chunk (their schemas are built at load time, so a bundler cannot drop them).
import { VerificationError } from '../../verify/errors.ts';
import { TRUST_ROOTS_FILE } from '../../verify/trust.ts';
import { sha256 } from '../../verify/crypto/sha256.ts';
import { toHex } from '../../verify/encoding.ts';
import { checkEvidence } from '../../verify/tree.ts';
import type { CheckResult } from '../../verify/checklist.ts';
import {
  WIDGET_CODES,
  type Outcome,
  type Remembered,
  type Step,
  type StepError,
  type StepGroup,
  type Target,
} from './protocol.ts';
import { checkSiteLog, type LogFetcher } from './log-check.ts';
import { runVerdict } from './prefetch.ts';
import { loadParts, takeWanted } from './lazy/registry.ts';
import { referenceProvider } from '../../verify/crypto/reference.ts';
import { withCryptoProvider, type CryptoProvider } from '../../verify/crypto/provider.ts';
import { FetchError, filesFor, parseIndex, targetDir, type Fetcher, type IndexEntry } from './files.ts';

// Which files a page fetches is ./files.ts's (the page script fetches them); re-exported for the tests and drop.ts.
export { FetchError, filesFor, parseIndex, targetDir, type Fetcher, type IndexEntry };

export const short = (hex: string) => `${hex.slice(0, 16)}…`;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
export type Emit = (step: Step, ms: number, group: StepGroup) => void;

const yes = () => true;
/** Answers every signature question "yes" at once: for a warm-up, whose verdict is never used. */
const WARM_UP_PROVIDER: CryptoProvider = {
  ...referenceProvider,
  name: 'warm-up (no verdict)',
  ed25519: yes,
  ecdsa: yes,
  rsaPkcs1v15: yes,
};

/**
 * Runs the core once on the files fetched ahead of the click, and throws its result away: a browser compiles
 * JavaScript the first time it runs, and this way that happens while the worker waits for the reader's click
 * (./worker.ts prefetch). Nothing of it is kept but what any run may keep (the core's caches of pure functions of
 * their input), and the lazy parts it found it needs, which are loaded at once. The verdict comes from the click's
 * own run on the same files. A click without a prefetch does not warm up: its files come in together, in the page's
 * pack, so there is no wait to fill.
 */
export function warmUp(sample: Map<string, Uint8Array | undefined>): void {
  const files = new Map([...sample].filter((e): e is [string, Uint8Array] => e[1] !== undefined));
  try {
    withCryptoProvider(WARM_UP_PROVIDER, () => checkEvidence(files));
  } catch {
    /* a part not loaded yet, or anything else: it was only a warm-up */
  }
  const wanted = takeWanted();
  if (wanted.length) loadParts(wanted).catch(() => undefined);
}

/** Checks that need a fleet's attestations, which an epoch page does not fetch (each fleet's page runs them). */
const NEEDS_ATTESTATIONS = new Set(['fleet.attestations-complete', 'fleet.keys-attested', 'fleet.quorum']);

/** Where a core check goes on the page; undefined: outside this page's scope. */
export function groupOf(t: Target, c: CheckResult | Step): StepGroup | undefined {
  if (t.kind === 'fleet') return 'main';
  if (NEEDS_ATTESTATIONS.has(c.id) || c.id.startsWith('hsm.')) return undefined;
  if (c.subject === targetDir(t)) return 'this';
  if (c.subject.startsWith(`namespaces/${t.namespace}/`)) return 'other';
  return 'main';
}

/** A code of the core's rather than one of the widget's own (every error carries one or the other). */
const isCoreCode = (code: string) => !Object.prototype.hasOwnProperty.call(WIDGET_CODES, code);

/** Emits steps with the time each took (since the previous one) and keeps what the outcome needs. */
export class Stream {
  private last: number;
  readonly failed: Step[] = [];
  checks = 0;
  constructor(
    private readonly emitFn: Emit,
    private readonly now: () => number,
  ) {
    this.last = now();
  }
  clock(): number {
    return this.now();
  }
  /** Restarts the clock (after an await the time spent waiting is not the next check's). */
  mark(): void {
    this.last = this.now();
  }
  /** `took`: the step's own time, when it was measured apart (else the time since the previous step). */
  emit(step: Step, group: StepGroup = 'main', took?: number): void {
    const t = this.now();
    const ms = took ?? t - this.last;
    this.last = t;
    this.checks++;
    if (step.status === 'failed') this.failed.push(step);
    this.emitFn(step, ms, group);
  }
  firstError(): StepError | undefined {
    const all = this.failed.flatMap((s) => s.errors);
    return all.find((e) => isCoreCode(e.code)) ?? all[0];
  }
}

export function widgetStep(
  id: string,
  title: string,
  subject: string,
  detail: string,
  errors: StepError[] = [],
): Step {
  return { id, title, subject, status: errors.length ? 'failed' : 'passed', detail, errors };
}

/** Fetches every path (in parallel); a rejected fetch (network, not a 404) is a FetchError. */
export async function fetchAll(
  paths: string[],
  fetchFile: Fetcher,
): Promise<Map<string, Uint8Array | undefined>> {
  const got = await Promise.all(
    paths.map(async (p) => {
      try {
        return [p, await fetchFile(p)] as const;
      } catch (e) {
        throw new FetchError(`${p}: ${(e as Error).message}`);
      }
    }),
  );
  return new Map(got);
}

export async function fetchIndex(fetchFile: Fetcher): Promise<IndexEntry[]> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await fetchFile('index.json');
  } catch (e) {
    throw new FetchError(`/evidence/index.json: ${(e as Error).message}`);
  }
  if (!bytes) throw new FetchError('/evidence/index.json is not there');
  return parseIndex(bytes);
}

/**
 * One file's SHA-256 (hex) for the index check: the browser's own (crypto.subtle.digest, off the worker's thread)
 * where there is one, else the core's.
 */
export async function hexDigest(b: Uint8Array, subtle: SubtleCrypto | undefined): Promise<string> {
  if (subtle) {
    try {
      return toHex(new Uint8Array(await subtle.digest('SHA-256', b.slice().buffer as ArrayBuffer)));
    } catch {
      /* the core's, below */
    }
  }
  return toHex(sha256(b));
}

/** Each fetched file against its index entry: errors for the ones that differ or could not be fetched. */
export function indexErrors(
  index: IndexEntry[],
  got: Map<string, Uint8Array | undefined>,
  hex: Map<string, string>,
): StepError[] {
  const byPath = new Map(index.map((f) => [f.path, f]));
  const errors: StepError[] = [];
  for (const [path, bytes] of got) {
    const entry = byPath.get(path);
    if (!bytes) {
      errors.push({
        code: 'FETCH_FAILED',
        file: path,
        message: `/evidence/index.json lists ${path}, but the site does not serve it`,
      });
      continue;
    }
    const actual = hex.get(path) ?? toHex(sha256(bytes));
    if (entry && (actual !== entry.sha256 || bytes.length !== entry.size)) {
      errors.push({
        code: 'INDEX_MISMATCH',
        file: path,
        message: `SHA-256 ${short(actual)} (${bytes.length} bytes); the index lists ${short(entry.sha256)} (${entry.size} bytes)`,
      });
    }
  }
  return errors;
}

export function outcomeOf(
  s: Stream,
  o: { files: number; bytes: number; fetchMs: number; verifyMs: number; totalMs: number },
  auditorKey?: string,
): Outcome {
  const first = s.firstError();
  return {
    ok: s.failed.length === 0,
    code: first?.code,
    message: first?.message,
    checks: s.checks,
    failed: s.failed.length,
    ...o,
    ...(auditorKey !== undefined ? { auditorKey } : {}),
  };
}

/** The page's checklist: fetch, cross-check against the index, then the core. Throws FetchError only. */
export async function verifyTarget(
  target: Target,
  fetchFile: Fetcher,
  emit: Emit,
  now: () => number = () => performance.now(),
  log?: { fetchLog: LogFetcher; remembered: Remembered | undefined },
  /** The browser's WebCrypto; null: none (as outside a secure context). */
  subtleOrNone: SubtleCrypto | null | undefined = globalThis.crypto?.subtle,
): Promise<Outcome> {
  const subtle = subtleOrNone ?? undefined;
  const t0 = now();
  const s = new Stream(emit, now);
  // An epoch page needs the epochs' and the namespace's code (./lazy/): load it while the files come in.
  if (target.kind === 'epoch') loadParts(['epoch', 'namespace']).catch(() => undefined);
  // Each file is hashed for the index check as soon as it is in.
  const hashing = new Map<string, Promise<string>>();
  const fetched = (async () => {
    const index = await fetchIndex(fetchFile);
    const paths = filesFor(index, target);
    const got = await fetchAll(paths, async (p) => {
      const b = await fetchFile(p);
      if (b) hashing.set(p, hexDigest(b, subtle));
      return b;
    });
    return { index, got };
  })();
  // The site's log is fetched (and checked, once the trust roots are in) while the evidence is.
  const logChecked = log
    ? checkSiteLog(
        log.fetchLog,
        fetched.then(
          (f) => f.got.get(TRUST_ROOTS_FILE),
          () => undefined,
        ),
        log.remembered,
        (f) => runVerdict(f, subtle),
      ).then(
        (r) => ({ r }),
        (e: unknown) => ({ e }),
      )
    : undefined;
  const { index, got } = await fetched;
  const files = new Map<string, Uint8Array>();
  let bytes = 0;
  for (const [p, b] of got)
    if (b) {
      files.set(p, b);
      bytes += b.length;
    }
  const fetchMs = now() - t0;
  const dir = targetDir(target);
  s.emit(
    widgetStep(
      'widget.fetch',
      'The raw files are fetched from this site',
      'evidence',
      `${files.size} files, ${kb(bytes)}, as /evidence/index.json lists them`,
    ),
  );

  // A second signal: the bytes are the ones the site says it published. The verdict is the core's.
  s.emit(
    widgetStep(
      'widget.index',
      'Each file’s SHA-256 matches /evidence/index.json',
      'evidence',
      `${got.size} files hashed, SHA-256 each = the index’s`,
      indexErrors(
        index,
        got,
        new Map(await Promise.all([...hashing].map(async ([p, h]) => [p, await h] as const))),
      ),
    ),
  );

  // The subject must be there: an empty tree verifies vacuously.
  const needed =
    target.kind === 'fleet'
      ? [`${dir}/deployment.json`]
      : ['artifact.json', 'proof.json', 'auditor-record.json'].map((f) => `${dir}/${f}`);
  const missing = needed.filter((p) => !files.has(p));
  s.emit(
    widgetStep(
      'widget.subject',
      target.kind === 'fleet'
        ? 'The fleet’s deployment record is published'
        : 'The epoch’s files are published',
      dir,
      needed.map((p) => p.slice(dir.length + 1)).join(', '),
      missing.map((p) =>
        new VerificationError('FILE_MISSING', `${p} is not published`, { file: p }).toJSON(),
      ),
    ),
  );

  const t1 = now();
  // WebCrypto answers the signature questions of the synchronous core where the platform has it (./prefetch.ts);
  // the verdicts are the core's either way. The checks of the run that is kept are shown, each with its own time.
  const checks = await runVerdict(() => {
    const out: [CheckResult, number][] = [];
    let last = now();
    checkEvidence(files, {
      onCheck: (c) => {
        const t = now();
        out.push([c, t - last]);
        last = t;
      },
    });
    return out;
  }, subtle);
  for (const [c, took] of checks) {
    const g = groupOf(target, c);
    if (g) s.emit(c, g, took);
  }
  const t2 = now();
  let logOutcome: Outcome['log'];
  if (logChecked) {
    // The site's own log: signed by a pinned release key, and consistent with what this browser saw last time.
    const done = await logChecked;
    if ('e' in done) throw new FetchError(`/log/: ${(done.e as Error).message}`);
    const r = done.r;
    s.mark();
    s.emit(
      widgetStep(
        'widget.log',
        r.state === 'rewritten'
          ? 'This site REWROTE its history since your last visit'
          : 'The site’s log is signed and consistent with your last visit',
        'log/checkpoint',
        r.detail,
        r.errors,
      ),
    );
    logOutcome = { state: r.state, message: r.detail, remember: r.remember };
  }
  const t3 = now();
  return {
    ...outcomeOf(s, { files: files.size, bytes, fetchMs, verifyMs: t2 - t1, totalMs: t3 - t0 }),
    ...(logOutcome ? { log: logOutcome } : {}),
  };
}
