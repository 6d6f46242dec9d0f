// @ts-check
/**
 * The file work of an incremental build (scripts/lib/incremental.ts) that does not depend on what is rendered now:
 * lay out every folder of the new site, hard-link the last build's unchanged files into it, and carry its unchanged
 * pages over with the new footer in place of the one recorded. Run in a worker thread (`startCarrying`) while the
 * build's thread renders the changed pages, with synchronous calls on that one thread (on libuv's threads, a few
 * dozen calls at a time, the same work took several times the CPU).
 *
 * The new site's folder may be the spare: the site before the last one, which scripts/build.ts keeps beside the
 * output (`spareBeside`) so that the next build need not make some 2,800 folders and 1,400 pages anew and remove as
 * many (on an ext4 file system without a journal, each new file or folder is slower to make the more were removed in
 * the last minute: ext4's `recently_deleted`). Nothing in the spare is trusted: every entry that is not a file of the
 * new site is removed, a linked file is kept only when it is the very file of the last build's output (same device
 * and inode), and a carried page is rewritten in place only when it is a regular file with no other link (opened
 * without following a symbolic link), in full unless its bytes before the footer are those of the last build's page.
 * Every other path the new site needs is made anew.
 *
 * Plain JavaScript, so that the worker needs no TypeScript loader.
 */
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/**
 * Where the site before the last one is kept for the next build: beside the output, as `.<name>.spare`.
 * @param {string} out
 */
export function spareBeside(out) {
  return join(dirname(out), `.${basename(out)}.spare`);
}

/**
 * @typedef {object} CarryPlan
 * @property {string} out the last build's output
 * @property {string} staging the new site's folder: missing (made here), or the spare, claimed (to be reused)
 * @property {string[]} folders every folder of the new site, relative to it (any order)
 * @property {string[]} links files to hard-link from `out`, relative
 * @property {string[]} pages pages to carry over from `out` with the new footer, relative
 * @property {string[]} fresh files the caller writes once this is done: left absent here, relative
 * @property {string} footerStart how a footer starts (its last occurrence in a page is the footer)
 * @property {string} footerEnd how it ends (its first occurrence after the start)
 * @property {string} oldFooter the footer each carried page must have now
 * @property {string} newFooter the footer it gets
 */

/**
 * Does `plan`'s work on this thread. Returns the carried pages whose footer is not the one recorded (none of them
 * is written) and how many entries of a spare were reused; throws on any failing call (the caller removes
 * `staging`).
 * @param {CarryPlan} plan
 * @returns {{ notAsRecorded: string[], reused: number }}
 */
export function carryFiles(plan) {
  const { out, staging } = plan;
  const folders = new Set(plan.folders);
  const fresh = new Set(plan.fresh);
  const files = new Set([...plan.links, ...plan.pages, ...fresh]);
  /** What the spare holds: relative path → a folder or not. */
  const spare = new Map();
  let reused = 0;
  if (lstatSync(staging, { throwIfNoEntry: false })?.isDirectory()) {
    const walk = (/** @type {string} */ rel) => {
      for (const d of readdirSync(rel ? join(staging, rel) : staging, { withFileTypes: true })) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (!d.isDirectory()) spare.set(r, false);
        else if (folders.has(r)) {
          spare.set(r, true);
          walk(r);
        } else rmSync(join(staging, r), { recursive: true }); // a folder the new site does not have
      }
    };
    walk('');
    for (const [r, isFolder] of spare)
      if (!isFolder && (!files.has(r) || fresh.has(r))) {
        unlinkSync(join(staging, r));
        spare.delete(r);
      }
  } else {
    rmSync(staging, { force: true });
    mkdirSync(staging);
  }
  // Sorted, a folder comes after its parent (a prefix of its path, and a prefix sorts first): no call needs
  // `recursive`, which would look at every parent again. A file of the spare where a folder goes is gone by now.
  for (const dir of [...folders].sort()) if (!spare.has(dir)) mkdirSync(join(staging, dir));

  for (const rel of plan.links) {
    const from = join(out, rel);
    const to = join(staging, rel);
    if (spare.has(rel)) {
      const a = lstatSync(from);
      const b = lstatSync(to);
      if (a.ino === b.ino && a.dev === b.dev) {
        reused++;
        continue;
      }
      unlinkSync(to);
    }
    linkSync(from, to);
  }

  const start = Buffer.from(plan.footerStart);
  const end = Buffer.from(plan.footerEnd);
  const oldFooter = Buffer.from(plan.oldFooter);
  const newFooter = Buffer.from(plan.newFooter);
  /** @type {string[]} */
  const notAsRecorded = [];
  for (const rel of plan.pages) {
    const html = readFileSync(join(out, rel));
    const s = html.lastIndexOf(start);
    const e = s < 0 ? -1 : html.indexOf(end, s);
    if (e < 0 || !html.subarray(s, e + end.length).equals(oldFooter)) {
      notAsRecorded.push(rel);
      continue;
    }
    const head = html.subarray(0, s);
    const tail = Buffer.concat([newFooter, html.subarray(e + end.length)]);
    const to = join(staging, rel);
    if (spare.has(rel) && rewriteInPlace(to, head, tail)) {
      reused++;
      continue;
    }
    if (spare.has(rel)) unlinkSync(to);
    writeFileSync(to, Buffer.concat([head, tail]), { flag: 'wx' });
  }
  return { notAsRecorded, reused };
}

/**
 * Makes the file at `path` hold `head` then `tail`, in place, when it is a regular file with no other link; writes
 * only `tail` when it already begins with `head`. False when it is not such a file (nothing written).
 * @param {string} path
 * @param {Buffer} head
 * @param {Buffer} tail
 */
function rewriteInPlace(path, head, tail) {
  if (constants.O_NOFOLLOW === undefined) return false; // not on this platform: no way to refuse a link
  let fd;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
  } catch {
    return false; // a symbolic link (ELOOP), or no longer there
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1) return false;
    let at = 0;
    if (st.size >= head.length) {
      const was = Buffer.allocUnsafe(head.length);
      let got = 0;
      while (got < head.length) {
        const n = readSync(fd, was, got, head.length - got, got);
        if (n === 0) break;
        got += n;
      }
      if (got === head.length && was.equals(head)) at = head.length;
    }
    if (at === 0) writeAll(fd, head, 0);
    writeAll(fd, tail, head.length);
    ftruncateSync(fd, head.length + tail.length);
    return true;
  } finally {
    closeSync(fd);
  }
}

/**
 * @param {number} fd
 * @param {Buffer} bytes
 * @param {number} position
 */
function writeAll(fd, bytes, position) {
  for (let done = 0; done < bytes.length;)
    done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

const MARK = 'fleetproof-carry-files';

/**
 * Starts `carryFiles(plan)` in a worker thread. `done` settles once the worker has exited (so nothing more is
 * written after it): with the result, or rejected with the failure. `stop` ends the worker early (a failed build).
 * @param {CarryPlan} plan
 * @returns {{ done: Promise<{ notAsRecorded: string[], reused: number }>, stop: () => Promise<void> }}
 */
export function startCarrying(plan) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { [MARK]: plan }, execArgv: [] });
  /** @type {{ notAsRecorded: string[], reused: number } | undefined} */
  let result;
  /** @type {string | undefined} */
  let failure;
  worker.on(
    'message',
    (/** @type {{ result?: { notAsRecorded: string[], reused: number }, error?: string }} */ m) => {
      if (m.result) result = m.result;
      else failure = m.error;
    },
  );
  const exited = new Promise((resolveExit) => {
    worker.once('error', (e) => (failure ??= e instanceof Error ? e.message : String(e)));
    worker.once('exit', resolveExit);
  });
  const done = exited.then(() => {
    if (result) return result;
    throw new Error(`could not carry the unchanged files over: ${failure ?? 'the worker exited early'}`);
  });
  done.catch(() => undefined); // observed by the caller, or by `stop`
  return {
    done,
    stop: async () => {
      await worker.terminate();
      await exited;
    },
  };
}

if (!isMainThread && typeof workerData === 'object' && workerData !== null && MARK in workerData) {
  try {
    parentPort?.postMessage({ result: carryFiles(workerData[MARK]) });
  } catch (e) {
    parentPort?.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
}
