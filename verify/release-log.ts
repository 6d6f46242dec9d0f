/**
 * The site's own transparency log (docs/evidence-format.md §10): every published evidence file is a leaf of an
 * RFC 6962 Merkle log, published as C2SP tlog-tiles under `log/`, with a C2SP checkpoint signed by the pinned
 * release key. Browser-safe: the release job writes the log with these functions, the widget and `fleetproof
 * monitor` read it back (§10.1).
 */
import { VerificationError } from './errors.ts';
import { equalBytes, fromBase64, fromUtf8, toBase64, toHex, utf8 } from './encoding.ts';
import { hashLeaf, rootFromLeafHashes, verifyConsistency } from './tlog/merkle.ts';
import {
  TILE_WIDTH,
  consistencyProofFromTiles,
  rootFromTiles,
  tileWidth,
  writeTiles,
  type GetTile,
} from './tlog/tiles.ts';
import { entryBundlePath, readEntryBundle, writeEntryBundles } from './tlog/entries.ts';
import { formatCheckpoint, openCheckpoint, type Checkpoint } from './tlog/checkpoint.ts';
import { ed25519NoteSigner, ed25519NoteVerifier, formatVerifierKey, signNote } from './tlog/note.ts';
import { verifyCosignatures } from './tlog/cosignature.ts';
import type { TrustRoots } from './trust.ts';

/** Where the log lives in the published site. */
export const LOG_DIR = 'log';
export const CHECKPOINT_PATH = `${LOG_DIR}/checkpoint`;
export const VERIFIER_KEY_PATH = `${LOG_DIR}/verifier-key.txt`;

/**
 * One leaf per published version of an evidence file (every file but the trust roots has one): the line `sha256sum`
 * prints for it, run from the evidence root.
 */
export interface LogEntry {
  path: string;
  sha256: string;
}

const ENTRY = /^([0-9a-f]{64}) {2}([^\n]+)\n$/;
/** A logged path (§10): `/`-separated segments of `A-Z a-z 0-9 . _ -`, none of them `.` or `..`. */
const LOGGED_PATH = /^(?!\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._-]+)*$/;

export function encodeEntry(e: LogEntry): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(e.sha256) || !LOGGED_PATH.test(e.path)) {
    throw new VerificationError(
      'SCHEMA_INVALID',
      `cannot log ${JSON.stringify(e.path)}: bad path or digest`,
      {
        file: e.path,
      },
    );
  }
  return utf8(`${e.sha256}  ${e.path}\n`);
}

/** A leaf's data read back. Its path has a logged path's form, so that a reader may fetch it (§10.1). */
export function decodeEntry(bytes: Uint8Array, index: number): LogEntry {
  let text = '';
  try {
    text = fromUtf8(bytes);
  } catch {
    /* reported below */
  }
  const m = ENTRY.exec(text);
  const where = { file: `${LOG_DIR}/tile/entries` };
  if (!m)
    throw new VerificationError('TILE_INVALID', `log entry ${index} is not "<sha256>  <path>\\n"`, where);
  if (!LOGGED_PATH.test(m[2]!))
    throw new VerificationError(
      'TILE_INVALID',
      `log entry ${index} names a path outside the evidence tree`,
      where,
    );
  return { sha256: m[1]!, path: m[2]! };
}

/** The log's origin line: the site's host and path, without scheme (C2SP tlog-checkpoint, "Origin"). */
export function logOrigin(siteUrl: string): string {
  const u = new URL(siteUrl);
  return `${u.host}${u.pathname.replace(/\/+$/, '')}/${LOG_DIR}`;
}

export interface BuiltLog {
  entries: LogEntry[];
  /** Files to publish under log/: tiles and entry bundles, by path relative to log/. */
  files: Map<string, Uint8Array>;
  size: number;
  root: Uint8Array;
}

/** The log's tiles and entry bundles for these entries, in order. */
export function buildLog(entries: LogEntry[]): BuiltLog {
  const data = entries.map(encodeEntry);
  const leafHashes = data.map(hashLeaf);
  const files = new Map<string, Uint8Array>([...writeTiles(leafHashes), ...writeEntryBundles(data)]);
  return { entries, files, size: entries.length, root: rootFromLeafHashes(leafHashes) };
}

/**
 * The entries of the next release: the previous log's entries, in their order, then, sorted by path, every file not
 * yet logged and every logged file whose content changed since its latest entry and that `mayChange` lets change
 * (§3.5: the trust roots, when they only grew; it is asked with the path and the logged and current SHA-256, and may
 * throw to say why not). Any other logged file that is missing or changed is a rewrite of history: it fails.
 */
export function nextEntries(
  previous: LogEntry[],
  current: ReadonlyMap<string, string>,
  mayChange: (path: string, logged: string, now: string) => boolean = () => false,
): LogEntry[] {
  // A path's latest entry is its current version (a path is logged again for each new version, §10).
  const latest = new Map(previous.map((e) => [e.path, e.sha256]));
  const problems: string[] = [];
  const changed: string[] = [];
  for (const [path, logged] of latest) {
    const now = current.get(path);
    if (now === undefined) problems.push(`${path} was published and is now missing`);
    else if (now !== logged) {
      if (mayChange(path, logged, now)) changed.push(path);
      else problems.push(`${path} was published with SHA-256 ${logged} and now has ${now}`);
    }
  }
  if (problems.length) {
    throw new VerificationError(
      'CONSISTENCY_FAILED',
      `the evidence rewrites what was published: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`,
      { file: 'evidence' },
    );
  }
  const added = [...[...current.keys()].filter((p) => !latest.has(p)), ...changed].sort();
  return [...previous, ...added.map((path) => ({ path, sha256: current.get(path)! }))];
}

/**
 * Reads every entry of a published log back from its entry bundles (paths relative to log/, like tiles), each
 * checked against its level-0 tile. Verify the tiles against the signed root first (openLog does).
 */
export function readLogEntries(size: number, getFile: GetTile): LogEntry[] {
  const out: LogEntry[] = [];
  for (let index = 0; index * TILE_WIDTH < size; index++) {
    const width = tileWidth(0, index, size);
    const path = entryBundlePath(index, width);
    const bytes = getFile(path);
    if (!bytes)
      throw new VerificationError('TILE_INVALID', `the log has no ${path}`, { file: `${LOG_DIR}/${path}` });
    readEntryBundle(index, size, bytes, getFile).forEach((b, i) =>
      out.push(decodeEntry(b, index * TILE_WIDTH + i)),
    );
  }
  return out;
}

/** The pinned release keys that may sign the checkpoint (role `release`). */
export function releaseVerifiers(roots: TrustRoots, origin: string) {
  return roots.keys
    .filter((k) => k.role === 'release' && k.algorithm === 'ed25519')
    .map((k) => ({ key: k, vkey: formatVerifierKey(origin, k.publicKey) }));
}

export function signCheckpoint(
  origin: string,
  log: BuiltLog,
  publicKey: Uint8Array,
  sign: (msg: Uint8Array) => Uint8Array,
): string {
  const text = formatCheckpoint({ origin, size: log.size, rootHash: log.root, extensions: [] });
  return signNote(text, [ed25519NoteSigner(origin, publicKey, sign)]);
}

export interface OpenedLog {
  checkpoint: Checkpoint;
  /** Witnesses whose cosignature verified: key id (trust roots) and timestamp. */
  cosignatures: { keyId: string; timestamp: number }[];
}

/** The checkpoint, once its signature by a pinned release key for this origin verifies (its tiles not read). */
export function signedCheckpoint(note: string, roots: TrustRoots, origin: string): Checkpoint {
  const verifiers = releaseVerifiers(roots, origin);
  if (verifiers.length === 0) {
    throw new VerificationError('UNKNOWN_KEY', 'no release key is pinned in the trust roots', {
      file: 'trust-roots.json',
    });
  }
  return openCheckpoint(
    note,
    verifiers.map((v) => ed25519NoteVerifier(v.vkey)),
    { origin, where: { file: CHECKPOINT_PATH } },
  ).checkpoint;
}

/**
 * Verifies a published checkpoint: signed by a pinned release key for this origin, with its tiles agreeing with
 * its root, and the cosignatures of pinned log witnesses (those present must verify).
 */
export function openLog(note: string, roots: TrustRoots, origin: string, getTile: GetTile): OpenedLog {
  return openSignedLog(note, signedCheckpoint(note, roots, origin), roots, getTile);
}

/** openLog's rest, for a checkpoint signedCheckpoint gave: the tiles against its root, and the cosignatures. */
export function openSignedLog(
  note: string,
  checkpoint: Checkpoint,
  roots: TrustRoots,
  getTile: GetTile,
): OpenedLog {
  const where = { file: CHECKPOINT_PATH };
  const root = rootFromTiles(checkpoint.size, getTile);
  if (!equalBytes(root, checkpoint.rootHash)) {
    throw new VerificationError('TILE_INVALID', 'the tiles do not hash to the checkpoint root', where);
  }
  const witnesses = roots.keys.filter((k) => k.role === 'log-witness' && k.algorithm === 'ed25519');
  const byName = new Map(witnesses.map((k) => [k.id, k]));
  const { cosignatures } = verifyCosignatures(
    note,
    witnesses.map((k) => formatVerifierKey(k.id, k.publicKey, 0x04)),
    { where },
  );
  return {
    checkpoint,
    cosignatures: cosignatures
      .filter((c) => byName.has(c.name))
      .map((c) => ({ keyId: c.name, timestamp: c.timestamp })),
  };
}

/**
 * RFC 9162 §2.1.4: proves from the new tree's tiles that the older checkpoint is a prefix of the newer one.
 * Raises CONSISTENCY_FAILED when the site rewrote its history.
 */
export function checkConsistency(older: Checkpoint, newer: Checkpoint, getTile: GetTile): Uint8Array[] {
  if (newer.size < older.size) {
    throw new VerificationError(
      'CONSISTENCY_FAILED',
      `the log shrank from ${older.size} to ${newer.size} entries`,
      { file: CHECKPOINT_PATH },
    );
  }
  if (older.size === 0) return [];
  const proof = consistencyProofFromTiles(older.size, newer.size, getTile);
  verifyConsistency(older.size, newer.size, proof, older.rootHash, newer.rootHash, { file: CHECKPOINT_PATH });
  return proof;
}

export const rootHex = (c: Checkpoint) => toHex(c.rootHash);

/** What a reader's browser or a monitor keeps of the last checkpoint it verified (§10.1): the root in base64. */
export interface Remembered {
  origin: string;
  size: number;
  root: string;
}

export const rememberCheckpoint = (c: Checkpoint): Remembered => ({
  origin: c.origin,
  size: c.size,
  root: toBase64(c.rootHash),
});

/**
 * Proves that the checkpoint `now`, verified, extends the one remembered from an earlier check: the same log, and
 * an RFC 9162 §2.1.4 consistency proof from `now`'s tiles. CONSISTENCY_FAILED at log/checkpoint otherwise.
 */
export function checkExtends(remembered: Remembered, now: Checkpoint, getTile: GetTile): void {
  if (remembered.origin !== now.origin) {
    throw new VerificationError(
      'CONSISTENCY_FAILED',
      `the log was ${remembered.origin} when you last checked; it is now ${now.origin}`,
      { file: CHECKPOINT_PATH },
    );
  }
  const older = { ...remembered, rootHash: fromBase64(remembered.root), extensions: [] };
  checkConsistency(older, now, getTile);
}
