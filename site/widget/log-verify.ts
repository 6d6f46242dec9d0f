/**
 * The checkpoint half of ./log-check.ts, loaded only when the site publishes a log: the tiles it needs, its
 * signatures under the pinned keys, and its consistency with the checkpoint this browser remembers.
 */
import {
  VerificationError,
  checkExtends,
  openLog,
  parseTrustRoots,
  readJson,
  rememberCheckpoint,
  TRUST_ROOTS_FILE,
} from '../../verify/index.ts';
import { parseNote } from '../../verify/tlog/note.ts';
import { parseCheckpoint } from '../../verify/tlog/checkpoint.ts';
import { tilePath, tilesForTree } from '../../verify/tlog/tiles.ts';
import { fail, type LogFetcher, type LogResult } from './log-check.ts';
import type { Remembered } from './protocol.ts';

export async function checkCheckpoint(
  noteBytes: Uint8Array,
  fetchLog: LogFetcher,
  trustRoots: Uint8Array | undefined | Promise<Uint8Array | undefined>,
  remembered: Remembered | undefined,
  runSync: <T>(fn: () => T) => Promise<T>,
): Promise<LogResult> {
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
    const now = rememberCheckpoint(opened.checkpoint);
    const witnesses = opened.cosignatures.length
      ? `; cosigned by ${opened.cosignatures.map((c) => c.keyId).join(', ')}`
      : '';
    if (!remembered) {
      return {
        state: 'first-visit',
        detail: `checkpoint of ${now.origin} at ${now.size} entries verifies under the pinned release key${witnesses}; remembered for your next visit`,
        errors: [],
        remember: now,
      };
    }
    checkExtends(remembered, opened.checkpoint, getTile);
    return {
      state: 'consistent',
      detail: `the log grew from ${remembered.size} to ${now.size} entries since your last check, keeping every earlier one (consistency proof from the tiles)${witnesses}`,
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
        `this site rewrote its history since you last checked it (log of ${remembered.size} entries, root ${remembered.root}): ${e.message}`,
        { file: 'log/checkpoint' },
      ),
    );
  }
  return fail('invalid', e);
}
