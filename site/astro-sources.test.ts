/**
 * The .astro sources as tools other than Astro's compiler read them. Vite's dependency scan (the dev server's, on
 * its first start and after a config change) takes every `<script …>…</script>` of an .astro file for a script,
 * wherever it stands, and parses what lies between as TypeScript: a tag named in a frontmatter comment makes it
 * parse the prose that follows, and the dev server logs "Failed to scan for dependencies" (it still serves pages).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SITE = fileURLToPath(new URL('.', import.meta.url));

function astroFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? astroFiles(join(dir, e.name)) : e.name.endsWith('.astro') ? [join(dir, e.name)] : [],
  );
}

/** The frontmatter: the text between the opening `---` line and the next `---` line ('' when there is none). */
function frontmatter(source: string): string {
  const m = /^---\r?\n([\s\S]*?)^---\s*$/m.exec(source);
  return m && m.index === 0 ? m[1]! : '';
}

test('when Vite scans the .astro sources for dependencies, no frontmatter holds a script tag for it to misread', () => {
  const files = astroFiles(SITE);
  assert.ok(files.length >= 20, `only ${files.length} .astro files found under ${SITE}`);
  const offending = files
    .map((f) => ({ file: relative(SITE, f), text: frontmatter(readFileSync(f, 'utf8')) }))
    .filter(({ text }) => /<\/?script\b/i.test(text))
    .map(({ file }) => file);
  assert.deepEqual(offending, [], `write "script element" instead of the tag in: ${offending.join(', ')}`);
});

test('when a frontmatter comment names a script tag, the check above finds it', () => {
  const source = '---\n// keeps its <script> as written\nconst x = 1;\n---\n<p>{x}</p>\n';
  assert.match(frontmatter(source), /<script>/);
  assert.equal(frontmatter('<p>no frontmatter</p>\n<script is:inline src="/a.js"></script>\n'), '');
});
