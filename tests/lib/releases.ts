/**
 * Demo evidence for tests that run the release job (scripts/release.ts): the demo tree whole, the same without its
 * last epoch (a first release, which the whole tree then extends), and the posts without their citation of that
 * epoch (which the partial tree does not have yet). Each release builds the site (about 5 to 10 s).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEvidence, writeTree } from '../../demo/generate.ts';

export const NS = 'meta.encrypted_backups.fleet_keys.v1';

export interface DemoReleaseInputs {
  full: string;
  partial: string;
  posts: string;
  /** The demo's last epoch, which `partial` lacks. */
  lastEpoch: number;
}

/** Writes the two trees and the posts into `dir`. */
export function writeReleaseInputs(dir: string): DemoReleaseInputs {
  const full = join(dir, 'evidence-full');
  const partial = join(dir, 'evidence-partial');
  const posts = join(dir, 'posts');
  const files = generateEvidence({ seed: 'fleetproof-demo-v1', scale: 1 });
  const lastEpoch = Math.max(
    ...[...files.keys()].map((p) => Number(/\/(\d+)\/proof\.json$/.exec(p)?.[1] ?? 0)),
  );
  writeTree(full, files);
  writeTree(partial, new Map([...files].filter(([p]) => !p.startsWith(`namespaces/${NS}/${lastEpoch}/`))));
  mkdirSync(posts);
  for (const f of readdirSync('content/posts')) {
    writeFileSync(
      join(posts, f),
      readFileSync(join('content/posts', f), 'utf8').replaceAll(`:epoch[${lastEpoch}]`, `epoch ${lastEpoch}`),
    );
  }
  return { full, partial, posts, lastEpoch };
}

/** Runs the release job with these posts and a build cache under `dir`: its exit status and everything it printed. */
export function runRelease(dir: string, posts: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/release.ts', '--posts', posts, ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, FLEETPROOF_CACHE_DIR: join(dir, 'astro-cache'), ...env },
    },
  );
  return { status: r.status, signal: r.signal, out: `${r.stdout}\n${r.stderr}` };
}
