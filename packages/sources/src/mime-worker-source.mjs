// The MIME parsing thread when the sources run from TypeScript (the tests, under tsx): Node 20 does not apply the
// parent's `--import tsx` hooks to a worker's entry module, so this plain module registers them, then loads the
// thread's TypeScript module. Built code starts `mime-worker.js` directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
await import('./mime-worker.ts');
