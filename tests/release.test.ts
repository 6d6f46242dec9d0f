/**
 * The release job: reproducible, atomic, append-only, with the site's own log consistent from one release to the
 * next. Each release builds the site (about 10 s), so the cases share releases in order.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  lstatSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { generateEvidence, writeTree } from '../demo/generate.ts';
import { DemoKeys } from '../demo/keys.ts';
import { toHex } from '../verify/encoding.ts';
import { readJson } from '../verify/json.ts';
import { parseTrustRoots } from '../verify/trust.ts';
import { CSP } from '../site/lib/site-meta.ts';
import { CHECKPOINT_PATH, logOrigin, openLog, readLogEntries } from '../verify/release-log.ts';
import { scratchDir } from './lib/scratch.ts';
import { NS, runRelease, writeReleaseInputs } from './lib/releases.ts';
import { acquireLock } from '../scripts/lib/lock.mjs';

/** A release's folder name: the first 16 hex digits of its manifest's SHA-256. */
const RELEASE_ID = /^[0-9a-f]{16}$/;
const tmp = scratchDir('release');
const out = join(tmp, 'site');
let full = '';
let partial = '';
let posts = '';
let lastEpoch = 0;

function release(args: string[], env: Record<string, string> = {}) {
  return runRelease(tmp, posts, args, env);
}

/** Every file of a folder (following the release link) with its SHA-256. */
function tree(dir: string): Map<string, string> {
  const root = realpathSync(dir);
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (lstatSync(p).isDirectory()) walk(p);
      else files.set(relative(root, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(root);
  return files;
}

function openPublishedLog(site: string) {
  const roots = parseTrustRoots(
    readJson(readFileSync(join(site, 'evidence/trust-roots.json')), 'trust-roots.json'),
  );
  const get = (p: string) => {
    try {
      return new Uint8Array(readFileSync(join(site, 'log', p)));
    } catch {
      return undefined;
    }
  };
  const opened = openLog(
    readFileSync(join(site, CHECKPOINT_PATH), 'utf8'),
    roots,
    logOrigin('https://transparency.example'),
    get,
  );
  return { ...opened, entries: readLogEntries(opened.checkpoint.size, get) };
}

before(() => {
  ({ full, partial, posts, lastEpoch } = writeReleaseInputs(tmp));
});

describe('npm run release', () => {
  let first: Map<string, string>;

  test('when released for the first time, the site, its log and its manifest are published behind a link', () => {
    const r = release(['--out', out, '--evidence', partial]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /DEMO release key/);
    assert.ok(lstatSync(out).isSymbolicLink());
    first = tree(out);
    const log = openPublishedLog(out);
    assert.equal(log.checkpoint.size, [...tree(partial)].length);
    // Each leaf is the file's sha256sum line, and the published file has that digest.
    for (const e of log.entries) assert.equal(first.get(`evidence/${e.path}`), e.sha256, e.path);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).files as {
      path: string;
      sha256: string;
    }[];
    for (const f of manifest) assert.equal(first.get(f.path), f.sha256, f.path);
    assert.equal(manifest.length, first.size - 2); // all but manifest.json and SHA256SUMS
    // Static hosts get the same policy as a header, with what a meta tag cannot carry, and the log's cache rules.
    const headers = readFileSync(join(out, '_headers'), 'utf8');
    assert.ok(headers.includes(`Content-Security-Policy: ${CSP}; frame-ancestors 'none'`), headers);
    assert.match(
      headers,
      /\/log\/tile\/:level\/:index\n {2}Cache-Control: public, max-age=31536000, immutable/,
    );
    assert.match(headers, /\/log\/checkpoint\n {2}Cache-Control: no-cache/);
    // The trust-roots page shows the release key in the same C2SP form.
    const vkey = readFileSync(join(out, 'log/verifier-key.txt'), 'utf8').trim();
    assert.ok(
      readFileSync(join(out, 'trust-roots/index.html'), 'utf8').includes(`data-verifier-key>${vkey}<`),
    );
    assert.match(
      readFileSync(join(out, 'log/verifier-key.txt'), 'utf8'),
      /^transparency\.example\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*\n$/,
    );
  });

  for (const point of ['after-build', 'after-log', 'before-switch']) {
    test(`when a release is killed ${point.replace('-', ' ')}, the previous site is intact`, () => {
      const target = readlinkSync(out);
      const r = release(['--out', out, '--evidence', full], { FLEETPROOF_RELEASE_FAULT: point });
      assert.equal(r.signal, 'SIGKILL', r.out);
      assert.equal(readlinkSync(out), target);
      assert.deepEqual(tree(out), first);
    });
  }

  test('when rerun after the kills, the release completes and the log grows consistently', () => {
    const before = openPublishedLog(out);
    const published = realpathSync(out);
    const publishedFiles = tree(published);
    const r = release(['--out', out, '--evidence', full, '--demo-witness']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /consistent with the previous size/);
    // The last killed job's lock is stale: taken over, and gone once this job is done.
    assert.match(
      r.out,
      /taking over the lock of a release job that is gone \(pid \d+, since [^)]+\): no process \d+ is running/,
    );
    assert.equal(existsSync(join(tmp, '.site.lock')), false);
    // Built incrementally from the job's build folder, and laid out with hard links: the release it replaced, kept,
    // is byte for byte what it was.
    assert.match(r.out, /incremental build: \d+ pages? rendered/);
    assert.deepEqual(tree(published), publishedFiles);
    const after = openPublishedLog(out);
    assert.equal(after.checkpoint.size, before.checkpoint.size + 3);
    assert.deepEqual(after.entries.slice(0, before.entries.length), before.entries);
    assert.deepEqual(
      after.cosignatures.map((c) => c.keyId),
      ['demo-log-witness'],
    );
    // No staging folder is left behind, and only the current and the previous release are kept, beside the build
    // folder and the site before its last build.
    const kept = readdirSync(join(tmp, '.site.releases'));
    assert.equal(kept.filter((n) => n.startsWith('staging-')).length, 0);
    assert.deepEqual(kept.filter((n) => !RELEASE_ID.test(n)).sort(), ['.build.spare', 'build']);
    assert.equal(kept.filter((n) => RELEASE_ID.test(n)).length, 2);
  });

  test('when the same inputs are released twice, the two sites are byte-identical', () => {
    const previous = join(
      tmp,
      '.site.releases',
      readdirSync(join(tmp, '.site.releases')).find(
        (n) => RELEASE_ID.test(n) && join('.site.releases', n) !== readlinkSync(out),
      )!,
    );
    const out2 = join(tmp, 'site2');
    const r = release(['--out', out2, '--evidence', full, '--previous', previous, '--demo-witness']);
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(tree(out2), tree(out));
  });

  test('when another release job holds DIR, the job waits for it, touching nothing, then releases', async () => {
    const target = readlinkSync(out);
    const releases = readdirSync(join(tmp, '.site.releases')).sort();
    // Held by this (live) process, as a job in progress would hold it.
    const held = acquireLock(join(tmp, '.site.lock'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/release.ts',
        '--posts',
        posts,
        '--out',
        out,
        '--evidence',
        full,
        '--demo-witness',
      ],
      { env: { ...process.env, FLEETPROOF_CACHE_DIR: join(tmp, 'astro-cache') } },
    );
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const waiting = new Promise<void>((resolve) => {
      const see = (d: Buffer) => {
        output += d;
        if (output.includes('waiting for the release job already running')) resolve();
      };
      child.stdout.on('data', see);
      child.stderr.on('data', see);
    });
    try {
      await Promise.race([waiting, exited]);
      assert.match(
        output,
        new RegExp(`waiting for the release job already running on .* \\(pid ${process.pid}, since `),
      );
      // Half a second more: it builds nothing and changes nothing while it waits.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(readlinkSync(out), target);
      assert.deepEqual(readdirSync(join(tmp, '.site.releases')).sort(), releases);
    } finally {
      held.release();
    }
    assert.equal(await exited, 0, output);
    // The same inputs: the same release, DIR unchanged.
    assert.match(output, /released/);
    assert.equal(readlinkSync(out), target);
    assert.equal(existsSync(join(tmp, '.site.lock')), false);
  });

  test('when a published epoch is removed from the evidence, the release fails naming it and changes nothing', () => {
    const target = readlinkSync(out);
    const r = release(['--out', out, '--evidence', partial]);
    assert.equal(r.status, 1, r.out);
    assert.match(
      r.out,
      new RegExp(
        `namespaces/${NS.replace(/\./g, '\\.')}/${lastEpoch}/artifact\\.json was published and is now missing`,
      ),
    );
    assert.equal(readlinkSync(out), target);
  });

  /** The demo's evidence, and its trust roots as JSON to edit. */
  const demoAndRoots = () => {
    const files = generateEvidence({ seed: 'fleetproof-demo-v1', scale: 1 });
    return { files, roots: JSON.parse(new TextDecoder().decode(files.get('trust-roots.json'))) };
  };
  /** Writes `files` to `dir` with `roots` as its trust roots; gives their SHA-256. */
  const withRoots = (dir: string, files: Map<string, Uint8Array>, roots: unknown) => {
    files.set('trust-roots.json', new TextEncoder().encode(JSON.stringify(roots, null, 2) + '\n'));
    writeTree(dir, files);
    return createHash('sha256').update(files.get('trust-roots.json')!).digest('hex');
  };

  test('when a published file is altered, the release fails naming it and changes nothing', () => {
    const altered = join(tmp, 'evidence-altered');
    const { files, roots } = demoAndRoots();
    roots.keys[0].published_at += '#moved';
    withRoots(altered, files, roots);
    const target = readlinkSync(out);
    const r = release(['--out', out, '--evidence', altered]);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /trust-roots\.json was published with SHA-256 [0-9a-f]{64} and now has [0-9a-f]{64}/);
    assert.match(r.out, /the trust roots may only grow: key [a-z0-9-]+ changes its published_at/);
    assert.equal(readlinkSync(out), target);
  });

  test('when the evidence folder is missing, the release refuses naming it, and changes nothing', () => {
    const target = readlinkSync(out);
    const missing = join(tmp, 'no-evidence');
    const r = release(['--out', out, '--evidence', missing]);
    assert.equal(r.status, 1, r.out);
    assert.ok(r.out.includes(`release: refused: FILE_MISSING ${missing}: no such folder`), r.out);
    assert.doesNotMatch(r.out, /\n\s+at /, 'no stack trace');
    assert.equal(readlinkSync(out), target);
  });

  test('when the evidence is regenerated with other keys, the release fails and changes nothing', () => {
    const other = join(tmp, 'evidence-other');
    writeTree(other, generateEvidence({ seed: 'another-seed', scale: 1 }));
    const secret = toHex(new DemoKeys('another-seed').get('trust/demo-release-2021', 'ed25519').secretKey);
    const target = readlinkSync(out);
    const r = release(['--out', out, '--evidence', other], { FLEETPROOF_RELEASE_KEY: secret });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /refused|UNKNOWN_KEY|NOTE_SIGNATURE_INVALID|was published/);
    assert.ok(!r.out.includes(secret), 'the release key never appears in the output');
    assert.equal(readlinkSync(out), target);
  });

  test('when no release key is given for evidence that is not the demo, the job refuses to start and says how', () => {
    const other = join(tmp, 'evidence-other');
    const r = release(['--out', join(tmp, 'site3'), '--evidence', other], { FLEETPROOF_RELEASE_KEY: '' });
    assert.equal(r.status, 2, r.out);
    assert.match(r.out, /FLEETPROOF_RELEASE_KEY/);
    assert.match(r.out, /--release-key-file/);
  });

  /** The demo's trust roots with one more ceremony witness, pinned for a fleet to come. */
  const grownFiles = () => {
    const { files, roots } = demoAndRoots();
    roots.keys.push({
      id: 'demo-witness-newcomer',
      name: 'Ceremony witness for the next fleet (DEMO KEY)',
      role: 'witness',
      algorithm: 'ed25519',
      public_key: toHex(
        new DemoKeys('fleetproof-demo-v1').get('trust/demo-witness-newcomer', 'ed25519').publicKey,
      ),
      valid_from: '2026-11-01T00:00:00Z',
      valid_until: '2036-01-01T00:00:00Z',
      published_at: 'https://witnesses.example/newcomer',
    });
    return { files, roots };
  };

  test('when a key is added to the published trust roots, the release publishes them and logs their new version', () => {
    const { files, roots } = grownFiles();
    const sha256 = withRoots(join(tmp, 'evidence-grown'), files, roots);
    const before = openPublishedLog(out);
    const r = release(['--out', out, '--evidence', join(tmp, 'evidence-grown'), '--demo-witness']);
    assert.equal(r.status, 0, r.out);
    const after = openPublishedLog(out);
    // One leaf more, the new version, after every earlier leaf, which stay as they were.
    assert.equal(after.checkpoint.size, before.checkpoint.size + 1);
    assert.deepEqual(after.entries.slice(0, before.entries.length), before.entries);
    assert.deepEqual(after.entries.at(-1), { path: 'trust-roots.json', sha256 });
    const versions = after.entries.filter((e) => e.path === 'trust-roots.json').map((e) => e.sha256);
    assert.equal(versions.length, 2);
    assert.notEqual(versions[0], sha256);
    assert.equal(tree(out).get('evidence/trust-roots.json'), sha256);
    // Released again from the same tree: nothing new to log.
    const again = release(['--out', out, '--evidence', join(tmp, 'evidence-grown'), '--demo-witness']);
    assert.equal(again.status, 0, again.out);
    assert.equal(openPublishedLog(out).checkpoint.size, after.checkpoint.size);
  });

  test('when the published trust roots lose a key or a namespace a key id, the release fails naming each and changes nothing', () => {
    const { files, roots } = grownFiles();
    roots.keys = roots.keys.filter((k: { id: string }) => k.id !== 'demo-witness-newcomer');
    roots.namespaces[0].auditor_keys = roots.namespaces[0].auditor_keys.slice(0, 1);
    withRoots(join(tmp, 'evidence-shrunk'), files, roots);
    const target = readlinkSync(out);
    const r = release(['--out', out, '--evidence', join(tmp, 'evidence-shrunk'), '--demo-witness']);
    assert.equal(r.status, 1, r.out);
    assert.match(
      r.out,
      /refused: CONSISTENCY_FAILED trust-roots\.json: trust-roots\.json was published with/,
    );
    assert.match(r.out, /key demo-witness-newcomer is gone/);
    assert.match(
      r.out,
      new RegExp(`namespace ${NS.replace(/\./g, '\\.')} drops demo-auditor-2024 from auditor_keys`),
    );
    assert.equal(readlinkSync(out), target);
  });

  test('when the release key is malformed or in the repository, it is refused without being echoed', () => {
    const bad = 'not-a-key-but-a-secret-value-1234';
    let r = release(['--out', join(tmp, 'site3')], { FLEETPROOF_RELEASE_KEY: bad });
    assert.equal(r.status, 2);
    assert.ok(!r.out.includes(bad));
    const inRepo = 'tests/.release-key-test';
    writeFileSync(inRepo, '00'.repeat(32));
    try {
      r = release(['--out', join(tmp, 'site3'), '--release-key-file', inRepo], {
        FLEETPROOF_RELEASE_KEY: '',
      });
      assert.equal(r.status, 2);
      assert.match(r.out, /outside the repository/);
    } finally {
      rmSync(inRepo, { force: true });
    }
  });
});
