import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listTree, readTree } from './read-tree.ts';
import {
  spawnWorkers,
  verifyEvidenceParallel,
  verifyTreeChecks,
  verifyTreeParallel,
} from './parallel-verify.ts';
import { verifyEvidence } from '../../verify/tree.ts';
import { useNodeCrypto } from './node-crypto.ts';
import { samplesFleet } from '../../tests/vendor-fleets.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('when the demo evidence is verified in 1, 2 and 3 threads, the report is the same, model included', async () => {
  useNodeCrypto();
  const files = readTree(`${root}evidence`);
  const one = JSON.stringify(verifyEvidence(files));
  for (const jobs of [2, 3]) assert.equal(JSON.stringify(await verifyEvidenceParallel(files, { jobs })), one);
});

test('when a tampered tree is verified in 2 threads, the failures and their order are those of 1 thread', async () => {
  useNodeCrypto();
  const files = new Map(readTree(`${root}evidence`));
  const att = [...files.keys()].find((p) => p.includes('/attestations/'))!;
  const bytes = files.get(att)!.slice();
  bytes[Math.floor(bytes.length / 2)]! ^= 1;
  files.set(att, bytes);
  const epochProof = [...files.keys()].find((p) => p.endsWith('/proof.json'))!;
  files.set(epochProof, new TextEncoder().encode('{"not": "a proof"}'));
  const one = verifyEvidence(files);
  assert.equal(one.ok, false);
  assert.equal(JSON.stringify(await verifyEvidenceParallel(files, { jobs: 2 })), JSON.stringify(one));
});

test('when only the checks are asked for (no model), they are those of the full report, in 1 and 2 threads, rules across fleets included', async () => {
  useNodeCrypto();
  const dir = mkdtempSync(join(tmpdir(), 'fleetproof-checks-'));
  try {
    cpSync(`${root}evidence`, dir, { recursive: true });
    // A member's attestation tampered, and one fleet's record copied over another's: the copy fails its own checks
    // and declares the same keys twice (KEY_REUSED, a rule across fleets fed by the cut-down fleet results).
    const [a, b] = readdirSync(join(dir, 'fleets')).sort();
    const att = join(
      dir,
      'fleets',
      a!,
      'attestations',
      readdirSync(join(dir, 'fleets', a!, 'attestations'))[0]!,
    );
    const bytes = readFileSync(att);
    bytes[Math.floor(bytes.length / 2)]! ^= 1;
    writeFileSync(att, bytes);
    writeFileSync(
      join(dir, 'fleets', b!, 'deployment.json'),
      readFileSync(join(dir, 'fleets', a!, 'deployment.json')),
    );
    const { model: _model, ...full } = verifyEvidence(readTree(dir));
    assert.equal(full.ok, false);
    assert.ok(full.errors.some((e) => e.code === 'KEY_REUSED'));
    for (const jobs of [1, 2]) {
      const { report } = await verifyTreeChecks(listTree(dir), { jobs });
      assert.equal(JSON.stringify(report), JSON.stringify(full), `--jobs ${jobs}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("when vendor-format members need the newest epoch's time, the threads that need it read the proofs and the report is that of one thread", async () => {
  useNodeCrypto();
  const dir = mkdtempSync(join(tmpdir(), 'fleetproof-vendor-'));
  try {
    const files = samplesFleet();
    for (const [p, b] of files) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), b);
    }
    // No `now`: every thread takes the newest epoch's time from the proofs, which the vendor notes are judged at.
    const one = verifyEvidence(readTree(dir));
    assert.ok(one.checks.some((c) => c.subject.startsWith('fleets/fleet-samples')));
    for (const jobs of [2, 3]) {
      // Only the workers claim units, so that the vendor fleet is verified on one, which reads the proofs itself.
      const { report } = await verifyTreeParallel(listTree(dir), { jobs, mainThreadClaims: false });
      assert.equal(JSON.stringify(report), JSON.stringify(one), `--jobs ${jobs}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when `fleetproof verify --json` runs with --jobs 1 and --jobs 2, the output is byte-identical', () => {
  const run = (jobs: string) =>
    spawnSync(process.execPath, [`${root}bin/fleetproof.mjs`, 'verify', '--json', '--jobs', jobs], {
      cwd: root,
      encoding: 'utf8',
    });
  const a = run('1');
  const b = run('2');
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.stdout, a.stdout);
  assert.equal(run('0').status, 2, 'a usage error');
});

test('when the tree is read into shared memory, every file is a view of one buffer, byte for byte the plain read', () => {
  const plain = readTree(`${root}evidence`);
  const shared = readTree(`${root}evidence`, { shared: true });
  assert.deepEqual([...shared.keys()], [...plain.keys()]);
  const buffers = new Set([...shared.values()].map((b) => b.buffer));
  assert.equal(buffers.size, 1);
  assert.ok([...buffers][0] instanceof SharedArrayBuffer);
  for (const [p, b] of plain) assert.deepEqual(Buffer.from(shared.get(p)!), Buffer.from(b), p);
});

test('when a worker dies with units it claimed, the main thread verifies them and the report is unchanged', async () => {
  useNodeCrypto();
  const files = readTree(`${root}evidence`, { shared: true });
  const one = JSON.stringify(verifyEvidence(files));
  const told: [Error, number][] = [];
  const report = await verifyEvidenceParallel(files, {
    jobs: 2,
    workerUrl: new URL('./testdata/dying-worker.mjs', import.meta.url),
    mainThreadClaims: false,
    onWorkerError: (e, n) => told.push([e, n]),
  });
  assert.equal(JSON.stringify(report), one);
  assert.equal(told.length, 1);
  assert.match(told[0]![0].message, /exited with code 3/);
  // Every unit (3 fleets, 65 epochs), the three the worker claimed included, was verified here.
  assert.equal(told[0]![1], 68);
});

test('when a worker dies in the middle of reading a file, the main thread reads it itself and the report is unchanged', () => {
  useNodeCrypto();
  const one = JSON.stringify(verifyEvidence(readTree(`${root}evidence`)));
  // In a process of its own, with a time limit: a thread that waited for the dead worker's read would wait for ever,
  // in Atomics.wait, where no timer of this process could end the test.
  const dir = mkdtempSync(join(tmpdir(), 'fleetproof-dying-reader-'));
  try {
    const r = spawnSync(
      process.execPath,
      [fileURLToPath(new URL('./testdata/verify-dying-reader.mjs', import.meta.url)), join(dir, 'out.json')],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.signal, null, 'it did not wait for ever');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { report: string; told: string[] };
    assert.equal(out.report, one);
    assert.equal(out.told.length, 1);
    assert.match(out.told[0]!, /exited with code 3/, 'the worker held the claim when it died');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when a unit has a file of no bytes to read (a symbolic link), the threads claim the units the core runs, and the report is that of one thread', async () => {
  useNodeCrypto();
  const dir = mkdtempSync(join(tmpdir(), 'fleetproof-link-'));
  try {
    cpSync(`${root}evidence`, dir, { recursive: true });
    // A listed link is set no room (its size counts as 0 in unitsOf): its epoch and its fleet are still units.
    const proof = listTree(dir).find((e) => e.rel.endsWith('/proof.json'))!.path;
    rmSync(proof);
    symlinkSync('/dev/null', proof);
    const fleet = readdirSync(join(dir, 'fleets')).sort()[0]!;
    const deployment = join(dir, 'fleets', fleet, 'deployment.json');
    rmSync(deployment);
    symlinkSync('/dev/null', deployment);
    const one = verifyEvidence(readTree(dir));
    assert.equal(one.ok, false);
    const { report } = await verifyTreeParallel(listTree(dir), { jobs: 2, mainThreadClaims: false });
    assert.equal(JSON.stringify(report), JSON.stringify(one));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when a listed tree is read by the threads that claim its units, the files and the report are those of one thread', async () => {
  useNodeCrypto();
  const files = readTree(`${root}evidence`);
  const one = JSON.stringify(verifyEvidence(files));
  for (const jobs of [2, 3]) {
    const r = await verifyTreeParallel(listTree(`${root}evidence`), { jobs });
    assert.equal(JSON.stringify(r.report), one);
    assert.deepEqual([...r.files.keys()], [...files.keys()]);
    for (const [p, b] of files) assert.deepEqual(Buffer.from(r.files.get(p)!), Buffer.from(b), p);
  }
  // A worker that claims units and dies before reading them: this thread reads and verifies them.
  const told: number[] = [];
  const r = await verifyTreeParallel(listTree(`${root}evidence`), {
    jobs: 2,
    workerUrl: new URL('./testdata/dying-worker.mjs', import.meta.url),
    mainThreadClaims: false,
    onWorkerError: (_e, n) => told.push(n),
  });
  assert.equal(JSON.stringify(r.report), one);
  assert.deepEqual(told, [68]);
});

test(
  'when workers were started ahead, the ones needed are used and the others stopped, whatever the jobs',
  { timeout: 60_000 },
  async () => {
    useNodeCrypto();
    const one = JSON.stringify(verifyEvidence(readTree(`${root}evidence`)));
    for (const [jobs, ahead] of [
      [2, 3],
      [3, 1],
      [1, 2],
    ] as const) {
      const workers = spawnWorkers(ahead);
      const r = await verifyTreeParallel(listTree(`${root}evidence`), { jobs, workers });
      assert.equal(JSON.stringify(r.report), one, `jobs ${jobs}, ${ahead} ahead`);
      // Every worker started ahead has settled (a worker left waiting would keep this test, and the CLI, alive).
      const results = await Promise.all(workers.map((w) => w.done));
      const used = results.filter((x) => x.outcomes.length > 0).length;
      assert.ok(used <= Math.max(0, jobs - 1), `${used} used with jobs ${jobs}`);
      assert.ok(results.every((x) => !x.error));
    }
  },
);
