// Crash-safety campaign shared by test/crash-safety.test.ts and bench/crash/stress-crash.ts: start the
// ingesting child (bench/crash/crash-ingest-child.ts), SIGKILL it at a random moment, open its database
// in this process, and check after every kill that
//   - every ballot whose receipt the child reported is in the log exactly once, at the receipt's
//     position and chain head, and no receipt refers to a missing entry;
//   - nothing logged before is lost or changed (the old head is still in the log);
//   - the recovered state (latest checkpoint + replay) equals, byte for byte, a replay of the
//     whole log from genesis, and every stored checkpoint equals that replay at its position;
//   - the tally words equal the product of the logged ballots' words, the Merkle frontier's root
//     equals the Merkle root of the logged ballot hashes, the count equals the log length.
// Then the next child starts on the same data directory (a fresh one once the pool is used up).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { equalBytes, toHex, fromHex } from '../../crypto/bytes.ts';
import { frontierRoot, merkleRoot } from '../../crypto/merkle.ts';
import { Ballot, ballotGroups } from '../../protocol/ballot.ts';
import { flatWordCount } from '../../protocol/tally.ts';
import { Receipt, validateReceipt } from '../../protocol/receipt.ts';
import { DurablePrecinct } from '../../node/durable-precinct.ts';
import { PrecinctRole, encodePrecinctState } from '../../roles/precinct.ts';
import { CheckpointStore } from '../../storage/checkpoints.ts';
import { openNodeDatabase } from '../../storage/database.ts';
import type { LogEntry, LogHead } from '../../storage/log-entry.ts';
import { REPO_ROOT, type PoolSetup } from '../../sim/ballot-file.ts';
import { SeededRandom } from '../../sim/seeded-random.ts';
import { TallyMeshError, errorMessage } from '../../errors/tallymesh-error.ts';

const CHILD = path.join(REPO_ROOT, 'bench', 'crash', 'crash-ingest-child.ts');

/** How to start the child: node's argument list before the child's own arguments. */
interface ChildCommand {
  kind: 'bundle' | 'tsx';
  args: string[];
  /** Removes what prepareChild created. */
  dispose(): void;
}

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<unknown>;
}

/**
 * The child runs from a single-file bundle of its TypeScript sources when esbuild (tsx's own
 * compiler) is available: the same code, but starting it costs about 0.4 s less than going
 * through the tsx loader each time, which adds up over hundreds of kills. The bundle lives under
 * node_modules/.cache so that its package imports (level, @noble/ed25519) resolve as usual.
 * Falls back to `node --import tsx` if bundling is not possible or `useTsx` is set.
 */
async function prepareChild(useTsx: boolean): Promise<ChildCommand> {
  const viaTsx: ChildCommand = { kind: 'tsx', args: ['--import', 'tsx', CHILD], dispose: () => undefined };
  if (useTsx) return viaTsx;
  const dir = path.join(REPO_ROOT, 'node_modules', '.cache', 'tallymesh-crash');
  const outfile = path.join(dir, `crash-ingest-child-${process.pid}-${Date.now()}.mjs`);
  try {
    const specifier = 'esbuild';
    const esbuild = (await import(specifier)) as EsbuildLike;
    fs.mkdirSync(dir, { recursive: true });
    await esbuild.build({ entryPoints: [CHILD], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'error' });
    return { kind: 'bundle', args: [outfile], dispose: () => fs.rmSync(outfile, { force: true }) };
  } catch {
    return viaTsx;
  }
}

/** A failed crash-safety property; the message says which and where. */
export class CrashCheckError extends TallyMeshError {
  override readonly name = 'CrashCheckError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('crash-check-failed', message, options);
  }
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CrashCheckError(message);
}

/** What one verification of a data directory found. */
export interface DirCheck {
  count: number;
  head: LogHead;
  checkpoints: number;
  latestCheckpoint: number;
  replayedAtOpen: number;
  receiptsChecked: number;
}

/**
 * Opens the precinct database in `dataDir` (in this process; it must not be open elsewhere),
 * checks every property listed at the top of this file against `receipts` (ballot hash hex ->
 * receipt bytes) and `previousHead`, and closes it again. Throws CrashCheckError on a violation.
 */
export async function verifyPrecinctDir(setup: PoolSetup, dataDir: string, receipts: ReadonlyMap<string, Uint8Array>, previousHead?: LogHead): Promise<DirCheck> {
  const { ctx } = setup;
  const db = await openNodeDatabase(dataDir);
  try {
    const precinct = await DurablePrecinct.open({ db, ctx, precinctId: setup.precinctId, secretKey: setup.secretKey, checkpointInterval: setup.checkpointInterval });
    const recovered = precinct.stateBytes;
    const state = precinct.state;

    // Stored checkpoints, to compare with the replay from genesis as it passes their positions.
    const checkpoints = new Map<number, Uint8Array>();
    for await (const cp of CheckpointStore.open(db).list()) checkpoints.set(cp.position, cp.state);

    const fresh = new PrecinctRole(ctx, setup.precinctId, setup.secretKey);
    const n2 = ctx.publicKey.n2;
    // Every group's words in one list, as PrecinctState keeps them.
    let words: bigint[] = new Array(flatWordCount(ctx, setup.precinctId)).fill(1n);
    const hashes: Uint8Array[] = [];
    const seqOfHash = new Map<string, number>();
    const voters = new Set<string>();
    let checkpointsMatched = 0;
    for await (const entry of precinct.entries()) {
      const ballot = Ballot.decode(entry.ballotBytes);
      const hex = toHex(entry.ballotHash);
      check(!seqOfHash.has(hex), `ballot ${hex} is in the log twice (seq ${seqOfHash.get(hex)} and ${entry.seq})`);
      const voter = toHex(entry.voter);
      check(!voters.has(voter), `voter ${voter.slice(0, 16)}… has two entries (second at seq ${entry.seq})`);
      seqOfHash.set(hex, entry.seq);
      voters.add(voter);
      hashes.push(entry.ballotHash);
      const add = ballotGroups(ctx, ballot).flat();
      words = words.map((w, i) => (w * add[i]!) % n2);
      fresh.apply(ballot, { seq: entry.seq, voter: entry.voter, ballotHash: entry.ballotHash, prevHash: entry.prevHash, entryHash: entry.entryHash });
      const cp = checkpoints.get(entry.seq);
      if (cp !== undefined) {
        check(equalBytes(cp, encodePrecinctState(fresh.snapshot)), `checkpoint at position ${entry.seq} differs from a replay of the log up to it`);
        checkpointsMatched += 1;
      }
    }
    check(checkpointsMatched === checkpoints.size, `${checkpoints.size - checkpointsMatched} checkpoint(s) lie beyond the end of the log`);
    check(equalBytes(recovered, encodePrecinctState(fresh.snapshot)), 'recovered state differs from a replay of the whole log from genesis');
    check(state.count === hashes.length, `state counts ${state.count} ballots, the log holds ${hashes.length}`);
    check(state.words.every((w, i) => w === words[i]), 'tally words differ from the product of the logged ballots');
    check(equalBytes(frontierRoot(state.frontier), merkleRoot(hashes)), 'Merkle frontier root differs from the Merkle root of the logged ballot hashes');

    if (previousHead !== undefined && previousHead.seq > 0) {
      const old = await entryAt(precinct, previousHead.seq);
      check(old !== undefined && equalBytes(old.entryHash, previousHead.entryHash), `log entry seq ${previousHead.seq}, present before the kill, is missing or changed`);
    }

    for (const [hex, bytes] of receipts) {
      const receipt = validateReceipt(ctx, Receipt.decode(bytes));
      const seq = seqOfHash.get(hex);
      check(seq !== undefined, `receipt for ballot ${hex} (log position ${receipt.logPosition}) refers to no log entry`);
      check(seq === receipt.logPosition, `receipt for ballot ${hex} says position ${receipt.logPosition}, the log has it at seq ${seq}`);
      const entry = await entryAt(precinct, seq);
      check(entry !== undefined && equalBytes(entry.entryHash, receipt.chainHead), `receipt for ballot ${hex}: chain head differs from log entry seq ${seq}`);
      const reissued = await precinct.receipt(fromHex(hex));
      check(reissued !== undefined && equalBytes(Receipt.encode(reissued), bytes), `receipt for ballot ${hex} is not reissued identically`);
    }
    const result: DirCheck = {
      count: state.count,
      head: precinct.head,
      checkpoints: checkpoints.size,
      latestCheckpoint: Math.max(0, ...checkpoints.keys()),
      replayedAtOpen: precinct.recovery.replayed,
      receiptsChecked: receipts.size,
    };
    await precinct.shutdown();
    return result;
  } finally {
    await db.close();
  }
}

async function entryAt(precinct: DurablePrecinct, seq: number): Promise<LogEntry | undefined> {
  for await (const entry of precinct.entries(seq, 1)) return entry;
  return undefined;
}

export interface CampaignOptions {
  setup: PoolSetup;
  setupFile: string;
  poolFile: string;
  poolSize: number;
  /** Data directories are created inside. */
  workDir: string;
  /** How many SIGKILLs must land on a running child. */
  kills: number;
  /** After 'ready', the kill comes after a uniform delay in [0, maxKillDelayMs). Default 400. */
  maxKillDelayMs?: number;
  /** Share of rounds killed at a random moment since spawn instead (during start or recovery). Default 0.2. */
  startupKillShare?: number;
  /** Submits in flight in the child. Default 3. */
  concurrency?: number;
  seed?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Keep data directories (default: delete each once done with it). */
  keepDirs?: boolean;
  /** Start the child through the tsx loader instead of a bundle of the same sources. */
  useTsx?: boolean;
}

export interface CampaignReport {
  seed: number;
  /** How the child was started: an esbuild bundle of its sources, or through the tsx loader. */
  child: 'bundle' | 'tsx';
  kills: number;
  killsDuringStartup: number;
  rounds: number;
  /** Children that ingested the whole pool and exited by themselves. */
  completedRuns: number;
  dataDirs: number;
  receiptsChecked: number;
  duplicateResubmissions: number;
  refusedSecondBallots: number;
  /** Kills that landed after the child had reported at least one new receipt in that run. */
  killsMidIngest: number;
  /** Runs whose recovery started from a checkpoint and replayed entries after it. */
  recoveriesFromCheckpoint: number;
  maxLogLength: number;
  durationMs: number;
}

interface RoundOutcome {
  lines: string[];
  killed: boolean;
  killedBeforeReady: boolean;
  sawReady: boolean;
  readyMs: number | undefined;
}

function runChild(options: CampaignOptions, command: ChildCommand, dataDir: string, killPlan: { afterSpawnMs?: number; afterReadyMs?: number }): Promise<RoundOutcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...command.args, options.setupFile, options.poolFile, dataDir, String(options.concurrency ?? 3)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let partial = '';
    let stderr = '';
    let killedByUs = false;
    let sawReady = false;
    let readyMs: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) {
        killedByUs = child.kill('SIGKILL');
      }
    };
    if (killPlan.afterSpawnMs !== undefined) timer = setTimeout(kill, killPlan.afterSpawnMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        lines.push(line);
        if (line.startsWith('ready ')) {
          sawReady = true;
          readyMs = performance.now() - started;
          if (killPlan.afterReadyMs !== undefined) timer = setTimeout(kill, killPlan.afterReadyMs);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal === 'SIGKILL' && killedByUs) {
        resolve({ lines, killed: true, killedBeforeReady: !sawReady, sawReady, readyMs });
      } else if (code === 0) {
        resolve({ lines, killed: false, killedBeforeReady: false, sawReady, readyMs });
      } else {
        reject(new CrashCheckError(`ingest child failed (exit ${signal ?? code}) in ${dataDir}:\n${stderr.trim()}\nlast lines: ${lines.slice(-3).join(' | ')}`));
      }
    });
  });
}

/** Runs kill/restart/verify rounds until `kills` kills have landed. Throws on the first violation. */
export async function runCrashCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const started = performance.now();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  // A seed fixes the kill schedule (not the timing).
  const rng = new SeededRandom('crash-campaign', String(seed));
  const random = (): number => rng.next();
  const log = options.log ?? (() => undefined);
  const maxDelay = options.maxKillDelayMs ?? 400;
  const startupShare = options.startupKillShare ?? 0.2;
  const report: CampaignReport = {
    seed,
    child: 'tsx',
    kills: 0,
    killsDuringStartup: 0,
    rounds: 0,
    completedRuns: 0,
    dataDirs: 0,
    receiptsChecked: 0,
    duplicateResubmissions: 0,
    refusedSecondBallots: 0,
    killsMidIngest: 0,
    recoveriesFromCheckpoint: 0,
    maxLogLength: 0,
    durationMs: 0,
  };
  let startupEstimateMs = 900;
  let dataDir = '';
  let receipts = new Map<string, Uint8Array>();
  let head: LogHead | undefined;
  const newDir = (): void => {
    if (dataDir !== '' && !options.keepDirs) fs.rmSync(dataDir, { recursive: true, force: true });
    report.dataDirs += 1;
    dataDir = path.join(options.workDir, `precinct-${report.dataDirs}`);
    receipts = new Map();
    head = undefined;
  };
  newDir();
  const command = await prepareChild(options.useTsx ?? false);
  report.child = command.kind;
  try {
    await runRounds();
  } finally {
    command.dispose();
  }
  if (!options.keepDirs) fs.rmSync(dataDir, { recursive: true, force: true });
  report.durationMs = performance.now() - started;
  return report;

  async function runRounds(): Promise<void> {
    while (report.kills < options.kills) {
      report.rounds += 1;
      const startupKill = random() < startupShare;
      const plan = startupKill ? { afterSpawnMs: random() * startupEstimateMs * 1.2 } : { afterReadyMs: random() * maxDelay };
      const round = await runChild(options, command, dataDir, plan);
      if (round.readyMs !== undefined) startupEstimateMs = 0.8 * startupEstimateMs + 0.2 * round.readyMs;

      let newReceipts = 0;
      for (const line of round.lines) {
        const [kind, arg] = line.split(' ');
        if (kind === 'receipt' || kind === 'dup') {
          const bytes = fromHex(arg!);
          const receipt = Receipt.decode(bytes);
          const hex = toHex(receipt.ballotHash);
          const known = receipts.get(hex);
          check(known === undefined || equalBytes(known, bytes), `ballot ${hex} got two different receipts (round ${report.rounds})`);
          if (kind === 'receipt') {
            check(known === undefined, `ballot ${hex} was accepted as new twice (round ${report.rounds})`);
            newReceipts += 1;
          } else {
            report.duplicateResubmissions += 1;
          }
          receipts.set(hex, bytes);
        } else if (kind === 'ready') {
          if (Number(line.split(' ')[3]) > 0 && Number(line.split(' ')[2]) > 0) report.recoveriesFromCheckpoint += 1;
        } else if (kind === 'refused') {
          report.refusedSecondBallots += 1;
        }
      }
      const done = round.lines.some((l) => l.startsWith('done '));
      if (round.killed) {
        report.kills += 1;
        if (round.killedBeforeReady) report.killsDuringStartup += 1;
        if (newReceipts > 0) report.killsMidIngest += 1;
      } else {
        check(done, `child exited without being killed and without finishing (round ${report.rounds})`);
        report.completedRuns += 1;
      }

      let result: DirCheck;
      try {
        result = await verifyPrecinctDir(options.setup, dataDir, receipts, head);
      } catch (error) {
        const message = errorMessage(error);
        throw new CrashCheckError(`after round ${report.rounds} (kill ${report.kills}, seed ${seed}, ${dataDir}): ${message}`, { cause: error });
      }
      head = result.head;
      report.receiptsChecked += result.receiptsChecked;
      report.maxLogLength = Math.max(report.maxLogLength, result.count);
      log(
        `round ${report.rounds}: ${round.killed ? (round.killedBeforeReady ? 'killed during start' : 'killed') : 'finished'}, ` +
          `${newReceipts} new receipts, log ${result.count}, checkpoints ${result.checkpoints} (latest ${result.latestCheckpoint}), kills ${report.kills}/${options.kills}`,
      );
      if (done || result.count >= options.poolSize) newDir();
    }
  }
}

/** The RESULTS.md paragraph describing a finished stress campaign. */
export function stressParagraph(r: CampaignReport, run: { kills: number; bits: number; poolSize: number; interval: number; concurrency: number; date?: string }): string {
  const minutes = (r.durationMs / 60_000).toFixed(0);
  const date = run.date ?? new Date().toISOString().slice(0, 10);
  return [
    `\`node --import tsx bench/crash/stress-crash.ts --kills ${run.kills}\` (${date}): **passed**: ${r.kills} SIGKILLs over ${r.rounds} runs of the`,
    `ingesting child in ${minutes} min (${run.bits}-bit key, pool of ${run.poolSize} ballots, checkpoint every ${run.interval} ballots, ${run.concurrency} submits in`,
    `flight, seed ${r.seed}). ${r.killsMidIngest} kills came after the run had already returned new receipts, ${r.killsDuringStartup} during start-up or`,
    `recovery; ${r.recoveriesFromCheckpoint} restarts recovered from a checkpoint plus entries after it; ${r.completedRuns} runs ingested the whole pool, after`,
    `which a fresh precinct started (${r.dataDirs} data directories; longest log ${r.maxLogLength}). After every kill the parent reopened the`,
    'database and checked that every ballot whose receipt was reported is in the log exactly once, at the',
    `receipt's position and chain head (${r.receiptsChecked.toLocaleString('en-US')} receipt checks in all), that no receipt refers to a missing entry, that`,
    'nothing logged before the kill is gone, that the recovered state equals a replay of the whole log from genesis',
    'byte for byte (and so does every stored checkpoint at its position), that the tally words are the product of',
    "the logged ballots and that the Merkle frontier's root is the Merkle root of the logged ballot hashes. Each",
    `restart also resubmitted the last logged ballot (${r.duplicateResubmissions} times: always the original receipt, no new entry) and`,
    `tried a second ballot for a voter who had voted (${r.refusedSecondBallots} times: always refused). SIGKILL ends the process, not the`,
    'machine, so the OS keeps what was written: this tests the ordering (no receipt before the synced batch, atomic',
    'batches, replay), not fsync against power loss.',
  ].join('\n');
}
