/**
 * The widget's checks as the browser gets them: bundled by Vite 8 (which bundles the shipped scripts:
 * site/client/bundle.mjs) with the lazy parts (./plugin.ts), then run here in Node (with Node's WebCrypto) on the demo
 * tree, a fleet of synthetic YubiHSM 2 members and a fleet of the real vendor samples, good and tampered. Every page's steps and verdict are the unbundled code's, and each lazy part
 * is loaded only by the first page that needs it. (tests/e2e runs the same bundle in Chromium on the demo site.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite8';
import { ROOT } from '../../testing/fixtures.ts';
import { buildIndex } from '../../lib/verified.ts';
import { BASE, FLEET, SAMPLES, hsmId, samplesFleet, yubiFleet } from '../../../tests/vendor-fleets.ts';
import { verifyTarget, type Fetcher } from '../plan.ts';
import { checkInputs } from '../drop.ts';
import type { Outcome, Step, StepGroup, Target } from '../protocol.ts';
import { widgetLazyParts } from './plugin.ts';
import { SAMPLES_DIR } from '../../attestations/build-time.ts';
import { SAMPLES as SAMPLE_LIST, verifySample } from '../../attestations/samples.ts';
import type { checkSample } from '../../attestations/sample-check.ts';

interface Bundle {
  verifyTarget: typeof verifyTarget;
  drop: () => Promise<{ checkInputs: typeof checkInputs }>;
  samples: () => Promise<{ checkSample: typeof checkSample }>;
  loadedParts: () => string[];
}

const NS = 'meta.encrypted_backups.fleet_keys.v1';

function site(files: Map<string, Uint8Array>): Fetcher {
  const index = new TextEncoder().encode(buildIndex(files).indexJson);
  return async (path) => (path === 'index.json' ? index : files.get(path));
}

/** What a page shows: each step's id, subject, status and error codes, and the verdict. */
function shown(steps: { step: Step; group: StepGroup }[], o: Outcome) {
  return {
    ok: o.ok,
    code: o.code,
    steps: steps.map(({ step, group }) => [
      step.id,
      step.subject,
      group,
      step.status,
      step.errors.map((e) => e.code).join(),
    ]),
  };
}

async function page(
  run: typeof verifyTarget,
  target: Target,
  files: Map<string, Uint8Array>,
  subtle: SubtleCrypto | null = globalThis.crypto.subtle,
) {
  const steps: { step: Step; group: StepGroup }[] = [];
  const o = await run(
    target,
    site(files),
    (step, _ms, group) => steps.push({ step, group }),
    undefined,
    undefined,
    subtle,
  );
  return shown(steps, o);
}

/** One byte of the text changed at the last occurrence of `marker` plus `offset` (still valid JSON). */
function flipAt(bytes: Uint8Array, marker: string, offset: number): Uint8Array {
  const text = new TextDecoder().decode(bytes);
  const i = text.lastIndexOf(marker) + offset;
  assert.ok(i >= offset);
  const c = text[i]!;
  return new TextEncoder().encode(text.slice(0, i) + (c === 'A' ? 'B' : 'A') + text.slice(i + 1));
}

describe('the widget’s bundle, with its lazy parts', () => {
  let dir: string;
  let b: Bundle;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetproof-widget-bundle-'));
    const entry = join(dir, 'entry.ts');
    const w = (p: string) => JSON.stringify(join(ROOT, p));
    writeFileSync(
      entry,
      [
        `export { verifyTarget } from ${w('site/widget/plan.ts')};`,
        `export { loadedParts } from ${w('site/widget/lazy/registry.ts')};`,
        `export const drop = () => import(${w('site/widget/drop.ts')});`,
        `export const samples = () => import(${w('site/attestations/sample-check.ts')});`,
      ].join('\n'),
    );
    await build({
      root: ROOT,
      configFile: false,
      logLevel: 'silent',
      plugins: [widgetLazyParts(ROOT)],
      build: {
        outDir: join(dir, 'out'),
        emptyOutDir: true,
        minify: false,
        lib: { entry, formats: ['es'], fileName: 'entry' },
      },
    });
    b = (await import(pathToFileURL(join(dir, 'out', 'entry.js')).href)) as Bundle;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('when a demo fleet page is verified, the steps are the unbundled code’s and no lazy part is loaded', async () => {
    const fleet = [...BASE.keys()].find((p) => p.endsWith('/deployment.json'))!.split('/')[1]!;
    const target: Target = { kind: 'fleet', fleetId: fleet };
    const got = await page(b.verifyTarget, target, BASE);
    assert.equal(got.ok, true);
    assert.deepEqual(got, await page(verifyTarget, target, BASE));
    assert.deepEqual(b.loadedParts(), []);
  });

  it('when an epoch page is verified, the epochs’ code is loaded, not noble nor the vendor code', async () => {
    const target: Target = { kind: 'epoch', namespace: NS, epoch: 3 };
    const got = await page(b.verifyTarget, target, BASE);
    assert.equal(got.ok, true);
    assert.deepEqual(got, await page(verifyTarget, target, BASE));
    assert.deepEqual(b.loadedParts().sort(), ['epoch', 'namespace']);
  });

  it('when a fleet of YubiHSM 2 members (a vendor root pinned as a certificate) is verified, good and tampered, the vendor code is loaded and the verdicts are the unbundled code’s', async () => {
    const files = yubiFleet();
    const target: Target = { kind: 'fleet', fleetId: FLEET };
    const good = await page(b.verifyTarget, target, files);
    assert.equal(good.ok, true, JSON.stringify(good.steps.filter((s) => s[3] === 'failed')));
    assert.deepEqual(good, await page(verifyTarget, target, files));
    for (const part of ['fleet-vendor', 'vendors', 'x509', 'asn1'])
      assert.ok(b.loadedParts().includes(part), `${part} loaded`);
    const file = `fleets/${FLEET}/attestations/${hsmId(0)}.json`;
    const tampered = new Map(files).set(file, flipAt(files.get(file)!, '"attestation": "', 400));
    const bad = await page(b.verifyTarget, target, tampered);
    assert.equal(bad.ok, false);
    assert.deepEqual(bad, await page(verifyTarget, target, tampered));
  });

  it('when the fleet of the real Marvell, Nitro and YubiHSM samples is verified, with WebCrypto and without, the verdicts are the unbundled code’s', async () => {
    const files = samplesFleet();
    const target: Target = { kind: 'fleet', fleetId: SAMPLES };
    const want = await page(verifyTarget, target, files);
    assert.equal(want.code, 'CHAIN_INCOMPLETE');
    assert.deepEqual(await page(b.verifyTarget, target, files), want);
    assert.deepEqual(await page(b.verifyTarget, target, files, null), want);
    assert.ok(b.loadedParts().includes('reference'), 'noble, for SHA-384 and without WebCrypto');
  });

  it('when the /attestations/ page has the worker check the vendor samples, the verdicts are the unbundled code’s, good and tampered', async () => {
    const { checkSample: bundled } = await b.samples();
    const read = (p: string) => new Uint8Array(readFileSync(join(SAMPLES_DIR, ...p.split('/'))));
    let job = 0;
    for (const s of SAMPLE_LIST) {
      const attestation = read(s.attestation);
      const certificates = s.certificates ? read(s.certificates) : undefined;
      const tampered = attestation.slice();
      tampered[tampered.length >> 1]! ^= 0x01;
      for (const bytes of [attestation, tampered]) {
        const want = verifySample(s, bytes, certificates);
        const got = await bundled({
          type: 'check-sample',
          job: ++job,
          sample: s.id,
          attestation: bytes,
          certificates,
        });
        assert.deepEqual(got, want, s.id);
        if (bytes === tampered) assert.equal(got.ok, false, `${s.id}: a flipped byte fails`);
      }
      assert.ok(
        verifySample(s, attestation, certificates).claim,
        `${s.id}: the adapter verified the signature`,
      );
    }
    const unknown = await bundled({
      type: 'check-sample',
      job: ++job,
      sample: 'no-such-sample',
      attestation: new Uint8Array(0),
      certificates: undefined,
    });
    assert.equal(unknown.code, 'WIDGET_ERROR');
  });

  it('when a reader drops an auditor record, the bundled box’s verdict is the unbundled one’s, good and forged', async () => {
    const { checkInputs: bundled } = await b.drop();
    const path = [...BASE.keys()].find((p) => p.endsWith('/3/auditor-record.json'))!;
    const record = BASE.get(path)!;
    for (const bytes of [record, flipAt(record, '"signature": "', 20)]) {
      const out: Outcome[] = [];
      for (const run of [bundled, checkInputs]) {
        const steps: { step: Step; group: StepGroup }[] = [];
        const o = await run([{ name: 'record.json', bytes }], site(BASE), (step, _ms, group) =>
          steps.push({ step, group }),
        );
        out.push({ ...o, ...shown(steps, o), fetchMs: 0, verifyMs: 0, totalMs: 0 });
      }
      assert.deepEqual(out[0], out[1]);
    }
  });
});
