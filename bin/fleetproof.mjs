#!/usr/bin/env node
// The `fleetproof` command: runs the TypeScript CLI through tsx's loader (a runtime dependency).
import { register } from 'tsx/esm/api';

// `fleetproof verify --verbose | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

register();
const { mainAsync } = await import('../scripts/fleetproof.ts');
process.exitCode = await mainAsync(process.argv.slice(2));
