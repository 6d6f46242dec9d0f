import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { builtinModules } from 'node:module';

const root = new URL('../verify/', import.meta.url).pathname;
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : n.endsWith('.ts') && !n.endsWith('.test.ts') ? [p] : [];
  });
}

/** Every module specifier in a source file: static imports and exports, dynamic imports, require calls. */
export function specifiers(src: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of src.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  return out;
}

test('when scanning the detector itself, it finds static, side-effect, dynamic and require imports', () => {
  const sample = `import { a } from 'node:fs';\nimport 'path';\nexport * from "./x.ts";\nconst m = await import('crypto');\nrequire("os");`;
  assert.deepEqual(specifiers(sample), ['node:fs', 'path', './x.ts', 'crypto', 'os']);
});

test('when the verification core is scanned, no file under verify/ imports a Node built-in', () => {
  const files = sources(root);
  assert.ok(files.length > 10, 'the core has its files');
  const offenders = files.flatMap((f) =>
    specifiers(readFileSync(f, 'utf8'))
      .filter((s) => builtins.has(s) || s.startsWith('node:'))
      .map((s) => `${f.slice(root.length)} imports ${s}`),
  );
  assert.deepEqual(offenders, []);
});

test('when the core is scanned, it uses no Node-only global (Buffer, process, require)', () => {
  const offenders = sources(root).filter((f) =>
    /\b(Buffer|process|require)\s*[.(]/.test(readFileSync(f, 'utf8')),
  );
  assert.deepEqual(offenders, []);
});
