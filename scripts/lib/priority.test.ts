/**
 * lowestPriority (scripts/lib/priority.mjs), which `npm run build`'s bundling process calls: every thread of the
 * process at nice 19, V8's own threads included. Read back from /proc, so Linux only.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { getPriority } from 'node:os';

const PRIORITY = new URL('./priority.mjs', import.meta.url).href;

/** Runs `code` (an ES module) in a fresh Node and returns what it printed, parsed as JSON. */
function inChild(code: string): { threads: number; nice: number[]; lowered?: number } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { threads: number; nice: number[]; lowered?: number };
}

/** The module code that prints the nice value of every thread of its process (field 19 of /proc/…/stat). */
const REPORT = `
import { readdirSync, readFileSync } from 'node:fs';
const nice = readdirSync('/proc/self/task').map((t) => {
  const stat = readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
});
`;

describe('lowestPriority', { skip: !existsSync('/proc/self/task') && 'no /proc/self/task here' }, () => {
  it('when called, every thread of the process runs at nice 19, V8 threads started before it included', () => {
    const out = inChild(`
      import { lowestPriority } from ${JSON.stringify(PRIORITY)};
      const lowered = lowestPriority();
      ${REPORT}
      console.log(JSON.stringify({ threads: nice.length, nice, lowered }));
    `);
    assert.ok(out.threads > 1, 'Node runs more than one thread');
    assert.deepEqual(out.nice, Array(out.threads).fill(19));
    assert.equal(out.lowered, out.threads);
  });

  // A child starts at this process's nice value: from nice 19 already there would be nothing to tell apart.
  const start = getPriority();
  it(
    'when only os.setPriority(19) is called, the other threads keep their priority (why the function exists)',
    {
      skip: start === 19 && 'the tests already run at nice 19',
    },
    () => {
      const out = inChild(`
      import { setPriority } from 'node:os';
      setPriority(19);
      ${REPORT}
      console.log(JSON.stringify({ threads: nice.length, nice }));
    `);
      assert.equal(out.nice[0], 19);
      assert.ok(
        out.nice.slice(1).some((n) => n === start),
        `expected V8's threads at nice ${start}, got ${out.nice}`,
      );
    },
  );

  it('when a thread is started after it, the thread inherits nice 19', () => {
    const out = inChild(`
      import { lowestPriority } from ${JSON.stringify(PRIORITY)};
      import { Worker } from 'node:worker_threads';
      lowestPriority();
      const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
      await new Promise((r) => w.once('online', r));
      ${REPORT}
      await w.terminate();
      console.log(JSON.stringify({ threads: nice.length, nice }));
    `);
    assert.deepEqual(out.nice, Array(out.threads).fill(19));
  });
});
