/**
 * What the <fleet-verify> widget checks, without any DOM or worker: the worker (site/widget/worker.ts) runs these
 * with `fetch`, the unit tests with files read from disk. Everything that decides a verdict is the core's
 * (verify/index.ts); this file only chooses the files, groups the core's checks for the page, and adds two
 * signals of its own (the fetch, and each file's SHA-256 against /evidence/index.json).
 *
 * Fleet page: trust-roots.json, the fleet's deployment.json and all its attestations, through `verifyEvidence`
 * exactly as the CLI runs it on a tree that holds only them.
 *
 * Epoch page: trust-roots.json, every fleet's deployment.json (their keys are the fleet keys an artifact may
 * carry) and every epoch of the namespace (the namespace rules need all of them), again through
 * `verifyEvidence`. The fleets' attestations are not fetched here, so the checks that need them (verified on each
 * fleet's page) are out of this page's scope; everything else counts.
 *
 * A checked file (pasted or dropped): an auditor record, a proof, a proof with its artifact (a validation bundle),
 * or an artifact alone, against the pinned keys of /evidence/trust-roots.json and the epoch this site publishes.
 */
import {
  Checklist,
  ERROR_CODES,
  LIMITS,
  TRUST_ROOTS_FILE,
  VerificationError,
  checkRecord,
  fromHex,
  isValidAt,
  isoOfMs,
  parseArtifact,
  parseProof,
  parseTrustRoots,
  placeEvidence,
  readJson,
  sha256,
  toHex,
  verifyAuditorSignature,
  verifyCountersignature,
  verifyEvidence,
  type CheckResult,
  type NamespacePolicy,
  type Proof,
  type TrustRoots,
} from '../../verify/index.ts';
import type { Outcome, Remembered, Step, StepError, StepGroup, Target } from './protocol.ts';
import { checkSiteLog, type LogFetcher } from './log-check.ts';
import { runVerdict } from './prefetch.ts';

export interface IndexEntry {
  path: string;
  sha256: string;
  size: number;
}

/** Reads one published file by its evidence path ('index.json' is /evidence/index.json): undefined when absent. */
export type Fetcher = (path: string) => Promise<Uint8Array | undefined>;
export type Emit = (step: Step, ms: number, group: StepGroup) => void;

/** The site could not be read at all: no index, or the network failed. */
export class FetchError extends Error {
  override name = 'FetchError';
}

const short = (hex: string) => `${hex.slice(0, 16)}…`;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** Parses /evidence/index.json (shape only: it is the site's claim, used to list files and as a second signal). */
export function parseIndex(bytes: Uint8Array): IndexEntry[] {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new FetchError('/evidence/index.json is not JSON');
  }
  const files = (v as { files?: unknown })?.files;
  if (!Array.isArray(files)) throw new FetchError('/evidence/index.json lists no files');
  return files.filter(
    (f): f is IndexEntry =>
      typeof f === 'object' &&
      f !== null &&
      typeof f.path === 'string' &&
      typeof f.sha256 === 'string' &&
      typeof f.size === 'number',
  );
}

export function targetDir(t: Target): string {
  return t.kind === 'fleet' ? `fleets/${t.fleetId}` : `namespaces/${t.namespace}/${t.epoch}`;
}

/** The evidence files a page's widget fetches, from the index. */
export function filesFor(index: IndexEntry[], t: Target): string[] {
  const want =
    t.kind === 'fleet'
      ? (p: string) => p === TRUST_ROOTS_FILE || p.startsWith(`fleets/${t.fleetId}/`)
      : (p: string) =>
          p === TRUST_ROOTS_FILE ||
          /^fleets\/[^/]+\/deployment\.json$/.test(p) ||
          p.startsWith(`namespaces/${t.namespace}/`);
  return index.map((f) => f.path).filter(want);
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

const isCoreCode = (code: string) => Object.prototype.hasOwnProperty.call(ERROR_CODES, code);

/** Emits steps with the time each took (since the previous one) and keeps what the outcome needs. */
class Stream {
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

function widgetStep(
  id: string,
  title: string,
  subject: string,
  detail: string,
  errors: StepError[] = [],
): Step {
  return { id, title, subject, status: errors.length ? 'failed' : 'passed', detail, errors };
}

/** Fetches every path (in parallel); a rejected fetch (network, not a 404) is a FetchError. */
async function fetchAll(paths: string[], fetchFile: Fetcher): Promise<Map<string, Uint8Array | undefined>> {
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

async function fetchIndex(fetchFile: Fetcher): Promise<IndexEntry[]> {
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
 * Each fetched file's SHA-256 (hex): the browser's own (crypto.subtle.digest, off the worker's thread, all at
 * once) where there is one, else the core's.
 */
async function digests(
  got: Map<string, Uint8Array | undefined>,
  subtle: SubtleCrypto | undefined,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    [...got].map(async ([p, b]) => {
      if (!b) return;
      const d = subtle
        ? new Uint8Array(await subtle.digest('SHA-256', b.slice().buffer as ArrayBuffer))
        : sha256(b);
      out.set(p, toHex(d));
    }),
  );
  return out;
}

/** Each fetched file against its index entry: errors for the ones that differ or could not be fetched. */
function indexErrors(
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

function outcomeOf(
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

export function fatalOutcome(code: string, message: string, totalMs = 0): Outcome {
  return {
    ok: false,
    code,
    message,
    checks: 0,
    failed: 1,
    files: 0,
    bytes: 0,
    fetchMs: 0,
    verifyMs: 0,
    totalMs,
  };
}

/** The page's checklist: fetch, cross-check against the index, then the core. Throws FetchError only. */
export async function verifyTarget(
  target: Target,
  fetchFile: Fetcher,
  emit: Emit,
  now: () => number = () => performance.now(),
  log?: { fetchLog: LogFetcher; remembered: Remembered | undefined },
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
): Promise<Outcome> {
  const t0 = now();
  const s = new Stream(emit, now);
  const fetched = (async () => {
    const index = await fetchIndex(fetchFile);
    return { index, got: await fetchAll(filesFor(index, target), fetchFile) };
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
      `${files.size} files, ${kb(bytes)}, from /evidence/ (listed by /evidence/index.json)`,
    ),
  );

  // A second signal: the bytes are the ones the site says it published. The verdict is the core's.
  s.emit(
    widgetStep(
      'widget.index',
      'Each file’s SHA-256 matches /evidence/index.json',
      'evidence',
      `${got.size} files hashed, SHA-256 each = the index’s`,
      indexErrors(index, got, await digests(got, subtle)),
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
    verifyEvidence(files, {
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

// ---------------------------------------------------------------------------------------------------------------
// Files a reader pastes or drops.

export interface Input {
  name: string;
  bytes: Uint8Array;
}

const KIND_NAME = {
  'auditor-record': 'an auditor record',
  proof: 'a proof',
  artifact: 'an artifact',
} as const;

interface Placed {
  input: Input;
  kind: 'artifact' | 'proof' | 'auditor-record';
  namespace: string;
  epoch: number;
}

/** Checks pasted or dropped files against the pinned keys and the published namespace. Throws FetchError only. */
export async function checkInputs(
  inputs: Input[],
  fetchFile: Fetcher,
  emit: Emit,
  now: () => number = () => performance.now(),
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
): Promise<Outcome> {
  const t0 = now();
  const s = new Stream(emit, now);

  // What each file is (by content, as `fleetproof ingest` places it).
  const { placed, unsupported } = await buffered(s, now, subtle, (list) => {
    const placed: Placed[] = [];
    const unsupported: Input[] = [];
    placeInputs(list, inputs, placed, unsupported);
    return { placed, unsupported };
  });
  for (const input of unsupported) {
    s.emit(
      widgetStep('drop.kind-supported', 'The file is of a kind this box checks', input.name, '', [
        {
          code: 'UNSUPPORTED_KIND',
          file: input.name,
          message:
            'deployment records and attestations are checked with the whole tree: on their fleet’s page, or with `npx fleetproof ingest`',
        },
      ]),
    );
  }
  if (placed.length === 0)
    return outcomeOf(s, {
      files: inputs.length,
      bytes: 0,
      fetchMs: 0,
      verifyMs: now() - t0,
      totalMs: now() - t0,
    });

  // What this site publishes: the trust roots, and the proof of every epoch the files name.
  const index = await fetchIndex(fetchFile);
  const listed = new Set(index.map((f) => f.path));
  const publishedPaths = [
    TRUST_ROOTS_FILE,
    ...new Set(
      placed.map((p) => `namespaces/${p.namespace}/${p.epoch}/proof.json`).filter((p) => listed.has(p)),
    ),
  ];
  const fetched = await fetchAll(publishedPaths, fetchFile);
  const fetchMs = now() - t0;
  s.mark();
  s.emit(
    widgetStep(
      'widget.index',
      'The published files fetched match /evidence/index.json',
      'evidence',
      `${publishedPaths.join(', ')}: SHA-256 each = the index’s`,
      indexErrors(index, fetched, await digests(fetched, subtle)),
    ),
  );

  const auditorKey = await buffered(s, now, subtle, (list, bs) => {
    let roots: TrustRoots | undefined;
    list.run(
      'trust-roots',
      'The pinned keys are read from /evidence/trust-roots.json',
      TRUST_ROOTS_FILE,
      () => {
        const b = fetched.get(TRUST_ROOTS_FILE);
        if (!b)
          throw new VerificationError('FILE_MISSING', 'the site serves no trust roots', {
            file: TRUST_ROOTS_FILE,
          });
        roots = parseTrustRoots(readJson(b, TRUST_ROOTS_FILE));
        return `${roots.keys.length} pinned keys, ${roots.namespaces.size} namespace${roots.namespaces.size === 1 ? '' : 's'}`;
      },
    );
    let auditorKey: string | undefined;
    if (roots) {
      const r = roots;
      const published = (p: Placed) => {
        const path = `namespaces/${p.namespace}/${p.epoch}/proof.json`;
        return { path, bytes: fetched.get(path) };
      };
      // A proof with the artifact of the same epoch is a validation bundle.
      const proofs = placed.filter((p) => p.kind === 'proof');
      const artifacts = placed.filter((p) => p.kind === 'artifact');
      const paired = new Set<Placed>();
      for (const p of proofs) {
        const a = artifacts.find((x) => !paired.has(x) && x.namespace === p.namespace && x.epoch === p.epoch);
        if (a) paired.add(a);
        const k = checkProof(list, r, p, a, published(p));
        auditorKey ??= k;
      }
      for (const a of artifacts.filter((x) => !paired.has(x))) checkArtifactAlone(list, r, a, published(a));
      for (const rec of placed.filter((p) => p.kind === 'auditor-record')) {
        const k = checkRecordInput(list, bs, r, rec, published(rec));
        auditorKey ??= k;
      }
    }
    return auditorKey;
  });
  const t2 = now();
  const bytes = inputs.reduce((n, i) => n + i.bytes.length, 0);
  return outcomeOf(
    s,
    { files: inputs.length, bytes, fetchMs, verifyMs: t2 - t0 - fetchMs, totalMs: t2 - t0 },
    auditorKey,
  );
}

/**
 * Runs the synchronous checks `fn` makes (on a checklist, or on a stream for checks timed apart) through
 * runVerdict, then shows the checks of the run that was kept on `s`, each with its own time.
 */
async function buffered<T>(
  s: Stream,
  now: () => number,
  subtle: SubtleCrypto | undefined,
  fn: (list: Checklist, stream: Stream) => T,
): Promise<T> {
  const { value, shown } = await runVerdict(() => {
    const shown: [Step, StepGroup, number][] = [];
    const stream = new Stream((step, ms, group) => shown.push([step, group, ms]), now);
    const list = new Checklist();
    list.onCheck = (c) => stream.emit(c);
    return { value: fn(list, stream), shown };
  }, subtle);
  for (const [step, group, ms] of shown) s.emit(step, group, ms);
  return value;
}

/** What each input is, by content (as `fleetproof ingest` places it). */
function placeInputs(list: Checklist, inputs: Input[], placed: Placed[], unsupported: Input[]): void {
  for (const input of inputs) {
    list.run('drop.kind', 'The file is an auditor record, a proof or an artifact', input.name, () => {
      const p = placeEvidence(input.bytes, input.name);
      const m = /^namespaces\/([^/]+)\/(\d+)\/[^/]+$/.exec(p.path);
      if (p.kind === 'deployment' || p.kind === 'attestation' || !m) {
        unsupported.push(input);
        return `a ${p.kind} (${p.path})`;
      }
      placed.push({ input, kind: p.kind, namespace: m[1]!, epoch: Number(m[2]) });
      return `${KIND_NAME[p.kind]} for epoch ${m[2]} of ${m[1]}`;
    });
  }
}

function policyOf(list: Checklist, roots: TrustRoots, p: Placed): NamespacePolicy | undefined {
  let policy: NamespacePolicy | undefined;
  list.run('drop.namespace', 'The namespace is declared in the trust roots', p.input.name, () => {
    policy = roots.namespaces.get(p.namespace);
    if (!policy)
      throw new VerificationError(
        'NAMESPACE_UNKNOWN',
        `namespace ${p.namespace} is not declared in ${TRUST_ROOTS_FILE}`,
        {
          file: p.input.name,
          path: '$.namespace',
        },
      );
    return `${p.namespace}: auditor keys ${policy.auditorKeys.map((k) => k.id).join(', ')}; operator keys ${policy.operatorKeys.map((k) => k.id).join(', ')}`;
  });
  return policy;
}

/** The published proof of the file's epoch, read (its digest is the comparison). */
function readPublished(p: Placed, pub: { path: string; bytes: Uint8Array | undefined }): Proof {
  if (!pub.bytes)
    throw new VerificationError('FILE_MISSING', `this site publishes no epoch ${p.epoch} of ${p.namespace}`, {
      file: pub.path,
    });
  return parseProof(readJson(pub.bytes, pub.path, { maxBytes: LIMITS.maxRecordBytes }), pub.path);
}

/** The auditor signature (and the key's validity at the proof's time) under the namespace's pinned auditor keys. */
function auditorSignature(
  list: Checklist,
  policy: NamespacePolicy,
  proof: Proof,
  file: string,
  title: string,
): string | undefined {
  let id: string | undefined;
  list.run('drop.auditor-signature', title, file, () => {
    const time = isoOfMs(proof.timestamp);
    const k = verifyAuditorSignature(
      proof,
      policy.auditorKeys.map((key) => ({ id: key.id, publicKey: key.publicKey })),
      file,
    );
    const pinned = policy.auditorKeys.find((key) => key.id === k.id)!;
    if (!isValidAt(pinned, time))
      throw new VerificationError(
        'KEY_OUTSIDE_VALIDITY',
        `verifies under ${pinned.id}, valid from ${pinned.validFrom} until ${pinned.validUntil}, used at ${time}`,
        { file, path: '$.signature' },
      );
    id = pinned.id;
    return `Ed25519 over the ${proof.ciphersuite === 1 ? 'protobuf' : 'bincode'} SignatureMessage, key ${pinned.id} (${short(pinned.fingerprint)})`;
  });
  return id;
}

function countersignature(
  list: Checklist,
  policy: NamespacePolicy,
  proof: Proof,
  file: string,
  title: string,
): void {
  list.run('drop.countersignature', title, file, () => {
    const k = verifyCountersignature(proof, policy.operatorKeys, isoOfMs(proof.timestamp), file);
    return `${k.algorithm} over the auditor’s 64 signature bytes, key ${k.id} (${short(k.fingerprint)})`;
  });
}

function digestOfArtifact(list: Checklist, a: Placed, proof: Proof, proofName: string, title: string): void {
  list.run('drop.digest', title, a.input.name, () => {
    const actual = toHex(sha256(a.input.bytes));
    const signed = toHex(proof.digest);
    if (actual !== signed)
      throw new VerificationError(
        'DIGEST_MISMATCH',
        `SHA-256 of ${a.input.name} is ${actual}, ${proofName} signs ${signed}`,
        { file: a.input.name, path: '$' },
      );
    return `sha256(${a.input.name}) = ${short(actual)} = ${proofName} digest`;
  });
  list.run(
    'drop.artifact',
    'The artifact names the proof’s namespace and epoch and is dated before it',
    a.input.name,
    () => {
      const art = parseArtifact(readJson(a.input.bytes, a.input.name), a.input.name);
      const time = isoOfMs(proof.timestamp);
      if (art.namespace !== proof.namespace || art.epoch !== proof.epoch || art.issuedAt > time)
        throw new VerificationError(
          'ARTIFACT_MISMATCH',
          `the artifact is ${art.namespace} epoch ${art.epoch} issued ${art.issuedAt}; the proof ${proof.namespace} epoch ${proof.epoch} at ${time}`,
          { file: a.input.name, path: '$' },
        );
      return `${art.keys.length} key${art.keys.length === 1 ? '' : 's'}, issued ${art.issuedAt}`;
    },
  );
}

function publishedDigest(
  list: Checklist,
  p: Placed,
  digest: Uint8Array,
  pub: { path: string; bytes: Uint8Array | undefined },
  code: 'DIGEST_MISMATCH' | 'PROOF_RECORD_MISMATCH',
): void {
  list.run(
    'drop.published',
    `The digest is the one this site publishes for epoch ${p.epoch}`,
    p.input.name,
    () => {
      const published = readPublished(p, pub);
      const mine = toHex(digest);
      const theirs = toHex(published.digest);
      if (mine !== theirs)
        throw new VerificationError(
          code,
          `this site publishes epoch ${p.epoch} with digest ${theirs}; ${p.input.name} carries ${mine}`,
          { file: p.input.name, path: '$.digest' },
        );
      return `digest ${short(mine)} = /evidence/${pub.path}`;
    },
  );
}

/** A proof, with its artifact when one was given: the per-epoch checks 2–4 and 6, then the published digest. */
function checkProof(
  list: Checklist,
  roots: TrustRoots,
  p: Placed,
  artifact: Placed | undefined,
  pub: { path: string; bytes: Uint8Array | undefined },
): string | undefined {
  const file = p.input.name;
  let proof: Proof | undefined;
  list.run(
    'drop.proof',
    'The proof parses: fields, hex, lengths, ciphersuite, serialized_message',
    file,
    () => {
      proof = parseProof(readJson(p.input.bytes, file, { maxBytes: LIMITS.maxRecordBytes }), file);
      return `epoch ${proof.epoch} of ${proof.namespace}, ciphersuite ${proof.ciphersuite}`;
    },
  );
  if (!proof) return undefined;
  const policy = policyOf(list, roots, p);
  if (!policy) return undefined;
  if (artifact)
    digestOfArtifact(list, artifact, proof, file, 'The artifact’s SHA-256 equals the digest the proof signs');
  const id = auditorSignature(
    list,
    policy,
    proof,
    file,
    'The auditor’s signature verifies under a pinned auditor key',
  );
  countersignature(
    list,
    policy,
    proof,
    file,
    'The operator’s counter-signature verifies over the auditor’s signature',
  );
  publishedDigest(list, p, proof.digest, pub, 'DIGEST_MISMATCH');
  return id;
}

/** An artifact alone: against the proof this site publishes for its epoch, whose signatures are checked here. */
function checkArtifactAlone(
  list: Checklist,
  roots: TrustRoots,
  a: Placed,
  pub: { path: string; bytes: Uint8Array | undefined },
): void {
  const policy = policyOf(list, roots, a);
  if (!policy) return;
  let proof: Proof | undefined;
  list.run('drop.published-proof', `This site publishes a proof for epoch ${a.epoch}`, pub.path, () => {
    proof = readPublished(a, pub);
    return `/evidence/${pub.path}`;
  });
  if (!proof) return;
  auditorSignature(
    list,
    policy,
    proof,
    pub.path,
    'The published proof’s auditor signature verifies under a pinned auditor key',
  );
  countersignature(list, policy, proof, pub.path, 'The published proof’s counter-signature verifies');
  digestOfArtifact(
    list,
    a,
    proof,
    'the published proof',
    'The artifact’s SHA-256 equals the digest published for its epoch',
  );
}

/** An auditor record: `checkRecord` against each pinned auditor key of its namespace, then the published digest. */
function checkRecordInput(
  list: Checklist,
  s: Stream,
  roots: TrustRoots,
  p: Placed,
  pub: { path: string; bytes: Uint8Array | undefined },
): string | undefined {
  const file = p.input.name;
  const policy = policyOf(list, roots, p);
  if (!policy) return undefined;
  const tries = [];
  for (const k of policy.auditorKeys) {
    const t0 = s.clock();
    const r = checkRecord(p.input.bytes, file, k.publicKey, k.id);
    tries.push({ k, r, ms: s.clock() - t0 });
    if (r.ok || !r.record) break;
  }
  // checkRecord reads the record again for each key: the read is shown once, each key's try with its own time
  // (the signature dominates it).
  const read = tries[0]!.r.checks.find((c) => c.id === 'record.read');
  if (read) s.emit(read, 'main', tries[0]!.r.record ? 0 : tries[0]!.ms);
  const good = tries.find((t) => t.r.ok);
  if (!tries[0]!.r.record) return undefined;
  // Show the key that verified; when none did, each key that was tried.
  for (const t of good ? [good] : tries) {
    const c = t.r.checks.find((x) => x.id === 'record.signature');
    if (c)
      s.emit(
        { ...c, title: `The auditor’s Ed25519 signature verifies under pinned key ${t.k.id}` },
        'main',
        t.ms,
      );
  }
  if (!good) return undefined;
  const rec = good.r.record!;
  list.run('drop.key-validity', `The key ${good.k.id} was valid at the record’s time`, file, () => {
    const time = isoOfMs(rec.timestamp);
    if (!isValidAt(good.k, time))
      throw new VerificationError(
        'KEY_OUTSIDE_VALIDITY',
        `${good.k.id} is valid from ${good.k.validFrom} until ${good.k.validUntil}; the record is signed at ${time}`,
        { file, path: '$.timestamp' },
      );
    return `${good.k.validFrom} ≤ ${time} < ${good.k.validUntil}`;
  });
  publishedDigest(list, p, fromHex(rec.digest), pub, 'PROOF_RECORD_MISMATCH');
  return good.k.id;
}
