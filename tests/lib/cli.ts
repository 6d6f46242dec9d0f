/** Runs the `fleetproof` CLI in the test's own process and returns its exit status and everything it printed. */
import { main } from '../../scripts/fleetproof.ts';

export function runCli(args: string[]): { status: number; out: string } {
  const lines: string[] = [];
  const log = console.log;
  const err = console.error;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  console.error = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    return { status: main(args), out: lines.join('\n') };
  } finally {
    console.log = log;
    console.error = err;
  }
}
