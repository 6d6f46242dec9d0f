/**
 * The <fleet-verify> widget in a real browser (Debian's Chromium through playwright-core): the site is built once
 * into its own folder, served by a tiny loopback server, and every test drives one browser.
 *
 * Tampering happens after the build, on the served files, the way a compromised host or CDN would change them:
 * the build verified the evidence, the pages say so, and the widget must still fail with the core's code.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { BrowserContext, Page } from 'playwright-core';
import { ERROR_CODES, encodeSignatureMessage, fromHex, toHex } from '../../verify/index.ts';
import { pack } from '../../site/widget/pack.ts';
import {
  INSECURE_HOST,
  NS,
  buildSite,
  evidenceShape,
  launch,
  seriousAxeViolations,
  serve,
  widgetOutcome,
  type BuiltSite,
  type Server,
} from './harness.ts';

describe('the in-browser verifier', () => {
  let site: BuiltSite;
  let server: Server;
  let browser: Awaited<ReturnType<typeof launch>>;
  let context: BrowserContext;
  let fleets: string[];
  let epochs: number[];
  /** Requests the browser tried to send anywhere but the test server (aborted). */
  const foreign: string[] = [];

  before(async () => {
    site = await buildSite('e2e');
    ({ fleets, epochs } = evidenceShape(site.evidence));
    server = await serve(site.out);
    browser = await launch();
    context = browser.context;
    const allowed = new Set([server.origin, `http://${INSECURE_HOST}:${server.port}`]);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || allowed.has(new URL(url).origin)) return route.continue();
      foreign.push(url);
      return route.abort();
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    site?.cleanup();
  });

  /** Uncaught errors per page. */
  const pageErrors = new WeakMap<Page, string[]>();

  async function open(path: string, origin = server.origin): Promise<Page> {
    const page = await context.newPage();
    const errors: string[] = [];
    pageErrors.set(page, errors);
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(origin + path);
    return page;
  }

  async function press(page: Page): Promise<{ state: string; code: string | undefined }> {
    await page.locator('fleet-verify .fv-run').click();
    return widgetOutcome(page);
  }

  /** The packs under /packs/ (site/widget/pack.ts) that hold `path`: file → its files, read here without the widget's code. */
  function packsHolding(path: string): Map<string, [string, Buffer][]> {
    const out = new Map<string, [string, Buffer][]>();
    for (const dir of ['fleets', 'namespaces'])
      for (const name of readdirSync(join(site.out, 'packs', dir))) {
        const file = join(site.out, 'packs', dir, name);
        const b = readFileSync(file);
        const nl = b.indexOf(10);
        const head = JSON.parse(b.subarray(0, nl).toString('utf8')) as {
          files: { path: string; size: number }[];
        };
        let o = nl + 1;
        const files = head.files.map((f): [string, Buffer] => [f.path, b.subarray(o, (o += f.size))]);
        assert.equal(o, b.length, `${file} is a pack`);
        if (files.some(([p]) => p === path)) out.set(file, files);
      }
    return out;
  }

  /**
   * Serves `bytes` as the evidence file `path` for the duration of `fn`, then puts back what was there: as the raw
   * file under /evidence/ and inside every pack that holds it (`everywhere`, what a host that changed the file
   * serves), or in the packs only, or in the raw file only.
   */
  async function serving<T>(
    path: string,
    bytes: Buffer,
    fn: () => Promise<T>,
    where: 'everywhere' | 'packs' | 'file' = 'everywhere',
  ): Promise<T> {
    const originals = new Map<string, Buffer>();
    const write = (file: string, b: Uint8Array) => {
      if (!originals.has(file)) originals.set(file, readFileSync(file));
      writeFileSync(file, b);
    };
    if (where !== 'packs') write(join(site.out, 'evidence', ...path.split('/')), bytes);
    if (where !== 'file') {
      const packs = packsHolding(path);
      assert.ok(packs.size > 0, `a pack holds ${path}`);
      for (const [file, files] of packs)
        write(file, pack(files.map(([p, b]) => [p, p === path ? bytes : b])));
    }
    try {
      return await fn();
    } finally {
      for (const [file, b] of originals) writeFileSync(file, b);
    }
  }

  /** Changes one byte of a served file (by default everywhere it is served: see `serving`) for the duration of `fn`. */
  async function tampered<T>(
    path: string,
    change: (text: string) => string,
    fn: () => Promise<T>,
    where: 'everywhere' | 'packs' | 'file' = 'everywhere',
  ): Promise<T> {
    const original = readFileSync(join(site.out, 'evidence', ...path.split('/')));
    const text = original.toString('utf8');
    const changed = Buffer.from(change(text), 'utf8');
    assert.equal(changed.length, original.length, 'one byte changed, same length');
    assert.equal(
      [...changed].filter((b, i) => b !== original[i]).length,
      1,
      `exactly one byte of ${path} differs`,
    );
    return serving(path, changed, fn, where);
  }

  /** Moves a page's pack away for the duration of `fn` (its URL answers 404). */
  async function withoutPack<T>(url: string, fn: () => Promise<T>): Promise<T> {
    const file = join(site.out, ...url.split('/').filter(Boolean));
    renameSync(file, `${file}.away`);
    try {
      return await fn();
    } finally {
      renameSync(`${file}.away`, file);
    }
  }

  /** Replaces the character at `i` with another one of the same class (hex digit or base64 letter). */
  const flip = (text: string, i: number) => {
    const c = text[i]!;
    const to = c === 'a' ? 'b' : c === 'A' ? 'B' : /[0-9a-f]/.test(c) ? 'a' : 'A';
    return text.slice(0, i) + to + text.slice(i + 1);
  };

  const rotationEpoch = () => {
    // The first epoch whose active keys belong to other fleets than the previous epoch's: a fleet rotation.
    let prev: string | undefined;
    for (const n of epochs) {
      const a = JSON.parse(
        readFileSync(join(site.evidence, 'namespaces', NS, String(n), 'artifact.json'), 'utf8'),
      ) as { keys: { fleet_id: string; role: string }[] };
      const active = [...new Set(a.keys.filter((k) => k.role === 'active').map((k) => k.fleet_id))]
        .sort()
        .join();
      if (prev !== undefined && active !== prev) return n;
      prev = active;
    }
    throw new Error('the demo has no rotation epoch');
  };

  it('when every fleet page and the first, a rotation and the last epoch page are verified, each widget reaches verified, shows its steps, keeps “verify without us”, and no request leaves the origin', async () => {
    const pages = [
      ...fleets.map((f) => `/fleets/${f}/`),
      ...[epochs[0]!, rotationEpoch(), epochs.at(-1)!].map((n) => `/namespace/${n}/`),
    ];
    for (const path of pages) {
      const from = server.requests.length;
      const page = await open(path);
      assert.equal(
        await page.locator('fleet-verify').getAttribute('data-state'),
        'idle',
        `${path}: idle first`,
      );
      const out = await press(page);
      assert.deepEqual(out, { state: 'verified', code: undefined }, path);
      // Two requests: the index and the page's pack (site/widget/pack.ts), not a request per file.
      assert.deepEqual(
        server.requests
          .slice(from)
          .map((r) => r.slice(r.indexOf(' ') + 1))
          .filter((r) => /^\/(evidence|packs)\//.test(r))
          .sort(),
        [
          '/evidence/index.json',
          path.startsWith('/fleets/')
            ? `/packs/fleets/${path.split('/')[2]}.pack`
            : `/packs/namespaces/${NS}.pack`,
        ],
        path,
      );
      const ids = await page
        .locator('fleet-verify .fv-steps > li')
        .evaluateAll((lis) =>
          lis.map((li) => [li.getAttribute('data-check'), li.getAttribute('data-status')]),
        );
      assert.ok(
        ids.every(([, s]) => s === 'passed'),
        `${path}: every step passed`,
      );
      const want = path.startsWith('/fleets/')
        ? [
            'widget.fetch',
            'widget.index',
            'fleet.operator-signature',
            'fleet.witnesses',
            'hsm.chain',
            'hsm.signature',
            'fleet.keys-attested',
            'fleet.quorum',
          ]
        : [
            'widget.fetch',
            'widget.index',
            'epoch.read',
            'epoch.digest',
            'epoch.auditor-signature',
            'epoch.countersignature',
            'epoch.record',
            'epoch.fleet-keys',
            'namespace.sequence',
            'namespace.digests',
          ];
      for (const id of want)
        assert.ok(
          ids.some(([x]) => x === id),
          `${path}: step ${id} shown`,
        );
      // Each step says what was compared and how long it took.
      const digest = page.locator('fleet-verify li[data-check="epoch.digest"] .fv-detail');
      if (path.startsWith('/namespace/'))
        assert.match(
          (await digest.textContent())!,
          /sha256\(artifact\.json\) = [0-9a-f]{16}… = proof\.digest/,
        );
      assert.match((await page.locator('fleet-verify .fv-steps .fv-time').first().textContent())!, /\d ms$/);
      assert.match(
        (await page.locator('fleet-verify > .fv-summary').textContent())!,
        /^Verified: all \d+ checks passed/,
      );
      const verify = page.locator('#verify');
      assert.match((await verify.textContent())!, /npx fleetproof verify --evidence evidence/);
      assert.ok((await verify.locator('a[href^="/evidence/"]').count()) >= 2, `${path}: raw file links`);
      assert.deepEqual(pageErrors.get(page), []);
      await page.close();
    }
    assert.deepEqual(foreign, []);
    assert.ok(server.requests.some((r) => r.includes('/evidence/index.json')));
    assert.ok(
      server.requests.every(
        (r) => r.startsWith(`127.0.0.1:${server.port} `) || r.startsWith(`${INSECURE_HOST}:`),
      ),
    );
  });

  it('when a page is opened at #verify, the widget starts by itself and verifies', async () => {
    const page = await open(`/namespace/${epochs[1]}/#verify`);
    assert.deepEqual(await widgetOutcome(page), { state: 'verified', code: undefined });
    await page.close();
  });

  it('when one byte of a fetched artifact changes after the build, the epoch’s widget fails with DIGEST_MISMATCH, and so does every epoch page (the namespace is checked whole)', async () => {
    const n = epochs[4]!;
    await tampered(
      `namespaces/${NS}/${n}/artifact.json`,
      (t) => flip(t, t.indexOf('"public_key": "') + 20),
      async () => {
        for (const path of [`/namespace/${n}/`, `/namespace/${epochs.at(-1)}/`]) {
          const page = await open(path);
          assert.deepEqual(await press(page), { state: 'failed', code: 'DIGEST_MISMATCH' }, path);
          // The page itself still says the build verified: only the widget notices.
          assert.match((await page.locator('footer').textContent())!, /verified in full at build time/);
          const index = page.locator('fleet-verify li[data-check="widget.index"]');
          assert.equal(await index.getAttribute('data-status'), 'failed', 'the index disagrees too');
          assert.match(
            (await page.locator('fleet-verify > .fv-summary').textContent())!,
            /^Not verified: DIGEST_MISMATCH/,
          );
          await page.close();
        }
      },
    );
  });

  it('when one byte of an attestation’s signature changes after the build, the fleet’s widget fails with ATTESTATION_SIGNATURE_INVALID and shows the rule it broke', async () => {
    const fleet = fleets[0]!;
    const dir = join(site.evidence, 'fleets', fleet, 'attestations');
    const hsm = readdirSync(dir)
      .sort()[0]!
      .replace(/\.json$/, '');
    await tampered(
      `fleets/${fleet}/attestations/${hsm}.json`,
      // The attestation envelope is the file's last object; its signature is the last "sig".
      (t) => flip(t, t.lastIndexOf('"sig": "') + 8),
      async () => {
        const page = await open(`/fleets/${fleet}/`);
        assert.deepEqual(await press(page), { state: 'failed', code: 'ATTESTATION_SIGNATURE_INVALID' });
        const failed = page.locator('fleet-verify li[data-check="hsm.signature"][data-status="failed"]');
        assert.equal(await failed.count(), 1);
        assert.match((await failed.textContent())!, new RegExp(`attestations/${hsm}`));
        // The rules' texts are a chunk the worker loads at the first failure (site/widget/lazy/error-rules.ts), before
        // it posts the failed check: the row has its rule when the verdict is shown.
        assert.equal(await failed.locator('.fv-rule').count(), 1);
        assert.equal(
          await failed.locator('.fv-rule').textContent(),
          ` (rule: ${ERROR_CODES.ATTESTATION_SIGNATURE_INVALID})`,
        );
        await page.close();
      },
    );
  });

  it('when one byte of an attestation’s signature changes in the fleet’s pack only (the raw file intact), the widget fails with ATTESTATION_SIGNATURE_INVALID and the index check names the file', async () => {
    const fleet = fleets[1]!;
    const hsm = readdirSync(join(site.evidence, 'fleets', fleet, 'attestations')).sort()[2]!;
    const path = `fleets/${fleet}/attestations/${hsm}`;
    await tampered(
      path,
      (t) => flip(t, t.lastIndexOf('"sig": "') + 8),
      async () => {
        const from = server.requests.length;
        const page = await open(`/fleets/${fleet}/`);
        assert.deepEqual(await press(page), { state: 'failed', code: 'ATTESTATION_SIGNATURE_INVALID' });
        const index = page.locator('fleet-verify li[data-check="widget.index"]');
        assert.equal(await index.getAttribute('data-status'), 'failed');
        assert.match(
          (await index.textContent())!,
          new RegExp(`INDEX_MISMATCH ${path.replace(/\./g, '\\.')}`),
        );
        assert.ok(
          !server.requests.slice(from).some((r) => r.includes(`/evidence/${path}`)),
          'the raw file was not fetched: the pack held it',
        );
        await page.close();
      },
      'packs',
    );
  });

  it('when a page’s pack is missing (404) or is not a pack, the widget fetches every raw file and verifies; with one raw attestation tampered and no pack, it fails with ATTESTATION_SIGNATURE_INVALID', async () => {
    const fleet = fleets[0]!;
    const url = `/packs/fleets/${fleet}.pack`;
    const raw = (from: number) =>
      server.requests.slice(from).filter((r) => r.includes(`/evidence/fleets/${fleet}/`)).length;
    const attestations = readdirSync(join(site.evidence, 'fleets', fleet, 'attestations')).sort();
    await withoutPack(url, async () => {
      const from = server.requests.length;
      const page = await open(`/fleets/${fleet}/`);
      assert.deepEqual(await press(page), { state: 'verified', code: undefined });
      assert.equal(raw(from), attestations.length + 1, 'the record and every attestation, one by one');
      await page.close();
      await tampered(
        `fleets/${fleet}/attestations/${attestations[0]}`,
        (t) => flip(t, t.lastIndexOf('"sig": "') + 8),
        async () => {
          const p = await open(`/fleets/${fleet}/`);
          assert.deepEqual(await press(p), { state: 'failed', code: 'ATTESTATION_SIGNATURE_INVALID' });
          await p.close();
        },
        'file',
      );
    });
    // Not a pack: its last byte cut off (its sizes no longer add up).
    const file = join(site.out, 'packs', 'fleets', `${fleet}.pack`);
    const original = readFileSync(file);
    writeFileSync(file, original.subarray(0, original.length - 1));
    try {
      const from = server.requests.length;
      const page = await open(`/fleets/${fleet}/`);
      assert.deepEqual(await press(page), { state: 'verified', code: undefined });
      assert.equal(raw(from), attestations.length + 1);
      await page.close();
    } finally {
      writeFileSync(file, original);
    }
  });

  it('when an attestation is replaced by a 50 MB file after the build, the widget reads at most the size limit and fails with FILE_TOO_LARGE', async () => {
    const fleet = fleets[0]!;
    const dir = join(site.evidence, 'fleets', fleet, 'attestations');
    const hsm = readdirSync(dir).sort()[0]!;
    // In its pack too: the pack is then over the size limit, so the widget reads the file alone.
    await serving(`fleets/${fleet}/attestations/${hsm}`, Buffer.alloc(50 * 1024 * 1024, 0x20), async () => {
      const page = await open(`/fleets/${fleet}/`);
      assert.deepEqual(await press(page), { state: 'failed', code: 'FILE_TOO_LARGE' });
      await page.close();
    });
  });

  it('when one byte of an auditor record changes after the build, the epoch’s widget fails with PROOF_RECORD_MISMATCH', async () => {
    const n = epochs[5]!;
    await tampered(
      `namespaces/${NS}/${n}/auditor-record.json`,
      (t) => flip(t, t.indexOf('"signature": "') + 30),
      async () => {
        const page = await open(`/namespace/${n}/`);
        assert.deepEqual(await press(page), { state: 'failed', code: 'PROOF_RECORD_MISMATCH' });
        assert.equal(
          await page.locator('fleet-verify li[data-check="epoch.record"]').getAttribute('data-status'),
          'failed',
        );
        await page.close();
      },
    );
  });

  describe('a file the reader has', () => {
    const record = (n: number) =>
      readFileSync(join(site.evidence, 'namespaces', NS, String(n), 'auditor-record.json'));

    /** The pinned auditor key that verifies a record, found here with noble directly (not the widget's code). */
    function expectedKey(bytes: Buffer): string {
      const r = JSON.parse(bytes.toString('utf8')) as { serialized_message: string; signature: string };
      const roots = JSON.parse(readFileSync(join(site.evidence, 'trust-roots.json'), 'utf8')) as {
        keys: { id: string; public_key: string }[];
        namespaces: { name: string; auditor_keys: string[] }[];
      };
      const ids = roots.namespaces.find((x) => x.name === NS)!.auditor_keys;
      const k = roots.keys.find(
        (k) =>
          ids.includes(k.id) &&
          ed25519.verify(fromHex(r.signature), fromHex(r.serialized_message), fromHex(k.public_key)),
      );
      return k!.id;
    }

    async function dropResult(page: Page) {
      await page.waitForFunction(
        () =>
          /^(verified|failed)$/.test(
            document.querySelector('.fv-drop-result')?.getAttribute('data-state') ?? '',
          ),
        undefined,
        { timeout: 30_000, polling: 50 },
      );
      return page.locator('.fv-drop-result').evaluate((e) => ({
        state: e.getAttribute('data-state'),
        code: e.getAttribute('data-code') ?? undefined,
        key: e.getAttribute('data-key') ?? undefined,
      }));
    }

    it('when a reader chooses the auditor’s record of an early and of a late epoch, each verifies under the pinned key that signed it', async () => {
      const page = await open(`/namespace/${epochs[0]}/`);
      for (const n of [epochs[0]!, epochs.at(-1)!]) {
        const bytes = record(n);
        await page
          .locator('fleet-verify input[type="file"]')
          .setInputFiles({ name: `record-${n}.json`, mimeType: 'application/json', buffer: bytes });
        assert.deepEqual(
          await dropResult(page),
          { state: 'verified', code: undefined, key: expectedKey(bytes) },
          `epoch ${n}`,
        );
      }
      assert.match(
        (await page.locator('.fv-drop-result .fv-summary').textContent())!,
        /^Verified: .*pinned auditor key demo-auditor-/,
      );
      await page.close();
    });

    it('when a reader pastes a forged record (another key’s valid signature over another digest), it fails with AUDITOR_SIGNATURE_INVALID', async () => {
      const n = epochs[2]!;
      const real = JSON.parse(record(n).toString('utf8')) as Record<string, unknown>;
      const digest = fromHex('42'.repeat(32));
      const msg = encodeSignatureMessage({
        ciphersuite: real.ciphersuite as number,
        namespace: real.namespace as string,
        timestamp: real.timestamp as number,
        epoch: real.epoch as number,
        digest,
      })!;
      const forged = {
        ...real,
        digest: toHex(digest),
        serialized_message: toHex(msg),
        signature: toHex(ed25519.sign(msg, ed25519.utils.randomSecretKey())),
      };
      const page = await open(`/namespace/${n}/`);
      await page.locator('fleet-verify textarea').fill(JSON.stringify(forged, null, 2));
      await page.getByRole('button', { name: 'Check pasted text' }).click();
      const r = await dropResult(page);
      assert.equal(r.state, 'failed');
      assert.equal(r.code, 'AUDITOR_SIGNATURE_INVALID');
      assert.equal(r.key, undefined);
      await page.close();
    });

    it('when a reader chooses a validation bundle (proof and artifact), it verifies; with one byte of the artifact changed it fails with DIGEST_MISMATCH', async () => {
      const n = epochs[6]!;
      const dir = join(site.evidence, 'namespaces', NS, String(n));
      const proof = readFileSync(join(dir, 'proof.json'));
      const artifact = readFileSync(join(dir, 'artifact.json'));
      const page = await open(`/namespace/${n}/`);
      const input = page.locator('fleet-verify input[type="file"]');
      await input.setInputFiles([
        { name: 'proof.json', mimeType: 'application/json', buffer: proof },
        { name: 'artifact.json', mimeType: 'application/json', buffer: artifact },
      ]);
      const ok = await dropResult(page);
      assert.equal(ok.state, 'verified');
      assert.ok(ok.key?.startsWith('demo-auditor-'));
      const text = artifact.toString('utf8');
      const changed = Buffer.from(flip(text, text.indexOf('"public_key": "') + 20));
      await input.setInputFiles([
        { name: 'proof.json', mimeType: 'application/json', buffer: proof },
        { name: 'artifact.json', mimeType: 'application/json', buffer: changed },
      ]);
      assert.deepEqual(await dropResult(page), { state: 'failed', code: 'DIGEST_MISMATCH', key: ok.key });
      await page.close();
    });
  });

  describe('fetching ahead of the click', () => {
    /** The evidence requests the server saw since `from` (an index into server.requests), as paths. */
    const evidenceSince = (from: number) =>
      server.requests
        .slice(from)
        .map((r) => r.slice(r.indexOf(' ') + 1))
        .filter((p) => p.startsWith('/evidence/') || p.startsWith('/packs/'));
    const prefetchState = (page: Page) => page.locator('fleet-verify').getAttribute('data-prefetch');
    /** Waits until the prefetch has ended (any state but `fetching`), and returns that state. */
    async function prefetchEnd(page: Page): Promise<string | null> {
      await page.waitForFunction(
        () => {
          const s = document.querySelector('fleet-verify')?.getAttribute('data-prefetch');
          return s !== null && s !== undefined && s !== 'fetching';
        },
        undefined,
        { timeout: 30_000, polling: 20 },
      );
      return prefetchState(page);
    }
    /**
     * Waits until the server has seen no request for 200 ms: a prefetch that stopped aborted its last fetches, and
     * one the browser had already sent may reach the server after the page shows `stopped`.
     */
    async function serverQuiet(): Promise<void> {
      for (let n = -1; n !== server.requests.length;) {
        n = server.requests.length;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    /** A click that moves no pointer and focuses nothing (so that it starts no prefetch of its own). */
    const click = (page: Page) =>
      page.evaluate(() => document.querySelector<HTMLButtonElement>('fleet-verify .fv-run')!.click());
    /** What a fleet page's widget fetches: the index and the fleet's pack. */
    const fleetFiles = (fleet: string) => ['/evidence/index.json', `/packs/fleets/${fleet}.pack`];

    it('when the widget comes near the viewport, its files are fetched once; the click verifies them without fetching any again, and “Verify again” fetches anew', async () => {
      const fleet = fleets.at(-1)!;
      const from = server.requests.length;
      const page = await open(`/fleets/${fleet}/`);
      assert.equal(await prefetchState(page), null, 'nothing fetched while the widget is far below');
      assert.deepEqual(evidenceSince(from), []);
      await page.locator('fleet-verify').evaluate((e) => e.scrollIntoView());
      assert.equal(await prefetchEnd(page), 'ready');
      assert.deepEqual(evidenceSince(from).sort(), fleetFiles(fleet).sort(), 'every file once, nothing else');
      const beforeClick = server.requests.length;
      await click(page);
      assert.deepEqual(await widgetOutcome(page), { state: 'verified', code: undefined });
      assert.deepEqual(evidenceSince(beforeClick), [], 'the click fetched no evidence');
      assert.match(
        (await page.locator('fleet-verify > .fv-summary').textContent())!,
        /^Verified: all \d+ checks passed over \d+ files \(\d+ KB fetched ahead of the click/,
      );
      const again = server.requests.length;
      await click(page);
      assert.deepEqual(await widgetOutcome(page), { state: 'verified', code: undefined });
      assert.deepEqual(evidenceSince(again).sort(), fleetFiles(fleet).sort(), '“Verify again” fetches anew');
      assert.match((await page.locator('fleet-verify > .fv-summary').textContent())!, /KB fetched in /);
      assert.deepEqual(pageErrors.get(page), []);
      await page.close();
    });

    it('when an attestation is tampered with while it is fetched ahead and repaired before the click, the click fails with ATTESTATION_SIGNATURE_INVALID (the bytes fetched are the bytes verified)', async () => {
      const fleet = fleets[0]!;
      const hsm = readdirSync(join(site.evidence, 'fleets', fleet, 'attestations')).sort()[1]!;
      const page = await tampered(
        `fleets/${fleet}/attestations/${hsm}`,
        (t) => flip(t, t.lastIndexOf('"sig": "') + 8),
        async () => {
          const p = await open(`/fleets/${fleet}/`);
          await p.locator('fleet-verify').evaluate((e) => e.scrollIntoView());
          assert.equal(await prefetchEnd(p), 'ready');
          return p;
        },
      );
      const beforeClick = server.requests.length;
      await click(page);
      assert.deepEqual(await widgetOutcome(page), { state: 'failed', code: 'ATTESTATION_SIGNATURE_INVALID' });
      assert.deepEqual(evidenceSince(beforeClick), []);
      // The site serves the repaired file now: a new check fetches it and passes.
      await click(page);
      assert.deepEqual(await widgetOutcome(page), { state: 'verified', code: undefined });
      await page.close();
    });

    it('when the reader saves data, nothing is fetched ahead, and the click fetches and verifies', async () => {
      const fleet = fleets[0]!;
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setDataSaverOverride', { dataSaverEnabled: true });
      await page.goto(`${server.origin}/fleets/${fleet}/`);
      assert.equal(
        await page.evaluate(
          () => (navigator as unknown as { connection: { saveData: boolean } }).connection.saveData,
        ),
        true,
      );
      const from = server.requests.length;
      await page.locator('fleet-verify').evaluate((e) => e.scrollIntoView());
      await page.locator('fleet-verify .fv-run').hover();
      await page.locator('fleet-verify .fv-run').focus();
      assert.equal(await prefetchEnd(page), 'off');
      await page.waitForTimeout(300);
      assert.deepEqual(evidenceSince(from), [], 'nothing fetched before the click');
      await click(page);
      assert.deepEqual(await widgetOutcome(page), { state: 'verified', code: undefined });
      assert.deepEqual(evidenceSince(from).sort(), fleetFiles(fleet).sort());
      await page.close();
    });

    it('when the pointer reaches the button and the click follows before the prefetch is in, the click waits for it: every file is fetched once', async () => {
      const fleet = fleets.at(-1)!;
      const from = server.requests.length;
      const page = await open(`/fleets/${fleet}/`);
      await page.evaluate(() => {
        const b = document.querySelector<HTMLButtonElement>('fleet-verify .fv-run')!;
        b.dispatchEvent(new PointerEvent('pointerenter'));
        b.click();
      });
      assert.deepEqual(await widgetOutcome(page), { state: 'verified', code: undefined });
      assert.deepEqual(evidenceSince(from).sort(), fleetFiles(fleet).sort(), 'every file once');
      assert.match(
        (await page.locator('fleet-verify > .fv-summary').textContent())!,
        /fetched ahead of the click/,
      );
      await page.close();
    });

    it('when a file cannot be fetched ahead (the network), the prefetch says so and the click fetches that file again and verifies', async () => {
      const fleet = fleets[0]!;
      const hsm = readdirSync(join(site.evidence, 'fleets', fleet, 'attestations')).sort()[0]!;
      const url = `${server.origin}/evidence/fleets/${fleet}/attestations/${hsm}`;
      const packUrl = `${server.origin}/packs/fleets/${fleet}.pack`;
      const page = await open(`/fleets/${fleet}/`);
      // Neither the pack nor that file: the others are then fetched one by one.
      await page.route(url, (r) => r.abort());
      await page.route(packUrl, (r) => r.abort());
      await page.locator('fleet-verify').evaluate((e) => e.scrollIntoView());
      assert.equal(await prefetchEnd(page), 'failed');
      await page.unroute(url);
      await page.unroute(packUrl);
      const beforeClick = server.requests.length;
      await click(page);
      assert.deepEqual(await widgetOutcome(page), { state: 'verified', code: undefined });
      assert.deepEqual(evidenceSince(beforeClick), [`/evidence/fleets/${fleet}/attestations/${hsm}`]);
      await page.close();
    });

    it('when the files add up to more than the prefetch limit, the prefetch stops, and the click fetches everything again with the verdict a click without prefetch gives', async () => {
      const fleet = fleets[0]!;
      const hsm = readdirSync(join(site.evidence, 'fleets', fleet, 'attestations')).sort()[0]!;
      // 600 KB read ahead (in the pack and alone): over the limit (512 KiB), under the core's file limit.
      await serving(`fleets/${fleet}/attestations/${hsm}`, Buffer.alloc(600 * 1024, 0x20), async () => {
        const cold = await open(`/fleets/${fleet}/`);
        await click(cold);
        const expected = await widgetOutcome(cold);
        assert.equal(await prefetchState(cold), null, 'that click had no prefetch');
        assert.equal(expected.state, 'failed');
        await cold.close();
        const page = await open(`/fleets/${fleet}/`);
        await page.locator('fleet-verify').evaluate((e) => e.scrollIntoView());
        assert.equal(await prefetchEnd(page), 'stopped');
        await serverQuiet();
        const beforeClick = server.requests.length;
        await click(page);
        assert.deepEqual(await widgetOutcome(page), expected);
        assert.deepEqual(evidenceSince(beforeClick).sort(), fleetFiles(fleet).sort(), 'fetched anew');
        await page.close();
      });
    });
  });

  it('when a keyboard user tabs to the button and presses Enter, the check runs, focus stays on the button, and the live region announces only the start and the summary', async () => {
    const page = await open(`/namespace/${epochs[2]}/`);
    await page.locator('#verify a[href="/audit/"]').focus();
    await page.keyboard.press('Tab');
    const focused = () => page.evaluate(() => document.activeElement?.classList.contains('fv-run') ?? false);
    assert.equal(await focused(), true, 'Tab reaches the button');
    assert.equal(
      await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle),
      'solid',
      'visible focus',
    );
    await page.evaluate(() => {
      const live = document.querySelector('fleet-verify > .fv-summary')!;
      const w = window as unknown as { announced: string[] };
      w.announced = [];
      new MutationObserver(() => w.announced.push(live.textContent ?? '')).observe(live, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.keyboard.press('Enter');
    assert.deepEqual(await widgetOutcome(page), { state: 'verified', code: undefined });
    assert.equal(await focused(), true, 'focus stays on the button');
    const announced = await page.evaluate(() => (window as unknown as { announced: string[] }).announced);
    assert.ok(announced.length <= 2, `announced ${announced.length} times: ${announced.join(' | ')}`);
    assert.match(announced.at(-1)!, /^Verified: all \d+ checks passed/);
    const live = page.locator('fleet-verify > .fv-summary');
    assert.equal(await live.getAttribute('aria-live'), 'polite');
    assert.equal(await page.locator('fleet-verify ol.fv-steps').count(), 2, 'the steps are ordered lists');
    await page.close();
  });

  it('when axe checks the home page, a fleet post and an epoch page (after verifying, light and dark), it finds no serious or critical violation', async () => {
    const pages: [string, boolean, 'light' | 'dark'][] = [
      ['/', false, 'light'],
      [`/fleets/${fleets[0]}/`, true, 'light'],
      [`/namespace/${epochs[3]}/`, true, 'light'],
      [`/namespace/${epochs[3]}/`, true, 'dark'],
    ];
    for (const [path, verify, scheme] of pages) {
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(server.origin + path);
      if (verify) assert.equal((await press(page)).state, 'verified');
      const violations = await seriousAxeViolations(page);
      assert.deepEqual(violations, [], `${path} (${scheme})`);
      await page.close();
    }
  });

  it('when the site is served from a non-secure origin, where crypto.subtle does not exist, the widget still verifies (the core hashes and verifies with noble)', async () => {
    // In a secure context WebCrypto answers the signature questions ahead of the core (site/widget/prefetch.ts);
    // elsewhere noble does everything. Both must reach the same verdicts.
    // noble is a chunk of its own (site/widget/lazy/), which only the non-secure page loads.
    const scripts = async (origin: string) => {
      const page = await context.newPage();
      const js: string[] = [];
      page.on('request', (r) => {
        if (r.url().endsWith('.js')) js.push(new URL(r.url()).pathname);
      });
      await page.goto(`${origin}/fleets/${fleets.at(-1)}/`);
      const context_ = await page.evaluate(() => [isSecureContext, typeof crypto.subtle]);
      const outcome = await press(page);
      await page.close();
      return { context_, outcome, js };
    };
    const noble = (js: string[]) => js.filter((p) => /\/_astro\/reference-[^/]*\.js$/.test(p));
    const secure = await scripts(server.origin);
    assert.deepEqual(secure.context_, [true, 'object'], 'http://127.0.0.1 is a secure context');
    assert.deepEqual(secure.outcome, { state: 'verified', code: undefined });
    assert.ok(
      secure.js.some((p) => /worker/.test(p)),
      `the worker is loaded: ${secure.js}`,
    );
    assert.deepEqual(noble(secure.js), [], 'WebCrypto answered: noble was not loaded');
    const insecure = await scripts(`http://${INSECURE_HOST}:${server.port}`);
    assert.deepEqual(insecure.context_, [false, 'undefined']);
    assert.deepEqual(insecure.outcome, { state: 'verified', code: undefined });
    assert.equal(noble(insecure.js).length, 1, `noble is loaded: ${insecure.js}`);
    const epoch = await open(`/namespace/${epochs[0]}/`, `http://${INSECURE_HOST}:${server.port}`);
    assert.deepEqual(await press(epoch), { state: 'verified', code: undefined });
    await epoch.close();
  });

  it('when a built page is opened from file://, Chromium blocks its module script and its fetches, and the widget’s fallback says so and points to the CLI', async () => {
    const page = await context.newPage();
    await page.goto(`file://${join(site.out, 'namespace', String(epochs[0]), 'index.html')}`);
    const r = await page.evaluate(async () => ({
      defined: customElements.get('fleet-verify') !== undefined,
      state: document.querySelector('fleet-verify')?.getAttribute('data-state') ?? null,
      fallback: document.querySelector('fleet-verify .fv-fallback')?.textContent ?? '',
      fetch: await fetch(new URL('../../evidence/index.json', location.href).href).then(
        () => 'fetched',
        (e: Error) => e.name,
      ),
    }));
    assert.equal(r.fetch, 'TypeError', 'fetch from file:// is blocked');
    assert.equal(r.defined, false, 'the module script does not run from file://');
    assert.equal(r.state, null);
    assert.match(r.fallback, /needs JavaScript and this page served over http\(s\)/);
    assert.match(r.fallback, /command-line verifier below/);
    assert.match((await page.locator('#verify').textContent())!, /npx fleetproof verify/);
    await page.close();
  });
});
