/**
 * C2SP transparency-log checkpoints (../shared/specs/c2sp/tlog-checkpoint.md): a signed note whose text is the
 * origin, the decimal tree size, the base64 root hash, and optional extension lines.
 */
import { equalBytes, fromBase64, toBase64 } from '../encoding.ts';
import { VerificationError } from '../errors.ts';
import { TLOG_LIMITS } from './limits.ts';
import { HASH_SIZE, emptyTreeRoot } from './merkle.ts';
import { controlCharIndex, verifyNote, type NoteVerifier, type VerifiedNote } from './note.ts';

type Where = { file?: string; path?: string };

export interface Checkpoint {
  /** The log's identity, e.g. `example.com/log42`. */
  origin: string;
  /** The number of leaves. */
  size: number;
  /** The RFC 6962 root hash of the tree of `size` leaves (32 bytes). */
  rootHash: Uint8Array;
  /** Opaque extension lines, each non-empty ("NOT RECOMMENDED": monitors cannot audit them). */
  extensions: string[];
}

const fail = (why: string, where: Where) => new VerificationError('CHECKPOINT_INVALID', why, where);

/**
 * Parses a checkpoint's note text (tlog-checkpoint, "Note text"): at least three non-empty lines, each ending in a
 * newline. Throws CHECKPOINT_INVALID, or LIMIT_EXCEEDED for a tree size over 2^53 - 1.
 */
export function parseCheckpoint(text: string, where: Where = {}): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n'))
    throw fail('the checkpoint does not end with a newline', where);
  if (controlCharIndex(text) >= 0) throw fail('the checkpoint contains a control character', where);
  const lines = text.slice(0, -1).split('\n');
  // "a sequence of at least three non-empty lines"; "Extension lines, if any, MUST be non-empty."
  if (lines.length < 3) throw fail(`the checkpoint has ${lines.length} lines; it needs at least 3`, where);
  const empty = lines.findIndex((l) => l === '');
  if (empty >= 0) throw fail(`line ${empty + 1} of the checkpoint is empty`, where);
  const [origin, sizeLine, rootLine] = lines as [string, string, string];
  // "the ASCII decimal representation of the number of leaves in the tree, with no leading zeroes".
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine))
    throw fail(`the tree size ${JSON.stringify(sizeLine)} is not decimal`, where);
  const size = Number(sizeLine);
  if (sizeLine.length > 16 || size > TLOG_LIMITS.maxTreeSize) {
    throw new VerificationError('LIMIT_EXCEEDED', `the tree size ${sizeLine} is over 2^53 - 1`, where);
  }
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(rootLine);
  } catch {
    throw fail('the root hash is not canonical base64 (RFC 4648 §4)', where);
  }
  if (rootHash.length !== HASH_SIZE) throw fail(`the root hash has ${rootHash.length} bytes, not 32`, where);
  // RFC 9162 §2.1.1: the empty tree's root is SHA-256 of the empty string; a size-0 checkpoint naming another
  // root is not "the root of the RFC 6962 Merkle hash tree at the specified tree size".
  if (size === 0 && !equalBytes(rootHash, emptyTreeRoot()))
    throw fail('an empty tree with a non-empty root', where);
  return { origin, size, rootHash, extensions: lines.slice(3) };
}

/** The checkpoint's note text. Refuses what parseCheckpoint would refuse. */
export function formatCheckpoint(c: Checkpoint): string {
  const lines = [c.origin, String(c.size), toBase64(c.rootHash), ...(c.extensions ?? [])];
  if (lines.some((l) => typeof l !== 'string' || l.includes('\n'))) {
    throw fail('a checkpoint line holds a newline', {});
  }
  if (!Number.isSafeInteger(c.size) || c.size < 0)
    throw fail(`tree size ${c.size} is not a safe integer`, {});
  const text = lines.join('\n') + '\n';
  parseCheckpoint(text);
  return text;
}

export interface OpenedCheckpoint {
  checkpoint: Checkpoint;
  note: VerifiedNote;
}

/**
 * Verifies a checkpoint note with the log's verifiers (signed-note rules, see verifyNote) and parses its text.
 * With `origin`, the checkpoint must name that log (CHECKPOINT_INVALID otherwise): a key is pinned to one log.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  logVerifiers: readonly NoteVerifier[],
  opts: { origin?: string; where?: Where } = {},
): OpenedCheckpoint {
  const where = opts.where ?? {};
  const verified = verifyNote(note, logVerifiers, where);
  const checkpoint = parseCheckpoint(verified.text, where);
  if (opts.origin !== undefined && checkpoint.origin !== opts.origin) {
    throw fail(
      `the checkpoint is for ${JSON.stringify(checkpoint.origin)}, not ${JSON.stringify(opts.origin)}`,
      where,
    );
  }
  return { checkpoint, note: verified };
}
