/**
 * `fleetproof monitor SITE --trust-roots FILE [--state FILE] [--origin ORIGIN] [--json]`: what a monitor runs on a
 * schedule against a published site, an https URL or a copy of it in a folder (docs/evidence-format.md §10.1):
 *   1. the site's checkpoint verifies under a release key of the monitor's own pinned trust roots, its tiles hash
 *      to its root, and every witness cosignature present verifies;
 *   2. it extends the checkpoint remembered in FILE by the last run (RFC 9162 §2.1.4), so the site never rewrote
 *      what it logged;
 *   3. the site serves every logged file, at its latest version, byte for byte as logged, and
 *      /evidence/index.json lists exactly those;
 *   4. the trust roots it serves are the monitor's pinned copy (a key the site added is reported for review, not
 *      taken on trust), and the evidence it serves verifies whole under that copy.
 * Only when all of that holds is the new checkpoint remembered (written to a temporary name and renamed). The new
 * log entries since the last run are printed: what the site published meanwhile.
 * Exit status: 0 verified, 1 not verified, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { VerificationError, type VerificationErrorJSON } from '../verify/errors.ts';
import { formatError } from '../verify/report.ts';
import { LIMITS } from '../verify/limits.ts';
import { readJson } from '../verify/json.ts';
import { fromBase64 } from '../verify/encoding.ts';
import { TRUST_ROOTS_FILE, parseTrustRoots } from '../verify/trust.ts';
import { trustRootsChanges } from '../verify/trust-growth.ts';
import { parseNote } from '../verify/tlog/note.ts';
import { parseCheckpoint } from '../verify/tlog/checkpoint.ts';
import { TILE_WIDTH, tilePath, tilesForTree, tileWidth } from '../verify/tlog/tiles.ts';
import { HASH_SIZE } from '../verify/tlog/merkle.ts';
import { entryBundlePath } from '../verify/tlog/entries.ts';
import { TLOG_LIMITS } from '../verify/tlog/limits.ts';
import {
  CHECKPOINT_PATH,
  LOG_DIR,
  type LogEntry,
  type Remembered,
  checkExtends,
  logOrigin,
  openSignedLog,
  readLogEntries,
  rememberCheckpoint,
  signedCheckpoint,
} from '../verify/release-log.ts';
import { sha256Hex } from '../site/lib/evidence-index.ts';
import { checksReportOf } from './lib/parallel-verify.ts';
import { TreeReadError, listTree, readNamedFile } from './lib/read-tree.ts';

/** Reads one file of the site by its path under the site's root; undefined when the site has no such file. */
export type SiteReader = (path: string, max: number) => Promise<Uint8Array | undefined>;

export interface MonitorResult {
  ok: boolean;
  site: string;
  origin: string | undefined;
  checkpoint: Remembered | undefined;
  /** The checkpoint the run started from (the state file's), if any. */
  previous: Remembered | undefined;
  cosigned_by: string[];
  /** Proven (RFC 9162 §2.1.4) that the checkpoint extends `previous`; absent without one. */
  extends_previous?: boolean;
  /** The log's entries after `previous` (all of them on a first run): what the site published since. */
  new_entries: (LogEntry & { index: number })[];
  /** Evidence files served as logged, and the checks of their verification. */
  files: number;
  checks: { passed: number; failed: number };
  errors: VerificationErrorJSON[];
}

/** Files fetched at once from a site. */
const CONCURRENCY = 16;
/** Each request's time limit (FLEETPROOF_MONITOR_TIMEOUT_MS for tests). */
const TIMEOUT_MS = Number(process.env.FLEETPROOF_MONITOR_TIMEOUT_MS) || 30_000;
/** The largest /evidence/index.json read: some 150 bytes per file, for LIMITS.maxFiles files. */
const MAX_INDEX_BYTES = 128 * 1024 * 1024;
/** A hash tile: 256 hashes. An entry bundle: 256 entries of at most 65,535 bytes, each with a u16. */
const MAX_TILE_BYTES = TILE_WIDTH * HASH_SIZE;
const MAX_BUNDLE_BYTES = TILE_WIDTH * (2 + TLOG_LIMITS.maxEntryBytes);
/**
 * The most entries a site's log can hold: one per file of the tree (at most LIMITS.maxFiles), plus one for each
 * later version of the trust roots, the only file logged more than once (§3.5); as many again for those.
 */
const MAX_LOG_ENTRIES = 2 * LIMITS.maxFiles;
/** Files named one by one when the site serves them otherwise than logged; the rest are counted. */
const MAX_FILE_ERRORS = 100;

/** A site copied into a folder: paths that would leave it are absent. */
export function folderSite(dir: string): SiteReader {
  const root = resolve(dir);
  return async (path, max) => {
    const p = join(root, path);
    if (!p.startsWith(root + sep)) return undefined;
    try {
      return readNamedFile(p, max + 1);
    } catch (e) {
      if (!(e instanceof TreeReadError)) throw e;
      if (e.code === 'FILE_MISSING') return undefined;
      throw new VerificationError('FILE_UNREADABLE', e.message, { file: path });
    }
  };
}

/**
 * A site on the web. Redirects are refused (a monitor names the site it watches, and a redirect would make it
 * watch another), an answer is read until it passes `max` bytes, and each request, body included, has TIMEOUT_MS.
 */
export function httpSite(base: URL): SiteReader {
  return async (path, max) => {
    const url = new URL(path.split('/').map(encodeURIComponent).join('/'), base);
    // The time limit is a race of our own besides fetch's signal, which still asks fetch to drop the connection:
    // Node's fetch follows a signal only weakly (nodejs/node#55428). Here, a stalled answer was more than once not
    // cut off at the limit by the signal alone, and the run waited until the server gave up.
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new Error(`no whole answer within ${TIMEOUT_MS} ms`);
        controller.abort(e);
        reject(e);
      }, TIMEOUT_MS);
    });
    late.catch(() => {}); // raced below; never left unhandled
    try {
      return await fetchBounded(url, path, max, controller.signal, <T>(p: Promise<T>) =>
        Promise.race([p, late]),
      );
    } finally {
      clearTimeout(timer);
    }
  };
}

async function fetchBounded(
  url: URL,
  path: string,
  max: number,
  signal: AbortSignal,
  inTime: <T>(p: Promise<T>) => Promise<T>,
) {
  let res: Response;
  try {
    res = await inTime(fetch(url, { redirect: 'error', cache: 'no-store', signal }));
  } catch (e) {
    const why = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new VerificationError('FILE_UNREADABLE', `${url} cannot be fetched: ${why}`, { file: path });
  }
  if (res.status === 404 || res.status === 410) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new VerificationError('FILE_UNREADABLE', `${url} answered HTTP ${res.status}`, { file: path });
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await inTime(reader.read());
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (total > max) break; // the caller reports it as too large
    }
  } catch (e) {
    // Cut off, or out of time while the body arrived.
    throw new VerificationError('FILE_UNREADABLE', `${url} cannot be read whole: ${(e as Error).message}`, {
      file: path,
    });
  } finally {
    reader.cancel().catch(() => {}); // a body not read to its end: the connection is dropped
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
}

/** Reads `path`, failing when the site lacks it or it is over `max` bytes. */
async function need(read: SiteReader, path: string, max: number, code: 'FILE_MISSING' | 'TILE_INVALID') {
  const b = await read(path, max);
  if (!b) throw new VerificationError(code, `the site has no ${path}`, { file: path });
  if (b.length > max)
    throw new VerificationError('FILE_TOO_LARGE', `${path} is over ${max} bytes`, { file: path });
  return b;
}

/** `f` over `items`, CONCURRENCY at a time, results in order. */
async function pool<T, R>(items: readonly T[], f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, run));
  return out;
}

/** The state file's checkpoint; SCHEMA_INVALID naming the file when it is not one. */
export function parseRemembered(bytes: Uint8Array, file: string): Remembered {
  const v = readJson(bytes, file) as Partial<Remembered>;
  const bad = (why: string): never => {
    throw new VerificationError('SCHEMA_INVALID', `not a remembered checkpoint: ${why}`, { file });
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('expected an object');
  if (typeof v.origin !== 'string' || v.origin === '') bad('origin: expected the log origin');
  if (!Number.isSafeInteger(v.size) || v.size! < 0) bad('size: expected a tree size');
  let root: Uint8Array | undefined;
  try {
    root = fromBase64(String(v.root));
  } catch {
    /* below */
  }
  if (root?.length !== HASH_SIZE) bad('root: expected a SHA-256 root hash in base64');
  return { origin: v.origin!, size: v.size!, root: v.root! };
}

export interface MonitorOptions {
  site: string;
  read: SiteReader;
  /** The monitor's pinned trust roots, as bytes, and the file they came from. */
  pinned: Uint8Array;
  pinnedFile: string;
  previous: Remembered | undefined;
  /** The log's origin; default: the one the checkpoint claims. */
  origin: string | undefined;
  /** Where `origin` came from, for an error that names it. */
  originFrom?: string;
  /** For a folder: the evidence files it holds (a site on the web cannot be listed). */
  listEvidence?: () => string[];
}

/** Steps 1 to 4 (the module's comment). Never throws a VerificationError: it is in `errors`. */
export async function monitorSite(o: MonitorOptions): Promise<MonitorResult> {
  const r: MonitorResult = {
    ok: false,
    site: o.site,
    origin: o.origin,
    checkpoint: undefined,
    previous: o.previous,
    cosigned_by: [],
    new_entries: [],
    files: 0,
    checks: { passed: 0, failed: 0 },
    errors: [],
  };
  try {
    await check(o, r);
  } catch (e) {
    if (!(e instanceof VerificationError)) throw e;
    r.errors.push(e.toJSON());
  }
  r.ok = r.errors.length === 0;
  return r;
}

async function check(o: MonitorOptions, r: MonitorResult): Promise<void> {
  const roots = parseTrustRoots(readJson(o.pinned, o.pinnedFile), o.pinnedFile);

  // 1. The checkpoint under the pinned keys, then its tiles and entry bundles (which ones: from its signed size).
  const note = new TextDecoder().decode(
    await need(o.read, CHECKPOINT_PATH, TLOG_LIMITS.maxNoteBytes, 'FILE_MISSING'),
  );
  const claimed = parseCheckpoint(parseNote(note, { file: CHECKPOINT_PATH }).text, { file: CHECKPOINT_PATH });
  const origin = (r.origin ??= claimed.origin);
  // Before the signature, whose key name is the origin: a copy of another site would otherwise fail as UNKNOWN_KEY.
  if (claimed.origin !== origin) {
    throw new VerificationError(
      'CHECKPOINT_INVALID',
      `the checkpoint is for the log ${claimed.origin}, not ${origin}${o.originFrom ? ` (${o.originFrom})` : ''}; a copy of another site is monitored with --origin`,
      { file: CHECKPOINT_PATH },
    );
  }
  // The signature first: nothing else is fetched for a checkpoint no pinned key signed, nor for a size no site can
  // reach (the trust roots are the only file logged more than once).
  const signed = signedCheckpoint(note, roots, origin);
  const { size } = signed;
  if (size > MAX_LOG_ENTRIES) {
    throw new VerificationError(
      'LIMIT_EXCEEDED',
      `the checkpoint claims ${size} entries; a site's log holds at most ${MAX_LOG_ENTRIES}`,
      { file: CHECKPOINT_PATH },
    );
  }
  const bundles = Array.from({ length: Math.ceil(size / TILE_WIDTH) }, (_, i) =>
    entryBundlePath(i, tileWidth(0, i, size)),
  );
  const wanted = [
    ...tilesForTree(size).map((t) => [tilePath(t), MAX_TILE_BYTES] as const),
    ...bundles.map((p) => [p, MAX_BUNDLE_BYTES] as const),
  ];
  const fetched = await pool(wanted, ([p, max]) => need(o.read, `${LOG_DIR}/${p}`, max, 'TILE_INVALID'));
  const logFiles = new Map(wanted.map(([p], i) => [p, fetched[i]!]));
  const getTile = (p: string) => logFiles.get(p);
  const opened = openSignedLog(note, signed, roots, getTile);
  r.checkpoint = rememberCheckpoint(opened.checkpoint);
  r.cosigned_by = opened.cosignatures.map((c) => c.keyId);

  // 2. Append-only since the last run.
  if (o.previous) {
    checkExtends(o.previous, opened.checkpoint, getTile);
    r.extends_previous = true;
  }
  // Each entry's path has the form of an evidence path (readLogEntries refuses any other): safe to fetch.
  const entries = readLogEntries(size, getTile);
  const from = o.previous?.size ?? 0;
  r.new_entries = entries.slice(from).map((e, i) => ({ index: from + i, ...e }));

  // 3. The files, served as logged (a path's latest entry is its current version), and listed as logged.
  const latest = new Map(entries.map((e) => [e.path, e.sha256]));
  const paths = [...latest.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const served = await pool(paths, (path) => o.read(`evidence/${path}`, LIMITS.maxFileBytes));
  const problems: VerificationError[] = [];
  const changed = (file: string, why: string) =>
    problems.push(new VerificationError('CONSISTENCY_FAILED', why, { file }));
  const files = new Map<string, Uint8Array>();
  paths.forEach((path, i) => {
    const b = served[i];
    const logged = latest.get(path)!;
    const digest = b && sha256Hex(b);
    if (!b)
      changed(`evidence/${path}`, `the log holds ${path} (SHA-256 ${logged}) and the site does not serve it`);
    else if (digest !== logged)
      changed(`evidence/${path}`, `the site serves ${path} with SHA-256 ${digest}; its log holds ${logged}`);
    else files.set(path, b);
  });
  // Not the widget's parseIndex, which drops an entry it cannot use (the index is only its hint): here every entry
  // the site lists counts, and one without a path or digest is a path the log does not hold.
  const index = await need(o.read, 'evidence/index.json', MAX_INDEX_BYTES, 'FILE_MISSING');
  let listed: { path?: unknown; sha256?: unknown }[];
  try {
    listed = (JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(index)) as { files: typeof listed })
      .files;
    if (!Array.isArray(listed)) throw new Error('no files array');
  } catch (e) {
    throw new VerificationError('JSON_INVALID', `not the site's evidence index: ${(e as Error).message}`, {
      file: 'evidence/index.json',
    });
  }
  const inIndex = new Map(listed.map((f) => [String(f?.path), String(f?.sha256)]));
  const unlogged = [...inIndex.keys(), ...(o.listEvidence?.() ?? [])].filter((p) => !latest.has(p));
  for (const p of [...new Set(unlogged)].sort())
    changed(`evidence/${p}`, `the site serves ${p}, which its log does not hold`);
  const misListed = paths
    .filter((p) => inIndex.get(p) !== latest.get(p))
    .map(
      (p) =>
        `${p} ${inIndex.has(p) ? `with SHA-256 ${inIndex.get(p)}` : 'not at all'} (logged: ${latest.get(p)})`,
    );
  if (misListed.length)
    changed(
      'evidence/index.json',
      `the index lists ${misListed.slice(0, 10).join('; ')}${misListed.length > 10 ? `; and ${misListed.length - 10} more` : ''}`,
    );
  if (problems.length) {
    // One error per file, up to MAX_FILE_ERRORS (a host that serves another tree would otherwise give one per file).
    const sorted = problems.sort((a, b) => (a.file! < b.file! ? -1 : a.file! > b.file! ? 1 : 0));
    for (const p of sorted.slice(0, MAX_FILE_ERRORS)) r.errors.push(p.toJSON());
    if (sorted.length > MAX_FILE_ERRORS) {
      const more = `and ${sorted.length - MAX_FILE_ERRORS} more files are not served as logged`;
      r.errors.push(new VerificationError('CONSISTENCY_FAILED', more, { file: 'evidence' }).toJSON());
    }
    return;
  }
  r.files = files.size;

  // 4. The trust roots it serves are the pinned copy, and the evidence verifies whole under that copy.
  const servedRoots = files.get(TRUST_ROOTS_FILE);
  if (servedRoots && latest.get(TRUST_ROOTS_FILE) !== sha256Hex(o.pinned)) {
    const file = `evidence/${TRUST_ROOTS_FILE}`;
    const { takes, adds } = trustRootsChanges(
      readJson(o.pinned, o.pinnedFile),
      readJson(servedRoots, file),
      file,
    );
    r.errors.push(
      new VerificationError(
        'TRUST_ROOTS_MISMATCH',
        `the site serves trust roots other than your pinned copy (${o.pinnedFile})${takes.length ? `; they take away: ${takes.join('; ')}` : ''}${adds.length ? `; they add: ${adds.join('; ')}` : ''}${!takes.length && !adds.length ? '; they differ only in form' : ''}. Review the change; once you trust it, pin the site's version`,
        { file },
      ).toJSON(),
    );
  }
  files.set(TRUST_ROOTS_FILE, o.pinned);
  const report = checksReportOf(files);
  r.checks = { passed: report.summary.passed, failed: report.summary.failed };
  r.errors.push(...report.errors);
}

interface Run {
  site: string;
  read: SiteReader;
  listEvidence?: () => string[];
  /** The URL's log origin, for a site on the web. */
  origin?: string;
}

/** SITE: an http(s) URL (its origin is then the URL's, §10), or a folder. */
function siteOf(site: string): Run {
  if (/^https?:\/\//i.test(site)) {
    let url: URL;
    try {
      url = new URL(site.endsWith('/') ? site : `${site}/`);
    } catch {
      throw usage(`SITE is not a URL: ${site}`);
    }
    return { site, read: httpSite(url), origin: logOrigin(url.href) };
  }
  const dir = resolve(site);
  const listEvidence = () => {
    if (!existsSync(join(dir, 'evidence'))) return [];
    try {
      return listTree(join(dir, 'evidence'))
        .map((e) => e.rel)
        .filter((p) => p !== 'index.json');
    } catch (e) {
      if (e instanceof TreeReadError) throw e.toVerificationError();
      throw e;
    }
  };
  return { site, read: folderSite(dir), listEvidence };
}

function usage(msg: string): Error {
  return Object.assign(new Error(msg), { code: 'ERR_PARSE_ARGS_USAGE' });
}

function readOwnFile(path: string, max: number): Uint8Array {
  try {
    return readNamedFile(path, max);
  } catch (e) {
    if (e instanceof TreeReadError) throw e.toVerificationError();
    throw e;
  }
}

export async function runMonitor(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'trust-roots': { type: 'string' },
      state: { type: 'string' },
      origin: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw usage('monitor takes exactly one SITE (an https URL or a folder)');
  const pinnedFile = values['trust-roots'];
  if (!pinnedFile)
    throw usage("monitor needs --trust-roots FILE: your own pinned copy of the site's trust roots");
  const json = values.json ?? false;
  const run = siteOf(positionals[0]!);
  const stateFile = values.state;
  const fail = (err: VerificationErrorJSON) => {
    if (json) console.log(JSON.stringify({ ok: false, site: run.site, errors: [err] }, null, 2));
    else console.log(`${formatError(err)}\n✗ NOT verified`);
    return 1;
  };
  let pinned: Uint8Array;
  let previous: Remembered | undefined;
  try {
    if (!run.origin && !statSync(positionals[0]!, { throwIfNoEntry: false })?.isDirectory())
      throw new VerificationError('FILE_MISSING', 'no such folder (SITE: an https URL or a folder)', {
        file: positionals[0]!,
      });
    pinned = readOwnFile(pinnedFile, LIMITS.maxFileBytes); // parsed first thing in monitorSite, before any fetch
    if (stateFile && existsSync(stateFile))
      previous = parseRemembered(readOwnFile(stateFile, 4096), stateFile);
  } catch (e) {
    if (e instanceof VerificationError) return fail(e.toJSON());
    throw e;
  }
  // The log's origin: as given, else the URL's (§10), else the one the last run remembered.
  const [origin, originFrom] = values.origin
    ? [values.origin, '--origin']
    : run.origin
      ? [run.origin, "the URL's"]
      : previous
        ? [previous.origin, `remembered in ${stateFile}`]
        : [undefined, undefined];
  const r = await monitorSite({ ...run, pinned, pinnedFile, previous, origin, originFrom });
  let unsaved: string | undefined;
  if (r.ok && stateFile) {
    const tmp = `${stateFile}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, `${JSON.stringify(r.checkpoint, null, 2)}\n`);
      renameSync(tmp, stateFile);
    } catch (e) {
      rmSync(tmp, { force: true });
      unsaved = (e as Error).message;
    }
  }
  if (json) console.log(JSON.stringify(r, null, 2));
  else console.log(formatMonitor(r, stateFile, unsaved));
  if (unsaved && json) console.error(`fleetproof: ${stateFile} cannot be written (${unsaved})`);
  return r.ok && !unsaved ? 0 : 1;
}

/** The readable report; `unsaved`: why the state file could not be written, if it could not. */
export function formatMonitor(r: MonitorResult, stateFile: string | undefined, unsaved?: string): string {
  const lines: string[] = [];
  if (r.checkpoint) {
    const cosigned = r.cosigned_by.length ? `; cosigned by ${r.cosigned_by.join(', ')}` : '';
    lines.push(
      `✓ checkpoint of ${r.checkpoint.origin} at ${r.checkpoint.size} entries, signed by a pinned release key${cosigned}`,
    );
  }
  if (r.previous && r.extends_previous) {
    lines.push(`✓ it extends the remembered checkpoint at ${r.previous.size} entries`);
    const shown = r.new_entries.slice(0, 50);
    const n = r.new_entries.length;
    lines.push(`  ${n} new ${n === 1 ? 'entry' : 'entries'} since the last run${n ? ':' : ''}`);
    for (const e of shown) lines.push(`    ${e.index}  ${e.sha256}  ${e.path}`);
    if (n > shown.length) lines.push(`    … and ${n - shown.length} more (--json lists all)`);
  } else if (!r.previous && r.checkpoint) {
    // A first run's entries are the whole log.
    lines.push('  no earlier run remembered to compare with (--json lists every entry)');
  }
  if (r.files) lines.push(`✓ the site serves all ${r.files} logged files as logged, and lists exactly those`);
  if (r.checks.passed + r.checks.failed)
    lines.push(
      `${r.checks.failed ? '✗' : '✓'} the evidence, under your pinned trust roots: ${r.checks.passed} checks passed, ${r.checks.failed} failed`,
    );
  for (const e of r.errors) lines.push(formatError(e));
  if (!r.ok) lines.push(stateFile ? `✗ NOT verified; ${stateFile} left as it was` : '✗ NOT verified');
  else if (unsaved)
    lines.push(`✗ verified, but ${stateFile} cannot be written (${unsaved}): nothing is remembered`);
  else
    lines.push(
      stateFile
        ? `✓ verified; remembered in ${stateFile}`
        : '✓ verified (no --state FILE: nothing remembered)',
    );
  return lines.join('\n');
}
