// @ts-check
/**
 * An exclusive lock for a job that must not run twice at once over the same files. The release job
 * (scripts/release.ts) holds one per published folder: two release jobs at once would each extend the log of the
 * release they both found, and the one that finished last would replace the other's release, so the published log
 * could lose entries it had shown (a checkpoint smaller than one already served) or fork, which a monitor rightly
 * reads as the operator's misdeed. A build holds one per cache folder (scripts/lib/render-cache.mjs holdBuildLock).
 *
 * The lock is a file that holds its holder: host, boot, pid, the process's start time, a random token and when it
 * was taken. It is created whole and at once: a temporary file with the holder, then a hard link to it under the
 * lock's name, which fails if the name exists (link(2) is atomic), so no reader ever sees a lock half written.
 *
 * A lock whose holder is gone is stale and taken over: on this host, a holder of another boot, a pid with no
 * process, or a pid whose process started at another time (the pid reused). A live holder is waited for. A holder
 * this host cannot judge (another host's, through a shared folder) or a file this code did not write is refused,
 * naming the file, so that a person decides: waiting for it could be waiting for ever.
 *
 * Taking over is itself race-free: the stale lock is renamed to a name of the taker's own (one rename wins), and
 * the taker then checks that what it renamed is the lock it judged stale. If another job had meanwhile put a fresh
 * lock in place, the taker puts that one back. A holder also checks, before each step that cannot be undone, that
 * the lock is still its own (HeldLock.check), so that even a lock taken from it by mistake costs a refusal, never
 * two jobs publishing at once.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * Who holds a lock: what its file says. `boot`: Linux's boot id (/proc/sys/kernel/random/boot_id), where there is
 * one; `start`: the process's start in clock ticks since boot (/proc/<pid>/stat field 22), where there is one;
 * `since`: when the lock was taken (ISO 8601).
 * @typedef {{ host: string, boot?: string, pid: number, start?: string, token: string, since: string }} LockHolder
 */

/** The lock cannot be taken: its holder cannot be judged here, or waiting for it timed out. */
export class LockRefused extends Error {}

/** The lock is no longer this holder's: another job took it over. */
export class LockLost extends Error {}

/**
 * A lock taken: `check()` throws LockLost unless the lock file still names this holder; `release()` removes the lock
 * if it is still this holder's.
 * @typedef {{ path: string, holder: LockHolder, check(): void, release(): void }} HeldLock
 */

/**
 * `onWait`: told once when the lock is held by a live job and this one starts waiting; `onStale`: told when a stale
 * lock is taken over, with why it was judged stale; `pollMs`: how often to look again while waiting (default
 * 200 ms); `timeoutMs`: give up (LockRefused) after waiting this long (default: wait as long as the holder lives).
 * @typedef {{
 *   onWait?: (holder: LockHolder) => void,
 *   onStale?: (holder: LockHolder, why: string) => void,
 *   pollMs?: number,
 *   timeoutMs?: number,
 * }} LockOptions
 */

/** At most this much of a file is read as a lock (a lock is about 250 bytes): a stray large file is not read whole. */
const MAX_LOCK_BYTES = 4096;

/**
 * The text of `path`, up to `max` bytes (a longer file gives its first max + 1 bytes, so that it can be told apart),
 * or undefined if there is no such file.
 * @param {string} path
 * @param {number} [max]
 * @returns {string | undefined}
 */
function readText(path, max = MAX_LOCK_BYTES) {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0;) n += r;
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const bootId = (() => {
  /** @type {string | undefined | null} */
  let cached = null;
  return () => (cached === null ? (cached = readText('/proc/sys/kernel/random/boot_id')?.trim()) : cached);
})();

/**
 * The start of process `pid` in clock ticks since boot, from /proc/<pid>/stat, or undefined where unknown.
 * @param {number} pid
 * @returns {string | undefined}
 */
export function processStart(pid) {
  let stat;
  try {
    stat = readText(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  if (stat === undefined) return undefined;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so the fields are counted from its last ')'.
  // The start time is field 22 (proc(5)), the 20th after comm.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[19];
  return start && /^[0-9]+$/.test(start) ? start : undefined;
}

/**
 * Whether a process `pid` exists (signal 0: EPERM means it exists but is not ours).
 * @param {number} pid
 */
function processExists(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === 'EPERM';
  }
}

/** The fields of a holder, each with the form it must have (`pid` is checked apart: a positive integer). */
const HOLDER_FORMS = /** @type {const} */ ([
  ['host', /^[\x21-\x7e]{1,255}$/, 'printable ASCII without spaces, at most 255 characters'],
  ['token', /^[0-9a-f]{32}$/, '32 lowercase hex digits'],
  [
    'since',
    /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$/,
    'an ISO 8601 time in UTC',
  ],
  ['boot', /^[0-9a-f-]{1,64}$/, 'a boot id (hex digits and dashes), or absent'],
  ['start', /^[0-9]{1,20}$/, 'decimal clock ticks, or absent'],
]);

/**
 * The holder a lock file names, or why it is not a lock this code wrote (the field and the rule it breaks). Every
 * field is checked to its form, so that what a message repeats from it is plain text.
 * @param {string} text
 * @returns {{ holder: LockHolder, why?: undefined } | { holder?: undefined, why: string }}
 */
function judgeHolder(text) {
  if (text.length > MAX_LOCK_BYTES) return { why: `it is longer than ${MAX_LOCK_BYTES} bytes` };
  /** @type {unknown} */
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    return { why: 'it is not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { why: 'it is not a JSON object' };
  const h = /** @type {Record<string, unknown>} */ (v);
  if (!Number.isSafeInteger(h.pid) || /** @type {number} */ (h.pid) <= 0)
    return { why: 'its "pid" is not a positive integer' };
  for (const [field, form, rule] of HOLDER_FORMS) {
    const x = h[field];
    if ((field === 'boot' || field === 'start') && x === undefined) continue;
    if (typeof x !== 'string' || !form.test(x)) return { why: `its "${field}" is not ${rule}` };
  }
  return { holder: /** @type {LockHolder} */ (v) };
}

/**
 * The holder a lock file names, or undefined if it is not a lock this code wrote (judgeHolder).
 * @param {string} text
 */
const parseHolder = (text) => judgeHolder(text).holder;

/**
 * Why `h`'s lock is stale, or undefined while its holder lives (or cannot be judged from this host).
 * @param {LockHolder} h
 * @returns {string | undefined}
 */
export function staleBecause(h) {
  if (h.host !== hostname()) return undefined;
  const boot = bootId();
  if (h.boot !== undefined && boot !== undefined && h.boot !== boot)
    return 'it was taken before this host last booted';
  if (!processExists(h.pid)) return `no process ${h.pid} is running`;
  const start = processStart(h.pid);
  if (h.start !== undefined && start !== undefined && h.start !== start)
    return `process ${h.pid} is another process than the one that took it (the pid was reused)`;
  return undefined;
}

const holderText = (/** @type {LockHolder} */ h) => `pid ${h.pid} on ${h.host}, since ${h.since}`;

/** @param {number} ms */
function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * What a job that takes a lock says, on standard output: once when it starts waiting for a live holder, and when it
 * takes a gone holder's lock over.
 * @param {string} job  what holds such a lock ("release job", "build")
 * @param {string} where  what it runs on ("on site/", "with this cache")
 * @param {string} path  the lock
 * @returns {LockOptions}
 */
export function announced(job, where, path) {
  return {
    onWait: (h) =>
      console.log(
        `waiting for the ${job} already running ${where} (pid ${h.pid}, since ${h.since}; its lock: ${path})`,
      ),
    onStale: (h, why) =>
      console.log(`taking over the lock of a ${job} that is gone (pid ${h.pid}, since ${h.since}): ${why}`),
  };
}

/**
 * Takes the lock at `path`, waiting while a live job holds it (see the module's comment).
 * @param {string} path
 * @param {LockOptions} [opts]
 * @returns {HeldLock}
 */
export function acquireLock(path, opts = {}) {
  const boot = bootId();
  const start = processStart(process.pid);
  /** @type {LockHolder} */
  const holder = {
    host: hostname(),
    ...(boot !== undefined ? { boot } : {}),
    pid: process.pid,
    ...(start !== undefined ? { start } : {}),
    token: randomBytes(16).toString('hex'),
    since: new Date().toISOString(),
  };
  const text = `${JSON.stringify(holder)}\n`;
  const pollMs = opts.pollMs ?? 200;
  const started = Date.now();
  let waiting = false;
  for (;;) {
    if (tryCreate(path, text, holder.token)) break;
    const found = readText(path);
    if (found === undefined) continue; // released between the two calls: try again at once
    const { holder: other, why: notALock } = judgeHolder(found);
    if (!other)
      throw new LockRefused(
        `${path} exists but is not a lock this code wrote (${notALock}); if no job holds it, remove it`,
      );
    if (other.host === holder.host && other.pid === process.pid && other.start === holder.start)
      throw new Error(`${path} is already held by this process`);
    const why = staleBecause(other);
    if (why !== undefined) {
      if (takeOver(path, found, holder.token)) opts.onStale?.(other, why);
      continue;
    }
    if (other.host !== holder.host)
      throw new LockRefused(
        `${path} is held by a job on another host (${holderText(other)}), which this host cannot check; if no job is running there, remove it`,
      );
    if (opts.timeoutMs !== undefined && Date.now() - started >= opts.timeoutMs)
      throw new LockRefused(`${path} is still held by a running job (${holderText(other)})`);
    if (!waiting) {
      waiting = true;
      opts.onWait?.(other);
    }
    sleep(pollMs);
  }
  sweepLeftovers(path);
  return {
    path,
    holder,
    check() {
      const now = readText(path);
      const h = now === undefined ? undefined : parseHolder(now);
      if (h?.token !== holder.token)
        throw new LockLost(
          `the lock ${path} is no longer this job's (${h ? `now held by ${holderText(h)}` : 'it was removed'})`,
        );
    },
    release() {
      const now = readText(path);
      if (now !== undefined && parseHolder(now)?.token === holder.token) unlinkSync(path);
    },
  };
}

/**
 * Removes what a job killed half-way through tryCreate or takeOver left beside the lock: `<lock>.new-<token>`
 * (its holder's lock, not linked yet) and `<lock>.stale-<token>` (a stale lock renamed aside), each only once the
 * holder it names is judged gone, so that another job's file still in use is left alone; a file that is not a lock
 * is left too.
 * @param {string} path
 */
function sweepLeftovers(path) {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !/^(new|stale)-[0-9a-f]{32}$/.test(name.slice(prefix.length))) continue;
    const p = join(dir, name);
    const text = readText(p);
    const h = text === undefined ? undefined : parseHolder(text);
    if (h && staleBecause(h) !== undefined) rmSync(p, { force: true });
  }
}

/**
 * Creates the lock whole (a complete temporary file, then a hard link to it); false if the lock exists.
 * @param {string} path
 * @param {string} text
 * @param {string} token
 * @returns {boolean}
 */
function tryCreate(path, text, token) {
  const temporary = `${path}.new-${token}`;
  writeFileSync(temporary, text, { flag: 'wx', mode: 0o644 });
  try {
    linkSync(temporary, path);
    return true;
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(temporary);
  }
}

/**
 * Removes the stale lock whose text is `stale`: renamed to a name of this taker's own, then checked to be the lock
 * judged stale. If it is not (another job put a fresh lock in place since), it is put back; if that is no longer
 * possible (a third job holds the lock now), the job whose lock it was finds out at its next check. True if the
 * stale lock was removed by this call.
 * @param {string} path
 * @param {string} stale
 * @param {string} token
 * @returns {boolean}
 */
export function takeOver(path, stale, token) {
  const aside = `${path}.stale-${token}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') return false; // another taker was first
    throw e;
  }
  const taken = readText(aside);
  // Gone already: a job that took the free lock meanwhile swept it as a dead holder's (sweepLeftovers).
  if (taken === undefined) return false;
  if (taken === stale) {
    rmSync(aside, { force: true });
    return true;
  }
  try {
    linkSync(aside, path);
  } catch (e) {
    const code = /** @type {NodeJS.ErrnoException} */ (e).code;
    if (code !== 'EEXIST' && code !== 'ENOENT') throw e;
  }
  rmSync(aside, { force: true });
  return false;
}
