import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GC_ON_THE_CALLING_THREAD, INTERRUPT_BUDGET, WASM_TIERING_BUDGET } from './v8-flags.mjs';

const churn = fileURLToPath(new URL('./testdata/gc-churn.mjs', import.meta.url));
const run = (flags: string[]) =>
  spawnSync(process.execPath, ['--expose-gc', churn, ...flags], { encoding: 'utf8' });
const onV8_11 = process.versions.v8.startsWith('11.');

test('when the CLI’s V8 flags are set at run time, threads that allocate and collect run to the end with the same results', () => {
  const plain = run([]);
  assert.equal(plain.status, 0, plain.stderr);
  const flags = [...(INTERRUPT_BUDGET ? [INTERRUPT_BUDGET] : []), ...GC_ON_THE_CALLING_THREAD];
  const flagged = run(flags);
  assert.equal(flagged.status, 0, flagged.stderr);
  // V8 names a flag it does not know on stderr ("unrecognized flag") and goes on without it.
  assert.equal(flagged.stderr, '', 'every flag recognised');
  assert.equal(flagged.stdout, plain.stdout);
  assert.equal(JSON.parse(flagged.stdout).length, 3, 'the main thread and two workers');
});

test(
  'when a collector flag V8 cannot take at run time is set (--single-threaded-gc), the same threads die: the check above can fail',
  {
    skip: onV8_11 ? false : 'measured on V8 11 only',
  },
  () => {
    for (const flag of ['--single-threaded-gc', '--no-parallel-marking']) {
      const r = run([flag]);
      assert.notEqual(r.status, 0, `${flag}: ${r.stdout}`);
    }
  },
);

const wasmTier = fileURLToPath(new URL('./testdata/wasm-tier.mjs', import.meta.url));
const tierOf = (flags: string[]) => {
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', wasmTier, ...flags], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'every flag recognised');
  return r.stdout.trim();
};

test(
  'when npm run build’s WebAssembly budget is set at run time, a function a worker compiles afterwards stays in Liftoff where without it TurboFan takes it',
  { skip: WASM_TIERING_BUDGET ? false : 'measured on V8 11 only' },
  () => {
    assert.equal(tierOf([]), 'turbofan', 'V8’s own budget: the hot function is compiled again');
    assert.equal(tierOf([WASM_TIERING_BUDGET!]), 'liftoff');
  },
);
