/**
 * `npm run build` fails closed on every tamper kind of the demo generator: it exits 1 with the core's code and
 * writes no site. (The build verifies before Astro starts, so each case costs one verification, not a build.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEvidence, writeTree } from '../demo/generate.ts';
import { TAMPERS, applyTamper } from '../demo/tampers.ts';

const SEED = 'fleetproof-demo-v1';
const tmp = mkdtempSync(join(tmpdir(), 'fleetproof-build-tampers-'));
let base: Map<string, Uint8Array>;

before(() => {
  base = generateEvidence({ seed: SEED, scale: 1 });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A build with the cache `cache`: builds that share a cache run one at a time (scripts/lib/render-cache.mjs). */
function build(
  evidence: string,
  out: string,
  cache: string,
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/build.ts', '--evidence', evidence, '--out', out],
      {
        env: { ...process.env, FLEETPROOF_CACHE_DIR: join(tmp, cache) },
      },
    );
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('close', (status) => resolve({ status, out: text }));
  });
}

test('when the site is built from each tampered demo tree, the build fails with the core’s code and writes no site', async () => {
  const failures: string[] = [];
  const queue = [...TAMPERS];
  const worker = async (cache: string) => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const files = new Map(base);
      applyTamper(t.kind, files, { seed: SEED });
      const evidence = join(tmp, t.kind, 'evidence');
      const out = join(tmp, t.kind, 'dist');
      writeTree(evidence, files);
      const r = await build(evidence, out, cache);
      if (r.status !== 1) failures.push(`${t.kind}: exit ${r.status}`);
      else if (!r.out.includes(t.expectedCode))
        failures.push(`${t.kind}: no ${t.expectedCode} in the report`);
      else if (existsSync(out)) failures.push(`${t.kind}: a site was written`);
      rmSync(join(tmp, t.kind), { recursive: true, force: true });
    }
  };
  await Promise.all([worker('astro-cache-1'), worker('astro-cache-2')]);
  assert.deepEqual(failures, []);
  assert.ok(TAMPERS.length >= 40);
});
