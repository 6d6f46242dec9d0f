/**
 * The widget's checklist without a browser: the same functions the worker runs, fed from an evidence tree on
 * disk through a fake fetch. The browser tests (tests/e2e/) cover the element, the worker and the bundle.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import { encodeSignatureMessage, fromHex, toHex } from '../../verify/index.ts';
import { buildIndex } from '../lib/verified.ts';
import { evidenceCopy, readFiles } from '../testing/fixtures.ts';
import { filesFor, parseIndex, verifyTarget, type Fetcher } from './plan.ts';
import { checkInputs } from './drop.ts';
import type { Outcome, Step, StepGroup, Target } from './protocol.ts';

const NS = 'meta.encrypted_backups.fleet_keys.v1';

function site(files: Map<string, Uint8Array>, index = buildIndex(files).indexJson): Fetcher {
  return async (path) =>
    path === 'index.json' ? new TextEncoder().encode(index) : (files.get(path) ?? undefined);
}

async function run(target: Target, fetch: Fetcher) {
  const steps: { step: Step; group: StepGroup }[] = [];
  const outcome = await verifyTarget(target, fetch, (step, _ms, group) => steps.push({ step, group }));
  return { steps, outcome };
}

async function check(inputs: { name: string; bytes: Uint8Array }[], fetch: Fetcher) {
  const steps: Step[] = [];
  const outcome: Outcome = await checkInputs(inputs, fetch, (step) => steps.push(step));
  return { steps, outcome };
}

/** One byte of `bytes` changed at the first occurrence of `from` (same length, still valid JSON). */
function tamper(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const text = new TextDecoder().decode(bytes);
  const i = text.indexOf(from);
  assert.ok(i >= 0, `${from} not found`);
  assert.equal(from.length, to.length);
  return new TextEncoder().encode(text.slice(0, i) + to + text.slice(i + from.length));
}

describe('the widget’s checklist', () => {
  let files: Map<string, Uint8Array>;
  let epochs: number[];
  let fleets: string[];

  before(async () => {
    files = new Map([...readFiles(await evidenceCopy())].map(([k, v]) => [k, new Uint8Array(v)]));
    epochs = [...files.keys()]
      .map((p) => /^namespaces\/[^/]+\/(\d+)\/proof\.json$/.exec(p)?.[1])
      .filter((x) => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    fleets = [...files.keys()].flatMap((p) => /^fleets\/([^/]+)\/deployment\.json$/.exec(p)?.[1] ?? []);
  });

  it('when a fleet page lists its files, it takes the trust roots, the record and every attestation, nothing else', () => {
    const index = parseIndex(new TextEncoder().encode(buildIndex(files).indexJson));
    const f = fleets[0]!;
    const paths = filesFor(index, { kind: 'fleet', fleetId: f });
    assert.ok(paths.includes('trust-roots.json') && paths.includes(`fleets/${f}/deployment.json`));
    assert.equal(paths.length, [...files.keys()].filter((p) => p.startsWith(`fleets/${f}/`)).length + 1);
    const e = filesFor(index, { kind: 'epoch', namespace: NS, epoch: 1 });
    assert.ok(e.every((p) => !p.includes('/attestations/')));
    assert.equal(e.filter((p) => p.endsWith('/proof.json')).length, epochs.length);
  });

  it('when every fleet and the first, a middle and the last epoch are verified from the demo, each passes with every check', async () => {
    for (const f of fleets) {
      const { outcome, steps } = await run({ kind: 'fleet', fleetId: f }, site(files));
      assert.equal(outcome.ok, true, JSON.stringify(steps.filter((s) => s.step.status === 'failed')));
      assert.ok(
        steps.some((s) => s.step.id === 'hsm.chain') && steps.some((s) => s.step.id === 'fleet.quorum'),
      );
    }
    for (const n of [epochs[0]!, epochs[Math.floor(epochs.length / 2)]!, epochs.at(-1)!]) {
      const { outcome, steps } = await run({ kind: 'epoch', namespace: NS, epoch: n }, site(files));
      assert.equal(outcome.ok, true, JSON.stringify(steps.filter((s) => s.step.status === 'failed')));
      const mine = steps.filter((s) => s.group === 'this').map((s) => s.step.id);
      for (const id of [
        'epoch.read',
        'epoch.digest',
        'epoch.auditor-signature',
        'epoch.countersignature',
        'epoch.record',
        'epoch.artifact',
        'epoch.fleet-keys',
      ])
        assert.ok(mine.includes(id), `${n}: ${id}`);
      assert.ok(steps.some((s) => s.step.id === 'namespace.sequence' && s.group === 'main'));
      assert.ok(!steps.some((s) => s.step.id === 'fleet.quorum'), 'attestation checks are out of scope here');
    }
  });

  it('when one byte of an artifact changes after the index was written, the epoch fails with DIGEST_MISMATCH and the index disagrees', async () => {
    const n = epochs[2]!;
    const path = `namespaces/${NS}/${n}/artifact.json`;
    const index = buildIndex(files).indexJson;
    const changed = new Map(files);
    const text = new TextDecoder().decode(files.get(path)!);
    const hex = /"public_key": "([0-9a-f])/.exec(text)![1]!;
    changed.set(
      path,
      tamper(files.get(path)!, `"public_key": "${hex}`, `"public_key": "${hex === 'a' ? 'b' : 'a'}`),
    );
    const { outcome, steps } = await run({ kind: 'epoch', namespace: NS, epoch: n }, site(changed, index));
    assert.equal(outcome.ok, false);
    assert.equal(outcome.code, 'DIGEST_MISMATCH');
    assert.equal(steps.find((s) => s.step.id === 'widget.index')!.step.errors[0]!.code, 'INDEX_MISMATCH');
  });

  it('when the site omits the page’s own subject, the widget fails with FILE_MISSING instead of verifying an empty tree', async () => {
    const { outcome } = await run({ kind: 'fleet', fleetId: 'no-such-fleet' }, site(files));
    assert.equal(outcome.code, 'FILE_MISSING');
  });

  it('when the index cannot be fetched, the widget throws a FetchError the worker reports as FETCH_FAILED', async () => {
    await assert.rejects(
      run({ kind: 'fleet', fleetId: fleets[0]! }, async () => undefined),
      { name: 'FetchError' },
    );
  });

  it('when a reader checks the published record, proof and artifact of an epoch, each verifies and names the auditor key', async () => {
    const n = epochs[3]!;
    const dir = `namespaces/${NS}/${n}`;
    const rec = await check(
      [{ name: 'record.json', bytes: files.get(`${dir}/auditor-record.json`)! }],
      site(files),
    );
    assert.equal(rec.outcome.ok, true, JSON.stringify(rec.steps.filter((s) => s.status === 'failed')));
    assert.ok(rec.outcome.auditorKey);
    assert.ok(
      rec.steps.some((s) => s.id === 'record.signature' && s.title.includes(rec.outcome.auditorKey!)),
    );
    const bundle = await check(
      [
        { name: 'proof.json', bytes: files.get(`${dir}/proof.json`)! },
        { name: 'artifact.json', bytes: files.get(`${dir}/artifact.json`)! },
      ],
      site(files),
    );
    assert.equal(bundle.outcome.ok, true, JSON.stringify(bundle.steps.filter((s) => s.status === 'failed')));
    assert.ok(
      bundle.steps.some((s) => s.id === 'drop.digest') &&
        bundle.steps.some((s) => s.id === 'drop.countersignature'),
    );
    const alone = await check(
      [{ name: 'artifact.json', bytes: files.get(`${dir}/artifact.json`)! }],
      site(files),
    );
    assert.equal(alone.outcome.ok, true);
  });

  it('when a reader checks a forged record (signed by another key) or another epoch’s artifact, the verdict is the precise failure', async () => {
    const n = epochs[3]!;
    const dir = `namespaces/${NS}/${n}`;
    const real = JSON.parse(new TextDecoder().decode(files.get(`${dir}/auditor-record.json`)!)) as Record<
      string,
      unknown
    >;
    const sk = ed25519.utils.randomSecretKey();
    const digest = toHex(new Uint8Array(32).fill(7));
    const forged: Record<string, unknown> = { ...real, digest };
    const msg = encodeSignatureMessage({
      ciphersuite: real.ciphersuite as number,
      namespace: real.namespace as string,
      timestamp: real.timestamp as number,
      epoch: real.epoch as number,
      digest: fromHex(digest),
    })!;
    forged.serialized_message = toHex(msg);
    forged.signature = toHex(ed25519.sign(msg, sk));
    const r = await check(
      [{ name: 'forged.json', bytes: new TextEncoder().encode(JSON.stringify(forged)) }],
      site(files),
    );
    assert.equal(r.outcome.ok, false);
    assert.equal(r.outcome.code, 'AUDITOR_SIGNATURE_INVALID');

    const other = files.get(`namespaces/${NS}/${epochs[4]!}/artifact.json`)!;
    const mixed = await check(
      [
        { name: 'proof.json', bytes: files.get(`${dir}/proof.json`)! },
        {
          name: 'artifact.json',
          bytes: new TextEncoder().encode(
            new TextDecoder().decode(other).replace(`"epoch": ${epochs[4]}`, `"epoch": ${n}`),
          ),
        },
      ],
      site(files),
    );
    assert.equal(mixed.outcome.code, 'DIGEST_MISMATCH');
  });

  it('when a reader drops a deployment record, the box says it checks records, proofs and artifacts only', async () => {
    const r = await check(
      [{ name: 'deployment.json', bytes: files.get(`fleets/${fleets[0]}/deployment.json`)! }],
      site(files),
    );
    assert.equal(r.outcome.code, 'UNSUPPORTED_KIND');
    const junk = await check(
      [{ name: 'junk.txt', bytes: new TextEncoder().encode('not json') }],
      site(files),
    );
    assert.equal(junk.outcome.code, 'JSON_INVALID');
  });
});
