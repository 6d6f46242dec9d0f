/**
 * A process for scripts/lib/lock.test.ts that takes a lock as a release job would.
 *   hold LOCK SIGNAL         takes the lock, prints "held", holds it until the file SIGNAL exists, releases it,
 *                            prints "released"
 *   contend LOCK LOG ROUNDS  ROUNDS times: takes the lock, appends "in PID" and, 3 ms later, "out PID" to LOG, releases
 */
import { appendFileSync, existsSync } from 'node:fs';
import { acquireLock } from '../lock.mjs';

const [mode, lockPath, ...rest] = process.argv.slice(2);
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
if (mode === 'hold') {
  const lock = acquireLock(lockPath!);
  console.log('held');
  while (!existsSync(rest[0]!)) sleep(10);
  lock.release();
  console.log('released');
} else if (mode === 'contend') {
  const [log, rounds] = rest;
  for (let i = 0; i < Number(rounds); i++) {
    const lock = acquireLock(lockPath!, { pollMs: 2 });
    appendFileSync(log!, `in ${process.pid}\n`);
    sleep(3);
    appendFileSync(log!, `out ${process.pid}\n`);
    lock.release();
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
