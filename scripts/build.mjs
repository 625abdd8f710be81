// `npm run build` (also run by `npm install` and `npm ci`, after the native addon): compiles the
// product's TypeScript to dist/ so that a deployed node starts without compiling anything.
//   dist/<folder>/*.js    tsc -p tsconfig.build.json (imports rewritten from .ts to .js)
//   dist/bin/tallymesh.js the launcher of the build (no tsx)
//   dist/...              the files the code reads next to itself: the worker entry, the
//                         dashboard's client sources (bundled by esbuild on first request), the
//                         native addon
//   dist/build-info.json  the hash of the sources built (bin/build-state.mjs)
// Without TypeScript (an install that omitted dev dependencies) it builds nothing and says so:
// bin/tallymesh.js then runs the sources, as it does whenever dist/ is stale. A build of the
// sources as they are is kept (--force rebuilds). `--from-install` (the install step) never fails
// the installation: a source that does not compile leaves no dist/, and the sources run.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildState, sourceHash } from '../bin/build-state.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const say = (line) => process.stdout.write(`build: ${line}\n`);
const args = process.argv.slice(2);
const fromInstall = args.includes('--from-install');
if (!args.includes('--force') && buildState(ROOT) === 'current') {
  say('dist/ is a build of the sources as they are (--force rebuilds)');
  process.exit(0);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  say('TypeScript is not installed (dev dependencies omitted): nothing built; bin/tallymesh.js runs the sources');
  process.exit(0);
}

const started = performance.now();
const hash = sourceHash(ROOT);
rmSync(DIST, { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
if (compiled.status !== 0) {
  rmSync(DIST, { recursive: true, force: true });
  say('tsc failed: dist/ removed; bin/tallymesh.js runs the sources');
  process.exit(fromInstall ? 0 : 1);
}

const copy = (from, to = from) => {
  if (existsSync(join(ROOT, from))) cpSync(join(ROOT, from), join(DIST, to), { recursive: true });
};
copy('threads/worker-entry.mjs');
copy('dashboard/client');
copy('native/bignum/build/Release/tallymesh_bignum.node');
copy('native/netdelay/build/tm-netdelay');

mkdirSync(join(DIST, 'bin'), { recursive: true });
writeFileSync(
  join(DIST, 'bin', 'tallymesh.js'),
  [
    '#!/usr/bin/env node',
    '// The built launcher (scripts/build.mjs): the polyfill, then the CLI, compiled; no TypeScript loader.',
    'process.setSourceMapsEnabled(true);',
    "await import('../polyfill.js');",
    "const { main } = await import('../cli/cli.js');",
    'await main(process.argv);',
    '',
  ].join('\n'),
);
writeFileSync(join(DIST, 'build-info.json'), JSON.stringify({ sourceHash: hash, builtAt: new Date().toISOString(), node: process.version }, null, 2) + '\n');
say(`dist/ built in ${((performance.now() - started) / 1000).toFixed(1)} s (sources ${hash.slice(0, 12)}…)`);
