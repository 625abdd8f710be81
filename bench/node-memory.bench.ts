// What one in-process node costs in memory, and which part of it is which (issue: a thousand
// nodes on one machine). Each measurement runs in a fresh child process that starts K of one
// thing, lets it settle, collects garbage twice and reports RSS, V8 heap used and external
// memory against the same process before it started them:
//   full      K whole nodes (TallyNode + REST API) of one county's precincts, as simulate runs
//   no-rest   the same nodes without their REST API
//   leveldb   K node databases, each with 100 synced 4 KB writes (a precinct's ballots)
//   rest      K REST APIs (Fastify + OpenAPI + the dashboard routes) over a stub, no node
// libp2p and the node's own state are what "no-rest" has beyond "leveldb".
//
//   node --import tsx bench/node-memory.bench.ts [--count K] [--write | --no-write]
import '../polyfill.ts';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { generateElection } from '../setup/election-setup.ts';
import { writeSetup } from '../setup/setup-files.ts';
import { loadNodeConfig } from '../node/config.ts';
import { TallyNode } from '../node/tally-node.ts';
import { startNode } from '../node/node-runtime.ts';
import { createRestServer } from '../node/rest/server.ts';
import type { NodeApi } from '../node/api/node-api.ts';
import { Level } from 'level';
import { openNodeDatabase } from '../storage/database.ts';
import { markdownTable, sig } from './harness.ts';
import { machineInfo, machineMarkdown, writeSection } from './report.ts';

const HERE = fileURLToPath(import.meta.url);
const RESULTS = path.join(path.dirname(HERE), 'RESULTS.md');
const COMPONENTS = ['full', 'no-rest', 'leveldb', 'rest'] as const;
type Component = (typeof COMPONENTS)[number];

interface Sample {
  rss: number;
  heap: number;
  external: number;
}

function gc(): void {
  const f = (globalThis as { gc?: () => void }).gc ?? (v8.setFlagsFromString('--expose-gc'), runInNewContext('gc') as () => void);
  f();
  f();
}

function sample(): Sample {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** In the child: start `count` of `component` under `dir` and print the per-item deltas. */
async function child(component: Component, count: number, dir: string): Promise<void> {
  const configs = fs
    .readdirSync(path.join(dir, 'nodes'))
    .map((f) => path.join(dir, 'nodes', f))
    .filter((f) => loadNodeConfig(f).role === 'precinct')
    .slice(0, count);
  if (configs.length < count) throw new Error(`the election has ${configs.length} precincts, fewer than ${count}`);
  const silent = pino({ level: 'silent' });
  const local = { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], rest: { host: '127.0.0.1', port: 0 } };
  const stops: (() => Promise<unknown>)[] = [];
  await sleep(500);
  const before = sample();
  for (const [i, config] of configs.entries()) {
    if (component === 'full') {
      const n = await startNode(config, { override: local, logger: silent });
      stops.push(() => n.stop());
    } else if (component === 'no-rest') {
      const n = await TallyNode.start({ config: { ...loadNodeConfig(config), ...local }, logger: silent });
      stops.push(() => n.stop());
    } else if (component === 'leveldb') {
      // A node's database, with what a precinct of 100 ballots writes (about 4 KB each, synced).
      const location = path.join(dir, 'dbs', String(i));
      await (await openNodeDatabase(location)).close();
      const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
      await db.open();
      for (let b = 0; b < 100; b++) await db.put(Uint8Array.of(0x21, b), new Uint8Array(4096).fill(b), { sync: true });
      stops.push(() => db.close());
    } else {
      const stub = { id: `stub-${i}` } as unknown as NodeApi;
      const rest = createRestServer(stub, { host: '127.0.0.1', port: 0, logger: false });
      await rest.start();
      await rest.app.inject({ url: '/docs/json' }); // the OpenAPI document is built on first use
      stops.push(() => rest.stop());
    }
  }
  await sleep(5_000); // timers, first gossip heartbeats, LevelDB's background work
  const after = sample();
  const per = (k: keyof Sample): number => (after[k] - before[k]) / count;
  process.stdout.write(JSON.stringify({ component, count, rss: per('rss'), heap: per('heap'), external: per('external'), totalRss: after.rss }) + '\n');
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  process.exit(0);
}

interface Result {
  component: Component;
  count: number;
  rss: number;
  heap: number;
  external: number;
  totalRss: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === 'child') return child(args[1] as Component, Number(args[2]), args[3]!);
  const countArg = args.indexOf('--count');
  const count = countArg >= 0 ? Number(args[countArg + 1]) : 100;
  const write = args.includes('--write') || !args.includes('--no-write');
  const machine = machineInfo();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-bench-memory-'));
  try {
    const election = generateElection({ states: 1, countiesPerState: 1, precinctsPerCounty: count, electionId: 'bench-memory' });
    writeSetup(dir, election, { host: '127.0.0.1', basePort: 0 });
    const results: Result[] = [];
    for (const component of COMPONENTS) {
      console.error(`[bench] ${component}: ${count} in a fresh process ...`);
      for (const sub of ['data', 'dbs']) fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
      fs.mkdirSync(path.join(dir, 'data'));
      const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', HERE, 'child', component, String(count), dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      if (r.status !== 0 || !line.startsWith('{')) throw new Error(`${component} failed:\n${r.stdout}\n${r.stderr}`);
      results.push(JSON.parse(line) as Result);
    }
    const mb = (x: number): string => `${sig(x / 2 ** 20)} MiB`;
    const table = markdownTable(
      ['what, per item', 'RSS', 'V8 heap used', 'external + ArrayBuffers', `process RSS with ${count}`],
      results.map((r) => [r.component, mb(r.rss), mb(r.heap), mb(r.external), mb(r.totalRss)]),
    );
    const by = new Map(results.map((r) => [r.component, r]));
    const full = by.get('full')!;
    const noRest = by.get('no-rest')!;
    const db = by.get('leveldb')!;
    const markdown = [
      `## Memory of one in-process node (${count} precincts of one county, 2048-bit election)`,
      '',
      'Written by `node --import tsx bench/node-memory.bench.ts`. Each row starts its items in a fresh process, waits 5 s,',
      'collects garbage twice and divides the growth by the number of items. Not part of `npm run bench` (it takes minutes).',
      '',
      machineMarkdown(machine),
      '',
      table,
      '',
      `An idle in-process node costs ${mb(full.rss)} of RSS (${mb(full.heap)} of V8 heap); its REST API is ${mb(full.rss - noRest.rss)} of that`,
      `(full − no-rest), and a LevelDB holding a precinct's 100 ballots ${mb(db.rss)} on its own. These are the fixed costs: what a node`,
      'holds during a count (connections, gossip caches, artifacts, LevelDB caches as they fill) comes on top; see the in-election figures.',
    ].join('\n');
    console.log(markdown);
    if (write) writeSection(RESULTS, 'node-memory', markdown);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
