/**
 * Reads an evidence folder into the map the core verifies. Each file is read up to one byte past the size limit,
 * so a hostile 50 MB file costs 4 MiB of memory and fails with FILE_TOO_LARGE. Symbolic links and special files
 * are not followed: they are reported as files the layout has no place for.
 *
 * With `shared`, every file is read into one SharedArrayBuffer (the map's values are views of it), so that worker
 * threads can verify parts of the tree without a copy (scripts/lib/parallel-verify.ts).
 */
import { openSync, readSync, closeSync, fstatSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../../verify/limits.ts';

export class TreeReadError extends Error {}

interface Entry {
  rel: string;
  path: string;
  /** Bytes to set aside: the file's size plus one (to see growth up to the limit), at most the limit plus one. */
  room: number;
}

export function readTree(root: string, opts: { shared?: boolean } = {}): Map<string, Uint8Array> {
  let st;
  try {
    st = lstatSync(root);
  } catch {
    throw new TreeReadError(`${root}: no such folder`);
  }
  if (!st.isDirectory()) throw new TreeReadError(`${root}: not a folder`);
  const max = LIMITS.maxFileBytes + 1;
  const entries: Entry[] = [];
  const walk = (dir: string, rel: string): boolean => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const s = lstatSync(p);
      if (s.isDirectory()) {
        if (!walk(p, r)) return false;
        continue;
      }
      // A link or device: the layout has no place for it, and it is not read (room -1).
      entries.push({ rel: r, path: p, room: s.isFile() ? Math.min(max, s.size + 1) : -1 });
      if (entries.length > LIMITS.maxFiles) return false;
    }
    return true;
  };
  walk(root, '');
  const files = new Map<string, Uint8Array>();
  if (!opts.shared) {
    for (const e of entries) files.set(e.rel, e.room < 0 ? new Uint8Array(0) : readPrefix(e.path, max));
    return files;
  }
  let total = 0;
  for (const e of entries) total += Math.max(0, e.room);
  const memory = new Uint8Array(new SharedArrayBuffer(total));
  let at = 0;
  for (const e of entries) {
    if (e.room < 0) {
      files.set(e.rel, memory.subarray(at, at));
      continue;
    }
    const n = readInto(e.path, memory.subarray(at, at + e.room));
    files.set(e.rel, memory.subarray(at, at + n));
    at += e.room;
  }
  return files;
}

export function readPrefix(path: string, max: number): Uint8Array {
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

/** Reads the file at `path` into `buf`, as far as it goes; the number of bytes read. */
function readInto(path: string, buf: Uint8Array): number {
  const fd = openSync(path, 'r');
  try {
    return fill(fd, buf);
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
