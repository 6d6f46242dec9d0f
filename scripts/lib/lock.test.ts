/**
 * The lock of the release job and of builds that share a cache (scripts/lib/lock.mjs): one holder at a time, even
 * when several processes contend for it and a stale lock is taken over at the same moment; a live holder waited
 * for; a gone one's lock taken over; a holder that cannot be judged, or a file that is not a lock, refused and left
 * as it is.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../../site/testing/fixtures.ts';
import {
  type LockHolder,
  LockLost,
  LockRefused,
  acquireLock,
  processStart,
  staleBecause,
  takeOver,
} from './lock.mjs';

const HOLDER = new URL('./testdata/lock-holder.ts', import.meta.url).pathname;

/** A process's pid that no longer runs. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

function lockText(h: Partial<LockHolder>): string {
  return `${JSON.stringify({
    host: hostname(),
    pid: process.pid,
    token: 'ab'.repeat(16),
    since: '2026-01-01T00:00:00.000Z',
    ...h,
  })}\n`;
}

/** Starts lock-holder.ts; resolves once it prints `line`. */
function startHolder(args: string[], line: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes(line)) resolve();
    });
    child.stderr.on('data', (d) => (out += d));
    void exited.then(() => reject(new Error(`the holder exited before "${line}": ${out}`)));
  });
  ready.catch(() => {}); // awaited where it matters; not an unhandled rejection where it is not
  return { child, ready, exited, output: () => out };
}

describe('the lock', () => {
  it('when it is free, it is taken with this process as its holder, and released', () => {
    const path = join(tempDir('lock'), '.site.lock');
    const lock = acquireLock(path);
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    assert.equal(h.pid, process.pid);
    assert.equal(h.host, hostname());
    assert.equal(h.token, lock.holder.token);
    assert.match(h.token, /^[0-9a-f]{32}$/);
    if (processStart(process.pid) !== undefined) assert.equal(h.start, processStart(process.pid));
    lock.check();
    lock.release();
    assert.equal(existsSync(path), false);
    // Nothing else is left beside it, and it can be taken again.
    assert.deepEqual(readdirSync(join(path, '..')), []);
    acquireLock(path).release();
  });

  it('when a live process holds it, it is waited for and taken once released', async () => {
    const dir = tempDir('lock');
    const path = join(dir, '.site.lock');
    const signal = join(dir, 'let-go');
    // It holds the lock until told to let go, which this test does only once it is waiting.
    const holder = startHolder(['hold', path, signal], 'held');
    try {
      await holder.ready;
      const theirs = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
      assert.equal(theirs.pid, holder.child.pid);
      assert.equal(staleBecause(theirs), undefined);
      assert.throws(
        () => acquireLock(path, { timeoutMs: 100, pollMs: 20 }),
        (e: Error) => e instanceof LockRefused && e.message.includes(`pid ${holder.child.pid}`),
      );
      const waitedFor: number[] = [];
      const lock = acquireLock(path, {
        pollMs: 20,
        timeoutMs: 10_000,
        onWait: (h) => {
          waitedFor.push(h.pid);
          writeFileSync(signal, '');
        },
      });
      assert.deepEqual(waitedFor, [holder.child.pid]);
      assert.equal(await holder.exited, 0, holder.output());
      assert.match(holder.output(), /released/);
      lock.check();
      lock.release();
    } finally {
      holder.child.kill(); // none left behind if an assertion failed before it was told to let go
    }
  });

  it('when its holder is gone, the lock is taken over and the reason given', () => {
    const path = join(tempDir('lock'), '.site.lock');
    const pid = deadPid();
    writeFileSync(path, lockText({ pid }));
    const why: string[] = [];
    const lock = acquireLock(path, { timeoutMs: 5000, onStale: (h, w) => why.push(`${h.pid}: ${w}`) });
    assert.deepEqual(why, [`${pid}: no process ${pid} is running`]);
    lock.check();
    lock.release();
  });

  it('when a killed job left a half-made or renamed-aside lock beside it, the next holder removes it, not a live one', () => {
    const dir = tempDir('lock');
    const path = join(dir, '.site.lock');
    const dead = deadPid();
    const left = {
      [`.site.lock.new-${'0a'.repeat(16)}`]: lockText({ pid: dead, token: '0a'.repeat(16) }),
      [`.site.lock.stale-${'0b'.repeat(16)}`]: lockText({ pid: dead, token: '0c'.repeat(16) }),
      // Another job's, alive, between its two steps: kept; as is what is not a lock.
      [`.site.lock.new-${'0d'.repeat(16)}`]: lockText({ pid: process.ppid, token: '0d'.repeat(16) }),
      [`.site.lock.new-${'0e'.repeat(16)}`]: 'not a lock\n',
      // Not named as this lock's leftovers: kept.
      ['.other.lock.new-' + '0f'.repeat(16)]: lockText({ pid: dead, token: '0f'.repeat(16) }),
    };
    for (const [name, text] of Object.entries(left)) writeFileSync(join(dir, name), text);
    const lock = acquireLock(path);
    assert.deepEqual(readdirSync(dir).sort(), [
      '.other.lock.new-' + '0f'.repeat(16),
      '.site.lock',
      `.site.lock.new-${'0d'.repeat(16)}`,
      `.site.lock.new-${'0e'.repeat(16)}`,
    ]);
    lock.release();
  });

  it("when its holder's pid now belongs to another process, or it is from an earlier boot, it is stale", (t) => {
    if (processStart(process.pid) === undefined) return t.skip('no /proc here');
    assert.match(
      staleBecause(JSON.parse(lockText({ start: '1' })) as LockHolder) ?? '',
      /another process than the one that took it/,
    );
    assert.match(
      staleBecause(JSON.parse(lockText({ boot: '00000000-0000-4000-8000-000000000000' })) as LockHolder) ??
        '',
      /before this host last booted/,
    );
    // This process, with its own start: alive.
    assert.equal(
      staleBecause(JSON.parse(lockText({ start: processStart(process.pid) })) as LockHolder),
      undefined,
    );
  });

  it('when it is held on another host, or is not a lock, it is refused naming the file, and left as it is', () => {
    const dir = tempDir('lock');
    const cases: [string, RegExp][] = [
      [
        lockText({ host: 'elsewhere.example' }),
        /held by a job on another host \(pid \d+ on elsewhere\.example/,
      ],
      ['not a lock\n', /is not a lock this code wrote \(it is not JSON\); if no job holds it, remove it/],
      [
        lockText({ token: 'short' }),
        /is not a lock this code wrote \(its "token" is not 32 lowercase hex digits\)/,
      ],
      [lockText({ pid: -1 }), /is not a lock this code wrote \(its "pid" is not a positive integer\)/],
      // What a message would repeat must be plain text: no terminal escapes from a planted file.
      [
        lockText({ since: '\u001b[2J2026-01-01T00:00:00Z' }),
        /is not a lock this code wrote \(its "since" is not an ISO 8601 time in UTC\)/,
      ],
      [lockText({ host: 'a\nb' }), /is not a lock this code wrote \(its "host" is not printable ASCII/],
      // A large file is not read whole, nor taken for a lock.
      [
        lockText({}).replace('}', `, "pad": "${'x'.repeat(5000)}"}`),
        /is not a lock this code wrote \(it is longer than 4096 bytes\)/,
      ],
    ];
    cases.forEach(([text, expected], i) => {
      const path = join(dir, `.site${i}.lock`);
      writeFileSync(path, text);
      assert.throws(
        () => acquireLock(path, { pollMs: 5 }),
        (e: Error) => e instanceof LockRefused && e.message.startsWith(path) && expected.test(e.message),
      );
      assert.equal(readFileSync(path, 'utf8'), text);
    });
  });

  it('when this process already holds it, taking it again is an error, not a wait for ever', () => {
    const path = join(tempDir('lock'), '.site.lock');
    const lock = acquireLock(path);
    assert.throws(() => acquireLock(path, { timeoutMs: 0 }), /already held by this process/);
    lock.release();
  });

  it("when another job took the lock over, check() says so and release() leaves that job's lock", () => {
    const path = join(tempDir('lock'), '.site.lock');
    const lock = acquireLock(path);
    const theirs = lockText({ pid: process.ppid, token: 'cd'.repeat(16) });
    writeFileSync(path, theirs);
    assert.throws(
      () => lock.check(),
      (e: Error) => e instanceof LockLost && /now held by pid/.test(e.message),
    );
    lock.release();
    assert.equal(readFileSync(path, 'utf8'), theirs);
  });

  it('when a fresh lock replaced the stale one it judged, a taker puts the fresh one back', () => {
    const path = join(tempDir('lock'), '.site.lock');
    const stale = lockText({ pid: deadPid() });
    const fresh = lockText({ pid: process.ppid, token: 'ef'.repeat(16) });
    writeFileSync(path, fresh);
    assert.equal(takeOver(path, stale, '01'.repeat(16)), false);
    assert.equal(readFileSync(path, 'utf8'), fresh);
    assert.deepEqual(readdirSync(join(path, '..')), ['.site.lock']);
    writeFileSync(path, stale);
    assert.equal(takeOver(path, stale, '01'.repeat(16)), true);
    assert.deepEqual(readdirSync(join(path, '..')), []);
  });

  it('when six processes contend for it, starting from a stale lock, only one holds it at a time', async () => {
    const dir = tempDir('lock');
    const path = join(dir, '.site.lock');
    const log = join(dir, 'log');
    writeFileSync(log, '');
    writeFileSync(path, lockText({ pid: deadPid() }));
    const rounds = 8;
    const holders = Array.from({ length: 6 }, () =>
      startHolder(['contend', path, log, String(rounds)], '\0'),
    );
    const codes = await Promise.all(holders.map((h) => h.exited));
    assert.deepEqual(codes, Array(6).fill(0), holders.map((h) => h.output()).join('\n'));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 6 * rounds * 2);
    for (let i = 0; i < lines.length; i += 2) {
      const pid = lines[i]!.slice(3);
      assert.deepEqual(
        [lines[i], lines[i + 1]],
        [`in ${pid}`, `out ${pid}`],
        `line ${i + 1}: two holders at once`,
      );
    }
    assert.deepEqual(readdirSync(dir).sort(), ['log']);
  });
});
