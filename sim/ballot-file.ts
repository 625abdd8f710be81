// Pre-generated ballots for the crash tests and storage benchmarks. Encrypting a ballot with its
// validity proofs costs tens of milliseconds (more at 2048 bits), so a pool is made once, written
// to a file, and read by every child process or benchmark run that needs it.
//
//   setup file: JSON { manifest, precinctId, secretKey (hex), checkpointInterval }
//   pool file:  the ballots' canonical bytes, each u32-length framed (voter i+1 casts ballot i)
//
// Run as a worker (used by generateBallotsParallel):
//   node --import tsx sim/ballot-file.ts worker <setup.json> <count> <seed> <out.bin>
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from '../crypto/bytes.ts';
import { Ballot, encryptBallot } from '../protocol/ballot.ts';
import { ElectionContext } from '../protocol/election.ts';
import { manifestFromJSON, manifestToJSON, type Contest, type Manifest } from '../protocol/manifest.ts';
import { STANDARD_CONTESTS } from '../protocol/contests.ts';
import { generateElection } from '../setup/election-setup.ts';
import { decodeFramed, encodeFramed } from '../protocol/record.ts';
import { SeededRandom, drawBallot } from './simulated-voters.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One precinct of a small generated election: what a durable precinct needs to open. */
export interface PoolSetup {
  manifest: Manifest;
  ctx: ElectionContext;
  precinctId: string;
  secretKey: Uint8Array;
  checkpointInterval: number;
}

export interface PoolSetupOptions {
  keyBits?: number;
  checkpointInterval?: number;
  contests?: Contest[];
}

/** A one-precinct election (one trustee, threshold 1: only the precinct matters here). */
export function createPoolSetup(options: PoolSetupOptions = {}): PoolSetup {
  const checkpointInterval = options.checkpointInterval ?? 100;
  const election = generateElection({
    keyBits: options.keyBits ?? 1024,
    states: 1,
    countiesPerState: 1,
    precinctsPerCounty: 1,
    trustees: 1,
    threshold: 1,
    checkpointInterval,
    contests: options.contests ?? STANDARD_CONTESTS,
  });
  const precinct = election.manifest.roster.find((e) => e.role === 'precinct')!;
  return {
    manifest: election.manifest,
    ctx: new ElectionContext(election.manifest),
    precinctId: precinct.id,
    secretKey: election.nodeKeys.get(precinct.id)!.secretKey,
    checkpointInterval,
  };
}

export function writePoolSetup(file: string, setup: PoolSetup): void {
  const json = {
    manifest: manifestToJSON(setup.manifest),
    precinctId: setup.precinctId,
    secretKey: toHex(setup.secretKey),
    checkpointInterval: setup.checkpointInterval,
  };
  fs.writeFileSync(file, JSON.stringify(json), { mode: 0o600 });
}

export function readPoolSetup(file: string): PoolSetup {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { manifest: unknown; precinctId: string; secretKey: string; checkpointInterval: number };
  const manifest = manifestFromJSON(json.manifest);
  return { manifest, ctx: new ElectionContext(manifest), precinctId: json.precinctId, secretKey: fromHex(json.secretKey), checkpointInterval: json.checkpointInterval };
}

/** The voter id of pool ballot i (0-based). */
export function poolVoterId(i: number): string {
  return `voter-${i + 1}`;
}

/** Encrypts `count` ballots with seeded choices (ballot ids are random, so all are distinct). */
export function generateBallots(setup: PoolSetup, count: number, seed = 'pool'): Uint8Array[] {
  const rng = new SeededRandom(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const { ballotStyleId, choices } = drawBallot(setup.ctx, setup.precinctId, rng);
    out.push(Ballot.encode(encryptBallot(setup.ctx, setup.precinctId, choices, undefined, ballotStyleId)));
  }
  return out;
}

export function writePool(file: string, ballots: Uint8Array[]): void {
  fs.writeFileSync(file, encodeFramed(ballots));
}

export function readPool(file: string): Uint8Array[] {
  return decodeFramed(new Uint8Array(fs.readFileSync(file)), 'ballot pool');
}

/**
 * Encrypts `count` ballots in `workers` child processes (default: one per core) and writes the
 * pool file. Returns the elapsed milliseconds.
 */
export async function generateBallotsParallel(setupFile: string, count: number, outFile: string, workers = os.availableParallelism()): Promise<number> {
  const started = performance.now();
  const n = Math.max(1, Math.min(workers, count));
  const parts = Array.from({ length: n }, (_, w) => Math.floor(count / n) + (w < count % n ? 1 : 0));
  const files = parts.map((_, w) => `${outFile}.part${w}`);
  await Promise.all(
    parts.map(
      (part, w) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'worker', setupFile, String(part), `worker-${w}`, files[w]!], {
            cwd: REPO_ROOT,
            stdio: ['ignore', 'ignore', 'inherit'],
          });
          child.on('error', reject);
          child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`ballot pool worker ${w} failed (${signal ?? code})`))));
        }),
    ),
  );
  const ballots = files.flatMap((file) => readPool(file));
  for (const file of files) fs.rmSync(file, { force: true });
  writePool(outFile, ballots);
  return performance.now() - started;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === 'worker') {
  const [setupFile, count, seed, outFile] = process.argv.slice(3);
  if (setupFile === undefined || count === undefined || seed === undefined || outFile === undefined) {
    process.stderr.write('usage: ballot-pool.ts worker <setup.json> <count> <seed> <out.bin>\n');
    process.exit(2);
  }
  writePool(outFile, generateBallots(readPoolSetup(setupFile), Number(count), seed));
}
