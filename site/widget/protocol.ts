/**
 * Messages between the <fleet-verify> element (main thread) and its worker. Plain JSON-able objects only.
 *
 * A job is either the page's whole checklist (`verify`) or the check of files a reader pasted or dropped
 * (`check-files`). The worker answers each job with a stream of `checks` messages, each with the checks completed
 * since the previous one (in the order the core runs them), and then exactly one `done`, with the checks completed
 * since the last `checks`. The /attestations/ page's <attestation-verify> elements use the same worker for one
 * more kind of job, `check-sample` (a vendor attestation sample's files, as fetched), answered by one
 * `sample-done`.
 */
import type { SampleOutcome } from '../attestations/sample-list.ts';
import type { Remembered } from '../../verify/release-log.ts';

/** What a page's widget verifies: one fleet, or one epoch of a namespace (with the rules that span it). */
export type Target = { kind: 'fleet'; fleetId: string } | { kind: 'epoch'; namespace: string; epoch: number };

/**
 * Codes the widget adds to the core's (verify/errors.ts): the site could not be read, or a fetched file differs
 * from the SHA-256 /evidence/index.json lists for it (an extra signal: the index is the site's own claim, not a
 * signature), or a dropped file is of a kind this box does not check.
 */
export const WIDGET_CODES = {
  FETCH_FAILED: 'the evidence could not be fetched from this site',
  INDEX_MISMATCH: 'a fetched file differs from the SHA-256 that /evidence/index.json lists for it',
  UNSUPPORTED_KIND: 'this box checks auditor records, proofs and artifacts',
  WIDGET_ERROR: 'the verifier itself failed to run',
} as const;
export type WidgetCode = keyof typeof WIDGET_CODES;

export interface StepError {
  code: string;
  message: string;
  rule?: string;
  file?: string;
  path?: string;
}

/** A check as the core reports it (verify/checklist.ts CheckResult), or one of the widget's own. */
export interface Step {
  id: string;
  title: string;
  subject: string;
  status: 'passed' | 'failed';
  detail?: string;
  errors: StepError[];
}

/**
 * Where a step belongs on the page: `main` is shown as it comes; on an epoch page `this` is the epoch's own
 * steps (shown), `other` the other epochs' (counted in one line, failures shown).
 */
export type StepGroup = 'main' | 'this' | 'other';

export interface Outcome {
  ok: boolean;
  /** The first error's code: the core's when the core found any, else the widget's. */
  code: string | undefined;
  message: string | undefined;
  checks: number;
  failed: number;
  files: number;
  bytes: number;
  fetchMs: number;
  /** The files had been fetched (or were coming in) before the click: fetchMs is then the wait after it. */
  ahead?: boolean | undefined;
  verifyMs: number;
  totalMs: number;
  /** For checked files: the pinned auditor key that verified, if one did. */
  auditorKey?: string | undefined;
  /** For a page's checklist: what the site's log showed, and the checkpoint to remember from now on. */
  log?: { state: LogState; message: string; remember?: Remembered | undefined } | undefined;
}

/** The site's log checkpoint this browser saw last (docs/evidence-format.md §10.1), kept in localStorage. */
export type { Remembered } from '../../verify/release-log.ts';

/**
 * The site's log, as this visit found it: none published, seen for the first time, consistent with the last visit,
 * rewritten since (the loud case), or not verifiable.
 */
export type LogState = 'absent' | 'first-visit' | 'consistent' | 'rewritten' | 'invalid';

/**
 * `prefetch`: fetch a page's files ahead of the click (./files.ts EvidenceSet), answered by one `prefetched` when
 * they are in (or the prefetch stopped or failed); the page's next `verify` of that target uses them.
 */
export type ToWorker =
  | { type: 'verify'; job: number; target: Target; remembered?: Remembered | undefined }
  | { type: 'prefetch'; job: number; target: Target }
  | { type: 'check-files'; job: number; files: { name: string; bytes: Uint8Array }[] }
  | CheckSample;

/** One sample of site/attestations/sample-list.ts (by id) and the bytes of its files as the page fetched them. */
export interface CheckSample {
  type: 'check-sample';
  job: number;
  sample: string;
  attestation: Uint8Array;
  certificates: Uint8Array | undefined;
}

/** A prefetch's end: every file in; stopped at its byte limit (or skipped by it); a file could not be read. */
export type PrefetchState = 'ready' | 'stopped' | 'failed';

type Checks = { step: Step; ms: number; group: StepGroup }[];

/** `done` carries the job's last checks (shown before the outcome, in the same task). */
export type FromWorker =
  | { type: 'checks'; job: number; checks: Checks }
  | { type: 'prefetched'; job: number; state: PrefetchState }
  | { type: 'done'; job: number; outcome: Outcome; checks?: Checks }
  | { type: 'sample-done'; job: number; outcome: SampleOutcome };

/** The outcome of a job that could not run at all (the site unreadable, the verifier itself failing): no check. */
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
