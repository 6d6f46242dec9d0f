import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { runCli } from './lib/cli.ts';

const KEY = '606a878700158d92b3a14a0fd37ec82e0f05f92fcf23146abfda2e3a2f10a9bc';
const KEY_B64 = Buffer.from(KEY, 'hex').toString('base64');
const corpus = new URL('./corpus/records/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(`${corpus}expected.json`, 'utf8')) as Record<string, string>;

const run = runCli;

describe('fleetproof check-record', () => {
  for (const cs of [1, 2]) {
    test(`when given Plexi's ciphersuite ${cs} vector as the API returns it, it exits 0`, () => {
      const r = run([
        'check-record',
        `tests/data/plexi/record-ciphersuite-${cs}.json`,
        '--auditor-key',
        KEY,
        '--json',
      ]);
      assert.equal(r.status, 0, r.out);
      const j = JSON.parse(r.out);
      assert.equal(j.ok, true);
      assert.equal(j.record.ciphersuite, cs);
    });
  }

  test('when the key is given in base64, the vector verifies too', () => {
    assert.equal(
      run(['check-record', 'tests/data/plexi/record-ciphersuite-1.json', '--auditor-key', KEY_B64]).status,
      0,
    );
  });

  test('when every file of the broken-record corpus is checked, each fails with its own code', () => {
    const files = readdirSync(corpus).filter((f) => f.endsWith('.json') && f !== 'expected.json');
    assert.deepEqual(files.sort(), Object.keys(expected).sort(), 'every corpus file has an expected code');
    for (const f of files) {
      const r = run(['check-record', `${corpus}${f}`, '--auditor-key', KEY, '--json']);
      assert.equal(r.status, 1, `${f}: ${r.out}`);
      const j = JSON.parse(r.out);
      assert.deepEqual(
        j.errors.map((e: { code: string }) => e.code),
        [expected[f]],
        f,
      );
      assert.ok(j.errors[0].file.endsWith(f), `${f}: the error names the file`);
    }
  });

  test("when the key is another key, the record's key_id names the mismatch (KEY_ID_MISMATCH)", () => {
    const other = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'; // RFC 8032 test 1 key
    const r = run([
      'check-record',
      'tests/data/plexi/record-ciphersuite-1.json',
      '--auditor-key',
      other,
      '--json',
    ]);
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.out).errors[0].code, 'KEY_ID_MISMATCH');
  });

  test('when the arguments are wrong, it exits 2 with the usage', () => {
    assert.equal(run(['check-record', 'x.json']).status, 2);
    assert.equal(run(['check-record', 'x.json', '--auditor-key', 'abcd']).status, 2);
    assert.equal(run(['check-record', '--bogus']).status, 2);
    assert.equal(run(['frobnicate']).status, 2);
    assert.equal(run([]).status, 2);
  });

  test('when the file does not exist, it exits 1 with FILE_MISSING', () => {
    const r = run(['check-record', 'no/such/file.json', '--auditor-key', KEY, '--json']);
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.out).errors[0].code, 'FILE_MISSING');
  });

  test('when run as the installed `fleetproof` binary, the exit codes are 0, 1 and 2', () => {
    const bin = ['bin/fleetproof.mjs', 'check-record'];
    const ok = spawnSync(
      process.execPath,
      [...bin, 'tests/data/plexi/record-ciphersuite-2.json', '--auditor-key', KEY],
      { encoding: 'utf8' },
    );
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /verified: epoch 1 of log2\.example\.com/);
    const bad = spawnSync(
      process.execPath,
      [...bin, `${corpus}cs2-signature-changed.json`, '--auditor-key', KEY],
      { encoding: 'utf8' },
    );
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /AUDITOR_SIGNATURE_INVALID/);
    const usage = spawnSync(process.execPath, [...bin], { encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /usage:/);
  });
});
