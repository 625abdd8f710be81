// Whether dist/ (npm run build) is a build of the sources as they are. The launcher runs the
// build only when it is: dist/build-info.json records a SHA-256 over every file the build reads,
// and the launcher recomputes it (a few milliseconds for the product's ~200 files). A stale or
// missing build is never run; the sources are, through tsx.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/** The product's source folders and files (tests, benchmarks and doc generators are not built). */
export const SOURCES = ['errors', 'crypto', 'protocol', 'roles', 'storage', 'record', 'setup', 'node', 'cli', 'sim', 'threads', 'dashboard', 'polyfill.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'native/bignum/build/Release/tallymesh_bignum.node', 'native/netdelay/build/tm-netdelay'];

const BUILT_FILE = /(\.(ts|mjs|html|css|json|node)|\/tm-netdelay)$/;

function files(root, entry, out) {
  const path = join(root, entry);
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) files(root, join(entry, name), out);
  } else if (BUILT_FILE.test(entry)) out.push(entry.split(sep).join('/'));
}

/** SHA-256 over the path and bytes of every source file, in a fixed order. */
export function sourceHash(root) {
  const list = [];
  for (const entry of SOURCES) files(root, entry, list);
  const h = createHash('sha256');
  for (const file of list) {
    const bytes = readFileSync(join(root, file));
    h.update(`${file}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return h.digest('hex');
}

/** dist/build-info.json, or undefined when there is no build. */
export function buildInfo(root) {
  const file = join(root, 'dist', 'build-info.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** 'current' (run dist/), 'stale' (sources changed since the build) or 'absent'. */
export function buildState(root) {
  const info = buildInfo(root);
  if (!info || !existsSync(join(root, 'dist', 'bin', 'tallymesh.js'))) return 'absent';
  return info.sourceHash === sourceHash(root) ? 'current' : 'stale';
}

