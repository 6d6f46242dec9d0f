/**
 * The reader's side of the site's own log (docs/evidence-format.md §10): fetch /log/checkpoint and the tiles it
 * needs, verify the checkpoint under a pinned release key (and any witness cosignatures), and, when this browser
 * remembers a checkpoint from an earlier visit, prove the new one consistent with it (RFC 9162 §2.1.4) from the
 * tiles. A site that rewrote its history fails with CONSISTENCY_FAILED, and the remembered checkpoint is kept so
 * that the warning stands until the reader decides otherwise. No DOM, no storage: the page keeps the memory.
 */
import {
  VerificationError,
  checkConsistency,
  fromBase64,
  openLog,
  parseTrustRoots,
  readJson,
  toBase64,
  TRUST_ROOTS_FILE,
} from '../../verify/index.ts';
import { parseNote } from '../../verify/tlog/note.ts';
import { parseCheckpoint } from '../../verify/tlog/checkpoint.ts';
import { tilePath, tilesForTree } from '../../verify/tlog/tiles.ts';
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

const fail = (state: LogState, e: VerificationError | StepError, remember?: Remembered): LogResult => {
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
          `this site published a log of ${remembered.size} files when you last checked it, and now publishes none`,
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
  const text = new TextDecoder().decode(noteBytes);
  let claimed;
  const tiles = new Map<string, Uint8Array>();
  try {
    // The size and origin are read before the signature is checked only to know which tiles to fetch.
    claimed = parseCheckpoint(parseNote(text, { file: 'log/checkpoint' }).text, {
      file: 'log/checkpoint',
    });
    const paths = tilesForTree(claimed.size).map((t) => tilePath(t));
    await Promise.all(
      paths.map(async (p) => {
        const b = await fetchLog(p);
        if (b) tiles.set(p, b);
      }),
    );
  } catch (e) {
    return failure(e, remembered);
  }
  const rootsBytes = await trustRoots;
  const origin = claimed.origin;
  return runSync(() => judge(text, origin, tiles, rootsBytes, remembered));
}

/** The checkpoint's signatures under the pinned keys, and its consistency with the remembered one. Synchronous. */
function judge(
  text: string,
  claimedOrigin: string,
  tiles: Map<string, Uint8Array>,
  trustRoots: Uint8Array | undefined,
  remembered: Remembered | undefined,
): LogResult {
  try {
    if (!trustRoots)
      throw new VerificationError('FILE_MISSING', 'no trust roots', { file: TRUST_ROOTS_FILE });
    const roots = parseTrustRoots(readJson(trustRoots, TRUST_ROOTS_FILE));
    const getTile = (p: string) => tiles.get(p);
    const opened = openLog(text, roots, claimedOrigin, getTile);
    const now: Remembered = {
      origin: opened.checkpoint.origin,
      size: opened.checkpoint.size,
      root: toBase64(opened.checkpoint.rootHash),
    };
    const witnesses = opened.cosignatures.length
      ? `; cosigned by ${opened.cosignatures.map((c) => c.keyId).join(', ')}`
      : '';
    if (!remembered) {
      return {
        state: 'first-visit',
        detail: `checkpoint of ${now.origin} at ${now.size} files verifies under the pinned release key${witnesses}; remembered for your next visit`,
        errors: [],
        remember: now,
      };
    }
    if (remembered.origin !== now.origin) {
      return fail(
        'rewritten',
        new VerificationError(
          'CONSISTENCY_FAILED',
          `the log was ${remembered.origin} when you last checked; it is now ${now.origin}`,
          { file: 'log/checkpoint' },
        ),
      );
    }
    checkConsistency(
      {
        origin: remembered.origin,
        size: remembered.size,
        rootHash: fromBase64(remembered.root),
        extensions: [],
      },
      opened.checkpoint,
      getTile,
    );
    return {
      state: 'consistent',
      detail: `the log grew from ${remembered.size} to ${now.size} files since your last check, keeping every earlier one (consistency proof from the tiles)${witnesses}`,
      errors: [],
      remember: now,
    };
  } catch (e) {
    return failure(e, remembered);
  }
}

/** A log that does not verify: `invalid`, or `rewritten` when a remembered checkpoint is not in it. */
function failure(e: unknown, remembered: Remembered | undefined): LogResult {
  if (!(e instanceof VerificationError)) throw e;
  if (remembered && (e.code === 'CONSISTENCY_FAILED' || e.code === 'PROOF_INVALID')) {
    return fail(
      'rewritten',
      new VerificationError(
        'CONSISTENCY_FAILED',
        `this site rewrote its history since you last checked it (log of ${remembered.size} files, root ${remembered.root}): ${e.message}`,
        { file: 'log/checkpoint' },
      ),
    );
  }
  return fail('invalid', e);
}
