// The long crash-safety run: SIGKILL the ingesting child at random moments many times and check
// the database after every kill (see bench/crash/crash-harness.ts for the properties checked).
//
//   node --import tsx bench/crash/stress-crash.ts --kills 1000
//     [--bits 1024] [--ballots 200] [--interval 5] [--max-delay 400] [--startup-share 0.2]
//     [--concurrency 3] [--seed N] [--work DIR] [--keep] [--quiet] [--tsx] [--record]
//
// --record writes the outcome into the storage section of bench/RESULTS.md (crash-safety paragraph).
// --tsx starts the child through the tsx loader instead of an esbuild bundle of the same sources.
//
// Exits 0 after `kills` kills with every check passing, 1 on the first violation (with the seed
// and data directory, kept for inspection). Prints a JSON summary as its last line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CrashCheckError, runCrashCampaign, stressParagraph } from './crash-harness.ts';
import { createPoolSetup, generateBallotsParallel, writePoolSetup } from '../../sim/ballot-file.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '1000' },
    bits: { type: 'string', default: '1024' },
    ballots: { type: 'string', default: '200' },
    interval: { type: 'string', default: '5' },
    'max-delay': { type: 'string', default: '400' },
    'startup-share': { type: 'string', default: '0.2' },
    concurrency: { type: 'string', default: '3' },
    seed: { type: 'string' },
    work: { type: 'string' },
    keep: { type: 'boolean', default: false },
    tsx: { type: 'boolean', default: false },
    record: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const kills = Number(values.kills);
const poolSize = Number(values.ballots);
const workDir = values.work ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tm-stress-crash-'));
fs.mkdirSync(workDir, { recursive: true });
const stamp = (): string => new Date().toISOString().slice(11, 19);
const say = (line: string): void => void process.stdout.write(`[${stamp()}] ${line}\n`);

say(`work dir ${workDir}`);
const setup = createPoolSetup({ keyBits: Number(values.bits), checkpointInterval: Number(values.interval) });
const setupFile = path.join(workDir, 'setup.json');
const poolFile = path.join(workDir, 'pool.bin');
writePoolSetup(setupFile, setup);
const genMs = await generateBallotsParallel(setupFile, poolSize, poolFile);
say(`generated ${poolSize} ${values.bits}-bit ballots in ${(genMs / 1000).toFixed(1)} s`);

let failed = false;
try {
  const report = await runCrashCampaign({
    setup,
    setupFile,
    poolFile,
    poolSize,
    workDir,
    kills,
    maxKillDelayMs: Number(values['max-delay']),
    startupKillShare: Number(values['startup-share']),
    concurrency: Number(values.concurrency),
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    keepDirs: values.keep,
    useTsx: values.tsx,
    log: (line) => {
      if (!values.quiet || /kills (\d+)0\//.test(line)) say(line);
    },
  });
  say(`PASS: ${report.kills} kills, every check held after each one`);
  if (values.record) {
    const { writeStressBlock } = await import('../storage.bench.ts');
    writeStressBlock(
      stressParagraph(report, { kills, bits: Number(values.bits), poolSize, interval: Number(values.interval), concurrency: Number(values.concurrency) }),
    );
    say('recorded in bench/RESULTS.md');
  }
  process.stdout.write(`${JSON.stringify({ ok: true, bits: Number(values.bits), poolSize, interval: Number(values.interval), ...report })}\n`);
} catch (error) {
  failed = true;
  const message = errorMessage(error);
  say(`FAIL${error instanceof CrashCheckError ? '' : ' (unexpected error)'}: ${message}`);
  process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
}
if (!failed && !values.keep) fs.rmSync(workDir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
