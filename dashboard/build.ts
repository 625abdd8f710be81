// Bundles the dashboard's client (dashboard/client/*.ts, with d3-geo and topojson-client from
// node_modules) into one script with esbuild, in memory. The node calls bundleDashboard() on the
// first request for the page's assets and keeps the result for its lifetime, so there is no build
// step to forget and no stale bundle after `npm ci` or an edit; nothing is fetched from the
// internet, by the node or by the page. `npm run build:dashboard [-- DIR]` writes the same files
// to a folder (default dist/dashboard) for serving them elsewhere or looking at them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { errorMessage } from '../errors/tallymesh-error.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLIENT = join(HERE, 'client');

export interface DashboardAssets {
  html: string;
  js: string;
  /** The "check my receipt" page and its script. */
  receiptHtml: string;
  receiptJs: string;
  css: string;
  /** Path of us-atlas's counties-10m.json (served as is: states and counties, TopoJSON). */
  atlasPath: string;
}

async function bundle(): Promise<DashboardAssets> {
  const result = await build({
    entryPoints: { app: join(CLIENT, 'main.ts'), receipt: join(CLIENT, 'receipt-page.ts') },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    // d3-geo and topojson-client are ISC licensed; keep their notices in the bundle.
    legalComments: 'eof',
    logLevel: 'silent',
    // Names the outputs only; write: false keeps them in memory.
    outdir: HERE,
  });
  const script = (name: string): string => {
    const js = result.outputFiles.find((f) => f.path.endsWith(`${name}.js`))?.text;
    if (js === undefined) throw new Error(`esbuild produced no ${name}.js for the dashboard`);
    return js;
  };
  return {
    html: readFileSync(join(CLIENT, 'index.html'), 'utf8'),
    js: script('app'),
    receiptHtml: readFileSync(join(CLIENT, 'receipt.html'), 'utf8'),
    receiptJs: script('receipt'),
    css: readFileSync(join(CLIENT, 'style.css'), 'utf8'),
    atlasPath: createRequire(import.meta.url).resolve('us-atlas/counties-10m.json'),
  };
}

let cached: Promise<DashboardAssets> | undefined;

/** The dashboard's files, bundled once per process. A failed build is retried on the next call. */
export function bundleDashboard(): Promise<DashboardAssets> {
  cached ??= bundle().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'dist/dashboard');
  const assets = await bundleDashboard();
  mkdirSync(join(out, 'dashboard'), { recursive: true });
  // The same layout as a node serves: the page at /dashboard, its files under /dashboard/.
  writeFileSync(join(out, 'dashboard.html'), assets.html);
  writeFileSync(join(out, 'dashboard', 'app.js'), assets.js);
  writeFileSync(join(out, 'dashboard', 'receipt.html'), assets.receiptHtml);
  writeFileSync(join(out, 'dashboard', 'receipt.js'), assets.receiptJs);
  writeFileSync(join(out, 'dashboard', 'app.css'), assets.css);
  writeFileSync(join(out, 'dashboard', 'atlas.json'), readFileSync(assets.atlasPath));
  process.stdout.write(`wrote the dashboard (${(assets.js.length / 1024).toFixed(0)} KiB of script) to ${out}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`build:dashboard: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  });
}
