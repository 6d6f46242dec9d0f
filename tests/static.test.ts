/**
 * The code as a whole: strict TypeScript, ESLint (including the rule that keeps Node built-ins out of the core) and
 * Prettier, each as `npm run typecheck` and `npm run lint` run them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function run(bin: string, args: string[]) {
  const r = spawnSync(process.execPath, [`node_modules/${bin}`, ...args], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`.trim() };
}

test('when the project is type-checked (strict), tsc reports nothing', () => {
  const r = run('typescript/bin/tsc', ['-p', '.']);
  assert.equal(r.status, 0, r.out);
});

test('when the project is linted, ESLint reports nothing', () => {
  const r = run('eslint/bin/eslint.js', ['.']);
  assert.equal(r.status, 0, r.out);
});

test('when the project is checked for formatting, Prettier finds nothing to change', () => {
  const r = run('prettier/bin/prettier.cjs', ['--check', '.']);
  assert.equal(r.status, 0, r.out);
});
