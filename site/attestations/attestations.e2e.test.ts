/**
 * /attestations/ and its <attestation-verify> elements in a real browser (Debian's Chromium through playwright-core),
 * as tests/e2e/ drives the main widget: the site is built once into a temporary folder with its own Astro cache,
 * served by a tiny static server on 127.0.0.1, and a fresh headless Chromium profile opens it.
 *
 * Tampering happens on the served files after the build, as a compromised host would do it: the page says what was
 * verified at build time, and the element must still fail, with the core's code, on what is actually served.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { fromBase64, toBase64 } from '../../verify/encoding.ts';
import {
  ROOT,
  buildSite,
  launch,
  seriousAxeViolations,
  serve,
  type BuiltSite,
  type Server,
} from '../../tests/e2e/harness.ts';

describe('the vendor attestation samples page in a browser', () => {
  let site: BuiltSite;
  let out: string;
  let origin: string;
  let server: Server;
  let browser: Awaited<ReturnType<typeof launch>>;
  let context: BrowserContext;
  const foreign: string[] = [];

  before(async () => {
    site = await buildSite('attestations-e2e');
    out = site.out;
    server = await serve(out);
    origin = server.origin;
    browser = await launch();
    context = browser.context;
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.continue();
      foreign.push(url);
      return route.abort();
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    site?.cleanup();
  });

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${origin}/attestations/`);
    return { page, errors };
  }

  /** Presses the sample's button and waits for the element to leave `running`. */
  async function verify(
    page: Page,
    sample: string,
  ): Promise<{ state: string; code: string | undefined; summary: string; details: string }> {
    const el = page.locator(`attestation-verify[data-sample="${sample}"]`);
    assert.equal(await el.getAttribute('data-state'), 'idle');
    await el.locator('button').click();
    await page.waitForFunction(
      (s) => {
        const st = document
          .querySelector(`attestation-verify[data-sample="${s}"]`)
          ?.getAttribute('data-state');
        return st === 'verified' || st === 'failed';
      },
      sample,
      { timeout: 60_000, polling: 50 },
    );
    return el.evaluate((e) => ({
      state: e.getAttribute('data-state') ?? '',
      code: e.getAttribute('data-code') ?? undefined,
      summary: e.querySelector('.av-summary')?.textContent ?? '',
      details: e.querySelector('.av-details')?.textContent ?? '',
    }));
  }

  /** Replaces a served file for the duration of `fn`, then puts it back. */
  async function served<T>(path: string, change: (b: Buffer) => Buffer, fn: () => Promise<T>): Promise<T> {
    const file = join(out, 'samples', 'hsm', ...path.split('/'));
    const original = readFileSync(file);
    writeFileSync(file, change(Buffer.from(original)));
    try {
      return await fn();
    } finally {
      writeFileSync(file, original);
    }
  }

  it('when the page is built, it labels the files as samples and shows each verdict, claim and note from build time', () => {
    const html = readFileSync(join(out, 'attestations', 'index.html'), 'utf8');
    assert.match(html, /Samples, not evidence/);
    assert.match(html, /data-sample="marvell-ec"[\s\S]*?data-ok="true"/);
    assert.match(html, /data-sample="aws-nitro"[\s\S]*?data-ok="true"/);
    assert.match(html, /data-ok="false" data-code="CHAIN_INCOMPLETE"/);
    assert.match(html, /chain incomplete: the Yubico YubiHSM 6742036 Sub-CA certificate is not available/);
    assert.match(html, /5\.2G1804-ICM000678/);
    assert.match(html, /i-0a22e5c5f24d22174-enc0191cceb4289903f/);
    assert.match(html, /2024-09-07T14:37:39\.545Z<\/code> — the document’s own timestamp/);
    assert.match(html, /230143df00e0b452743e068a5b3fc08df8f06cefc4854ea627aeb7ebd70ee2f4/);
    for (const f of [
      'gcp-cloudhsm-cavium/ec.dat',
      'gcp-cloudhsm-cavium/ec.certs',
      'aws-nitro/nitro_attestation.b64',
      'yubihsm2/key-attestation-0x7e57.pem',
      'yubihsm2/device-attestation-31650425.pem',
      'README.md',
    ]) {
      assert.ok(existsSync(join(out, 'samples', 'hsm', ...f.split('/'))), f);
      assert.equal(
        readFileSync(join(out, 'samples', 'hsm', ...f.split('/'))).equals(
          readFileSync(join(ROOT, 'site', 'public', 'samples', 'hsm', ...f.split('/'))),
        ),
        true,
        f,
      );
    }
  });

  it('when each sample is re-verified in the browser, Marvell and Nitro verify and the YubiHSM fails with CHAIN_INCOMPLETE, saying why, in the widget’s worker', async () => {
    const { page, errors } = await open();
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(new URL(w.url()).pathname));
    const marvell = await verify(page, 'marvell-ec');
    assert.deepEqual([marvell.state, marvell.code], ['verified', undefined], marvell.summary);
    assert.match(marvell.summary, /Marvell LiquidSecurity, serial 5\.2G1804-ICM000678/);
    const nitro = await verify(page, 'aws-nitro');
    assert.deepEqual([nitro.state, nitro.code], ['verified', undefined], nitro.summary);
    assert.match(nitro.details, /Time used: 2024-09-07T14:37:39\.545Z \(the attestation's own timestamp\)/);
    const yubi = await verify(page, 'yubihsm2');
    assert.deepEqual([yubi.state, yubi.code], ['failed', 'CHAIN_INCOMPLETE']);
    assert.match(
      yubi.summary,
      /chain incomplete: the Yubico YubiHSM 6742036 Sub-CA certificate is not available/,
    );
    assert.match(yubi.details, /What did verify: the Yubico signature/);
    // One worker for the three checks: the fleet pages' own (site/widget/worker.ts), off this page's thread.
    assert.equal(workers.length, 1, workers.join());
    assert.match(workers[0]!, /^\/_astro\/worker-[\w-]+\.js$/);
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
    await page.close();
  });

  it('when a byte of the served Nitro document’s signature is flipped, the element fails with ATTESTATION_SIGNATURE_INVALID', async () => {
    const code = await served(
      'aws-nitro/nitro_attestation.b64',
      (b) => {
        const doc = fromBase64(b.toString('latin1').trim());
        doc[doc.length - 1]! ^= 0x01;
        return Buffer.from(toBase64(doc), 'latin1');
      },
      async () => {
        const { page } = await open();
        const r = await verify(page, 'aws-nitro');
        await page.close();
        return r;
      },
    );
    assert.deepEqual([code.state, code.code], ['failed', 'ATTESTATION_SIGNATURE_INVALID']);
  });

  it('when a byte of the served Marvell attestation is flipped, the element fails with the core’s code', async () => {
    const r = await served(
      'gcp-cloudhsm-cavium/ec.dat',
      (b) => {
        b[b.length - 12]! ^= 0x01; // inside the deflate stream, before gzip's CRC-32 and length
        return b;
      },
      async () => {
        const { page } = await open();
        const o = await verify(page, 'marvell-ec');
        await page.close();
        return o;
      },
    );
    assert.equal(r.state, 'failed');
    assert.equal(r.code, 'VENDOR_FORMAT_INVALID', r.summary);
  });

  it('when a served sample is missing, the element fails with FETCH_FAILED', async () => {
    const file = join(out, 'samples', 'hsm', 'yubihsm2', 'device-attestation-31650425.pem');
    const original = readFileSync(file);
    rmSync(file);
    try {
      const { page } = await open();
      const r = await verify(page, 'yubihsm2');
      await page.close();
      assert.deepEqual([r.state, r.code], ['failed', 'FETCH_FAILED']);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('when axe checks the page after verifying, it finds no serious or critical violation', async () => {
    const { page } = await open();
    await verify(page, 'yubihsm2');
    const violations = await seriousAxeViolations(page);
    assert.deepEqual(violations, []);
    await page.close();
  });
});
