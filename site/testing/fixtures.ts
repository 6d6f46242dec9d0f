/**
 * Test fixtures shared by site/**\/*.test.ts: an evidence tree that verifies (the repository's evidence/ when it is
 * there, else the demo generator's default tree in a temporary folder), and small fake models for unit tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EpochModel, EvidenceModel, FleetModel } from '../../verify/index.ts';
import { scratchDir } from '../../tests/lib/scratch.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A scratch folder, removed when the test process exits (tests/lib/scratch.ts). */
export const tempDir = scratchDir;

/** A copy of an evidence tree that verifies, in a temporary folder the caller may change. */
export async function evidenceCopy(): Promise<string> {
  const dir = join(tempDir('evidence'), 'evidence');
  const repo = join(ROOT, 'evidence');
  if (existsSync(join(repo, 'trust-roots.json'))) {
    cpSync(repo, dir, { recursive: true });
  } else {
    const { generateEvidence } = await import('../../demo/generate.ts');
    for (const [path, bytes] of generateEvidence({})) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), bytes);
    }
  }
  return dir;
}

/** What a build printed and how it ended. */
export interface BuildRun {
  status: number | null;
  /** stdout then stderr. */
  out: string;
  pid: number;
}

/**
 * `npm run build -- ARGS` in the project with `env`: scripts/build.mjs as npm runs it (Astro's thread started
 * before any TypeScript loads), or scripts/build.ts through tsx, which starts that thread itself.
 */
export function runBuild(
  args: string[],
  env: NodeJS.ProcessEnv,
  script: 'scripts/build.mjs' | 'scripts/build.ts' = 'scripts/build.mjs',
): BuildRun {
  const r = spawnSync(
    process.execPath,
    [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script, ...args],
    { cwd: ROOT, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}`, pid: r.pid };
}

/** Asserts that two trees hold the same files, byte for byte, but for `onlyInB` (paths only `b` has). */
export function assertSameFiles(a: string, b: string, onlyInB: string[] = []): void {
  const x = readFiles(a);
  const y = readFiles(b);
  for (const p of onlyInB) y.delete(p);
  assert.deepEqual([...x.keys()].sort(), [...y.keys()].sort());
  const differ = [...x].filter(([p, bytes]) => !bytes.equals(y.get(p)!)).map(([p]) => p);
  assert.deepEqual(differ, [], 'files whose bytes differ');
}

/** Every file of a tree: relative path → bytes. */
export function readFiles(dir: string, rel = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${name.name}` : name.name;
    if (name.isDirectory()) for (const [k, v] of readFiles(dir, r)) out.set(k, v);
    else out.set(r, readFileSync(join(dir, r)));
  }
  return out;
}

export function fakeFleet(id: string, ok = true, keys = ['backup-kem']): FleetModel {
  return {
    fleetId: id,
    dir: `fleets/${id}`,
    ok,
    description: `fleet ${id}`,
    deployedAt: '2021-06-14T09:00:00Z',
    regions: [{ id: 'eu-west-3', name: 'Paris', dataCenters: [{ id: 'par-1', name: 'Paris 1' }] }],
    members: [],
    threshold: 1,
    keys: keys.map((k, i) => ({
      keyId: `${id}/${k}`,
      algorithm: 'x25519',
      publicKey: String(i).repeat(64),
      fingerprint: `${String(i + 1).repeat(16)}${'ab'.repeat(24)}`,
      purpose: 'test',
      generatedOn: `${id}-par-1-01`,
      firstEpoch: 1,
      lastEpoch: 2,
    })),
    ceremony: { performedAt: '2021-06-10T14:00:00Z', location: 'x', procedure: 'y', witnesses: [] },
    operatorKeyId: 'op',
    epochs: [1, 2],
    state: 'active',
    files: [],
  };
}

export function fakeEpoch(
  namespace: string,
  epoch: number,
  ok = true,
  keys: EpochModel['keys'] = [],
): EpochModel {
  return {
    namespace,
    epoch,
    dir: `namespaces/${namespace}/${epoch}`,
    ok,
    timestamp: Date.UTC(2021, 6 + epoch, 1),
    time: new Date(Date.UTC(2021, 6 + epoch, 1)).toISOString().replace(/\.\d+Z$/, 'Z'),
    ciphersuite: 1,
    digest: String(epoch % 10).repeat(64),
    signature: 'aa'.repeat(64),
    keyIdByte: 1,
    auditorKeyId: 'aud',
    operatorKeyId: 'op',
    metaSignature: 'bb'.repeat(64),
    issuedAt: undefined,
    keys,
    diff: undefined,
    files: [],
  };
}

export function fakeModel(fleets: FleetModel[], epochs: EpochModel[], namespace = 'ns.test'): EvidenceModel {
  return {
    trustRoots: [],
    fleets,
    namespaces: [{ name: namespace, rootEpoch: 1, latestEpoch: epochs[epochs.length - 1]?.epoch, epochs }],
  };
}
