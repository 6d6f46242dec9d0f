/**
 * Reads an evidence folder into the map the core verifies. The tree is listed first, then each file is read up to
 * one byte past its listed size, itself at most one byte past the size limit: a hostile 50 MB file costs 4 MiB of
 * memory and fails with FILE_TOO_LARGE, and a file that grew after the listing is seen to have grown
 * (docs/evidence-format.md §1). Symbolic links and special files in the tree are not followed: they read as files of
 * no bytes (so fail as JSON, or as files the layout has no place for). The folder given may itself be a link to the
 * tree's folder (`evidence -> /data/evidence`).
 *
 * For worker threads (scripts/lib/parallel-verify.ts) the tree can be listed first and read into one
 * SharedArrayBuffer (SharedTree): each file has its slot, read once, by whichever thread needs it first, and every
 * thread sees the same bytes without a copy.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  readdirSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { VerificationError } from '../../verify/errors.ts';
import { LIMITS } from '../../verify/limits.ts';

/**
 * The tree cannot be read: the folder given is missing or not a folder (FILE_MISSING, `file` that folder), or a
 * folder or file in it cannot be listed or read (FILE_UNREADABLE: permissions, an I/O error, a file gone, grown or
 * replaced by a link since it was listed; `file` its path in the tree). The message says what is wrong, not where
 * (`file` says that). Nothing is verified from a tree that cannot be read whole.
 */
export class TreeReadError extends Error {
  constructor(
    readonly code: 'FILE_MISSING' | 'FILE_UNREADABLE',
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'TreeReadError';
  }

  /** The error as the reports carry it (its code's rule, `file`). */
  toVerificationError(): VerificationError {
    return new VerificationError(this.code, this.message, { file: this.file });
  }
}

/** FILE_UNREADABLE for `file` (a folder when `folder`), with the system's reason. */
function unreadable(file: string, e: unknown, folder = false): TreeReadError {
  return new TreeReadError(
    'FILE_UNREADABLE',
    file,
    `the ${folder ? 'folder' : 'file'} cannot be read: ${(e as Error).message}`,
  );
}

/** One file of a listed tree. */
export interface TreeEntry {
  /** Path relative to the tree's root, with `/`. */
  rel: string;
  /** Path on disk. */
  path: string;
  /** Bytes to set aside: the file's size plus one (to see growth up to the limit), at most the limit plus one; -1 for a link or special file (not read, given no bytes). */
  room: number;
}

/** The files under `root`, sorted by path (at most LIMITS.maxFiles + 1: one more tells the core there are too many). */
export function listTree(root: string): TreeEntry[] {
  let st;
  try {
    st = statSync(root); // the folder given is followed if it is a link; nothing under it is
  } catch {
    throw new TreeReadError('FILE_MISSING', root, 'no such folder');
  }
  if (!st.isDirectory()) throw new TreeReadError('FILE_MISSING', root, 'not a folder');
  const max = LIMITS.maxFileBytes + 1;
  const entries: TreeEntry[] = [];
  // The entries' types from the listing itself; only a regular file is asked its size (a third of the system calls
  // fewer at --scale 20, where every epoch is a folder).
  const walk = (dir: string, rel: string): boolean => {
    let found;
    try {
      found = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw unreadable(rel === '' ? root : rel, e, true); // the folder given, or one in it
    }
    found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of found) {
      const p = `${dir}/${d.name}`;
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (!walk(p, r)) return false;
        continue;
      }
      let room = -1;
      if (d.isFile()) {
        let s;
        try {
          s = lstatSync(p);
        } catch (e) {
          throw unreadable(r, e);
        }
        if (s.isFile()) room = Math.min(max, s.size + 1);
      }
      entries.push({ rel: r, path: p, room });
      if (entries.length > LIMITS.maxFiles) return false;
    }
    return true;
  };
  walk(join(root, '.'), '');
  return entries;
}

export function readTree(root: string, opts: { shared?: boolean } = {}): Map<string, Uint8Array> {
  const entries = listTree(root);
  return opts.shared ? SharedTree.of(entries).files() : readListed(entries);
}

/** Every listed file, each in memory of its own (SharedTree reads them into one shared buffer instead). */
export function readListed(entries: readonly TreeEntry[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (e.room < 0) {
      files.set(e.rel, new Uint8Array(0));
      continue;
    }
    const buf = new Uint8Array(e.room);
    try {
      files.set(e.rel, buf.subarray(0, readEntry(e, buf)));
    } catch (err) {
      throw unreadable(e.rel, err);
    }
  }
  return files;
}

/**
 * How a listed file is opened: a link put in its place since the listing is not followed (ELOOP), and a pipe put
 * there does not wait for a writer.
 */
const OPEN_LISTED = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Reads the listed file `e` into `buf` (its room); the number of bytes read. A file that fills its room although
 * its listed size was within the limit has grown since it was listed: what it holds now is not what was listed,
 * and perhaps not yet whole, so the tree cannot be read whole (the caller's FILE_UNREADABLE). A file listed at the
 * limit or over it fills its room too, and is left to the core's FILE_TOO_LARGE.
 */
function readEntry(e: TreeEntry, buf: Uint8Array): number {
  const fd = openSync(e.path, OPEN_LISTED);
  let n;
  try {
    n = fill(fd, buf);
  } finally {
    closeSync(fd);
  }
  if (n === e.room && e.room <= LIMITS.maxFileBytes) {
    throw new Error(`it grew after the tree was listed (listed at ${e.room - 1} bytes)`);
  }
  return n;
}

/** A SharedTree slot's states before its file's length. */
const UNREAD = -1;
const READING = -2;

/** What a worker needs to open a SharedTree another thread made. */
export interface SharedTreeHandle {
  entries: TreeEntry[];
  memory: SharedArrayBuffer;
  lengths: SharedArrayBuffer;
}

/**
 * A listed tree in one SharedArrayBuffer. Entry i has the slot [offset(i), offset(i) + room) and a state in a
 * shared Int32Array: UNREAD, then READING while the thread that claimed it (compareExchange) reads the file, then
 * the file's length. The reader stores the length with Atomics after the bytes, so a thread that sees the length
 * sees the bytes; a thread that finds the slot being read waits for it. So any thread may ask for any file, and
 * each file is read once, by whichever thread asks first: every thread sees the same bytes.
 */
export class SharedTree {
  readonly index = new Map<string, number>();
  private readonly offsets: number[] = [];
  private readonly bytes: Uint8Array;
  private readonly length: Int32Array;

  private constructor(readonly handle: SharedTreeHandle) {
    let at = 0;
    handle.entries.forEach((e, i) => {
      this.index.set(e.rel, i);
      this.offsets.push(at);
      at += Math.max(0, e.room);
    });
    this.bytes = new Uint8Array(handle.memory);
    this.length = new Int32Array(handle.lengths);
  }

  static of(entries: TreeEntry[]): SharedTree {
    let total = 0;
    for (const e of entries) total += Math.max(0, e.room);
    const lengths = new SharedArrayBuffer(4 * entries.length);
    new Int32Array(lengths).fill(UNREAD);
    return new SharedTree({ entries, memory: new SharedArrayBuffer(total), lengths });
  }

  /** A tree already in memory (tests, tampered copies): copied into shared memory, every file read. */
  static fromFiles(files: ReadonlyMap<string, Uint8Array>): SharedTree {
    const t = SharedTree.of([...files].map(([rel, b]) => ({ rel, path: '', room: b.length })));
    let i = 0;
    for (const b of files.values()) {
      t.bytes.set(b, t.offsets[i]!);
      Atomics.store(t.length, i++, b.length);
    }
    return t;
  }

  /** The same tree, in another thread. */
  static open(handle: SharedTreeHandle): SharedTree {
    return new SharedTree(handle);
  }

  /** The bytes of `rel`, read now if no thread has read them yet. */
  get(rel: string): Uint8Array | undefined {
    const i = this.index.get(rel);
    return i === undefined ? undefined : this.at(i);
  }

  private at(i: number): Uint8Array {
    const start = this.offsets[i]!;
    let n = Atomics.load(this.length, i);
    while (n < 0) {
      if (n === READING) {
        Atomics.wait(this.length, i, READING);
      } else if (Atomics.compareExchange(this.length, i, UNREAD, READING) === UNREAD) {
        const e = this.handle.entries[i]!;
        try {
          n = e.room < 0 ? 0 : readEntry(e, this.bytes.subarray(start, start + e.room));
        } catch (err) {
          // Unclaimed again, so that a thread waiting for it tries for itself (and meets the error itself).
          Atomics.store(this.length, i, UNREAD);
          Atomics.notify(this.length, i);
          throw unreadable(e.rel, err);
        }
        Atomics.store(this.length, i, n);
        Atomics.notify(this.length, i);
        return this.bytes.subarray(start, start + n);
      }
      n = Atomics.load(this.length, i);
    }
    return this.bytes.subarray(start, start + n);
  }

  /**
   * Unclaims every slot left being read. Only once every other thread that used this tree has stopped, one perhaps
   * in the middle of a read (a worker that died): this thread then reads those files itself rather than wait for a
   * read that will never end.
   */
  unclaimAbandoned(): void {
    for (let i = 0; i < this.length.length; i++) Atomics.compareExchange(this.length, i, READING, UNREAD);
  }

  /** Every file, in listing order (read now where not read yet). */
  files(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    this.handle.entries.forEach((e, i) => out.set(e.rel, this.at(i)));
    return out;
  }

  /** Total bytes set aside (about the tree's size). */
  get size(): number {
    return this.bytes.length;
  }
}

/**
 * A file named on the command line (ingest's inputs, check-record's FILE, check-attestation's), up to `max` bytes.
 * TreeReadError if it cannot be read (namedReadError).
 */
export function readNamedFile(path: string, max: number): Uint8Array {
  try {
    return readPrefix(path, max);
  } catch (e) {
    throw namedReadError(path, e);
  }
}

/**
 * Why a file or folder named on the command line cannot be read: FILE_MISSING if there is no such thing,
 * FILE_UNREADABLE with the system's reason otherwise (a folder where a file was expected, permissions).
 */
export function namedReadError(path: string, e: unknown, folder = false): TreeReadError {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT')
    return new TreeReadError('FILE_MISSING', path, `no such ${folder ? 'folder' : 'file'}`);
  return unreadable(path, e, folder);
}

function readPrefix(path: string, max: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    // Sized by the file (plus one byte, to see growth up to the limit), not by the limit: a tree of small files
    // would otherwise cost 4 MiB of allocation each.
    // A pipe or device says nothing of its size: read up to the limit.
    const st = fstatSync(fd);
    const buf = new Uint8Array(st.isFile() ? Math.min(max, st.size + 1) : max);
    return buf.subarray(0, fill(fd, buf));
  } finally {
    closeSync(fd);
  }
}

function fill(fd: number, buf: Uint8Array): number {
  let n = 0;
  while (n < buf.length) {
    const r = readSync(fd, buf, n, buf.length - n, null);
    if (r === 0) break;
    n += r;
  }
  return n;
}
