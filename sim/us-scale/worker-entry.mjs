// Worker-thread entry of the U.S.-scale run: a worker does not inherit the parent's TypeScript
// loader, so it registers tsx itself and then loads worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('../../polyfill.ts');
await import('./worker.ts');
