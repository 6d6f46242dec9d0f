/**
 * `fleetproof ingest`: accepts the next valid epoch; refuses a gap, a replay, a forged signature and an overwrite,
 * leaving the evidence folder untouched each time.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { runCli } from './lib/cli.ts';
import { readTree } from '../scripts/lib/read-tree.ts';
import { generateEvidence, writeTree } from '../demo/generate.ts';
import { scratchDir } from './lib/scratch.ts';

const NS = 'meta.encrypted_backups.fleet_keys.v1';
let full: Map<string, Uint8Array>;
let last: number;

const run = runCli;

/** A fingerprint of a whole folder: every path and the SHA-256 of its bytes. */
function snapshot(dir: string): string {
  const h = createHash('sha256');
  for (const [p, b] of [...readTree(dir)].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`${p}\0`).update(b);
  return h.digest('hex');
}

/** The demo tree without epochs after `upTo`, in a fresh folder; the removed epochs' files in another. */
function setup(upTo: number): { dir: string; incoming: string } {
  const root = scratchDir('ingest');
  const dir = join(root, 'evidence');
  const incoming = join(root, 'incoming');
  const kept = new Map<string, Uint8Array>();
  for (const [p, b] of full) {
    const m = /^namespaces\/[^/]+\/(\d+)\/(.+)$/.exec(p);
    if (m && Number(m[1]) > upTo) {
      mkdirSync(join(incoming, m[1]!), { recursive: true });
      writeFileSync(join(incoming, m[1]!, m[2]!), b);
    } else kept.set(p, b);
  }
  writeTree(dir, kept);
  return { dir, incoming };
}

const epochFiles = (incoming: string, n: number) =>
  ['artifact.json', 'proof.json', 'auditor-record.json'].map((f) => join(incoming, String(n), f));

before(() => {
  full = generateEvidence({ seed: 'fleetproof-demo-v1', scale: 1 });
  last = Math.max(
    ...[...full.keys()]
      .map((p) => /^namespaces\/[^/]+\/(\d+)\//.exec(p)?.[1])
      .filter(Boolean)
      .map(Number),
  );
});

describe('fleetproof ingest', () => {
  test('when given the next epoch, it verifies and writes its three files', () => {
    const { dir, incoming } = setup(last - 1);
    const r = run(['ingest', ...epochFiles(incoming, last), '--evidence', dir, '--json']);
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(
      JSON.parse(r.out).written,
      ['artifact.json', 'auditor-record.json', 'proof.json'].map((f) => `namespaces/${NS}/${last}/${f}`),
    );
    for (const f of ['artifact.json', 'proof.json', 'auditor-record.json']) {
      assert.deepEqual(
        readFileSync(join(dir, 'namespaces', NS, String(last), f)),
        Buffer.from(full.get(`namespaces/${NS}/${last}/${f}`)!),
      );
    }
    assert.equal(run(['verify', '--evidence', dir]).status, 0);
  });

  test('when an epoch is skipped, it refuses with EPOCH_GAP and writes nothing', () => {
    const { dir, incoming } = setup(last - 2);
    const before = snapshot(dir);
    const r = run(['ingest', ...epochFiles(incoming, last), '--evidence', dir, '--json']);
    assert.equal(r.status, 1);
    assert.ok(
      JSON.parse(r.out).errors.some((e: { code: string }) => e.code === 'EPOCH_GAP'),
      r.out,
    );
    assert.equal(snapshot(dir), before);
  });

  test('when an epoch already published is given again, it refuses the replay and writes nothing', () => {
    const { dir, incoming } = setup(last - 1);
    const before = snapshot(dir);
    const replay = ['artifact.json', 'proof.json', 'auditor-record.json'].map((f) =>
      join(dir, 'namespaces', NS, String(last - 1), f),
    );
    const r = run(['ingest', ...replay, '--evidence', dir, '--json']);
    assert.equal(r.status, 1);
    assert.match(r.out, /already published/);
    assert.equal(snapshot(dir), before);
    rmSync(incoming, { recursive: true, force: true });
  });

  test('when the proof carries a forged auditor signature, it refuses with AUDITOR_SIGNATURE_INVALID and writes nothing', () => {
    const { dir, incoming } = setup(last - 1);
    const before = snapshot(dir);
    const [a, p, rec] = epochFiles(incoming, last) as [string, string, string];
    for (const f of [p, rec]) {
      const j = JSON.parse(readFileSync(f, 'utf8'));
      j.signature = (j.signature[0] === '0' ? '1' : '0') + j.signature.slice(1);
      delete j.serialized_message;
      writeFileSync(f, JSON.stringify(j, null, 2) + '\n');
    }
    const r = run(['ingest', a, p, rec, '--evidence', dir, '--json']);
    assert.equal(r.status, 1);
    assert.ok(
      JSON.parse(r.out).errors.some((e: { code: string }) => e.code === 'AUDITOR_SIGNATURE_INVALID'),
      r.out,
    );
    assert.equal(snapshot(dir), before);
  });

  test('when a file would overwrite a published one with other content, it refuses and writes nothing', () => {
    const { dir, incoming } = setup(last - 1);
    const before = snapshot(dir);
    // The new epoch's artifact, edited to claim the previous epoch: it belongs at a path that exists.
    const [a] = epochFiles(incoming, last) as [string];
    const j = JSON.parse(readFileSync(a, 'utf8'));
    j.epoch = last - 1;
    writeFileSync(a, JSON.stringify(j, null, 2) + '\n');
    const r = run(['ingest', ...epochFiles(incoming, last), '--evidence', dir, '--json']);
    assert.equal(r.status, 1);
    assert.match(r.out, /would overwrite/);
    assert.equal(snapshot(dir), before);
  });

  test('when a deployment record would overwrite a published one, it refuses with FILE_EXISTS and writes nothing', () => {
    const { dir, incoming } = setup(last);
    const before = snapshot(dir);
    const fleet = readdirSync(join(dir, 'fleets')).sort()[0]!;
    const copy = join(incoming, 'deployment.json');
    mkdirSync(incoming, { recursive: true });
    writeFileSync(
      copy,
      Buffer.concat([readFileSync(join(dir, 'fleets', fleet, 'deployment.json')), Buffer.from('\n')]),
    );
    const r = run(['ingest', copy, '--evidence', dir, '--json']);
    assert.equal(r.status, 1);
    assert.deepEqual(
      JSON.parse(r.out).errors.map((e: { code: string }) => e.code),
      ['FILE_EXISTS'],
    );
    assert.equal(snapshot(dir), before);
  });

  test('when an input is missing or cannot be read (a folder), it names each with FILE_MISSING or FILE_UNREADABLE and writes nothing', () => {
    const { dir, incoming } = setup(last);
    const before = snapshot(dir);
    mkdirSync(incoming, { recursive: true });
    const missing = join(incoming, 'none.json');
    const r = run(['ingest', incoming, missing, '--evidence', dir, '--json']);
    assert.equal(r.status, 1);
    assert.deepEqual(
      JSON.parse(r.out).errors.map((e: { code: string; file: string; message: string }) => [
        e.code,
        e.file,
        e.message.split(':')[0],
      ]),
      [
        ['FILE_UNREADABLE', incoming, 'the file cannot be read'],
        ['FILE_MISSING', missing, 'no such file'],
      ],
    );
    assert.equal(snapshot(dir), before);
  });

  test('when given no file, it is a usage error', () => {
    assert.equal(run(['ingest']).status, 2);
  });
});
