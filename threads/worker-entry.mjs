// Worker-thread entry for TypeScript modules: registers the tsx loader inside the worker (a
// worker does not inherit the parent's loader) and imports the module named in workerData.module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import('../polyfill.ts');
await import(workerData.module);
