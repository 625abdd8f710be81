// Builds the Montgomery addon with node-gyp; run by the root package's `install` script (npm ci /
// npm install). A failed build does not fail the install: crypto/native-bignum.ts then falls back
// to BigInt / OpenSSL and says so once, and the native tests fail loudly (see README).
//
// node-gyp normally downloads Node's headers; CI is offline except for the npm registry, so point
// it at the headers installed next to this node binary (<prefix>/include/node) when they exist.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  // Outside an npm lifecycle script: npm's bundled copy, found from the npm on this machine.
  const npmDir = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm');
  try {
    return createRequire(join(npmDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

const gyp = nodeGyp();
const args = ['rebuild', '--release'];
if (!process.env.npm_config_nodedir) {
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
}
const result = gyp ? spawnSync(process.execPath, [gyp, ...args], { cwd: here, stdio: 'inherit' }) : undefined;
if (!result || result.status !== 0) {
  console.warn(
    '\n[tallymesh] WARNING: the native Montgomery addon (native/bignum) did not build' +
      (gyp ? '' : ' (node-gyp not found)') +
      '.\n[tallymesh] TallyMesh still works on BigInt/OpenSSL arithmetic, with ballot encryption, verification and\n' +
      '[tallymesh] partial decryption roughly 1.5-3x slower (see crypto/native-bignum.ts).\n',
  );
}
