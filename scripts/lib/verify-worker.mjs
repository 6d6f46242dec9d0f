// A verify worker thread (scripts/lib/parallel-verify.ts): loads the TypeScript worker through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./verify-worker.ts');
