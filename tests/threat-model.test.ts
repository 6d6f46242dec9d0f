/**
 * Every claim of docs/threat-model.md names a test: each `file › name` reference must point at a test file that
 * exists and holds a test of that name (a trailing "…" matches a prefix). The named tests run in `npm test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

const doc = readFileSync('docs/threat-model.md', 'utf8').replace(/\s*\n\s*/g, ' ');

/** `path › name` references, and bare test-file references such as `tests/hostile.test.ts`. */
function references(): { file: string; name?: string }[] {
  const out: { file: string; name?: string }[] = [];
  for (const m of doc.matchAll(/`([\w./*-]+\.test\.ts) › ([^`]+)`/g))
    out.push({ file: m[1]!, name: m[2]!.trim() });
  for (const m of doc.matchAll(/`([\w./*-]+\.test\.ts)`/g)) out.push({ file: m[1]! });
  for (const m of doc.matchAll(/`› ([^`]+)`/g)) out.push({ file: '', name: m[1]!.trim() });
  return out;
}

function filesFor(pattern: string): string[] {
  if (!pattern.includes('*')) return existsSync(pattern) ? [pattern] : [];
  const dir = pattern.slice(0, pattern.lastIndexOf('/'));
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `${dir}/${f}`)
    : [];
}

const allTests = (): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.name === 'node_modules' || n.name.startsWith('.')) continue;
      const p = `${d}/${n.name}`;
      if (n.isDirectory()) walk(p);
      else if (n.name.endsWith('.test.ts')) out.push(p.slice(2));
    }
  };
  walk('.');
  return out;
};

/** Test names as written in the source, with template parts such as ${name} turned into wildcards. */
function namesIn(file: string): RegExp[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/\b(?:test|it|describe)\(\s*(['"`])((?:(?!\1)[^\\]|\\.)*)\1/g)].map(
    (m) =>
      new RegExp(
        '^' +
          m[2]!
            .replace(/\\(.)/g, '$1')
            .split(/\$\{[^}]*\}/)
            .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*'),
      ),
  );
}

test('when the threat model names tests, each named test file exists and holds the named test', () => {
  const refs = references();
  assert.ok(refs.length > 20, `${refs.length} references`);
  const everywhere = allTests();
  for (const r of refs) {
    const files = r.file ? filesFor(r.file) : everywhere;
    assert.ok(files.length > 0, `no test file ${r.file}`);
    if (!r.name) continue;
    const name = r.name.replace(/\s*…$/, '');
    const found = files.some((f) =>
      namesIn(f).some((re) => re.test(name) || re.source.replace(/\\/g, '').startsWith('^' + name)),
    );
    assert.ok(found, `no test "${r.name}" in ${r.file || 'any test file'}`);
  }
});
