import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import { readFileSync } from 'node:fs';
import { buildLog, logOrigin, type LogEntry } from '../../verify/release-log.ts';
import { signCheckpoint } from '../../verify/release-log.ts';
import { DemoKeys } from '../../demo/keys.ts';
import { DEFAULT_SEED } from '../../demo/catalog.ts';
import { checkSiteLog } from './log-check.ts';

const roots = new Uint8Array(readFileSync('evidence/trust-roots.json'));
const key = new DemoKeys(DEFAULT_SEED).get('trust/demo-release-2021', 'ed25519');
const origin = logOrigin('https://transparency.example');
const entry = (i: number): LogEntry => ({
  path: `f/${String(i).padStart(4, '0')}.json`,
  sha256: i.toString(16).padStart(64, '0'),
});

/** A published log of these entries, as the site would serve it under /log/. */
function site(entries: LogEntry[], sign = (m: Uint8Array) => ed25519.sign(m, key.secretKey)) {
  const log = buildLog(entries);
  const note = signCheckpoint(origin, log, key.publicKey, sign);
  const files = new Map([...log.files, ['checkpoint', new TextEncoder().encode(note)]]);
  return async (p: string) => files.get(p);
}

describe('the reader-side log check', () => {
  const first = Array.from({ length: 300 }, (_, i) => entry(i));
  const grown = [...first, ...Array.from({ length: 40 }, (_, i) => entry(1000 + i))];

  test('when the site publishes no log and nothing is remembered, the state is absent and nothing fails', async () => {
    const r = await checkSiteLog(async () => undefined, roots, undefined);
    assert.equal(r.state, 'absent');
    assert.deepEqual(r.errors, []);
  });

  test('when a log is seen for the first time, its checkpoint verifies and is to be remembered', async () => {
    const r = await checkSiteLog(site(first), roots, undefined);
    assert.equal(r.state, 'first-visit', r.detail);
    assert.equal(r.remember?.size, 300);
  });

  test('when the log grew by appending, it is consistent with the remembered checkpoint', async () => {
    const before = (await checkSiteLog(site(first), roots, undefined)).remember!;
    const r = await checkSiteLog(site(grown), roots, before);
    assert.equal(r.state, 'consistent', r.detail);
    assert.equal(r.remember?.size, 340);
  });

  test('when an earlier entry was changed, the site rewrote its history: CONSISTENCY_FAILED, memory kept', async () => {
    const before = (await checkSiteLog(site(first), roots, undefined)).remember!;
    const rewritten = grown.map((e, i) => (i === 7 ? { ...e, sha256: 'f'.repeat(64) } : e));
    const r = await checkSiteLog(site(rewritten), roots, before);
    assert.equal(r.state, 'rewritten');
    assert.equal(r.errors[0]?.code, 'CONSISTENCY_FAILED');
    assert.equal(r.remember, undefined);
  });

  test('when the remembered checkpoint is of another log, the site rewrote its history: CONSISTENCY_FAILED naming both', async () => {
    const before = (await checkSiteLog(site(first), roots, undefined)).remember!;
    const r = await checkSiteLog(site(grown), roots, { ...before, origin: 'elsewhere.example/log' });
    assert.equal(r.state, 'rewritten');
    assert.deepEqual(
      r.errors.map((e) => `${e.code} ${e.file}`),
      ['CONSISTENCY_FAILED log/checkpoint'],
    );
    assert.match(
      r.detail,
      /the log was elsewhere\.example\/log when you last checked; it is now transparency\.example\/log/,
    );
    assert.equal(r.remember, undefined);
  });

  test('when the log shrank or vanished since the last visit, the site rewrote its history', async () => {
    const before = (await checkSiteLog(site(grown), roots, undefined)).remember!;
    assert.equal((await checkSiteLog(site(first), roots, before)).state, 'rewritten');
    assert.equal((await checkSiteLog(async () => undefined, roots, before)).state, 'rewritten');
  });

  test('when the checkpoint is signed by a key that is not pinned, the log is invalid', async () => {
    const other = ed25519.utils.randomSecretKey(new Uint8Array(32).fill(3));
    const forged = buildLog(first);
    const note = signCheckpoint(origin, forged, ed25519.getPublicKey(other), (m) => ed25519.sign(m, other));
    const files = new Map([...forged.files, ['checkpoint', new TextEncoder().encode(note)]]);
    const r = await checkSiteLog(async (p) => files.get(p), roots, undefined);
    assert.equal(r.state, 'invalid');
    assert.equal(r.errors[0]?.code, 'UNKNOWN_KEY');
  });
});
