/**
 * Reads an evidence folder into the map the core verifies. Each file is read up to one byte past the size limit,
 * so a hostile 50 MB file costs 4 MiB of memory and fails with FILE_TOO_LARGE. Symbolic links and special files
 * are not followed: they are reported as files the layout has no place for.
 */
import { openSync, readSync, closeSync, fstatSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../../verify/limits.ts';

export class TreeReadError extends Error {}

export function readTree(root: string): Map<string, Uint8Array> {
  let st;
  try {
    st = lstatSync(root);
  } catch {
    throw new TreeReadError(`${root}: no such folder`);
  }
  if (!st.isDirectory()) throw new TreeReadError(`${root}: not a folder`);
  const files = new Map<string, Uint8Array>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const s = lstatSync(p);
      if (s.isDirectory()) walk(p, r);
      else if (s.isFile()) files.set(r, readPrefix(p, LIMITS.maxFileBytes + 1));
      else files.set(r, new Uint8Array(0)); // a link or device: the layout has no place for it
      if (files.size > LIMITS.maxFiles) return;
    }
  };
  walk(root, '');
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
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
