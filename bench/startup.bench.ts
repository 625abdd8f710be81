// The start-up benchmark: one precinct process, `tallymesh node --config FILE`, from the build in
// dist/ (npm run build) against the obvious way, the TypeScript sources through tsx
// (TALLYMESH_SOURCES=1). Measured: the wall time from spawn to the REST API answering /health,
// and the process's resident memory (VmRSS) at that moment. Runs alternate between the two.
//
// Part of `npm run bench` (section "startup" of bench/RESULTS.md), or on its own:
//   node --import tsx bench/startup.bench.ts [--quick] [--write | --no-write]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildState } from '../bin/build-state.mjs';
import { generateElection } from '../setup/election-setup.ts';
import { writeSetup } from '../setup/setup-files.ts';
import { median, sig, statsOf } from './harness.ts';
import { machineInfo, machineMarkdown, resultsTable, writeSection, type Row, type Suite, type SuiteOptions, type SuiteOutput } from './report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'tallymesh.js');
const RESULTS = path.join(ROOT, 'bench', 'RESULTS.md');
const IDS = ['startup/precinct-ready', 'startup/precinct-rss'];

interface Start {
  ms: number;
  rss: number;
}

function vmRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}

/** Spawns the precinct, waits for /health to answer 200, reads its RSS, stops it. */
async function startOnce(config: string, sources: boolean): Promise<Start> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'node', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TALLYMESH_SOURCES: sources ? '1' : '' },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    for (;;) {
      const url = /"rest":"(http:[^"]+)"/.exec(out)?.[1];
      if (url) {
        const r = await fetch(`${url}/health`).catch(() => undefined);
        if (r?.status === 200) {
          const ms = performance.now() - started;
          return { ms, rss: vmRss(child.pid!) };
        }
      }
      if (child.exitCode !== null) throw new Error(`the precinct exited during start-up:\n${out}`);
      if (performance.now() - started > 60_000) throw new Error(`the precinct did not start in 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export async function runStartupSuite(options: SuiteOptions): Promise<SuiteOutput> {
  const state = buildState(ROOT);
  if (state !== 'current') throw new Error(`dist/ is ${state}: run \`npm run build\` first (the benchmark compares the build with the sources)`);
  const machine = machineInfo();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-bench-startup-'));
  try {
    const election = generateElection({ states: 1, countiesPerState: 1, precinctsPerCounty: 2, electionId: 'bench-startup' });
    writeSetup(dir, election, { host: '127.0.0.1', basePort: 0 });
    const config = path.join(dir, 'nodes', 'precinct-01-001-001.json');
    const c = JSON.parse(fs.readFileSync(config, 'utf8'));
    fs.writeFileSync(config, JSON.stringify({ ...c, listen: ['/ip4/127.0.0.1/tcp/0'], rest: { host: '127.0.0.1', port: 0 } }));
    const runs = options.quick ? 2 : 7;
    options.log(`starting one precinct ${runs} times from dist/ and ${runs} times from the sources ...`);
    const built: Start[] = [];
    const sources: Start[] = [];
    // One warm-up of each (the OS file cache), then alternate.
    await startOnce(config, false);
    await startOnce(config, true);
    for (let i = 0; i < runs; i++) {
      built.push(await startOnce(config, false));
      sources.push(await startOnce(config, true));
    }
    const asStats = (xs: Start[]) => statsOf(xs.map((x) => ({ wall: x.ms, cpu: x.ms })), 1);
    const rows: Row[] = [
      { id: 'startup/precinct-ready', operation: 'precinct process: spawn to /health 200 (obvious: the sources through tsx)', unit: 'time', ours: asStats(built), obvious: asStats(sources) },
      { id: 'startup/precinct-rss', operation: 'precinct process: resident memory at that moment (obvious: the sources through tsx)', unit: 'bytes', ours: median(built.map((x) => x.rss)), obvious: median(sources.map((x) => x.rss)), oursNote: `(${sig(median(built.map((x) => x.rss)) / 2 ** 20)} MiB)`, obviousNote: `(${sig(median(sources.map((x) => x.rss)) / 2 ** 20)} MiB)` },
    ];
    const loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(', ');
    const markdown = [
      `## Start-up: one precinct process from the build and from the sources${options.quick ? ' (quick run: rough numbers)' : ''}`,
      '',
      'Written by `node --import tsx bench/startup.bench.ts` (also part of `npm run bench`). `tallymesh node --config` of one precinct',
      '(2048-bit election, LevelDB, libp2p host, REST API), spawned by `bin/tallymesh.js`: with dist/ current it runs the build',
      '(`npm run build`, done by `npm install`), with `TALLYMESH_SOURCES=1` the TypeScript sources through tsx. Time from spawn to',
      `the first /health 200; RSS (VmRSS) at that moment. ${runs} runs of each, alternating, after one warm-up of each.`,
      '',
      machineMarkdown(machine, loadAfter),
      '',
      resultsTable(rows),
    ].join('\n');
    return { rows, markdown };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const startupSuite: Suite = { name: 'startup', ids: IDS, run: runStartupSuite };

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const write = args.includes('--write') || (!quick && !args.includes('--no-write'));
  const out = await runStartupSuite({ quick, selected: () => true, log: (m) => console.error(`[bench] ${m}`) });
  console.log(resultsTable(out.rows));
  if (write) writeSection(RESULTS, 'startup', out.markdown);
}
