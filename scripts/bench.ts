/**
 * `npm run bench`: the in-browser verifier's cost, measured on a site built once for the run.
 *
 *   widget_ms     time from the click to `data-state="verified"` on the largest fleet page (the fleet with the most
 *                 evidence files), in headless Chromium, a fresh page load per run (cold worker, as for a reader);
 *                 median of 10 runs after one warm-up.
 *                 Baseline: the same page fetching the same files (index.json, then the fleet's files, in
 *                 parallel) without verifying them, median of 10 after one warm-up: the ratio is what verifying
 *                 adds on top of the fetching nobody can avoid.
 *   widget_kb_gz  the emitted JavaScript the widget loads (the page's module script, every chunk it imports, the
 *                 worker), each file gzipped at level 9 as a server would send it, in KB (1024 bytes).
 *                 Baseline: the core's @noble dependencies alone (Ed25519, P-256, SHA-256/512, the primitives the
 *                 widget's checks call) bundled and minified the same way (Vite, esbuild minifier), gzip -9: the
 *                 ratio says how much the rest (zod, the core, the widget) adds to the cryptography.
 *
 * Prints a table and writes bench/results.json: [{name, value, unit, baseline, ratio, goal}]. Scratch files go to
 * bench/out/ (ignored by git) and are removed at the end. Exit status 0 when measured (goals are reported, not enforced), 1 on failure.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { buildSite, launch, serve, ROOT } from '../tests/e2e/harness.ts';

const RUNS = 10;

interface Result {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
  goal: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const gz = (b: Uint8Array) => gzipSync(b, { level: 9 }).length;

/** The fleet with the most evidence files. */
function largestFleet(evidence: string): string {
  const fleets = readdirSync(join(evidence, 'fleets'));
  const size = (f: string) => readdirSync(join(evidence, 'fleets', f, 'attestations')).length;
  return fleets.sort((a, b) => size(b) - size(a) || (a < b ? -1 : 1))[0]!;
}

/** Every emitted script a page loads for the widget: its module scripts, their imports and the worker, by path. */
export function widgetScripts(out: string, pageHtml: string): string[] {
  const seen = new Set<string>();
  const queue = [...pageHtml.matchAll(/<script[^>]*\ssrc="(\/_astro\/[^"]+\.js)"/g)].map((m) => m[1]!);
  while (queue.length) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const code = readFileSync(join(out, ...url.split('/').filter(Boolean)), 'utf8');
    const refs = [
      ...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+\.js|\/_astro\/[^"']+\.js)["']/g),
      ...code.matchAll(/new URL\(\s*["']([^"']+\.js)["']\s*,\s*import\.meta\.url\s*\)/g),
    ].map((m) => m[1]!);
    for (const r of refs) queue.push(new URL(r, `http://x${url}`).pathname);
  }
  return [...seen];
}

/** The core's noble primitives alone, bundled and minified as the widget is. */
async function nobleBaseline(scratch: string): Promise<number> {
  const entry = join(scratch, 'noble-entry.js');
  writeFileSync(
    entry,
    [
      "export { ed25519 } from '@noble/curves/ed25519.js';",
      "export { p256 } from '@noble/curves/nist.js';",
      "export { sha256, sha512 } from '@noble/hashes/sha2.js';",
    ].join('\n'),
  );
  const r = await build({
    root: ROOT,
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: 'esbuild',
      lib: { entry, formats: ['es'], fileName: 'noble' },
    },
  });
  const outputs = (Array.isArray(r) ? r : [r]).flatMap((x) => ('output' in x ? x.output : []));
  return outputs.reduce((n, o) => n + (o.type === 'chunk' ? gz(new TextEncoder().encode(o.code)) : 0), 0);
}

async function main(): Promise<void> {
  const scratch = join(ROOT, 'bench', 'out');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  console.log('building the site once for the bench …');
  const site = await buildSite('bench');
  const server = await serve(site.out, 15 * 60_000);
  const browser = await launch();
  try {
    const fleet = largestFleet(site.evidence);
    const path = `/fleets/${fleet}/`;
    const clickToVerified: number[] = [];
    const fetchOnly: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const page = await browser.context.newPage();
      await page.goto(server.origin + path);
      const ms = await page.evaluate(
        () =>
          new Promise<number>((resolve, reject) => {
            const el = document.querySelector('fleet-verify')!;
            const button = el.querySelector<HTMLButtonElement>('.fv-run')!;
            let t0 = 0;
            const obs = new MutationObserver(() => {
              const s = el.getAttribute('data-state');
              if (s === 'verified' || s === 'failed') {
                obs.disconnect();
                if (s === 'verified') resolve(performance.now() - t0);
                else reject(new Error(`the widget failed: ${el.getAttribute('data-code')}`));
              }
            });
            obs.observe(el, { attributes: true, attributeFilter: ['data-state'] });
            t0 = performance.now();
            button.click();
          }),
      );
      const fetchMs = await page.evaluate(async (fleetId) => {
        const t0 = performance.now();
        const index = (await (await fetch('/evidence/index.json', { cache: 'no-cache' })).json()) as {
          files: { path: string }[];
        };
        const paths = index.files
          .map((f) => f.path)
          .filter((p) => p === 'trust-roots.json' || p.startsWith(`fleets/${fleetId}/`));
        await Promise.all(
          paths.map((p) =>
            fetch(`/evidence/${p.split('/').map(encodeURIComponent).join('/')}`, { cache: 'no-cache' }).then(
              (r) => r.arrayBuffer(),
            ),
          ),
        );
        return performance.now() - t0;
      }, fleet);
      await page.close();
      if (i === 0) continue; // warm-up
      clickToVerified.push(ms);
      fetchOnly.push(fetchMs);
    }

    const html = readFileSync(join(site.out, 'fleets', fleet, 'index.html'), 'utf8');
    const scripts = widgetScripts(site.out, html);
    if (!scripts.some((s) => /worker/i.test(s)))
      throw new Error(`no worker among the widget's scripts: ${scripts}`);
    const bytes = scripts.map((s) => gz(readFileSync(join(site.out, ...s.split('/').filter(Boolean)))));
    const widgetGz = bytes.reduce((a, b) => a + b, 0);
    const nobleGz = await nobleBaseline(scratch);

    const ms = median(clickToVerified);
    const base = median(fetchOnly);
    const results: Result[] = [
      {
        name: 'widget_ms',
        value: round(ms),
        unit: 'ms',
        baseline: round(base),
        ratio: round(ms / base, 2),
        goal: 'at most 150 ms here',
      },
      {
        name: 'widget_kb_gz',
        value: round(widgetGz / 1024, 2),
        unit: 'KB',
        baseline: round(nobleGz / 1024, 2),
        ratio: round(widgetGz / nobleGz, 2),
        goal: 'at most 30 KB',
      },
    ];
    mkdirSync(join(ROOT, 'bench'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

    const rows = [
      ['name', 'value', 'unit', 'baseline', 'ratio', 'goal', 'baseline is'],
      [
        'widget_ms',
        String(results[0]!.value),
        'ms',
        String(results[0]!.baseline),
        String(results[0]!.ratio),
        results[0]!.goal,
        `fetching the same ${fleet} files without verifying`,
      ],
      [
        'widget_kb_gz',
        String(results[1]!.value),
        'KB',
        String(results[1]!.baseline),
        String(results[1]!.ratio),
        results[1]!.goal,
        'the core’s noble dependencies alone (ed25519, p256, sha2)',
      ],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    console.log(
      `\n${path}: ${RUNS} runs after a warm-up, click → verified ${clickToVerified.map((x) => Math.round(x)).join(', ')} ms`,
    );
    console.log(`widget scripts: ${scripts.map((s, i) => `${s} (${bytes[i]} B gz)`).join(', ')}\n`);
    console.log(line(rows[0]!));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows.slice(1)) console.log(line(r));
    console.log('\nwritten to bench/results.json');
  } finally {
    await browser.close();
    await server.close();
    site.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
