// The browser scripts of `npm run build` (scripts/build.ts): the widget with its worker and lazy chunks and the
// attestation checker, bundled by Vite 8 (site/client/bundle.mjs) in a child process at the lowest priority (started
// with the project's root as its argument, without tsx's loader), while the main thread verifies the evidence and
// Astro's thread builds the pages. A process rather than a thread so that the system gives Astro's thread, the
// build's critical path, precedence on a machine with few cores: the scripts are still ready long before the pages
// that link them render (a cold demo build about 0.16 s shorter on two cores than with a thread of normal priority).
// Taken from the cache when every input is unchanged. Sends { bundle } or { error } to its parent over IPC
// (advanced serialization: the files' bytes as they are), which hands it to Astro's thread, then exits.
import { lowestPriority } from './lib/priority.mjs';

// The build ended without it (it failed, or stopped): so does this process.
process.once('disconnect', () => process.exit(0));
// Every thread, V8's compiler and collector threads included (os.setPriority alone lowered only this one on Linux:
// scripts/lib/priority.mjs), and before Vite loads. Where the system refuses, the scripts are bundled at the
// normal priority.
lowestPriority();
const { clientBundle } = await import('../site/client/bundle.mjs');
/** @type {{ bundle?: unknown, error?: string }} */
let message;
try {
  message = { bundle: await clientBundle({ root: process.argv[2] ?? process.cwd() }) };
} catch (e) {
  message = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
// Vite may leave handles open: the process ends once its message is out.
process.send?.(message, () => process.exit(0));
