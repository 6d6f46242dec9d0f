/**
 * The reader's side of the site's own log (docs/evidence-format.md §10): fetch /log/checkpoint and the tiles it
 * needs, verify the checkpoint under a pinned release key (and any witness cosignatures), and, when this browser
 * remembers a checkpoint from an earlier visit, prove the new one consistent with it (RFC 9162 §2.1.4) from the
 * tiles. A site that rewrote its history fails with CONSISTENCY_FAILED, and the remembered checkpoint is kept so
 * that the warning stands until the reader decides otherwise. No DOM, no storage: the page keeps the memory.
 */
import { VerificationError } from '../../verify/errors.ts';
import type { Remembered, LogState, StepError } from './protocol.ts';

/** Reads a file of the site's log by its path under /log/ ('checkpoint', 'tile/0/000', …); undefined when absent. */
export type LogFetcher = (path: string) => Promise<Uint8Array | undefined>;

export interface LogResult {
  state: LogState;
  detail: string;
  errors: StepError[];
  /** What to remember after this visit (absent when nothing should change). */
  remember: Remembered | undefined;
}

export const fail = (state: LogState, e: VerificationError | StepError, remember?: Remembered): LogResult => {
  const err = e instanceof VerificationError ? e.toJSON() : e;
  return { state, detail: err.message, errors: [err], remember };
};

/**
 * `trustRoots` may still be arriving (the widget fetches the log while it fetches the evidence). `runSync` runs the
 * synchronous part, the signatures and the consistency proof: the widget passes its runVerdict (./prefetch.ts),
 * which answers their signature questions with WebCrypto.
 */
export async function checkSiteLog(
  fetchLog: LogFetcher,
  trustRoots: Uint8Array | undefined | Promise<Uint8Array | undefined>,
  remembered: Remembered | undefined,
  runSync: <T>(fn: () => T) => Promise<T> = async (fn) => fn(),
): Promise<LogResult> {
  const noteBytes = await fetchLog('checkpoint');
  if (!noteBytes) {
    if (remembered) {
      return fail(
        'rewritten',
        new VerificationError(
          'CONSISTENCY_FAILED',
          `this site published a log of ${remembered.size} entries when you last checked it, and now publishes none`,
          { file: 'log/checkpoint' },
        ),
      );
    }
    return {
      state: 'absent',
      detail: 'this copy of the site publishes no log (it was not published by the release job)',
      errors: [],
      remember: undefined,
    };
  }
  // The checkpoint's verification (and the log code it needs) is a module of its own: a site without a log does
  // not load it.
  const { checkCheckpoint } = await import('./log-verify.ts');
  return checkCheckpoint(noteBytes, fetchLog, trustRoots, remembered, runSync);
}
