/**
 * What the <fleet-verify> widget's second box checks: files a reader pastes or drops (an auditor record, a proof, a
 * proof with its artifact (a validation bundle), or an artifact alone), against the pinned keys of
 * /evidence/trust-roots.json and the epoch this site publishes. A module of its own, which the worker loads when a
 * reader drops a file (./worker.ts): a page's checklist (./plan.ts) does not need it.
 */
import {
  Checklist,
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
  type NamespacePolicy,
  type Proof,
  type TrustRoots,
} from '../../verify/index.ts';
import type { Outcome, Step, StepGroup } from './protocol.ts';
import {
  Stream,
  fetchAll,
  fetchIndex,
  hexDigest,
  indexErrors,
  outcomeOf,
  short,
  widgetStep,
  type Emit,
  type Fetcher,
} from './plan.ts';
import { runVerdict } from './prefetch.ts';

/** Each fetched file's SHA-256 (hex), all at once (./plan.ts hexDigest). */
async function digests(
  got: Map<string, Uint8Array | undefined>,
  subtle: SubtleCrypto | undefined,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    [...got].map(async ([p, b]) => {
      if (b) out.set(p, await hexDigest(b, subtle));
    }),
  );
  return out;
}

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
  /** The browser's WebCrypto; null: none (as outside a secure context). */
  subtleOrNone: SubtleCrypto | null | undefined = globalThis.crypto?.subtle,
): Promise<Outcome> {
  const subtle = subtleOrNone ?? undefined;
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
