/**
 * Scratch folders for tests: a fresh folder under the system's temporary folder, removed when the test process
 * exits (the runner starts a process per test file), so that a run of `npm test` leaves nothing behind, pass or
 * fail. A test that needs a folder gone sooner removes it itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
let registered = false;

export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fleetproof-${prefix}-`));
  made.push(dir);
  if (!registered) {
    registered = true;
    process.on('exit', () => {
      for (const d of made) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}
