/**
 * The widget's module worker: fetches the raw evidence from this site's own origin (root-relative URLs under
 * /evidence/) and runs the verification core on it, posting each check as it completes so that the page can show
 * it while the next one runs. Nothing here touches the DOM or any other origin. Signatures are checked with WebCrypto
 * where the page is a secure context (./prefetch.ts); without crypto.subtle (plain http, non-secure contexts) the
 * core's pure-JS noble code does it, a chunk of its own that this worker then loads at once (./lazy/).
 */
import { FetchError, verifyTarget, type Fetcher } from './plan.ts';
import { fatalOutcome, type FromWorker, type ToWorker } from './protocol.ts';
import { LIMITS } from '../../verify/limits.ts';
import { loadParts } from './lazy/registry.ts';

interface WorkerScope {
  postMessage(m: FromWorker): void;
  addEventListener(type: 'message', fn: (e: MessageEvent<ToWorker>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

/** /evidence/<path>, each segment percent-encoded (as the site's own links: site/lib/urls.ts). */
export function evidenceUrl(path: string): string {
  return `/evidence/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Reads a response body up to `max` bytes and stops there: a hostile 50 MB file costs the reader 4 MiB, and the
 * core then fails it with FILE_TOO_LARGE (docs/evidence-format.md §2), as the CLI does.
 */
async function readCapped(r: Response, max: number): Promise<Uint8Array> {
  if (!r.body) return new Uint8Array(await r.arrayBuffer()).subarray(0, max);
  const reader = r.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  while (n < max) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
  }
  if (n >= max) await reader.cancel();
  const out = new Uint8Array(Math.min(n, max));
  let o = 0;
  for (const p of parts) {
    const take = Math.min(p.length, out.length - o);
    out.set(p.subarray(0, take), o);
    o += take;
    if (o === out.length) break;
  }
  return out;
}

const fetchEvidence: Fetcher = async (path) => {
  // Revalidate: the check is about the bytes the site serves now, not a cached copy.
  const r = await fetch(evidenceUrl(path), { cache: 'no-cache', credentials: 'omit', redirect: 'error' });
  if (r.status === 404) return undefined;
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return readCapped(r, LIMITS.maxFileBytes + 1);
};

/** /log/<path>: the site's own log (checkpoint and tiles). */
const fetchLog = async (path: string): Promise<Uint8Array | undefined> => {
  const r = await fetch(`/log/${path}`, { cache: 'no-cache', credentials: 'omit', redirect: 'error' });
  if (r.status === 404) return undefined;
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return readCapped(r, LIMITS.maxFileBytes + 1);
};

async function handle(m: ToWorker): Promise<void> {
  const job = m.job;
  const t0 = performance.now();
  const emit = (
    step: Parameters<Parameters<typeof verifyTarget>[2]>[0],
    ms: number,
    group: 'main' | 'this' | 'other',
  ) => {
    // Checks that complete together (the core's, at the end of its run) go in one message.
    if (pending.length === 0) queueMicrotask(flush);
    pending.push({ step, ms, group });
  };
  const pending: Extract<FromWorker, { type: 'checks' }>['checks'] = [];
  const flush = () => {
    if (pending.length) scope.postMessage({ type: 'checks', job, checks: pending.splice(0) });
  };
  try {
    const outcome =
      m.type === 'verify'
        ? await verifyTarget(m.target, fetchEvidence, emit, undefined, {
            fetchLog,
            remembered: m.remembered,
          })
        : await (await import('./drop.ts')).checkInputs(m.files, fetchEvidence, emit);
    flush();
    scope.postMessage({ type: 'done', job, outcome });
  } catch (e) {
    const fetchFailed = e instanceof FetchError || e instanceof TypeError;
    flush();
    scope.postMessage({
      type: 'done',
      job,
      outcome: fatalOutcome(
        fetchFailed ? 'FETCH_FAILED' : 'WIDGET_ERROR',
        fetchFailed
          ? `could not fetch the evidence from this site (${(e as Error).message})`
          : `the verifier stopped: ${(e as Error).message}`,
        performance.now() - t0,
      ),
    });
  }
}

// Without WebCrypto every signature is noble's: load it now, while the page waits for a click.
if (!globalThis.crypto?.subtle) void loadParts(['reference']).catch(() => undefined);

// Jobs run one after another: a verification is synchronous once its files are in.
let queue: Promise<void> = Promise.resolve();
scope.addEventListener('message', (e) => {
  queue = queue.then(() => handle(e.data));
});
