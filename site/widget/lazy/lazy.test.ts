/**
 * The stand-ins of ./plugin.ts: each exports only names its real module exports, constants equal to the real ones,
 * functions that call the real module once it is loaded and, before, ask for it and throw NotLoaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ROOT } from '../../testing/fixtures.ts';
import { LAZY_PARTS } from './plugin.ts';
import { NotLoaded, loadParts, takeWanted } from './registry.ts';
import { referenceProvider } from './reference.ts';
import { referenceProvider as realReference } from '../../../verify/crypto/reference.ts';
import { ruleOf } from './error-rules.ts';
import { ERROR_CODES } from '../../../verify/error-rules.ts';

test('when a stand-in is compared with its real module, every name it exports is the real one’s, and every constant is equal', async () => {
  for (const [real, { standIn }] of Object.entries(LAZY_PARTS)) {
    const r = (await import(resolve(ROOT, real))) as Record<string, unknown>;
    const s = (await import(resolve(ROOT, standIn))) as Record<string, unknown>;
    assert.ok(Object.keys(s).length > 0, standIn);
    for (const [name, value] of Object.entries(s)) {
      assert.ok(name in r, `${standIn} exports ${name}, which ${real} does not`);
      if (typeof value === 'function') assert.equal(typeof r[name], 'function', `${standIn} ${name}`);
      else if (name !== 'referenceProvider') assert.deepEqual(value, r[name], `${standIn} ${name}`);
    }
  }
});

test('when the reference stand-in is asked a signature before noble is loaded, it asks for it and throws; once loaded, it answers as the reference', async () => {
  const msg = new TextEncoder().encode('m');
  const sig = new Uint8Array(64);
  const pk = new Uint8Array(32).fill(7);
  takeWanted();
  assert.deepEqual(referenceProvider.sha256(msg), realReference.sha256(msg), 'hashing needs no loading');
  assert.throws(() => referenceProvider.ed25519(sig, msg, pk), NotLoaded);
  assert.deepEqual(takeWanted(), ['reference']);
  await loadParts(['reference']);
  assert.equal(referenceProvider.ed25519(sig, msg, pk), realReference.ed25519(sig, msg, pk));
  assert.deepEqual(referenceProvider.sha384(msg), realReference.sha384(msg));
  assert.deepEqual(takeWanted(), []);
});

test('when an error’s rule is asked before the rules are loaded, the stand-in gives no text and asks for nothing; once loaded, the real rule', async () => {
  takeWanted();
  assert.equal(ruleOf('DIGEST_MISMATCH'), '');
  assert.deepEqual(takeWanted(), [], 'a rule is only shown: no run of the core is repeated for it');
  await loadParts(['error-rules']);
  for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[])
    assert.equal(ruleOf(code), ERROR_CODES[code], code);
});
