// Benchmark entry point: `npm run bench [-- options] [filter...]`.
//
//   --quick     fewer warm-ups and samples (a smoke run; numbers are rough)
//   --write     write bench/RESULTS.md even for a quick or filtered run
//   --no-write  never write bench/RESULTS.md
//   --list      list the row ids and exit
//   filter      run only rows whose id contains one of the words (e.g. `verify`, `crypto/setup`)
//
// A full, unfiltered run prints the tables and rewrites each suite's section of bench/RESULTS.md
// (between its `<!-- name:begin -->` / `<!-- name:end -->` markers, nothing else). Quick or
// filtered runs only print, so that a smoke run never replaces the measured table.
import '../polyfill.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cryptoSuite } from './crypto.bench.ts';
import { storageSuite } from './storage.bench.ts';
import { verifySuite } from './verify.bench.ts';
import { startupSuite } from './startup.bench.ts';
import { resultsTable, writeSection, type Suite } from './report.ts';

/** Every suite; storage and network benchmarks register here with their own section name. */
const SUITES: Suite[] = [cryptoSuite, storageSuite, verifySuite, startupSuite];

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');

interface Args {
  quick: boolean;
  write: boolean | undefined;
  list: boolean;
  filters: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, write: undefined, list: false, filters: [] };
  for (const a of argv) {
    if (a === '--quick') args.quick = true;
    else if (a === '--write') args.write = true;
    else if (a === '--no-write') args.write = false;
    else if (a === '--list') args.list = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--quick] [--write | --no-write] [--list] [filter...]');
      process.exit(0);
    } else if (a.startsWith('-')) {
      console.error(`unknown option ${a}`);
      process.exit(2);
    } else args.filters.push(a.toLowerCase());
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const selected = (id: string): boolean => args.filters.length === 0 || args.filters.some((f) => id.toLowerCase().includes(f));
  if (args.list) {
    for (const s of SUITES) for (const id of s.ids) console.log(id);
    return;
  }
  const suites = SUITES.filter((s) => s.ids.some(selected));
  if (suites.length === 0) {
    console.error(`no benchmark matches ${args.filters.join(', ')}; see --list`);
    process.exit(2);
  }
  const write = args.write ?? (!args.quick && args.filters.length === 0);
  const log = (m: string): void => console.error(`[bench] ${m}`);
  for (const suite of suites) {
    const started = performance.now();
    log(`suite ${suite.name}${args.quick ? ' (quick)' : ''} ...`);
    const out = await suite.run({ quick: args.quick, selected, log });
    log(`suite ${suite.name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    console.log('');
    console.log(resultsTable(out.rows));
    console.log('');
    if (write) {
      writeSection(RESULTS, suite.name, out.markdown);
      log(`wrote the ${suite.name} section of ${RESULTS}`);
    } else {
      log(`${RESULTS} not written (quick or filtered run; pass --write to force)`);
    }
  }
}

await main();
