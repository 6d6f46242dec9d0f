/**
 * The demo evidence generator: deterministic, seed-separated, free of secrets, shaped like the brief, and every
 * tamper changes the tree. (Verifying each tamper is tests/tampers.test.ts.)
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { verifyEvidence } from '../verify/tree.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBase64, fromUtf8, toBase64, toHex } from '../verify/encoding.ts';
import {
  generateDemo,
  generateEvidence,
  readTree,
  type DemoContext,
  type EvidenceFiles,
} from './generate.ts';
import { TAMPERS, applyTamper } from './tampers.ts';
import { DEFAULT_SEED } from './catalog.ts';

const ROOT = new URL('..', import.meta.url).pathname;
let base: EvidenceFiles;
let ctx: DemoContext;

before(() => {
  ({ files: base, ctx } = generateDemo({ seed: DEFAULT_SEED, scale: 1 }));
});

interface Deployment {
  fleet_id: string;
  regions: { id: string; data_centers: unknown[] }[];
  members: { hsm_id: string; region: string }[];
  quorum: { threshold: number };
  keys: unknown[];
  ceremony: { witnesses: unknown[] };
}
interface Artifact {
  epoch: number;
  keys: { key_id: string; role: string }[];
}
interface Proof {
  ciphersuite: number;
  timestamp: number;
}
interface TrustRoots {
  keys: { name: string; role: string }[];
  namespaces: { auditor_keys: string[]; operator_keys: string[] }[];
}

function json<T>(files: EvidenceFiles, path: string): T {
  return JSON.parse(fromUtf8(files.get(path)!)) as T;
}

/** Every JSON value of the tree, with DSSE payloads decoded and walked as well. */
function walk(value: unknown, visit: (key: string, v: unknown) => void): void {
  if (Array.isArray(value)) for (const v of value) walk(v, visit);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      visit(k, v);
      if (k === 'payload' && typeof v === 'string') walk(JSON.parse(fromUtf8(fromBase64(v))), visit);
      else walk(v, visit);
    }
  }
}

/** Public keys, fingerprints and hex DSSE keyids of a tree. */
function keyMaterial(files: EvidenceFiles): Set<string> {
  const out = new Set<string>();
  for (const [path, bytes] of files) {
    if (!path.endsWith('.json')) continue;
    walk(JSON.parse(fromUtf8(bytes)), (k, v) => {
      if (typeof v !== 'string') return;
      if (k === 'public_key' || k === 'sha256' || (k === 'keyid' && /^[0-9a-f]{64}$/.test(v))) out.add(v);
    });
  }
  return out;
}

function deployments(files: EvidenceFiles): Deployment[] {
  return [...files.keys()]
    .filter((p) => p.endsWith('/deployment.json'))
    .map(
      (p) =>
        JSON.parse(fromUtf8(fromBase64(json<{ payload: string }>(files, p).payload))).predicate as Deployment,
    );
}

function artifacts(files: EvidenceFiles): Artifact[] {
  return [...files.keys()]
    .filter((p) => p.endsWith('/artifact.json'))
    .map((p) => json<Artifact>(files, p))
    .sort((a, b) => a.epoch - b.epoch);
}

function runCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/demo-evidence.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
}

test('when the generator runs twice with one seed, the two maps are identical', () => {
  const again = generateEvidence({ seed: DEFAULT_SEED, scale: 1 });
  assert.deepEqual([...again.keys()], [...base.keys()]);
  for (const [p, b] of base) assert.ok(Buffer.from(b).equals(again.get(p)!), p);
});

test('when two seeds are used, the trees share no public key, fingerprint or key id', () => {
  const other = generateEvidence({ seed: 'another-seed', scale: 1 });
  const a = keyMaterial(base);
  const b = keyMaterial(other);
  assert.ok(a.size > 100, `${a.size} keys`);
  const shared = [...a].filter((x) => b.has(x));
  assert.deepEqual(shared, []);
});

test('when the committed evidence/ is read, it equals a fresh generation byte for byte', () => {
  const committed = readTree(join(ROOT, 'evidence'));
  assert.deepEqual([...committed.keys()], [...base.keys()]);
  for (const [p, b] of base)
    assert.ok(Buffer.from(b).equals(committed.get(p)!), `${p} differs: run npm run demo-evidence`);
});

test('when every file is searched, no derived secret key appears in it', () => {
  const secrets = ctx.keys.all();
  assert.ok(secrets.length > 90, `${secrets.length} keys derived`);
  const needles = secrets.flatMap((k) => [toHex(k.secretKey), toBase64(k.secretKey).slice(0, 40)]);
  for (const tree of [base, readTree(join(ROOT, 'evidence'))]) {
    for (const [p, b] of tree) {
      const text = fromUtf8(b);
      for (const n of needles) assert.ok(!text.includes(n), `${p} contains a secret key`);
    }
  }
});

test('when the trust roots are read, every key is a named demo key with its roles', () => {
  const t = json<TrustRoots>(base, 'trust-roots.json');
  for (const k of t.keys) assert.match(k.name, /\(DEMO KEY\)$/);
  const roles = t.keys.map((k) => k.role);
  assert.equal(roles.filter((r) => r === 'vendor-root').length, 1);
  assert.equal(roles.filter((r) => r === 'operator').length, 2);
  assert.equal(roles.filter((r) => r === 'auditor').length, 2);
  assert.equal(roles.filter((r) => r === 'witness').length, 4);
  assert.deepEqual(t.namespaces[0]!.auditor_keys, ['demo-auditor-2021', 'demo-auditor-2024']);
  assert.deepEqual(t.namespaces[0]!.operator_keys, ['demo-operator-2021', 'demo-operator-2024']);
});

test('when the fleets are counted, there are 3 over 4 to 6 regions with 3 to 8 HSMs per region', () => {
  const ds = deployments(base);
  assert.deepEqual(ds.map((d) => d.fleet_id).sort(), ['fleet-2021', 'fleet-2024', 'fleet-2026']);
  for (const d of ds) {
    assert.ok(d.regions.length >= 4 && d.regions.length <= 6, `${d.fleet_id}: ${d.regions.length} regions`);
    for (const r of d.regions) {
      const n = d.members.filter((m) => m.region === r.id).length;
      assert.ok(n >= 3 && n <= 8, `${d.fleet_id} ${r.id}: ${n} HSMs`);
      assert.ok(r.data_centers.length >= 1 && r.data_centers.length <= 2);
    }
    assert.equal(d.quorum.threshold, Math.floor(d.members.length / 2) + 1);
    assert.equal(d.keys.length, 3);
    assert.ok(d.ceremony.witnesses.length >= 2 && d.ceremony.witnesses.length <= 3);
    for (const m of d.members)
      assert.ok(base.has(`fleets/${d.fleet_id}/attestations/${m.hsm_id}.json`), m.hsm_id);
  }
});

test('when the epochs are read, there are at least 60 with a full rotation and a plain role change', () => {
  const as = artifacts(base);
  assert.ok(as.length >= 60, `${as.length} epochs`);
  as.forEach((a, i) => assert.equal(a.epoch, i + 1));
  const role = (a: Artifact, id: string) => a.keys.find((k) => k.key_id === id)?.role;
  const history = (id: string) => as.map((a) => role(a, id) ?? '-').join(' ');
  // fleet-2021 goes active → retiring → removed; fleet-2024 standby → active; fleet-2026 standby → active.
  assert.match(history('fleet-2021/backup-kem'), /^active( active)* (retiring )+(- )*-$/);
  assert.match(history('fleet-2024/backup-kem'), /^(- )+(standby )+(active )+(retiring ?)+$/);
  assert.match(history('fleet-2026/backup-kem'), /^(- )+(standby )+(active ?)+$/);
  const single = as.slice(1).filter((a, i) => {
    const prev = as[i]!;
    const changed = a.keys.filter(
      (k) => role(prev, k.key_id) !== undefined && role(prev, k.key_id) !== k.role,
    );
    return changed.length === 1 && a.keys.length === prev.keys.length;
  });
  assert.ok(single.length >= 1, 'a single key changes role');
  const proofs = as.map((a) => json<Proof>(base, `namespaces/${ctx.namespace}/${a.epoch}/proof.json`));
  assert.ok(
    proofs.some((p) => p.ciphersuite === 2) && proofs.some((p) => p.ciphersuite === 1),
    'both ciphersuites',
  );
  for (let i = 1; i < proofs.length; i++) assert.ok(proofs[i]!.timestamp > proofs[i - 1]!.timestamp);
});

test('when the CLI lists the tampers, every TAMPERS kind is listed with its code', () => {
  const r = runCli(['--list-tampers']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => l.split('\t').slice(0, 2).join('\t')),
    TAMPERS.map((t) => `${t.kind}\t${t.expectedCode}`),
  );
  for (const l of lines) assert.equal(l.split('\t').length, 3);
});

test('when the CLI gets an unknown flag or kind, or a non-empty --out, it exits 2', () => {
  assert.equal(runCli(['--no-such-flag']).status, 2);
  const dir = mkdtempSync(join(tmpdir(), 'demo-evidence-'));
  try {
    assert.equal(runCli(['--tamper', 'no-such-kind', '--out', join(dir, 'x')]).status, 2);
    assert.equal(runCli(['--tamper', 'epoch-skipped']).status, 2);
    mkdirSync(join(dir, 'full'));
    writeFileSync(join(dir, 'full', 'keep.txt'), 'x');
    const r = runCli(['--out', join(dir, 'full')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not empty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when each tamper is applied, the tree changes', () => {
  const kinds = new Set<string>();
  for (const t of TAMPERS) {
    assert.ok(!kinds.has(t.kind), `${t.kind} listed twice`);
    kinds.add(t.kind);
    const files = new Map(base);
    applyTamper(t.kind, files, ctx);
    const changed =
      files.size !== base.size ||
      [...files].some(([p, b]) => !base.has(p) || !Buffer.from(b).equals(base.get(p)!));
    assert.ok(changed, `${t.kind} changed nothing`);
  }
  // A tamper works on its copy: the base tree is untouched.
  const fresh = generateEvidence({ seed: DEFAULT_SEED });
  assert.deepEqual([...base.keys()], [...fresh.keys()]);
  for (const [p, b] of base) assert.ok(Buffer.from(b).equals(fresh.get(p)!), p);
});

test('when a tamper is given only the seed, it rebuilds the context and gives the same tree', () => {
  const a = new Map(base);
  const b = new Map(base);
  applyTamper('key-reused-across-fleets', a, ctx);
  applyTamper('key-reused-across-fleets', b, { seed: DEFAULT_SEED });
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [p, x] of a) assert.ok(Buffer.from(x).equals(b.get(p)!), p);
});

test('when scale 2 is generated, fleets, HSMs and epochs double, each group in its own namespace', () => {
  const { files: f2, ctx: c2 } = generateDemo({ seed: DEFAULT_SEED, scale: 2 });
  assert.equal(c2.model.fleets.length, 6);
  assert.equal(c2.model.namespaces.length, 2);
  assert.equal(c2.model.epochs.length + c2.model.extraEpochs.length, 2 * ctx.model.epochs.length);
  const hsms = (m: typeof ctx.model) => m.fleets.reduce((n, f) => n + f.members.length, 0);
  assert.ok(hsms(c2.model) >= 2 * hsms(ctx.model) - 10, 'about twice the HSMs');
  // Linear, not quadratic: an artifact of the second namespace is no larger than the first's.
  const largest = (ns: string) =>
    Math.max(
      ...[...f2]
        .filter(([p]) => p.startsWith(`namespaces/${ns}/`) && p.endsWith('/artifact.json'))
        .map(([, b]) => b.length),
    );
  assert.ok(largest(c2.model.namespaces[1]!) <= largest(c2.model.namespaces[0]!) * 1.2);
  assert.equal(verifyEvidence(f2).ok, true);
});
