/**
 * <attestation-verify data-sample="marvell-ec|aws-nitro|yubihsm2">: re-verifies one published vendor attestation
 * sample in the browser. Pressing its button fetches the sample's files from this site (/samples/hsm/…, as
 * ./sample-list.ts lists them) and has the widget's worker run the core's vendor adapter on them
 * (./sample-check.ts: verifyVendorAttestation through ./samples.ts, the same code the page ran at build time),
 * against the vendor roots built into the core, off this page's thread. The outcome is on the element:
 *
 *   data-state  idle | running | verified | failed
 *   data-code   on failure, the core's code (CHAIN_INCOMPLETE, ATTESTATION_SIGNATURE_INVALID, …), FETCH_FAILED, or
 *               WIDGET_ERROR when the worker could not run
 *
 * The YubiHSM sample ends `failed` with CHAIN_INCOMPLETE: its signature and claims verify, but the Yubico sub-CA
 * is not public, so its chain does not reach the pinned root. The element says so in words and shows what did
 * verify; it is never reported as verified.
 *
 * Text only, never HTML; the page's own text is never an input.
 */
import { toHex } from '../../verify/encoding.ts';
import type { CheckSample } from '../widget/protocol.ts';
import { verifyWorkerClient } from '../widget/start-worker.ts';
import {
  SAMPLES,
  SAMPLES_BASE,
  incompleteChainText,
  type Sample,
  type SampleOutcome,
} from './sample-list.ts';
import { el } from '../lib/dom.ts';

/** The widget's worker, started at the first check and shared by the page's elements. */
const worker = verifyWorkerClient('attestation-verify');

/** A sample's outcome from the worker; WIDGET_ERROR when the worker could not run it. */
function check(m: Omit<CheckSample, 'job'>): Promise<SampleOutcome> {
  const transfer = [m.attestation.buffer, ...(m.certificates ? [m.certificates.buffer] : [])];
  return new Promise((resolve) =>
    worker.run(
      m,
      (r) => {
        if (r.type === 'sample-done') resolve(r.outcome);
        else if (r.type === 'done')
          resolve({ ok: false, code: 'WIDGET_ERROR', message: r.outcome.message, claim: undefined });
      },
      transfer,
    ),
  );
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const r = await fetch(`${SAMPLES_BASE}${path}`, { cache: 'no-store', credentials: 'omit' });
  if (!r.ok) throw new Error(`${SAMPLES_BASE}${path}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

export class AttestationVerify extends HTMLElement {
  private built = false;
  private running = false;
  private button!: HTMLButtonElement;
  private summary!: HTMLElement;
  private details!: HTMLUListElement;

  connectedCallback(): void {
    if (this.built) return;
    const sample = this.sample();
    if (!sample) return;
    this.built = true;
    this.querySelector('.av-fallback')?.remove();
    this.button = el('button', { type: 'button' }, 'Verify this sample in your browser');
    this.summary = el('p', { class: 'av-summary', role: 'status', 'aria-live': 'polite' });
    this.details = el('ul', { class: 'av-details' });
    this.details.hidden = true;
    this.button.addEventListener('click', () => void this.run(sample));
    this.append(el('p', { class: 'av-actions' }, this.button), this.summary, this.details);
    this.dataset.state = 'idle';
  }

  private sample(): Sample | undefined {
    return SAMPLES.find((s) => s.id === this.dataset.sample);
  }

  private async run(sample: Sample): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.button.setAttribute('aria-disabled', 'true');
    this.dataset.state = 'running';
    delete this.dataset.code;
    this.summary.textContent = 'Fetching the sample and verifying it…';
    this.details.replaceChildren();
    this.details.hidden = true;
    const t0 = performance.now();
    let outcome: SampleOutcome;
    try {
      const [attestation, certificates] = await Promise.all([
        fetchBytes(sample.attestation),
        sample.certificates ? fetchBytes(sample.certificates) : Promise.resolve(undefined),
      ]);
      outcome = await check({ type: 'check-sample', sample: sample.id, attestation, certificates });
    } catch (e) {
      outcome = { ok: false, code: 'FETCH_FAILED', message: (e as Error).message, claim: undefined };
    }
    this.show(outcome, performance.now() - t0);
    this.running = false;
    this.button.removeAttribute('aria-disabled');
  }

  private show(o: SampleOutcome, took: number): void {
    const c = o.claim;
    const time = `${Math.round(took)} ms`;
    if (o.ok && c) {
      this.summary.textContent = `✓ Verified in your browser (${time}): ${c.vendor} ${c.model}, serial ${c.serial}, chain to the pinned root ${c.rootId}.`;
    } else {
      const incomplete = c && o.code === 'CHAIN_INCOMPLETE' ? incompleteChainText(c) : undefined;
      this.summary.textContent = `✗ Not verified (${time}): ${o.code}${incomplete ? ` — ${incomplete}` : o.message ? ` — ${o.message}` : ''}`;
    }
    const items: string[] = [];
    if (c) {
      if (!o.ok)
        items.push(
          `What did verify: the ${c.vendor} signature over the attestation, under the device certificate's key; the claims below are as signed.`,
        );
      items.push(
        `Key: ${c.keyType}${c.publicKey?.bits ? ` (${c.publicKey.bits} bits)` : ''}, ${c.generatedOnDevice ? 'generated on the device' : 'not attested as generated on the device'}, ${c.exportable === 'under-wrap' ? 'exportable under wrap' : c.exportable ? 'exportable' : 'not exportable'}${c.publicKey?.spki ? `; SubjectPublicKeyInfo SHA-256 prefix ${toHex(c.publicKey.spki).slice(0, 16)}…` : ''}`,
      );
      items.push(
        `Time used: ${c.timeUsed} (${c.timeSource === 'attestation' ? "the attestation's own timestamp" : 'a fixed time, stated on this page'})`,
      );
      items.push(
        `Chain: ${c.chain.map((e) => `${e.group ? `${e.group} ` : ''}${e.role} "${e.subject}" (SHA-256 ${e.fingerprint.slice(0, 16)}…)`).join(' · ')}`,
      );
      for (const n of c.notes) items.push(`Note: ${n}`);
    }
    for (const t of items) this.details.append(el('li', {}, t));
    this.details.hidden = items.length === 0;
    if (o.ok) {
      this.dataset.state = 'verified';
      delete this.dataset.code;
    } else {
      this.dataset.state = 'failed';
      this.dataset.code = o.code ?? 'FAILED';
    }
  }
}

if (!customElements.get('attestation-verify')) customElements.define('attestation-verify', AttestationVerify);
