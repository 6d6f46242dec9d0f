// A thread that opens a SharedTree made by another (scripts/lib/read-tree.test.ts) and posts back, as text, the
// files it is asked for, or the message of the error it met.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { SharedTree } = await import('../read-tree.ts');
const tree = SharedTree.open(workerData.handle);
try {
  parentPort.postMessage({ texts: workerData.paths.map((p) => Buffer.from(tree.get(p)).toString()) });
} catch (e) {
  parentPort.postMessage({ error: String(e.message) });
}
