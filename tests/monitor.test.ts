/**
 * `fleetproof monitor` (scripts/monitor.ts, docs/evidence-format.md §10.1) against two real releases of the demo
 * (the release job: the demo without its last epoch, then whole), read from their folders and over HTTP, and
 * against copies of them that a host altered. Each case asserts the code and the file the monitor names.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DemoKeys } from '../demo/keys.ts';
import { DEFAULT_SEED } from '../demo/catalog.ts';
import { toBase64 } from '../verify/encoding.ts';
import { readJson } from '../verify/json.ts';
import { parseTrustRoots } from '../verify/trust.ts';
import { ed25519 } from '@noble/curves/ed25519.js';
import { CHECKPOINT_PATH, type Remembered, buildLog, signCheckpoint } from '../verify/release-log.ts';
import { hashLeaf, rootFromLeafHashes } from '../verify/tlog/merkle.ts';
import { writeTiles } from '../verify/tlog/tiles.ts';
import { writeEntryBundles } from '../verify/tlog/entries.ts';
import { type MonitorResult, type SiteReader, folderSite, monitorSite } from '../scripts/monitor.ts';
import { scratchDir } from './lib/scratch.ts';
import { NS, runRelease, writeReleaseInputs } from './lib/releases.ts';

const tmp = scratchDir('monitor');
const ORIGIN = 'transparency.example/log';
/** The first release (the demo without its last epoch) and the second (whole), by their own folders. */
let first = '';
let second = '';
let lastEpoch = 0;
let pinned: Uint8Array;
const pinnedFile = 'pinned-trust-roots.json';

/** The CLI as a monitor runs it (bin/fleetproof.mjs), in a child process: fetch needs an event loop of its own. */
function monitorCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/fleetproof.mjs', 'monitor', ...args], {
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (status) => resolve({ status, out }));
  });
}

/** A site read from `dir`, with some paths answered otherwise (`undefined`: not served). */
function alteredSite(dir: string, changes: Record<string, Uint8Array | undefined>): SiteReader {
  const read = folderSite(dir);
  return async (path, max) => (path in changes ? changes[path] : read(path, max));
}

function monitor(
  read: SiteReader,
  previous?: Remembered,
  roots: Uint8Array = pinned,
): Promise<MonitorResult> {
  return monitorSite({ site: 'test', read, pinned: roots, pinnedFile, previous, origin: ORIGIN });
}

function rememberedOf(dir: string): Remembered {
  const [origin, size, root] = readFileSync(join(dir, CHECKPOINT_PATH), 'utf8').split('\n');
  return { origin: origin!, size: Number(size), root: root! };
}

/**
 * Serves `dir` on 127.0.0.1, answering the paths in `faults` with their status instead (a 302 to elsewhere), or,
 * for 'stall', with the first half of the file and then nothing (for 10 s, then the connection is cut).
 */
async function serve(dir: string, faults: Record<string, number | 'stall'> = {}) {
  const stalled: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname).slice(1);
    const fault = faults[path];
    if (fault === 'stall') {
      const b = readFileSync(join(dir, path));
      res.writeHead(200, { 'content-length': String(b.length) });
      res.write(b.subarray(0, b.length >> 1));
      stalled.push(() => res.destroy());
      setTimeout(() => res.destroy(), 10_000).unref(); // a monitor that waits for ever fails in 10 s, not 300

      return;
    }
    if (fault) {
      res.writeHead(fault, fault === 302 ? { location: 'http://127.0.0.1:9/elsewhere' } : {}).end();
      return;
    }
    const file = join(dir, path);
    if (path === '' || path.includes('..') || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => {
      for (const end of stalled) end();
      return new Promise((r) => server.close(r));
    },
  };
}

const codes = (r: MonitorResult) => r.errors.map((e) => `${e.code} ${e.file}`);

before(() => {
  const inputs = writeReleaseInputs(tmp);
  lastEpoch = inputs.lastEpoch;
  const out = join(tmp, 'site');
  let r = runRelease(tmp, inputs.posts, ['--out', out, '--evidence', inputs.partial]);
  assert.equal(r.status, 0, r.out);
  first = realpathSync(out);
  r = runRelease(tmp, inputs.posts, ['--out', out, '--evidence', inputs.full, '--demo-witness']);
  assert.equal(r.status, 0, r.out);
  second = realpathSync(out);
  assert.notEqual(first, second);
  pinned = new Uint8Array(readFileSync(join(inputs.full, 'trust-roots.json')));
  writeFileSync(join(tmp, pinnedFile), pinned);
});

describe('fleetproof monitor', () => {
  const state = () => join(tmp, 'state.json');

  test('when it first watches a site, it verifies the log, the files and the evidence, and remembers the checkpoint', async () => {
    const r = await monitorCli([first, '--trust-roots', join(tmp, pinnedFile), '--state', state()]);
    assert.equal(r.status, 0, r.out);
    assert.match(
      r.out,
      /✓ checkpoint of transparency\.example\/log at \d+ entries, signed by a pinned release key/,
    );
    assert.match(r.out, /✓ the site serves all \d+ logged files as logged, and lists exactly those/);
    assert.match(r.out, /✓ the evidence, under your pinned trust roots: \d+ checks passed, 0 failed/);
    assert.deepEqual(JSON.parse(readFileSync(state(), 'utf8')), rememberedOf(first));
  });

  test('when the site publishes an epoch, the next run proves the log extends the remembered one and lists the new entries', async () => {
    const r = await monitorCli([
      second,
      '--trust-roots',
      join(tmp, pinnedFile),
      '--state',
      state(),
      '--json',
    ]);
    assert.equal(r.status, 0, r.out);
    const result = JSON.parse(r.out) as MonitorResult;
    assert.equal(result.extends_previous, true);
    assert.deepEqual(result.previous, rememberedOf(first));
    assert.deepEqual(result.cosigned_by, ['demo-log-witness']);
    assert.deepEqual(
      result.new_entries.map((e) => e.path),
      ['artifact.json', 'auditor-record.json', 'proof.json'].map((f) => `namespaces/${NS}/${lastEpoch}/${f}`),
    );
    assert.equal(result.new_entries[0]!.index, rememberedOf(first).size);
    assert.deepEqual(JSON.parse(readFileSync(state(), 'utf8')), rememberedOf(second));
  });

  test('when the site is watched over HTTP, the result is the folder’s; without --origin a copy elsewhere is refused by its origin', async () => {
    const site = await serve(second);
    try {
      const roots = join(tmp, pinnedFile);
      const web = await monitorCli([site.url, '--trust-roots', roots, '--origin', ORIGIN, '--json']);
      const folder = await monitorCli([second, '--trust-roots', roots, '--json']);
      assert.equal(web.status, 0, web.out);
      assert.deepEqual({ ...JSON.parse(web.out), site: '' }, { ...JSON.parse(folder.out), site: '' });
      const elsewhere = await monitorCli([site.url, '--trust-roots', roots]);
      assert.equal(elsewhere.status, 1, elsewhere.out);
      assert.match(elsewhere.out, /✗ CHECKPOINT_INVALID {2}log\/checkpoint/);
      assert.match(
        elsewhere.out,
        /for the log transparency\.example\/log, not 127\.0\.0\.1:\d+\/log \(the URL's\)/,
      );
    } finally {
      await site.close();
    }
  });

  test('when the site answers with an error or a redirect, or stops sending, the run fails with FILE_UNREADABLE naming the file', async () => {
    const broken = `namespaces/${NS}/2/proof.json`;
    const moved = 'log/checkpoint';
    const why = {
      500: /answered HTTP 500/,
      302: /cannot be fetched: .*redirect/,
      stall: /cannot be read whole: no whole answer within 1000 ms/,
    };
    for (const [path, status] of [
      [`evidence/${broken}`, 500],
      [moved, 302],
      [`evidence/${broken}`, 'stall'],
    ] as const) {
      const site = await serve(second, { [path]: status });
      try {
        const r = await monitorCli([site.url, '--trust-roots', join(tmp, pinnedFile), '--origin', ORIGIN], {
          FLEETPROOF_MONITOR_TIMEOUT_MS: '1000',
        });
        assert.equal(r.status, 1, r.out);
        assert.match(r.out, new RegExp(`✗ FILE_UNREADABLE {2}${path.replace(/\./g, '\\.')}\n`));
        assert.match(r.out, why[status]);
      } finally {
        await site.close();
      }
    }
  });

  test('when the site serves an older log than the one remembered, the run fails with CONSISTENCY_FAILED and keeps the state', async () => {
    const before = readFileSync(state(), 'utf8');
    const r = await monitorCli([first, '--trust-roots', join(tmp, pinnedFile), '--state', state()]);
    assert.equal(r.status, 1, r.out);
    assert.match(
      r.out,
      /✗ CONSISTENCY_FAILED {2}log\/checkpoint\n {4}the log shrank from \d+ to \d+ entries/,
    );
    assert.match(r.out, /✗ NOT verified; .*state\.json left as it was/);
    assert.equal(readFileSync(state(), 'utf8'), before);
  });

  test('when the remembered checkpoint is not a prefix of the site’s log (a fork), the consistency proof fails', async () => {
    const remembered = rememberedOf(second);
    // A checkpoint one entry shorter with the newer root: no tree of that size has it.
    const forked = { ...remembered, size: remembered.size - 1 };
    const r = await monitor(folderSite(second), forked);
    assert.deepEqual(codes(r), [`CONSISTENCY_FAILED ${CHECKPOINT_PATH}`]);
    assert.equal(r.extends_previous, undefined);
  });

  test('when a served evidence file differs from its logged version, it is named with both digests', async () => {
    const path = `evidence/namespaces/${NS}/1/artifact.json`;
    const bytes = readFileSync(join(second, path));
    const r = await monitor(alteredSite(second, { [path]: new Uint8Array([...bytes, 0x20]) }));
    assert.deepEqual(codes(r), [`CONSISTENCY_FAILED ${path}`]);
    assert.match(
      r.errors[0]!.message,
      /the site serves .*artifact\.json with SHA-256 [0-9a-f]{64}; its log holds [0-9a-f]{64}/,
    );
    assert.equal(r.ok, false);
  });

  test('when the site serves another tree altogether, the first 100 files are named and the rest counted', async () => {
    const read = folderSite(second);
    const r = await monitor(async (path, max) => {
      const b = await read(path, max);
      return b && path.startsWith('evidence/') && path !== 'evidence/index.json'
        ? new Uint8Array([...b, 0x0a])
        : b;
    });
    const logged = readdirSync(join(second, 'evidence'), { recursive: true, withFileTypes: true }).filter(
      (d) => d.isFile() && d.name !== 'index.json',
    ).length;
    assert.equal(r.errors.length, 101);
    assert.ok(
      r.errors.slice(0, 100).every((e) => e.code === 'CONSISTENCY_FAILED' && e.file!.startsWith('evidence/')),
    );
    assert.deepEqual(r.errors[100], {
      ...r.errors[100],
      code: 'CONSISTENCY_FAILED',
      file: 'evidence',
      message: `and ${logged - 100} more files are not served as logged`,
    });
  });

  test('when a logged file is not served, it is named', async () => {
    const path = `evidence/namespaces/${NS}/${lastEpoch}/proof.json`;
    const r = await monitor(alteredSite(second, { [path]: undefined }));
    assert.deepEqual(codes(r), [`CONSISTENCY_FAILED ${path}`]);
    assert.match(
      r.errors[0]!.message,
      /the log holds .*proof\.json \(SHA-256 [0-9a-f]{64}\) and the site does not serve it/,
    );
  });

  test('when the site lists evidence its log does not hold, or lists a file otherwise, each is named', async () => {
    const index = JSON.parse(readFileSync(join(second, 'evidence/index.json'), 'utf8')) as {
      files: { path: string; sha256: string }[];
    };
    index.files.push({ path: 'fleets/fleet-2099/deployment.json', sha256: '00'.repeat(32) });
    index.files[0]!.sha256 = '11'.repeat(32);
    const r = await monitor(
      alteredSite(second, { 'evidence/index.json': new TextEncoder().encode(JSON.stringify(index)) }),
    );
    assert.deepEqual(codes(r), [
      'CONSISTENCY_FAILED evidence/fleets/fleet-2099/deployment.json',
      'CONSISTENCY_FAILED evidence/index.json',
    ]);
    assert.match(
      r.errors[1]!.message,
      /^the index lists \S+ with SHA-256 (11){32} \(logged: [0-9a-f]{64}\)$/,
    );
  });

  test('when the checkpoint is signed by a key the monitor does not pin, it fails with UNKNOWN_KEY', async () => {
    const roots = JSON.parse(new TextDecoder().decode(pinned)) as {
      keys: { role: string; public_key: string }[];
    };
    const other = new DemoKeys('another-seed').get('trust/demo-release-2021', 'ed25519');
    for (const k of roots.keys)
      if (k.role === 'release') k.public_key = Buffer.from(other.publicKey).toString('hex');
    const asked: string[] = [];
    const read = folderSite(second);
    const r = await monitor(
      (path, max) => (asked.push(path), read(path, max)),
      undefined,
      new TextEncoder().encode(JSON.stringify(roots)),
    );
    assert.deepEqual(codes(r), [`UNKNOWN_KEY ${CHECKPOINT_PATH}`]);
    assert.deepEqual(asked, [CHECKPOINT_PATH]); // nothing else is fetched for an unsigned checkpoint
  });

  test('when a signed checkpoint claims more entries than a site can log, it fails with LIMIT_EXCEEDED before any tile is fetched', async () => {
    const key = new DemoKeys(DEFAULT_SEED).get('trust/demo-release-2021', 'ed25519');
    const huge = { ...buildLog([]), size: 2 ** 40 };
    const note = signCheckpoint(ORIGIN, huge, key.publicKey, (m) => ed25519.sign(m, key.secretKey));
    const asked: string[] = [];
    const r = await monitor(async (path) => {
      asked.push(path);
      return path === CHECKPOINT_PATH ? new TextEncoder().encode(note) : undefined;
    });
    assert.deepEqual(codes(r), [`LIMIT_EXCEEDED ${CHECKPOINT_PATH}`]);
    assert.match(r.errors[0]!.message, /claims 1099511627776 entries; a site's log holds at most 1000000/);
    assert.deepEqual(asked, [CHECKPOINT_PATH]);
  });

  test('when the site serves trust roots with a key the pinned copy lacks, it fails with TRUST_ROOTS_MISMATCH naming the key', async () => {
    const roots = JSON.parse(new TextDecoder().decode(pinned)) as { keys: { id: string; role: string }[] };
    // The witness key: the evidence's checks never need it, so only the trust roots' difference is reported.
    const witness = roots.keys.find((k) => k.role === 'log-witness')!;
    roots.keys = roots.keys.filter((k) => k !== witness);
    const r = await monitor(folderSite(second), undefined, new TextEncoder().encode(JSON.stringify(roots)));
    assert.equal(r.errors[0]?.code, 'TRUST_ROOTS_MISMATCH');
    assert.deepEqual(codes(r), ['TRUST_ROOTS_MISMATCH evidence/trust-roots.json']);
    assert.match(r.errors[0]!.message, new RegExp(`they add: key ${witness.id} is new\\. Review the change`));
  });

  test('when the pinned copy holds a key the site no longer serves, it is named as taken away', async () => {
    const roots = JSON.parse(new TextDecoder().decode(pinned)) as { keys: Record<string, string>[] };
    const extra = new DemoKeys('another-seed').get('trust/demo-log-witness', 'ed25519');
    roots.keys.push({
      ...roots.keys.find((k) => k['role'] === 'log-witness')!,
      id: 'extra-witness',
      public_key: Buffer.from(extra.publicKey).toString('hex'),
    });
    const r = await monitor(folderSite(second), undefined, new TextEncoder().encode(JSON.stringify(roots)));
    assert.deepEqual(codes(r), ['TRUST_ROOTS_MISMATCH evidence/trust-roots.json']);
    assert.match(r.errors[0]!.message, /they take away: key extra-witness is gone/);
  });

  test('when a log entry names a path outside the evidence tree, it fails with TILE_INVALID before fetching it', async () => {
    const roots = parseTrustRoots(readJson(pinned, pinnedFile));
    const key = new DemoKeys(DEFAULT_SEED).get('trust/demo-release-2021', 'ed25519');
    assert.ok(
      roots.keys.some((k) => k.role === 'release' && toBase64(k.publicKey) === toBase64(key.publicKey)),
    );
    // The release job cannot log such a path (encodeEntry refuses it), so the leaf is written by hand.
    assert.throws(
      () => buildLog([{ path: '../../etc/passwd', sha256: 'ab'.repeat(32) }]),
      /bad path or digest/,
    );
    const data = [new TextEncoder().encode(`${'ab'.repeat(32)}  ../../etc/passwd\n`)];
    const leaves = data.map(hashLeaf);
    const log = {
      entries: [],
      files: new Map([...writeTiles(leaves), ...writeEntryBundles(data)]),
      size: 1,
      root: rootFromLeafHashes(leaves),
    };
    const note = signCheckpoint(ORIGIN, log, key.publicKey, (m) => ed25519.sign(m, key.secretKey));
    const asked: string[] = [];
    const read: SiteReader = async (path) => {
      asked.push(path);
      if (path === CHECKPOINT_PATH) return new TextEncoder().encode(note);
      return path.startsWith('log/') ? log.files.get(path.slice(4)) : undefined;
    };
    const r = await monitor(read);
    assert.deepEqual(codes(r), ['TILE_INVALID log/tile/entries']);
    assert.match(r.errors[0]!.message, /log entry 0 names a path outside the evidence tree/);
    assert.ok(
      asked.every((p) => p.startsWith('log/')),
      asked.join(', '),
    );
  });

  test('when the state file is not a remembered checkpoint or SITE no folder, the run fails naming it; without --trust-roots it is a usage error', async () => {
    const bad = join(tmp, 'bad-state.json');
    writeFileSync(bad, '{"origin": "x", "size": -1, "root": "AAAA"}');
    const r = await monitorCli([second, '--trust-roots', join(tmp, pinnedFile), '--state', bad]);
    assert.equal(r.status, 1, r.out);
    assert.match(
      r.out,
      /✗ SCHEMA_INVALID {2}.*bad-state\.json\n {4}not a remembered checkpoint: size: expected a tree size/,
    );
    assert.equal(readFileSync(bad, 'utf8'), '{"origin": "x", "size": -1, "root": "AAAA"}');
    const none = await monitorCli([join(tmp, 'no-such-site'), '--trust-roots', join(tmp, pinnedFile)]);
    assert.equal(none.status, 1, none.out);
    assert.match(none.out, /✗ FILE_MISSING {2}.*no-such-site\n {4}no such folder/);
    const u = await monitorCli([second]);
    assert.equal(u.status, 2, u.out);
    assert.match(u.out, /monitor needs --trust-roots FILE/);
    assert.equal(readdirSync(tmp).filter((n) => n.includes('.tmp-')).length, 0);
  });
});
