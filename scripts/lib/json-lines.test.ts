import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonLines, writeJsonLines } from './json-lines.ts';
import { readTree } from './read-tree.ts';
import { verifyEvidence } from '../../verify/tree.ts';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const written = (v: unknown, size?: number, wholeUpTo?: number) => {
  const out: string[] = [];
  writeJsonLines(v, (t) => out.push(t), size, wholeUpTo);
  return out;
};

test('when a report is written in pieces, the text is JSON.stringify(report, null, 2) plus a newline', () => {
  const { model: _m, ...report } = verifyEvidence(readTree(`${root}evidence`));
  const whole = `${JSON.stringify(report, null, 2)}\n`;
  assert.deepEqual(written(report), [whole], 'a small report: one string');
  assert.equal(written(report, undefined, 0).join(''), whole);
  const lines = written(report, 1, 0);
  assert.ok(lines.length > 1, 'in pieces');
  assert.equal(lines.join(''), whole);
});

test('when any JSON value is written in pieces, the text is what JSON.stringify gives', () => {
  const odd = { a: undefined, b: () => 1, c: [undefined, 1], d: [], e: {}, f: 'x\ny', g: [{ h: [1, [2]] }] };
  assert.equal([...jsonLines(odd)].join('\n'), JSON.stringify(odd, null, 2));
  assert.equal([...jsonLines({})].join('\n'), '{}');
  assert.equal([...jsonLines([1, 2])].join('\n'), JSON.stringify([1, 2], null, 2));
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      assert.equal([...jsonLines(v)].join('\n'), JSON.stringify(v, null, 2));
    }),
    { numRuns: 500, seed: 8 },
  );
});
