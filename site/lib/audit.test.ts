/**
 * The "verify without us" scripts the site publishes, run as published (bash, python3, openssl) against a real
 * evidence tree: they pass on it and fail on a tampered copy. Skipped where the standard tools are missing.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EvidenceModel } from '../../verify/index.ts';
import { downloadScript, epochScript, fleetScript, manualEpochSteps, namespaceScript } from './audit.ts';
import { readVerifiedEvidence } from './verified.ts';
import { evidenceCopy, readFiles, tempDir } from '../testing/fixtures.ts';

const tools = ['bash', 'python3', 'openssl'].every(
  (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0,
);
const openssl3 = tools && /^OpenSSL 3\./.test(spawnSync('openssl', ['version']).stdout?.toString() ?? '');
const skip = openssl3 ? false : 'needs bash, python3 and OpenSSL 3';

function run(script: string, cwd: string) {
  const r = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('verify-without-us scripts', { skip }, () => {
  let dir: string;
  let model: EvidenceModel;
  before(async () => {
    dir = await evidenceCopy();
    model = readVerifiedEvidence(dir).report.model;
  });

  it('when every epoch script runs on verified evidence, every check prints ok and it exits 0', () => {
    const ns = model.namespaces[0]!;
    assert.ok(
      ns.epochs.some((e) => e.ciphersuite === 1) && ns.epochs.some((e) => e.ciphersuite === 2),
      'the tree covers both encodings',
    );
    const operators = new Set(
      ns.epochs.map((e) => model.trustRoots.find((k) => k.id === e.operatorKeyId)!.algorithm),
    );
    assert.deepEqual(
      [...operators].sort(),
      ['ecdsa-p256-sha256', 'ed25519'],
      'the tree covers both counter-signature algorithms',
    );
    for (const e of ns.epochs) {
      const r = run(epochScript(e), dir);
      assert.equal(r.status, 0, `epoch ${e.epoch}:\n${r.out}`);
      assert.equal(r.out.match(/^ok {3}/gm)?.length, 7, r.out);
    }
  });

  it('when one byte of an artifact changes, its epoch script stops at the digest', () => {
    const bad = join(tempDir('audit-tamper'), 'evidence');
    cpSync(dir, bad, { recursive: true });
    const e = model.namespaces[0]!.epochs[3]!;
    const file = join(bad, e.dir, 'artifact.json');
    const bytes = readFileSync(file);
    bytes[10] = bytes[10]! ^ 1;
    writeFileSync(file, bytes);
    const r = run(epochScript(e), bad);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /DIGEST_MISMATCH/);
  });

  it('when an epoch is checked by hand with the audit page’s steps, each step prints what the page says it prints', () => {
    const ns = model.namespaces[0]!;
    for (const e of [ns.epochs[0]!, ns.epochs[ns.epochs.length - 1]!]) {
      const auditor = model.trustRoots.find((k) => k.id === e.auditorKeyId)!;
      const operator = model.trustRoots.find((k) => k.id === e.operatorKeyId)!;
      const steps = manualEpochSteps(e, auditor, operator);
      const r = run(`set -euo pipefail\n${steps.map((s) => s.command).join('\n')}`, join(dir, '..'));
      assert.equal(r.status, 0, r.out);
      assert.equal(r.out.split(e.digest).length - 1, 2, `the digest printed twice:\n${r.out}`);
      assert.match(r.out, /serialized_message matches/);
      assert.match(r.out, /record matches/);
      const verified =
        (r.out.match(/Signature Verified Successfully/g) ?? []).length +
        (r.out.match(/Verified OK/g) ?? []).length;
      assert.equal(verified, 2, r.out);
    }
  });

  it('when every fleet script runs, the deployment, each certificate chain and each attestation verify', () => {
    for (const f of model.fleets) {
      const r = run(fleetScript(f), dir);
      assert.equal(r.status, 0, `${f.fleetId}:\n${r.out}`);
      const n = Number(/ok {3}(\d+) signatures verify/.exec(r.out)?.[1]);
      const chain = f.members.reduce((s, m) => s + m.attestation.chain.length + 1, 0);
      assert.equal(n, 1 + f.ceremony.witnesses.length + chain, r.out);
    }
  });

  it('when a witness signature is altered, the fleet script fails', () => {
    const bad = join(tempDir('audit-witness'), 'evidence');
    cpSync(dir, bad, { recursive: true });
    const f = model.fleets[0]!;
    const file = join(bad, f.dir, 'deployment.json');
    const env = JSON.parse(readFileSync(file, 'utf8')) as { signatures: { keyid: string; sig: string }[] };
    const w = env.signatures.find((s) => s.keyid === f.ceremony.witnesses[0]!.key)!;
    const sig = Buffer.from(w.sig, 'base64');
    sig[5] = sig[5]! ^ 1;
    w.sig = sig.toString('base64');
    writeFileSync(file, JSON.stringify(env));
    const r = run(fleetScript(f), bad);
    assert.notEqual(r.status, 0, r.out);
  });

  it('when the namespace script runs, it confirms the namespace rules', () => {
    const ns = model.namespaces[0]!;
    const r = run(namespaceScript(ns.name, ns.rootEpoch), dir);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`ok {3}${ns.epochs.length} epochs`));
  });

  it('when the download script fetches a published tree, it gets every file byte for byte and checks each against the index', () => {
    // A stand-in for the site: /evidence/ holding the tree and its index, read through file:// URLs.
    const site = tempDir('audit-site');
    cpSync(dir, join(site, 'evidence'), { recursive: true });
    writeFileSync(join(site, 'evidence', 'index.json'), readVerifiedEvidence(dir).indexJson);
    const work = tempDir('audit-download');
    const r = run(downloadScript(pathToFileURL(site).href), work);
    assert.equal(r.status, 0, r.out);
    const got = readFiles(join(work, 'evidence'));
    const want = readFiles(dir);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [p, b] of want) assert.ok(got.get(p)!.equals(b), p);
  });
});
