#!/usr/bin/env node
// Launcher. Runs the build in dist/ (npm run build, done by npm install) when it is a build of the
// sources as they are, so that a node starts without compiling TypeScript; otherwise, or with
// TALLYMESH_SOURCES=1, registers the TypeScript loader (tsx) and runs the sources.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildState } from './build-state.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.TALLYMESH_SOURCES !== '1' && buildState(root) === 'current') {
  await import('../dist/bin/tallymesh.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../polyfill.ts');
  const { main } = await import('../cli/cli.ts');
  await main(process.argv);
}
