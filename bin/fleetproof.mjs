#!/usr/bin/env node
// The `fleetproof` command: runs the TypeScript CLI through tsx's loader (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../scripts/fleetproof.ts');
process.exitCode = main(process.argv.slice(2));
