/**
 * The reader's memory of the site's log: a browser that verified once remembers the checkpoint, finds the next
 * release consistent with it, and warns loudly when the site it is shown has rewritten that history. The three
 * sites are real releases (`npm run release`) served in turn from one origin.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { generateEvidence, writeTree } from '../../demo/generate.ts';
import { NS, ROOT, launch, serve, tempDir, widgetOutcome, type Server } from './harness.ts';

const tmp = tempDir('e2e-log');
let server: Server;
let browser: Awaited<ReturnType<typeof launch>>;
const live = join(tmp, 'live');
const sites: Record<'first' | 'next' | 'rewritten', string> = { first: '', next: '', rewritten: '' };

function release(out: string, evidence: string, previous?: string): string {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/release.ts',
      '--out',
      out,
      '--evidence',
      evidence,
      '--posts',
      join(tmp, 'posts'),
      ...(previous ? ['--previous', previous] : []),
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FLEETPROOF_CACHE_DIR: join(tmp, 'astro-cache') } },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  return realpathSync(out);
}

/** Points the served origin at another release (one rename of a link, as the release job does). */
function show(site: string) {
  const link = `${live}.new`;
  rmSync(link, { force: true });
  symlinkSync(site, link);
  renameSync(link, live);
}

before(async () => {
  const files = generateEvidence({ seed: 'fleetproof-demo-v1', scale: 1 });
  const last = Math.max(...[...files.keys()].map((p) => Number(/\/(\d+)\/proof\.json$/.exec(p)?.[1] ?? 0)));
  writeTree(join(tmp, 'full'), files);
  writeTree(
    join(tmp, 'partial'),
    new Map([...files].filter(([p]) => !p.startsWith(`namespaces/${NS}/${last}/`))),
  );
  mkdirSync(join(tmp, 'posts'));
  for (const f of readdirSync(join(ROOT, 'content/posts'))) {
    const text = readFileSync(join(ROOT, 'content/posts', f), 'utf8').replaceAll(
      `:epoch[${last}]`,
      `epoch ${last}`,
    );
    writeFileSync(join(tmp, 'posts', f), text);
  }
  sites.first = release(join(tmp, 'site'), join(tmp, 'partial'));
  // A faithful next release (it extends the log), and an unfaithful one built afresh from the same evidence: its
  // log holds every file too, but in another order, so its history is not the one the reader saw.
  sites.next = release(join(tmp, 'site-next'), join(tmp, 'full'), sites.first);
  sites.rewritten = release(join(tmp, 'site-rewritten'), join(tmp, 'full'));
  show(sites.first);
  server = await serve(live);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function verifyFleetPage() {
  const page = await browser.context.newPage();
  await page.goto(`${server.origin}/fleets/fleet-2026/`);
  await page.locator('fleet-verify button.fv-run').click();
  const outcome = await widgetOutcome(page);
  const log = await page.locator('fleet-verify').getAttribute('data-log');
  const alert = await page.locator('fleet-verify .fv-log-alert[role="alert"]').count();
  const text = alert ? await page.locator('fleet-verify .fv-log-alert').innerText() : '';
  await page.close();
  return { ...outcome, log, alert, text };
}

describe('the reader remembers the site’s log', () => {
  test('when a reader verifies for the first time, the checkpoint verifies and is remembered', async () => {
    const r = await verifyFleetPage();
    assert.deepEqual([r.state, r.log, r.alert], ['verified', 'first-visit', 0]);
  });

  test('when the next release extends the log, the widget finds it consistent with the last visit', async () => {
    show(sites.next);
    const r = await verifyFleetPage();
    assert.deepEqual([r.state, r.log, r.alert], ['verified', 'consistent', 0]);
  });

  test('when the site has rewritten its log since the last visit, the widget fails loudly with CONSISTENCY_FAILED', async () => {
    show(sites.rewritten);
    const r = await verifyFleetPage();
    assert.equal(r.state, 'failed');
    assert.equal(r.code, 'CONSISTENCY_FAILED');
    assert.equal(r.log, 'rewritten');
    assert.equal(r.alert, 1);
    assert.match(r.text, /rewrote its history since your last visit/);
    // The warning stands on the next visit: the rewritten checkpoint was not remembered.
    const again = await verifyFleetPage();
    assert.equal(again.log, 'rewritten');
  });
});
