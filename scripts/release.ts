/**
 * `npm run release -- --out DIR [--previous DIR]`: the release job. It verifies and builds the site, extends the
 * site's own transparency log (docs/evidence-format.md §10) with every newly published evidence file and each new
 * version of the trust roots (which may only grow, §3.5), proves the new checkpoint consistent with the previous
 * one, writes a manifest, and switches DIR to the new release atomically.
 *
 * DIR is a symbolic link to `.<DIR>.releases/<id>/` beside it: the switch is one rename of a link, so a release
 * killed at any moment leaves DIR serving the old site or the new one, never a mix; a rerun cleans up and completes.
 * The site is built into `.<DIR>.releases/build/`, kept from one release to the next so that a release after new
 * evidence builds incrementally, and each release's folder is laid out from it with hard links.
 * Without --previous, the release DIR points to (if any) is the previous release.
 *
 * The release key (Ed25519, 32-byte secret in hex or base64) comes from FLEETPROOF_RELEASE_KEY, or from a file
 * outside the repository named by --release-key-file or FLEETPROOF_RELEASE_KEY_FILE. It is never written or
 * printed. With neither, on the embedded demo evidence only, the demo release key is derived from the demo seed.
 *
 * Options: --evidence DIR, --posts DIR, --site URL (as for `npm run build`), --cosignatures FILE (witness
 * cosignature lines for the new checkpoint), --demo-witness (the demo log witness cosigns; demo only).
 * Exit status: 0 released, 1 refused (nothing changed), 2 usage or configuration error.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { VerificationError } from '../verify/errors.ts';
import { fromBase64, fromHex, toHex } from '../verify/encoding.ts';
import { readJson } from '../verify/json.ts';
import {
  TRUST_ROOTS_FILE,
  parseTrustRoots,
  isValidAt,
  type PinnedKey,
  type TrustRoots,
} from '../verify/trust.ts';
import { trustRootsMayGrow } from '../verify/trust-growth.ts';
import { spareBeside } from './lib/carry-files.mjs';
import { addNoteSignatures, formatVerifierKey, parseNote } from '../verify/tlog/note.ts';
import { cosignatureSigner } from '../verify/tlog/cosignature.ts';
import {
  CHECKPOINT_PATH,
  LOG_DIR,
  VERIFIER_KEY_PATH,
  buildLog,
  checkConsistency,
  logOrigin,
  nextEntries,
  openLog,
  readLogEntries,
  signCheckpoint,
  type LogEntry,
} from '../verify/release-log.ts';
import { DemoKeys } from '../demo/keys.ts';
import { DEFAULT_SEED } from '../demo/catalog.ts';
import { siteInputs } from '../site/lib/config.ts';
import { TreeReadError, readTree } from './lib/read-tree.ts';
import { useNodeCrypto } from './lib/node-crypto.ts';
import { type HeldLock, LockLost, LockRefused, acquireLock, announced } from './lib/lock.mjs';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');

class Refusal extends Error {
  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
  }
}

const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface ReleaseKey {
  pinned: PinnedKey;
  sign: (msg: Uint8Array) => Uint8Array;
  demo: boolean;
}

const KEY_HELP = `provide the release key (a 32-byte Ed25519 secret key in hex or base64) in one of:
  FLEETPROOF_RELEASE_KEY=<key>                       (environment)
  --release-key-file PATH, FLEETPROOF_RELEASE_KEY_FILE=PATH   (a file outside the repository)
its public key must be pinned in trust-roots.json with role "release"`;

function decodeSecret(text: string, source: string): Uint8Array {
  const s = text.trim();
  try {
    const b = /^[0-9a-fA-F]{64}$/.test(s) ? fromHex(s.toLowerCase()) : fromBase64(s);
    if (b.length === 32) return b;
  } catch {
    /* the value is never echoed */
  }
  throw new Refusal(`${source} does not hold a 32-byte Ed25519 secret key in hex or base64\n${KEY_HELP}`, 2);
}

/** Finds the release key; refuses (exit 2) when none is given, without ever printing a secret. */
export function loadReleaseKey(
  roots: TrustRoots,
  env: NodeJS.ProcessEnv,
  keyFile: string | undefined,
  now: string,
): ReleaseKey {
  let secret: Uint8Array | undefined;
  let demo = false;
  const file = keyFile ?? env.FLEETPROOF_RELEASE_KEY_FILE;
  if (env.FLEETPROOF_RELEASE_KEY) secret = decodeSecret(env.FLEETPROOF_RELEASE_KEY, 'FLEETPROOF_RELEASE_KEY');
  else if (file) {
    const abs = resolve(file);
    if (!existsSync(abs)) throw new Refusal(`the release key file ${file} does not exist\n${KEY_HELP}`, 2);
    const real = realpathSync(abs);
    if (real === ROOT || real.startsWith(ROOT + sep)) {
      throw new Refusal(`the release key file must lie outside the repository (${file} is inside it)`, 2);
    }
    secret = decodeSecret(readFileSync(real, 'utf8'), `the release key file ${file}`);
  } else {
    const demoKey = new DemoKeys(DEFAULT_SEED).get('trust/demo-release-2021', 'ed25519');
    if (!roots.keys.some((k) => k.role === 'release' && toHex(k.publicKey) === toHex(demoKey.publicKey))) {
      throw new Refusal(`no release key was given\n${KEY_HELP}`, 2);
    }
    secret = demoKey.secretKey;
    demo = true;
  }
  const publicKey = ed25519.getPublicKey(secret);
  const pinned = roots.keys.find((k) => k.role === 'release' && toHex(k.publicKey) === toHex(publicKey));
  if (!pinned) {
    throw new Refusal(
      `the release key given is not pinned in trust-roots.json with role "release"\n${KEY_HELP}`,
      2,
    );
  }
  if (!isValidAt(pinned, now)) {
    throw new Refusal(
      `the release key ${pinned.id} is valid from ${pinned.validFrom} until ${pinned.validUntil}, not now (${now})`,
      2,
    );
  }
  const key = secret;
  return { pinned, sign: (msg) => ed25519.sign(msg, key), demo };
}

/** Reads a file of the previous site, refusing paths that leave it. */
function siteReader(dir: string) {
  return (path: string): Uint8Array | undefined => {
    const p = join(dir, path);
    if (!p.startsWith(dir + sep)) return undefined;
    try {
      return new Uint8Array(readFileSync(p));
    } catch {
      return undefined;
    }
  };
}

/** Every file of a folder, as path → SHA-256, for the manifest. */
/** Every file under `dir`, as sorted `/`-separated relative paths. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (lstatSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

function manifestOf(dir: string): { path: string; sha256: string; size: number }[] {
  return filesUnder(dir).map((path) => {
    const b = readFileSync(join(dir, path));
    return { path, sha256: sha256Hex(b), size: b.length };
  });
}

/** Writes a new file of the release (never an existing one: it may be a hard link to a published file). */
function writeFile(path: string, bytes: Uint8Array | string) {
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, bytes, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    throw new Refusal(
      `refused: the built site already holds ${path}, which the release job writes itself; nothing was published`,
    );
  }
}

/**
 * The release's folder at `to`, laid out from the build's output at `from`: the same folders, and each file a hard
 * link to the build's (the build holds nothing else: anything that is neither is refused).
 */
function linkTree(from: string, to: string) {
  mkdirSync(to);
  for (const d of readdirSync(from, { withFileTypes: true })) {
    if (d.isDirectory()) linkTree(join(from, d.name), join(to, d.name));
    else if (d.isFile()) linkSync(join(from, d.name), join(to, d.name));
    else
      throw new Refusal(
        `refused: the built site holds ${join(from, d.name)}, which is neither a file nor a folder (a build writes only those); nothing was published`,
      );
  }
}

/** The folder of the releases folder that the job builds the site into, kept from one release to the next. */
const BUILD_DIR = 'build';

function fault(point: string) {
  if (process.env.FLEETPROOF_RELEASE_FAULT === point) {
    console.error(`(fault injected at ${point})`);
    process.kill(process.pid, 'SIGKILL');
  }
}

/** The job's command-line options. */
const RELEASE_OPTIONS = {
  out: { type: 'string' },
  previous: { type: 'string' },
  evidence: { type: 'string' },
  posts: { type: 'string' },
  site: { type: 'string' },
  'release-key-file': { type: 'string' },
  cosignatures: { type: 'string' },
  'demo-witness': { type: 'boolean' },
} as const;

/** The job's options, as parsed. */
type ReleaseOptions = ReturnType<typeof parseArgs<{ options: typeof RELEASE_OPTIONS }>>['values'];

export function release(argv: string[]): number {
  useNodeCrypto();
  let values: ReleaseOptions;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: RELEASE_OPTIONS,
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new Refusal(`${(e as Error).message}`, 2);
  }
  if (!values.out) throw new Refusal('--out DIR is required', 2);
  const env = { ...process.env };
  if (values.evidence) env.FLEETPROOF_EVIDENCE = values.evidence;
  if (values.posts) env.FLEETPROOF_POSTS = values.posts;
  if (values.site) env.FLEETPROOF_SITE = values.site;
  const out = resolve(values.out);
  // One release job at a time on DIR, from before it reads what DIR serves until after it switched DIR: two at once
  // would both extend the log of the release they found, and the last to finish would replace the other's release
  // with a log that lost entries or forked (scripts/lib/lock.mjs). A job killed while holding it leaves a stale lock
  // that the next job takes over.
  const lockPath = join(dirname(out), `.${basename(out)}.lock`);
  mkdirSync(dirname(out), { recursive: true });
  let lock: HeldLock;
  try {
    lock = acquireLock(lockPath, announced('release job', `on ${values.out}`, lockPath));
  } catch (e) {
    if (e instanceof LockRefused) throw new Refusal(`refused: ${e.message}; nothing was published`);
    throw e;
  }
  try {
    return releaseLocked(values, env, out, lock);
  } finally {
    lock.release();
  }
}

/** The release job's work, with its lock held. */
function releaseLocked(values: ReleaseOptions, env: NodeJS.ProcessEnv, out: string, lock: HeldLock): number {
  const inputs = siteInputs(env);
  const releases = join(dirname(out), `.${basename(out)}.releases`);

  // DIR must be ours: absent, or a link into the releases folder.
  let current: string | undefined;
  if (existsSync(out) || lstatSync(out, { throwIfNoEntry: false })) {
    if (!lstatSync(out).isSymbolicLink()) {
      throw new Refusal(
        `${values.out} exists and is not a release link; the release job publishes DIR as a link to ${relative(process.cwd(), releases)}/<id>. Move it away, and pass it as --previous if it is the published site.`,
        2,
      );
    }
    current = resolve(dirname(out), readlinkSync(out));
  }
  const previousDir = values.previous ? resolve(values.previous) : current;

  // The evidence and its trust roots. A tree that cannot be read whole is refused: nothing is published.
  let evidence: Map<string, Uint8Array>;
  try {
    evidence = readTree(inputs.evidenceDir);
  } catch (e) {
    if (e instanceof TreeReadError) throw e.toVerificationError();
    throw e;
  }
  const rootsBytes = evidence.get('trust-roots.json');
  if (!rootsBytes) throw new Refusal(`${inputs.evidenceDir} has no trust-roots.json`);
  const roots = parseTrustRoots(readJson(rootsBytes, 'trust-roots.json'));
  const now = new Date().toISOString().slice(0, 19) + 'Z';
  const key = loadReleaseKey(roots, env, values['release-key-file'], now);
  if (key.demo)
    console.log(`using the DEMO release key ${key.pinned.id}, derived from the demo seed: for the demo only`);
  const origin = logOrigin(inputs.site);

  // The previous release's log: verified, and the base the new log must extend.
  let previousEntries: LogEntry[] = [];
  let previousCheckpoint: ReturnType<typeof openLog>['checkpoint'] | undefined;
  if (previousDir) {
    const read = siteReader(previousDir);
    const note = read(CHECKPOINT_PATH);
    if (!note)
      throw new Refusal(
        `the previous site ${previousDir} has no ${CHECKPOINT_PATH}: it was not published by this job`,
      );
    const getTile = (p: string) => read(`${LOG_DIR}/${p}`);
    let opened;
    try {
      opened = openLog(new TextDecoder().decode(note), roots, origin, getTile);
    } catch (e) {
      if (!(e instanceof VerificationError)) throw e;
      throw new Refusal(
        `refused: the previous release's log (${previousDir}) does not verify under the current trust roots: ${e.toString()}. A new release key, or evidence regenerated with other keys, cannot continue the published history.`,
      );
    }
    previousCheckpoint = opened.checkpoint;
    previousEntries = readLogEntries(opened.checkpoint.size, getTile);
    // Every evidence file the previous site served must be logged (and so be checked below).
    const logged = new Set(previousEntries.map((e) => e.path));
    const served = filesUnder(join(previousDir, 'evidence')).filter((p) => p !== 'index.json');
    const unlogged = served.filter((p) => !logged.has(p));
    if (unlogged.length)
      throw new Refusal(`the previous site serves evidence its log does not hold: ${unlogged.join(', ')}`);
  }
  const currentFiles = new Map([...evidence].map(([p, b]) => [p, sha256Hex(b)]));
  let entries: LogEntry[];
  try {
    // Trust roots that only grew since the last release are published and logged again (§3.5).
    const published = previousDir ? siteReader(previousDir)(`evidence/${TRUST_ROOTS_FILE}`) : undefined;
    entries = nextEntries(previousEntries, currentFiles, trustRootsMayGrow(rootsBytes, published));
  } catch (e) {
    if (e instanceof VerificationError) throw new Refusal(`refused: ${e.toString()}`);
    throw e;
  }

  // Clean what a killed run left, then build the site into the job's own build folder, kept from one release to the
  // next as `npm run build` keeps its output: a release after new evidence is then an incremental build
  // (scripts/lib/incremental.ts), whose result is byte for byte a clean build's. The release's folder is laid out
  // from it with hard links: the build never writes a file of its output in place, and this job only adds files
  // (writeFile refuses an existing one), so no file of a published release is ever written through.
  mkdirSync(releases, { recursive: true });
  for (const name of readdirSync(releases))
    if (name.startsWith('staging-')) rmSync(join(releases, name), { recursive: true, force: true });
  const built = join(releases, BUILD_DIR);
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out', built], {
    stdio: 'inherit',
    cwd: ROOT,
    env: {
      ...env,
      FLEETPROOF_EVIDENCE: inputs.evidenceDir,
      FLEETPROOF_POSTS: inputs.postsDir,
      FLEETPROOF_SITE: inputs.site,
    },
  });
  if (build.status !== 0) throw new Refusal('refused: the build failed (see above); nothing was published');
  const staging = join(releases, `staging-${process.pid}`);
  linkTree(built, staging);
  fault('after-build');

  // The log: tiles, entry bundles, a signed checkpoint, consistent with the previous one.
  const log = buildLog(entries);
  for (const [p, b] of log.files) writeFile(join(staging, LOG_DIR, p), b);
  let note = signCheckpoint(origin, log, key.pinned.publicKey, key.sign);
  const getTile = (p: string) => log.files.get(p);
  const opened = openLog(note, roots, origin, getTile);
  if (previousCheckpoint) {
    try {
      checkConsistency(previousCheckpoint, opened.checkpoint, getTile);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      if (e instanceof VerificationError) throw new Refusal(`refused: ${e.toString()}`);
      throw e;
    }
  }
  if (values.cosignatures) {
    const lines = readFileSync(values.cosignatures, 'utf8');
    note = parseNote(note + lines).signatures.length ? note + lines : note;
  }
  if (values['demo-witness']) {
    if (!key.demo) throw new Refusal('--demo-witness is for the demo evidence only', 2);
    const w = new DemoKeys(DEFAULT_SEED).get('trust/demo-log-witness', 'ed25519');
    // The witness's time: the newest epoch's second, so that two releases of the same inputs are identical.
    const t = Math.max(
      0,
      ...[...evidence.keys()]
        .filter((p) => p.endsWith('/proof.json'))
        .map((p) => {
          const j = readJson(evidence.get(p)!, p) as { timestamp?: number };
          return Math.floor((j.timestamp ?? 0) / 1000);
        }),
    );
    note = addNoteSignatures(note, [
      cosignatureSigner('demo-log-witness', w.publicKey, t, (m) => ed25519.sign(m, w.secretKey)),
    ]);
  }
  const final = openLog(note, roots, origin, getTile); // every cosignature present must verify
  writeFile(join(staging, CHECKPOINT_PATH), note);
  writeFile(join(staging, VERIFIER_KEY_PATH), `${formatVerifierKey(origin, key.pinned.publicKey)}\n`);
  fault('after-log');

  // The manifest: every file of the release with its SHA-256 (itself and SHA256SUMS excepted).
  const manifest = manifestOf(staging);
  writeFile(join(staging, 'manifest.json'), JSON.stringify({ files: manifest }, null, 2) + '\n');
  writeFile(join(staging, 'SHA256SUMS'), manifest.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
  const id = sha256Hex(readFileSync(join(staging, 'manifest.json'))).slice(0, 16);

  // Into place: the staged folder becomes releases/<id>, then one rename of a link switches DIR to it.
  const target = join(releases, id);
  if (existsSync(target)) rmSync(staging, { recursive: true, force: true });
  else renameSync(staging, target);
  fault('before-switch');
  const link = join(dirname(out), `.${basename(out)}.link-${process.pid}`);
  rmSync(link, { force: true });
  symlinkSync(relative(dirname(out), target), link);
  // Still this job's lock (one taken from it by mistake means another job may be releasing): else stop here.
  try {
    lock.check();
  } catch (e) {
    rmSync(link, { force: true });
    if (e instanceof LockLost) throw new Refusal(`refused: ${e.message}; nothing was published`);
    throw e;
  }
  renameSync(link, out);
  // Keep the new release and the one it replaced, and the build folder (with the site before it, which the next
  // incremental build reuses: scripts/lib/carry-files.mjs); remove older releases.
  for (const name of readdirSync(releases)) {
    const p = join(releases, name);
    if (name === BUILD_DIR || p === spareBeside(built)) continue;
    if (p !== target && p !== current) rmSync(p, { recursive: true, force: true });
  }

  const added = entries.length - previousEntries.length;
  console.log(
    `✓ released ${values.out} → ${relative(dirname(out), target)}: log ${origin} at size ${log.size} (+${added}), root ${toHex(log.root).slice(0, 16)}…` +
      (previousCheckpoint
        ? `, consistent with the previous size ${previousCheckpoint.size}`
        : ', first release') +
      (final.cosignatures.length ? `; cosigned by ${final.cosignatures.map((c) => c.keyId).join(', ')}` : ''),
  );
  return 0;
}

function main() {
  try {
    process.exitCode = release(process.argv.slice(2));
  } catch (e) {
    if (e instanceof Refusal) {
      console.error(`release: ${e.message}`);
      if (e.status === 2)
        console.error(
          'usage: npm run release -- --out DIR [--previous DIR] [--evidence DIR] [--release-key-file PATH]',
        );
      process.exitCode = e.status;
      return;
    }
    if (e instanceof VerificationError) {
      console.error(`release: refused: ${e.toString()}`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) main();
