// Worker-thread entry: imports the module named in workerData.module after the polyfill. A
// TypeScript module (running from the sources) needs the tsx loader registered inside the worker,
// which does not inherit the parent's; a built one (dist/, npm run build) is plain JavaScript and
// loads no compiler.
import { workerData } from 'node:worker_threads';

const typescript = workerData.module.endsWith('.ts');
if (typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(typescript ? '../polyfill.ts' : '../polyfill.js');
await import(workerData.module);
