import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { grouped } from './format.ts';

describe('grouped (the widget’s numbers without Intl)', () => {
  it('writes every integer the way en-GB’s toLocaleString does', () => {
    const xs = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 10_000, 123_456, 999_999, 1_000_000, 12_345_678];
    for (let i = 0; i < 2000; i++) xs.push(Math.floor(Math.random() * 10 ** Math.floor(Math.random() * 16)));
    for (const x of [...xs, ...xs.map((x) => -x)])
      assert.equal(grouped(x), x.toLocaleString('en-GB'), String(x));
    assert.equal(grouped(Number.MAX_SAFE_INTEGER), '9,007,199,254,740,991');
  });
});
