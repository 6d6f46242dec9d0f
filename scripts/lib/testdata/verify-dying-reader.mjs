// Verifies the demo evidence in two threads whose worker dies holding a file's claim (dies-reading.mjs), and writes
// the report and what the worker's death was reported as to the file named by its argument. Run in a process of its
// own, with a time limit (scripts/lib/parallel-verify.test.ts): a thread that waited for the dead worker's read
// would wait for ever.
import { writeFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { listTree } = await import('../read-tree.ts');
const { verifyTreeParallel } = await import('../parallel-verify.ts');
const { useNodeCrypto } = await import('../node-crypto.ts');
useNodeCrypto();
const told = [];
const r = await verifyTreeParallel(listTree('evidence'), {
  jobs: 2,
  workerUrl: new URL('./dies-reading.mjs', import.meta.url),
  mainThreadClaims: false,
  onWorkerError: (e) => told.push(e.message),
});
writeFileSync(process.argv[2], JSON.stringify({ report: JSON.stringify(r.report), told }));
process.exit(0);
