/**
 * The widget's module worker: fetches the raw evidence from this site's own origin (/evidence/index.json and the
 * page's pack under /packs/, else the files under /evidence/ one by one; at the click, or ahead of it when the
 * page asks: ./files.ts, ./pack.ts) and runs the verification core on it,
 * posting each check as it completes so that the page can show it while the next one runs. Nothing here touches
 * the DOM or any other origin. Signatures are checked with WebCrypto where the page is a secure context
 * (./prefetch.ts); without crypto.subtle (plain http, non-secure contexts) the core's pure-JS noble code does it, a
 * chunk of its own that this worker then loads at once (./lazy/). The /attestations/ page's checker has it verify
 * the vendor attestation samples too (`check-sample`, site/attestations/sample-check.ts, a chunk of its own).
 */
import { FetchError, verifyTarget, warmUp, type Fetcher } from './plan.ts';
import {
  fatalOutcome,
  type CheckSample,
  type FromWorker,
  type Outcome,
  type Target,
  type ToWorker,
} from './protocol.ts';
import {
  EvidenceSet,
  fetchEvidence as fetchFromSite,
  fetchPack,
  fromPack,
  MAX_READ,
  PREFETCH_MAX_AGE_MS,
  fetchSite,
  type FileResult,
} from './files.ts';
import { loadParts } from './lazy/registry.ts';
import { ruleOf } from '../../verify/error-rules.ts';

interface WorkerScope {
  postMessage(m: FromWorker): void;
  addEventListener(type: 'message', fn: (e: MessageEvent<ToWorker>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

/** A page's files fetched ahead of the click (`prefetch`), by target, until a `verify` of that target takes them. */
const prefetched = new Map<string, EvidenceSet>();
/** A target's key (the page sends the same object for the same element: ./fleet-verify.ts target). */
const targetKey = (t: Target) => JSON.stringify(t);

/**
 * Starts fetching a page's files ahead of the click (or joins the prefetch already under way for that target), has
 * the core warm up on them, and reports how the prefetch ended.
 */
async function prefetch(m: Extract<ToWorker, { type: 'prefetch' }>): Promise<void> {
  const key = targetKey(m.target);
  let set = prefetched.get(key);
  if (!set) {
    const fresh = (set = new EvidenceSet(m.target, fetchFromSite));
    prefetched.set(key, fresh);
    // Unused by then, it could not be used any more (PREFETCH_MAX_AGE_MS): its bytes are let go.
    setTimeout(() => prefetched.get(key) === fresh && prefetched.delete(key), PREFETCH_MAX_AGE_MS);
    // As a job would (./plan.ts verifyTarget): an epoch page needs the epochs' and the namespace's code.
    if (m.target.kind === 'epoch') loadParts(['epoch', 'namespace']).catch(() => undefined);
    // The core warms up on the page's files once they are in (./plan.ts warmUp: no verdict), unless a click took
    // the set by then.
    void fresh.files.then(async (files) => {
      const all = await Promise.all(files.values());
      queue = queue.then(() => {
        if (fresh.taken || fresh.stopped || !all.length) return;
        warmUp(new Map(all.map((r) => [r.path, 'bytes' in r ? r.bytes : undefined])));
      });
    });
  }
  const all = await Promise.all((await set.files).values());
  const index = await set.index;
  scope.postMessage({
    type: 'prefetched',
    job: m.job,
    state: set.stopped
      ? 'stopped'
      : 'bytes' in index && all.every((r) => !('error' in r))
        ? 'ready'
        : 'failed',
  });
}

/**
 * A checklist's Fetcher over a prefetched set: each file as the prefetch read it (waited for when it is not in
 * yet); one it could not read (the network) is fetched once more, and one it did not fetch is fetched now.
 */
function fromPrefetch(set: EvidenceSet): Fetcher {
  const use = async (r: FileResult) => {
    if ('error' in r) return fetchFromSite(r.path);
    return 'bytes' in r ? r.bytes : undefined;
  };
  const f: Fetcher = async (path) => {
    if (path === 'index.json') return use(await set.index);
    const f = (await set.files).get(path);
    return f ? use(await f) : fetchFromSite(path);
  };
  return f;
}

/**
 * The message with each core error's rule filled in: the rules' texts are a lazy part, loaded at the first failure
 * posted (./lazy/error-rules.ts). If they cannot be loaded, the failure is posted without them.
 */
async function withRules(m: Extract<FromWorker, { type: 'checks' | 'done' }>): Promise<FromWorker> {
  const bare = (m.checks ?? []).flatMap(({ step }) => step.errors.filter((e) => e.rule === ''));
  if (bare.length) {
    await loadParts(['error-rules']).catch(() => undefined);
    for (const e of bare) e.rule = ruleOf(e.code as Parameters<typeof ruleOf>[0]);
  }
  return m;
}

/**
 * Throws `e` outside any promise, where the page sees it (the Worker's `error` event ends every job it is waiting
 * for): for what failed so that no answer can be posted.
 */
const raise = (e: unknown) =>
  void setTimeout(() => {
    throw e;
  });

/** /log/<path>: the site's own log (checkpoint and tiles). */
const fetchLog = (path: string) => fetchSite(`/log/${path}`, MAX_READ);

async function handle(m: Extract<ToWorker, { type: 'verify' | 'check-files' }>): Promise<void> {
  const job = m.job;
  const t0 = performance.now();
  const emit = (
    step: Parameters<Parameters<typeof verifyTarget>[2]>[0],
    ms: number,
    group: 'main' | 'this' | 'other',
  ) => {
    // Checks that complete together (the core's, at the end of its run) go in one message, once the worker yields
    // to its event loop; those still pending when the job ends go with its `done`, so that the page shows the last
    // checks and the verdict in one task, without a frame rendered in between.
    if (pending.length === 0) setTimeout(flush);
    pending.push({ step, ms, group });
  };
  const pending: Extract<FromWorker, { type: 'checks' }>['checks'] = [];
  // Posted in order, each once its rules are in; one that cannot be posted is raised.
  let posted = Promise.resolve();
  const post = (m: Extract<FromWorker, { type: 'checks' | 'done' }>) => {
    posted = posted.then(async () => scope.postMessage(await withRules(m))).catch(raise);
  };
  const flush = () => {
    if (pending.length) post({ type: 'checks', job, checks: pending.splice(0) });
  };
  try {
    let outcome: Outcome;
    if (m.type === 'verify') {
      // The files fetched ahead of the click, once (a later click fetches anew), unless stale or stopped.
      const key = targetKey(m.target);
      const pre = prefetched.get(key);
      prefetched.delete(key);
      const set = pre?.claim() ? pre : undefined;
      outcome = await verifyTarget(
        m.target,
        // Without a prefetch: the page's pack, fetched now beside the index (./pack.ts).
        set ? fromPrefetch(set) : fromPack(fetchPack(m.target), fetchFromSite),
        emit,
        undefined,
        { fetchLog, remembered: m.remembered },
      );
      if (set) outcome.ahead = true;
    } else outcome = await (await import('./drop.ts')).checkInputs(m.files, fetchFromSite, emit);
    post({ type: 'done', job, outcome, checks: pending.splice(0) });
  } catch (e) {
    const fetchFailed = e instanceof FetchError || e instanceof TypeError;
    post({
      type: 'done',
      job,
      checks: pending.splice(0),
      outcome: fatalOutcome(
        fetchFailed ? 'FETCH_FAILED' : 'WIDGET_ERROR',
        fetchFailed
          ? `could not fetch the evidence from this site (${(e as Error).message})`
          : `the verifier stopped: ${(e as Error).message}`,
        performance.now() - t0,
      ),
    });
  }
  await posted;
}

// Without WebCrypto every signature is noble's: load it now, while the page waits for a click.
if (!globalThis.crypto?.subtle) void loadParts(['reference']).catch(() => undefined);

/**
 * A vendor attestation sample of the /attestations/ page: its code is a chunk of its own, loaded on the first. That
 * chunk answers every sample; if it cannot be loaded, that is raised.
 */
const checkSample = (m: CheckSample) =>
  import('../attestations/sample-check.ts').then(
    async (c) => scope.postMessage({ type: 'sample-done', job: m.job, outcome: await c.checkSample(m) }),
    raise,
  );

// Jobs run one after another: a verification is synchronous once its files are in.
let queue: Promise<void> = Promise.resolve();
scope.addEventListener('message', (e) => {
  const m = e.data;
  // A prefetch only fetches: it starts at once, not after the jobs before it.
  if (m.type === 'prefetch') void prefetch(m);
  else queue = queue.then(() => (m.type === 'check-sample' ? checkSample(m) : handle(m)));
});
