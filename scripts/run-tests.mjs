#!/usr/bin/env node
// Runs every *.test.ts under verify/, scripts/, demo/, site/ and tests/ with Node's test runner (Node 20 has no
// glob for --test). `npm test` calls this; `node scripts/run-tests.mjs FILTER` runs the files whose path
// contains FILTER. Browser tests (tests/e2e) need a built site: they build it themselves.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = ['verify', 'scripts', 'demo', 'site', 'tests'];
const skip = new Set(['node_modules', 'dist', '.astro', 'data']);
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries.sort()) {
    if (skip.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
}
for (const r of roots) walk(join(root, r));
const filter = process.argv[2];
const chosen = filter ? files.filter((f) => f.includes(filter)) : files;
if (chosen.length === 0) {
  console.error(`no test files${filter ? ` match ${filter}` : ''}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...chosen], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
