/**
 * <fleet-verify data-kind="fleet|epoch" data-subject="…">: "verify in your browser".
 *
 * Pressing its button (or opening the page at #verify) fetches the page's raw evidence from this site (the index
 * and the page's pack, ./pack.ts) and runs the verification core on it in a module worker (./worker.ts), showing
 * each check as it completes: passed or failed, what was compared, how long it took. The outcome is on the element
 * for tools and tests:
 *
 *   data-state     idle | running | verified | failed
 *   data-code      on failure, the first error's code (the core's: DIGEST_MISMATCH, CHAIN_BROKEN, …; or the
 *                  widget's own FETCH_FAILED, INDEX_MISMATCH, WIDGET_ERROR when the core found nothing)
 *   data-prefetch  fetching | ready | stopped | failed | off: the files fetched ahead of the click (below)
 *
 * The worker fetches the page's files ahead of the click once the widget comes near the viewport, or the pointer or
 * the focus reaches its button (./files.ts EvidenceSet), unless the reader asked to save data (saveData) or they are
 * over PREFETCH_MAX_BYTES. A click takes them once (waiting for those still coming in; fetching again any the
 * prefetch could not read); "Verify again", or a click PREFETCH_MAX_AGE_MS later, fetches anew. Either way the
 * verdict is over exactly the bytes fetched.
 *
 * A second box checks a file the reader has (an auditor record, a proof, a proof with its artifact) against the
 * pinned keys and the published namespace; its result is on `.fv-drop-result` with the same attributes plus
 * `data-key`, the pinned auditor key that verified.
 *
 * The page's own text is never an input: the attributes only say which fleet or epoch to fetch. This script holds
 * no verification code (it is all in the worker) and makes no request itself.
 */
import {
  fatalOutcome,
  type FromWorker,
  type Outcome,
  type Remembered,
  type Step,
  type StepGroup,
  type Target,
} from './protocol.ts';
import { el } from '../lib/dom.ts';
import { grouped } from './format.ts';
import { type Job, verifyWorkerClient } from './start-worker.ts';

// ---------------------------------------------------------------------------------------------------------------
// The site's log checkpoint this browser saw last, per origin (docs/evidence-format.md §10).

const LOG_KEY = 'fleetproof:last-checkpoint';

function recall(): Remembered | undefined {
  try {
    const v = JSON.parse(localStorage.getItem(LOG_KEY) ?? 'null') as Remembered | null;
    return v && typeof v.origin === 'string' && Number.isSafeInteger(v.size) && typeof v.root === 'string'
      ? v
      : undefined;
  } catch {
    return undefined; // storage disabled: every visit is a first visit
  }
}

function remember(c: Remembered): void {
  try {
    localStorage.setItem(LOG_KEY, JSON.stringify(c));
  } catch {
    /* storage disabled */
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The worker, shared by every job on the page.

const worker = verifyWorkerClient('fleet-verify');

/** The reader asked to save data (Chromium's Data Saver, the Save-Data setting): nothing is fetched ahead. */
function savingData(): boolean {
  return (navigator as Navigator & { connection?: { saveData?: boolean } }).connection?.saveData === true;
}

/**
 * Starts the worker (once): its script is fetched and compiled, nothing else. The page does this when the widget
 * appears, so that a click only runs the check; evidence is fetched before the click only by `prefetch`.
 */
function warmUp(): void {
  try {
    worker.start();
  } catch {
    /* the click will report it */
  }
}

function runJob(job: Job, on: (m: FromWorker) => void): void {
  worker.run(job, (m) => {
    // The last checks come with `done`: shown, then the outcome, in one task (./protocol.ts).
    if (m.type === 'done' && m.checks?.length) on({ type: 'checks', job: m.job, checks: m.checks });
    on(m);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering: text only, never HTML (el, site/lib/dom.ts).

const ms = (t: number) => `${t < 10 ? t.toFixed(1) : Math.round(t)} ms`;
const plural = (n: number, w: string) => `${grouped(n)} ${w}${n === 1 ? '' : 's'}`;
let uid = 0;

/**
 * One step's row, cloned from a row built once (a fleet page shows about 170 rows at once: cloning is several times
 * cheaper than building each element and attribute anew). Text goes in as text, never HTML.
 */
let rowTemplate: HTMLLIElement | undefined;
function stepItem(step: Step, took: number): HTMLLIElement {
  rowTemplate ??= el(
    'li',
    { class: 'fv-step' },
    el('span', { class: 'fv-mark', 'aria-hidden': 'true' }),
    el(
      'div',
      { class: 'fv-body' },
      el(
        'div',
        { class: 'fv-head' },
        el(
          'span',
          { class: 'fv-title' },
          el('span', { class: 'visually-hidden' }),
          document.createTextNode(''),
        ),
        ' ',
        el('span', { class: 'fv-time' }),
      ),
      el('div', { class: 'fv-subject mono' }),
    ),
  );
  const passed = step.status === 'passed';
  const li = rowTemplate.cloneNode(true) as HTMLLIElement;
  li.dataset.status = step.status;
  li.dataset.check = step.id;
  const [mark, body] = li.children as unknown as [HTMLElement, HTMLElement];
  mark.textContent = passed ? '✓' : '✗';
  const [head, subject] = body.children as unknown as [HTMLElement, HTMLElement];
  const [title, time] = head.children as unknown as [HTMLElement, HTMLElement];
  title.firstChild!.textContent = passed ? 'Passed: ' : 'Failed: ';
  (title.lastChild as Text).data = step.title;
  time.textContent = ms(took);
  subject.textContent = step.subject;
  if (step.detail) body.append(el('div', { class: 'fv-detail' }, step.detail));
  if (!passed && step.errors.length) {
    const ul = el('ul', { class: 'fv-errors' });
    for (const e of step.errors.slice(0, 20)) {
      ul.append(
        el(
          'li',
          {},
          el('code', { class: 'fv-code' }, e.code),
          ' ',
          e.file ? el('span', { class: 'mono' }, `${e.file}${e.path ? ` ${e.path}` : ''}`) : undefined,
          e.file ? ': ' : '',
          e.message,
          e.rule ? el('span', { class: 'fv-rule' }, ` (rule: ${e.rule})`) : undefined,
        ),
      );
    }
    if (step.errors.length > 20) ul.append(el('li', {}, `… and ${step.errors.length - 20} more`));
    body.append(ul);
  }
  return li;
}

/** A step list that can fold one group into a single counting line (the other epochs on an epoch page). */
class StepList {
  readonly ol: HTMLOListElement;
  private folded:
    | { li: HTMLLIElement; text: HTMLElement; n: number; failed: number; subjects: Set<string>; took: number }
    | undefined;
  constructor(label: string) {
    // Focusable: it scrolls, and a keyboard user must be able to scroll it.
    this.ol = el('ol', { class: 'fv-steps', 'aria-label': label, tabindex: '0' });
    this.ol.hidden = true;
  }
  clear(): void {
    this.ol.replaceChildren();
    this.ol.hidden = true;
    this.folded = undefined;
  }
  /** Adds the checks of one message, in one insertion into the page. */
  addAll(checks: readonly { step: Step; ms: number; group: StepGroup }[]): void {
    const batch = document.createDocumentFragment();
    for (const c of checks) this.add(c.step, c.ms, c.group, batch);
    this.ol.append(batch);
  }
  private add(step: Step, took: number, group: StepGroup, into: DocumentFragment): void {
    this.ol.hidden = false;
    if (group === 'other') {
      if (!this.folded) {
        const text = el('span', { class: 'fv-title' });
        const li = el('li', {
          class: 'fv-step fv-folded',
          'data-status': 'passed',
          'data-check': 'other-epochs',
        });
        li.append(
          el('span', { class: 'fv-mark', 'aria-hidden': 'true' }, '✓'),
          el('div', { class: 'fv-body' }, el('div', { class: 'fv-head' }, text)),
        );
        into.append(li);
        this.folded = { li, text, n: 0, failed: 0, subjects: new Set(), took: 0 };
      }
      const f = this.folded;
      f.n++;
      f.took += took;
      f.subjects.add(step.subject);
      if (step.status === 'failed') {
        f.failed++;
        f.li.dataset.status = 'failed';
        f.li.querySelector('.fv-mark')!.textContent = '✗';
        into.append(stepItem(step, took));
      }
      f.text.textContent = `The namespace’s other epochs, each checked the same way: ${plural(f.subjects.size, 'epoch')}, ${plural(f.n, 'check')}${f.failed ? `, ${f.failed} failed (below)` : ', all passed'} — ${ms(f.took)}`;
      return;
    }
    into.append(stepItem(step, took));
  }
}

// ---------------------------------------------------------------------------------------------------------------

const MAX_INPUT = 4 * 1024 * 1024 + 1; // the core's file limit, plus one byte so that it reports FILE_TOO_LARGE

export class FleetVerify extends HTMLElement {
  private built = false;
  private running = false;
  private button!: HTMLButtonElement;
  private summary!: HTMLElement;
  private steps!: StepList;
  private drop!: {
    result: HTMLElement;
    summary: HTMLElement;
    steps: StepList;
    input: HTMLInputElement;
    text: HTMLTextAreaElement;
    zone: HTMLElement;
  };
  private readonly onHash = () => {
    if (location.hash === '#verify' && !this.running) this.start();
  };
  private prefetchTried = false;
  private observer: IntersectionObserver | undefined;
  private readonly onNear = () => this.prefetch();

  target(): Target | undefined {
    const subject = this.dataset.subject ?? '';
    if (this.dataset.kind === 'fleet' && subject) return { kind: 'fleet', fleetId: subject };
    const m = /^(.+)\/(0|[1-9][0-9]*)$/.exec(subject);
    if (this.dataset.kind === 'epoch' && m) return { kind: 'epoch', namespace: m[1]!, epoch: Number(m[2]) };
    return undefined;
  }

  connectedCallback(): void {
    if (!this.built) this.build();
    warmUp();
    window.addEventListener('hashchange', this.onHash);
    if (location.hash === '#verify' && this.dataset.state === 'idle') this.start();
    else if (!this.prefetchTried && typeof IntersectionObserver === 'function') {
      // Within a screen's height of the viewport, so that the files are in by the time the reader gets there.
      this.observer = new IntersectionObserver((es) => es.some((e) => e.isIntersecting) && this.prefetch(), {
        rootMargin: '100% 0px',
      });
      this.observer.observe(this);
    }
  }

  disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHash);
    this.observer?.disconnect();
    this.observer = undefined;
  }

  /** Has the worker fetch the page's files ahead of the click (once per page view; see the top of this file). */
  prefetch(): void {
    if (this.prefetchTried || this.running) return;
    this.prefetchTried = true;
    this.observer?.disconnect();
    this.observer = undefined;
    const t = this.target();
    if (!t) return;
    if (savingData()) {
      this.dataset.prefetch = 'off';
      return;
    }
    this.dataset.prefetch = 'fetching';
    runJob({ type: 'prefetch', target: t }, (m) => {
      if (m.type === 'prefetched') this.dataset.prefetch = m.state;
      else if (m.type === 'done') this.dataset.prefetch = 'failed'; // the worker could not start
    });
  }

  private build(): void {
    this.built = true;
    const n = ++uid;
    const t = this.target();
    const what =
      t?.kind === 'fleet'
        ? 'this fleet’s deployment record and every HSM’s attestation: the operator’s and witnesses’ signatures, each certificate chain up to its pinned vendor root, each attestation’s signature, every fleet key attested, the quorum'
        : 'this epoch’s validation bundle the way Meta’s mbt checks one (proof, artifact, digest, auditor signature, counter-signature, the auditor’s log record), the fleet keys against the signed deployment records, and the rules across every epoch of the namespace';
    this.replaceChildren();
    this.button = el('button', { type: 'button', class: 'fv-run' }, 'Verify in your browser');
    this.button.addEventListener('click', () => this.start());
    this.button.addEventListener('pointerenter', this.onNear, { once: true });
    this.button.addEventListener('focus', this.onNear, { once: true });
    this.summary = el('p', {
      class: 'fv-summary',
      role: 'status',
      'aria-live': 'polite',
      'aria-atomic': 'true',
    });
    this.steps = new StepList('Verification steps');
    this.append(
      el(
        'p',
        {},
        `Fetches the raw files from this site and checks ${what} — here, with the same verifier as the command line below, compiled for the browser. No other site is contacted and nothing on this page is taken on trust.`,
      ),
      el('p', { class: 'fv-actions' }, this.button),
      this.summary,
      this.steps.ol,
      this.buildDrop(n),
    );
    this.dataset.state = 'idle';
  }

  private buildDrop(n: number): HTMLElement {
    const inputId = `fv-file-${n}`;
    const textId = `fv-text-${n}`;
    const titleId = `fv-drop-title-${n}`;
    const input = el('input', { type: 'file', id: inputId, multiple: '', accept: '.json,application/json' });
    const text = el('textarea', {
      id: textId,
      rows: '5',
      spellcheck: 'false',
      autocomplete: 'off',
      class: 'mono',
    });
    const check = el('button', { type: 'button' }, 'Check pasted text');
    const summary = el('p', {
      class: 'fv-summary',
      role: 'status',
      'aria-live': 'polite',
      'aria-atomic': 'true',
    });
    const steps = new StepList('Steps of the file check');
    const result = el('div', { class: 'fv-drop-result', 'data-state': 'idle' }, summary, steps.ol);
    const zone = el(
      'div',
      { class: 'fv-dropzone' },
      el(
        'label',
        { for: inputId },
        'Choose or drop files: an auditor record, a proof, or a proof with its artifact',
      ),
      input,
    );
    this.drop = { result, summary, steps, input, text, zone };
    input.addEventListener('change', () => {
      if (input.files?.length) void this.checkFiles([...input.files]);
    });
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('fv-over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('fv-over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('fv-over');
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length) void this.checkFiles(files);
    });
    check.addEventListener('click', () => {
      if (!text.value.trim()) {
        text.focus();
        return;
      }
      this.runDrop([{ name: 'pasted text', bytes: new TextEncoder().encode(text.value) }]);
    });
    return el(
      'section',
      { class: 'fv-drop', 'aria-labelledby': titleId },
      el('h4', { id: titleId }, 'Check a file you have'),
      el(
        'p',
        {},
        'An auditor record as the auditor’s API returns it, or a validation bundle your own app received (its proof, with the artifact if you have it): checked against the auditor and operator keys pinned in ',
        el('a', { href: '/evidence/trust-roots.json' }, 'trust-roots.json'),
        ', and against the digest this site publishes for that epoch. The files stay in your browser.',
      ),
      zone,
      el(
        'label',
        { for: textId },
        'Or paste one JSON document (an auditor record or a proof; an artifact’s digest needs its exact bytes, so choose the file)',
      ),
      text,
      el('p', { class: 'fv-actions' }, check),
      result,
    );
  }

  private async checkFiles(files: File[]): Promise<void> {
    this.drop.result.dataset.state = 'running';
    const inputs = await Promise.all(
      files.map(async (f) => ({
        name: f.name,
        bytes: new Uint8Array(await f.slice(0, MAX_INPUT).arrayBuffer()),
      })),
    );
    this.runDrop(inputs);
  }

  private runDrop(files: { name: string; bytes: Uint8Array }[]): void {
    const d = this.drop;
    d.steps.clear();
    d.result.dataset.state = 'running';
    delete d.result.dataset.code;
    delete d.result.dataset.key;
    d.summary.textContent = `Checking ${files.map((f) => f.name).join(', ')}…`;
    runJob({ type: 'check-files', files }, (m) => {
      if (m.type === 'checks') d.steps.addAll(m.checks);
      else if (m.type === 'done') {
        const o = m.outcome;
        d.result.dataset.state = o.ok ? 'verified' : 'failed';
        if (o.code && !o.ok) d.result.dataset.code = o.code;
        if (o.auditorKey) d.result.dataset.key = o.auditorKey;
        d.summary.textContent = o.ok
          ? `Verified: ${plural(o.checks, 'check')} passed${o.auditorKey ? `; signed with the pinned auditor key ${o.auditorKey}` : ''}, and the digest is the one this site publishes.`
          : `Not verified: ${o.code}${o.message ? ` — ${o.message}` : ''}.`;
      }
    });
  }

  /**
   * What the site's log showed: `data-log` on the element, the new checkpoint remembered (never after a rewrite:
   * the old one is kept so that the warning stands), and a loud alert when the site rewrote its history.
   */
  private showLog(log: Outcome['log']): void {
    this.querySelector('.fv-log-alert')?.remove();
    if (!log) return;
    this.dataset.log = log.state;
    if (log.remember && (log.state === 'first-visit' || log.state === 'consistent')) remember(log.remember);
    if (log.state === 'rewritten') {
      this.prepend(
        el(
          'div',
          { class: 'fv-log-alert', role: 'alert' },
          el('strong', {}, 'Warning: this site rewrote its history since your last visit. '),
          log.message,
          ' Evidence it published before has been changed or removed. Do not rely on this site; compare with an archived copy and the command-line verifier.',
        ),
      );
    }
  }

  /** Runs the page's checklist. */
  start(): void {
    if (this.running) return;
    const t = this.target();
    this.running = true;
    this.prefetchTried = true; // what a prefetch fetched is this click's; a later one fetches anew
    this.steps.clear();
    this.dataset.state = 'running';
    delete this.dataset.code;
    this.button.setAttribute('aria-disabled', 'true');
    this.button.textContent = 'Verifying…';
    this.summary.textContent = 'Verifying: fetching the raw files…';
    const finish = (o: Outcome) => {
      this.running = false;
      this.dataset.state = o.ok ? 'verified' : 'failed';
      if (!o.ok && o.code) this.dataset.code = o.code;
      this.showLog(o.log);
      this.button.removeAttribute('aria-disabled');
      this.button.textContent = 'Verify again';
      this.summary.textContent = o.ok
        ? `Verified: all ${plural(o.checks, 'check')} passed over ${plural(o.files, 'file')} (${Math.round(o.bytes / 1024)} KB ${o.ahead ? `fetched ahead of the click${o.fetchMs >= 1 ? `, the last ${ms(o.fetchMs)} after it` : ''}` : `fetched in ${ms(o.fetchMs)}`}, checked in ${ms(o.verifyMs)}).`
        : o.checks
          ? `Not verified: ${o.code}${o.message ? ` — ${o.message}` : ''} (${o.failed} of ${plural(o.checks, 'check')} failed).`
          : `Could not verify: ${o.code} — ${o.message ?? ''}. The command-line verifier below checks the same files.`;
    };
    if (!t) {
      finish(fatalOutcome('WIDGET_ERROR', 'this element names no fleet or epoch'));
      return;
    }
    runJob({ type: 'verify', target: t, remembered: recall() }, (m) => {
      if (m.type === 'checks') this.steps.addAll(m.checks);
      else if (m.type === 'done') finish(m.outcome);
    });
  }
}

if (!customElements.get('fleet-verify')) customElements.define('fleet-verify', FleetVerify);
