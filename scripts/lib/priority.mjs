// @ts-check
/**
 * The lowest scheduling priority for the whole of this process: every thread, not only the one that asks.
 *
 * On Linux a nice value belongs to a thread: `os.setPriority(19)` (setpriority(2) with PRIO_PROCESS and pid 0)
 * lowers the calling thread alone, and threads inherit a nice value only when they are created. V8's platform
 * threads (concurrent compilation, the garbage collector's helpers) start with Node, before any of our code runs,
 * and so kept the normal priority: in `npm run build`'s bundling process (scripts/build-client.mjs) they took
 * about 0.8 s of CPU beside Astro's thread at the same priority as it. Each thread listed in /proc/self/task is
 * lowered by its id (setpriority(2) takes a thread id there). Elsewhere (macOS: one nice value per process) the
 * first call covers the process. Threads created later (libuv's pool, child processes) inherit the new value.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers every thread of this process to nice 19. Best effort: what the system refuses stays as it was.
 * @returns {number} how many threads were lowered (0 when none could be)
 */
export function lowestPriority() {
  let lowered = 0;
  try {
    setPriority(19);
    lowered = 1;
  } catch {
    return 0; // not allowed here: the process keeps its priority
  }
  /** @type {string[]} */
  let tasks;
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return lowered; // no procfs: the priority is the process's (or only this thread's)
  }
  for (const task of tasks) {
    const tid = Number(task);
    if (!Number.isSafeInteger(tid) || tid === process.pid) continue; // the main thread is done above
    try {
      setPriority(tid, 19);
      lowered++;
    } catch {
      /* the thread ended meanwhile, or the system refused */
    }
  }
  return lowered;
}
