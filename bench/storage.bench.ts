// The storage benchmark: the durable precinct (node/durable-precinct.ts) on LevelDB with the
// standard ballot at 2048 bits. Measures
//   - the sustained ingest rate with one synced LevelDB batch per ballot, with the proof checks
//     included and excluded (excluded = the same run's wall time minus the time spent in
//     role.validate, which the precinct times itself);
//   - the disk bytes per ballot and per 900-ballot precinct (log, both indexes, head and
//     checkpoints: the whole LevelDB directory), before and after a full compaction;
//   - the heap after 100 and after 10,000 ballots (global.gc() first);
//   - the recovery time of a 10,000-ballot log from the latest checkpoint and from none.
// Ballots are real and distinct: encrypted once, in one child process per core, and cached in
// the temp directory for later runs.
//
// Part of `npm run bench` (section "storage" of bench/RESULTS.md), or on its own:
//   node --import tsx bench/storage.bench.ts [--quick] [--ballots N] [--write | --no-write]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Level } from 'level';
import { DurablePrecinct } from '../node/durable-precinct.ts';
import { encodeEntry } from '../storage/log-codec.ts';
import { openNodeDatabase } from '../storage/database.ts';
import { seqKey } from '../storage/keys.ts';
import { Ballot } from '../protocol/ballot.ts';
import { createPoolSetup, generateBallotsParallel, poolVoterId, readPool, readPoolSetup, writePool, writePoolSetup, type PoolSetup } from '../sim/ballot-file.ts';
import { markdownTable, sig } from './harness.ts';
import { machineInfo, machineMarkdown, resultsTable, writeSection, type Row, type Suite, type SuiteOptions, type SuiteOutput } from './report.ts';

const KEY_BITS = 2048;
const CHECKPOINT_INTERVAL = 100;
const PRECINCT_BALLOTS = 900;
const FULL_BALLOTS = 10_000;
const QUICK_BALLOTS = 300;
const DISK_BUDGET_900 = 5_000_000; // the original design's budget per 900-ballot precinct
const HEAP_GROWTH_TARGET = 5 * 2 ** 20; // "within a few MB"

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const CACHE = path.join(os.tmpdir(), 'tallymesh-bench-storage');

/** Marks the crash-stress paragraph inside the storage section, which the benchmark carries over. */
export const STRESS_BEGIN = '<!-- storage:stress:begin -->';
export const STRESS_END = '<!-- storage:stress:end -->';
const STRESS_PLACEHOLDER = 'No long crash-stress run recorded yet (`node --import tsx bench/crash/stress-crash.ts --kills 1000 --record`).';

const IDS = [
  'storage/ingest-with-proofs',
  'storage/ingest-durable',
  'storage/disk-900',
  'storage/disk-900-compacted',
  'storage/heap',
  'storage/recover-checkpoint',
  'storage/recover-none',
];

// ---------------------------------------------------------------------------------------------
// helpers

function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  v8.setFlagsFromString('--expose-gc'); // same as node --expose-gc, for runs through bench/run.ts
  return runInNewContext('gc') as () => void;
}

function heapUsed(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Apparent size of every file under `dir` (what `du -sb` reports). */
function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return total;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${sig(x)} ms`;
}

interface Compactable {
  compactRange?: (start: Uint8Array, end: Uint8Array) => Promise<void>;
}

/** Compacts the whole LevelDB at `location` (closed before and after); false if level cannot. */
async function compact(location: string): Promise<boolean> {
  const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    const compactRange = (db as unknown as Compactable).compactRange;
    if (typeof compactRange !== 'function') return false;
    // Every key starts with a sublevel prefix ('!name!'), so 0x00 .. 0xff… covers them all.
    await compactRange.call(db, Uint8Array.of(0), new Uint8Array(64).fill(0xff));
    return true;
  } finally {
    await db.close();
  }
}

/** The cached setup and at least `count` ballots, generating what is missing. */
async function ballotPool(count: number, log: (m: string) => void): Promise<{ setup: PoolSetup; ballots: Uint8Array[]; generatedMs?: number; generated: number }> {
  fs.mkdirSync(CACHE, { recursive: true });
  const setupFile = path.join(CACHE, `setup-${KEY_BITS}.json`);
  const poolFile = path.join(CACHE, `pool-${KEY_BITS}.bin`);
  if (!fs.existsSync(setupFile)) {
    log(`generating a ${KEY_BITS}-bit one-precinct election ...`);
    writePoolSetup(setupFile, createPoolSetup({ keyBits: KEY_BITS, checkpointInterval: CHECKPOINT_INTERVAL }));
    fs.rmSync(poolFile, { force: true });
  }
  const setup = readPoolSetup(setupFile);
  let ballots = fs.existsSync(poolFile) ? readPool(poolFile) : [];
  if (ballots.length >= count) {
    log(`reusing ${count} cached ballots from ${poolFile}`);
    return { setup, ballots: ballots.slice(0, count), generated: 0 };
  }
  const missing = count - ballots.length;
  log(`encrypting ${missing} standard ballots at ${KEY_BITS} bits in ${os.availableParallelism()} processes (cached in ${CACHE}) ...`);
  const partFile = `${poolFile}.new`;
  const generatedMs = await generateBallotsParallel(setupFile, missing, partFile);
  ballots = [...ballots, ...readPool(partFile)];
  fs.rmSync(partFile, { force: true });
  writePool(poolFile, ballots);
  return { setup, ballots, generatedMs, generated: missing };
}

interface IngestRun {
  ballots: number;
  wallMs: number;
  /** CPU time of the whole process (user + system, all threads, LevelDB's included). */
  cpuMs: number;
  validateMs: number;
  appendMs: number;
  applyMs: number;
  checkpointMs: number;
  checkpoints: number;
}

/** Submits ballots[from..to) one at a time, as voters arrive, and returns the precinct's timings. */
async function ingest(precinct: DurablePrecinct, ballots: Uint8Array[], from: number, to: number, onEach?: (done: number) => void): Promise<IngestRun> {
  const s0 = { ...precinct.stats };
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for (let i = from; i < to; i++) {
    const { duplicate } = await precinct.submit(poolVoterId(i), ballots[i]!);
    if (duplicate) throw new Error(`ballot ${i} came back as a duplicate`);
    onEach?.(i + 1);
  }
  const s = precinct.stats;
  const cpu = process.cpuUsage(cpu0);
  return {
    ballots: to - from,
    wallMs: performance.now() - started,
    cpuMs: (cpu.user + cpu.system) / 1000,
    validateMs: s.validateMs - s0.validateMs,
    appendMs: s.appendMs - s0.appendMs,
    applyMs: s.applyMs - s0.applyMs,
    checkpointMs: s.checkpointMs - s0.checkpointMs,
    checkpoints: s.checkpoints - s0.checkpoints,
  };
}

const rateWith = (r: IngestRun): number => r.ballots / (r.wallMs / 1000);
const rateWithout = (r: IngestRun): number => r.ballots / ((r.wallMs - r.validateMs) / 1000);

interface Recovery {
  label: string;
  openMs: number;
  replayMs: number;
  replayed: number;
  fromPosition: number;
}

async function recoverOnce(setup: PoolSetup, dataDir: string, label: string, expected: Uint8Array): Promise<Recovery> {
  const started = performance.now();
  const p = await DurablePrecinct.open({ dataDir, ctx: setup.ctx, precinctId: setup.precinctId, secretKey: setup.secretKey, checkpointInterval: CHECKPOINT_INTERVAL });
  const openMs = performance.now() - started;
  const same = Buffer.from(p.stateBytes).equals(Buffer.from(expected));
  const r = { label, openMs, replayMs: p.recovery.durationMs, replayed: p.recovery.replayed, fromPosition: p.recovery.fromPosition };
  await p.shutdown();
  if (!same) throw new Error(`${label}: recovered state differs from the state before shutdown`);
  return r;
}

/** A copy of a closed data directory with checkpoints removed: all, or those after `keepUpTo`. */
async function copyWithoutCheckpoints(from: string, to: string, keepUpTo: number): Promise<void> {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
  const db = await openNodeDatabase(to);
  const space = db.keyspace('checkpoint');
  const doomed: Uint8Array[] = [];
  for await (const key of space.keys({ gt: seqKey(keepUpTo) })) doomed.push(key);
  await db.write(doomed.map((key) => ({ type: 'del' as const, keyspace: space, key })));
  await db.close();
}

// ---------------------------------------------------------------------------------------------
// the suite

export interface StorageBenchOptions extends SuiteOptions {
  /** Ballots for the heap and recovery runs (default 10,000; quick: 300). */
  ballots?: number;
}

async function run(options: StorageBenchOptions): Promise<SuiteOutput> {
  const { log } = options;
  const total = options.ballots ?? (options.quick ? QUICK_BALLOTS : FULL_BALLOTS);
  const precinctSize = Math.min(PRECINCT_BALLOTS, total);
  const totalText = total.toLocaleString('en-US');
  const machine = machineInfo();
  const gc = gcFunction();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-bench-storage-'));
  try {
    const pool = await ballotPool(total, log);
    const { setup, ballots } = pool;
    const open = (dataDir: string): Promise<DurablePrecinct> =>
      DurablePrecinct.open({ dataDir, ctx: setup.ctx, precinctId: setup.precinctId, secretKey: setup.secretKey, checkpointInterval: CHECKPOINT_INTERVAL });
    const ballotBytes = ballots[0]!.length;
    const sample = ballots[0]!;
    const entryBytes = encodeEntry({
      seq: 1,
      voter: new Uint8Array(32),
      ballotId: Ballot.decode(sample).ballotId,
      ballotBytes: sample,
      ballotHash: Ballot.hash(Ballot.decode(sample)),
      prevHash: new Uint8Array(32),
      entryHash: new Uint8Array(32),
    }).length;

    // 1. A 900-ballot precinct: ingest rate and disk.
    log(`precinct of ${precinctSize} ballots: ingesting (one synced batch per ballot) ...`);
    const dirA = path.join(work, 'precinct-900');
    let p = await open(dirA);
    const runA = await ingest(p, ballots, 0, precinctSize);
    const stateA = p.stateBytes;
    const checkpointBytes = stateA.length;
    await p.shutdown();
    const leveldbA = path.join(dirA, 'leveldb');
    const diskA = dirBytes(leveldbA);
    const compacted = await compact(leveldbA);
    const diskACompacted = dirBytes(leveldbA);
    const reopenA = await recoverOnce(setup, dirA, `${precinctSize}-ballot precinct`, stateA);
    log(`  ${sig(rateWith(runA))} ballots/s with proofs, ${sig(rateWithout(runA))} without; ${mb(diskA)} on disk, ${mb(diskACompacted)} compacted`);

    // 2. A long log: heap after 100 and after `total` ballots, sustained rate.
    log(`log of ${total} ballots: ingesting, heap measured after 100 and after ${total} ...`);
    const dirB = path.join(work, 'long-log');
    p = await open(dirB);
    const first = Math.min(100, total);
    const runB1 = await ingest(p, ballots, 0, first);
    const heap100 = heapUsed(gc);
    const runB2 = await ingest(p, ballots, first, total, (done) => {
      if (done % 1000 === 0) log(`  ${done} / ${total}`);
    });
    const heapAll = heapUsed(gc);
    const stateB = p.stateBytes;
    await p.shutdown();
    const runB: IngestRun = {
      ballots: runB1.ballots + runB2.ballots,
      wallMs: runB1.wallMs + runB2.wallMs,
      cpuMs: runB1.cpuMs + runB2.cpuMs,
      validateMs: runB1.validateMs + runB2.validateMs,
      appendMs: runB1.appendMs + runB2.appendMs,
      applyMs: runB1.applyMs + runB2.applyMs,
      checkpointMs: runB1.checkpointMs + runB2.checkpointMs,
      checkpoints: runB1.checkpoints + runB2.checkpoints,
    };
    const diskB = dirBytes(path.join(dirB, 'leveldb'));
    log(`  heap ${mb(heap100)} after ${first}, ${mb(heapAll)} after ${total}; ${sig(rateWith(runB))} ballots/s with proofs`);

    // 3. Recovery of the long log.
    log('recovery ...');
    const latest = Math.floor(total / CHECKPOINT_INTERVAL) * CHECKPOINT_INTERVAL;
    const recoveries: Recovery[] = [];
    recoveries.push(await recoverOnce(setup, dirB, `latest checkpoint (position ${latest})`, stateB));
    if (total % CHECKPOINT_INTERVAL === 0 && total > CHECKPOINT_INTERVAL) {
      const dirC = path.join(work, 'long-log-cp');
      await copyWithoutCheckpoints(dirB, dirC, total - CHECKPOINT_INTERVAL);
      recoveries.push(await recoverOnce(setup, dirC, `latest checkpoint ${CHECKPOINT_INTERVAL} entries back (worst case for N = ${CHECKPOINT_INTERVAL})`, stateB));
      fs.rmSync(dirC, { recursive: true, force: true });
    }
    const dirD = path.join(work, 'long-log-none');
    await copyWithoutCheckpoints(dirB, dirD, 0);
    const none = await recoverOnce(setup, dirD, 'no checkpoint (whole log)', stateB);
    recoveries.push(none);
    fs.rmSync(dirD, { recursive: true, force: true });
    for (const r of recoveries) log(`  ${r.label}: open ${ms(r.openMs)}, ${r.replayed} entries replayed`);
    const loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(', ');

    // Rows and section.
    const perBallot = diskA / precinctSize;
    const perBallotCompacted = diskACompacted / precinctSize;
    const scale900 = PRECINCT_BALLOTS / precinctSize;
    const heapGrowth = heapAll - heap100;
    const rows: Row[] = [
      { id: 'storage/ingest-with-proofs', operation: `durable ingest, proof checks included (${precinctSize}-ballot precinct)`, unit: 'rate', ours: rateWith(runA), oursNote: `(${totalText} ballots: ${sig(rateWith(runB))} /s)` },
      { id: 'storage/ingest-durable', operation: 'durable ingest, proof checks excluded', unit: 'rate', ours: rateWithout(runA), oursNote: `(${totalText} ballots: ${sig(rateWithout(runB))} /s)` },
      {
        id: 'storage/disk-900',
        operation: `disk per ${PRECINCT_BALLOTS}-ballot precinct (whole LevelDB dir)`,
        unit: 'bytes',
        ours: diskA * scale900,
        oursNote: `(${Math.round(perBallot).toLocaleString('en-US')} B/ballot)`,
        target: '≤ 5 MB',
        met: diskA * scale900 <= DISK_BUDGET_900,
      },
      {
        id: 'storage/disk-900-compacted',
        operation: `disk per ${PRECINCT_BALLOTS}-ballot precinct after compactRange`,
        unit: 'bytes',
        ours: diskACompacted * scale900,
        oursNote: `(${Math.round(perBallotCompacted).toLocaleString('en-US')} B/ballot)`,
        target: '≤ 5 MB',
        met: diskACompacted * scale900 <= DISK_BUDGET_900,
      },
      {
        id: 'storage/heap',
        operation: `heap growth from ${first} to ${totalText} ballots`,
        unit: 'bytes',
        ours: heapGrowth,
        oursNote: `(${mb(heap100)} → ${mb(heapAll)})`,
        target: '≤ 5 MiB',
        met: heapGrowth <= HEAP_GROWTH_TARGET,
      },
      { id: 'storage/recover-checkpoint', operation: `recovery of a ${totalText}-ballot log from the latest checkpoint`, unit: 'time', ours: recoveries[0]!.openMs, oursNote: `(${recoveries[0]!.replayed.toLocaleString('en-US')} replayed)` },
      { id: 'storage/recover-none', operation: `recovery of a ${totalText}-ballot log from no checkpoint`, unit: 'time', ours: none.openMs, oursNote: `(${none.replayed.toLocaleString('en-US')} replayed)` },
    ];

    const breakdown = (r: IngestRun): string[] => [
      r.ballots.toLocaleString('en-US'),
      ms(r.wallMs),
      `${sig(r.cpuMs / r.ballots)} ms`,
      `${sig(r.validateMs / r.ballots)} ms`,
      `${sig(r.appendMs / r.ballots)} ms`,
      `${sig(r.applyMs / r.ballots)} ms`,
      `${r.checkpoints} (${sig(r.checkpoints ? r.checkpointMs / r.checkpoints : 0)} ms each)`,
      `${sig(rateWith(r))} /s`,
      `${sig(rateWithout(r))} /s`,
    ];
    const generation =
      pool.generatedMs === undefined
        ? 'Ballots were taken from the cache of an earlier run.'
        : `Encrypting the ${pool.generated.toLocaleString('en-US')} ballots took ${ms(pool.generatedMs)} in ${os.availableParallelism()} processes (${sig(pool.generatedMs / pool.generated)} ms of wall time per ballot).`;
    const markdown = [
      `## Storage: the durable precinct on LevelDB${options.quick ? ' (quick run: rough numbers)' : ''}`,
      '',
      `Written by \`node --import tsx bench/storage.bench.ts\` (also part of \`npm run bench\`). ${KEY_BITS}-bit key, the standard ballot`,
      `(3 contests, ${ballotBytes.toLocaleString('en-US')} B encoded, ${entryBytes.toLocaleString('en-US')} B as a log entry), checkpoint every ${CHECKPOINT_INTERVAL} ballots, real and distinct ballots`,
      `submitted one at a time through \`DurablePrecinct.submit\`: validate (proofs included), one synced LevelDB batch`,
      '(entry + voter index + ballot index + head), apply, signed receipt, checkpoint when due.',
      '',
      machineMarkdown(machine, loadAfter),
      '',
      'This machine is shared with other work while the benchmark runs; the load averages above say how busy it was.',
      '',
      resultsTable(rows),
      '',
      '### Ingest',
      '',
      markdownTable(
        ['run', 'ballots', 'wall', 'CPU / ballot', 'validate / ballot', 'synced append / ballot', 'apply + receipt / ballot', 'checkpoints', 'rate with proofs', 'rate without proofs'],
        [
          [`${precinctSize}-ballot precinct`, ...breakdown(runA)],
          [`${totalText}-ballot log`, ...breakdown(runB)],
        ],
      ),
      '',
      '"Without proofs" is the same run with the time spent in `role.validate` (structure, election and precinct',
      'binding, every validity proof; timed by the precinct itself) taken out: what the durable path alone sustains.',
      'Every ballot waits for its own fsync (`sync: true`) before its receipt is issued; there is no group commit.',
      '"CPU / ballot" is the process\'s CPU time (all threads, LevelDB\'s included) per ballot: on a loaded machine the',
      `wall-clock rates fall below what a free core sustains, about ${sig(1000 / (runA.cpuMs / runA.ballots))} ballots/s with proofs by that measure.`,
      generation,
      '',
      '### Disk',
      '',
      markdownTable(
        ['what', `after ${precinctSize} ballots`, 'after compactRange', `per ${PRECINCT_BALLOTS}-ballot precinct (compacted)`],
        [
          ['whole LevelDB directory (log, indexes, head, checkpoints, LevelDB files)', mb(diskA), compacted ? mb(diskACompacted) : 'n/a', mb(diskACompacted * scale900)],
          ['per ballot', `${Math.round(perBallot).toLocaleString('en-US')} B`, `${Math.round(perBallotCompacted).toLocaleString('en-US')} B`, '—'],
          [`${totalText}-ballot log, uncompacted`, mb(diskB), '—', '—'],
        ],
      ),
      '',
      `Sizes are apparent file sizes (\`du -sb\`) of \`<dataDir>/leveldb\` with the database closed. The original design budgets`,
      `5 MB per ${PRECINCT_BALLOTS}-ballot precinct. A checkpoint is ${checkpointBytes.toLocaleString('en-US')} B (tally words, count, chain head, Merkle frontier),`,
      `${Math.floor(precinctSize / CHECKPOINT_INTERVAL)} of them per ${precinctSize} ballots; LevelDB compresses with Snappy, which does little for ciphertexts.`,
      '',
      '### Memory',
      '',
      `Heap used (after \`global.gc()\` twice) was ${mb(heap100)} after ${first} ballots and ${mb(heapAll)} after ${totalText}: a growth of`,
      `${(heapGrowth / 2 ** 20).toFixed(2)} MiB. The precinct keeps only the tally words, the count, the chain head and the Merkle frontier`,
      `(${checkpointBytes.toLocaleString('en-US')} B encoded after ${precinctSize} ballots, ${stateB.length.toLocaleString('en-US')} B after ${totalText}); ballots and indexes live in LevelDB.`,
      '',
      '### Recovery',
      '',
      markdownTable(
        ['start', 'entries replayed', 'open (total)', 'replay', 'per replayed entry'],
        recoveries.map((r) => [r.label, r.replayed.toLocaleString('en-US'), ms(r.openMs), ms(r.replayMs), r.replayed ? `${sig(r.replayMs / r.replayed)} ms` : '—']),
      ),
      '',
      `Also: reopening the ${precinctSize}-ballot precinct took ${ms(reopenA.openMs)} (${reopenA.replayed} entries after its latest checkpoint).`,
      'Replay verifies every entry (ballot hash, chain link, entry hash, both index entries, the head) and re-applies',
      'it (decode, multiply the tally words, extend the Merkle frontier) but does not re-verify the validity proofs:',
      'they were verified before the ballot was logged, and the hash chain and ballot hashes show the logged bytes are',
      'the ones that were verified. Every recovery above rebuilt the state bit for bit (checked against the state',
      'before shutdown).',
      '',
      '### Crash safety',
      '',
      STRESS_BEGIN,
      readStressBlock() ?? STRESS_PLACEHOLDER,
      STRESS_END,
    ].join('\n');
    return { rows, markdown };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export const storageSuite: Suite = {
  name: 'storage',
  ids: IDS,
  run: (options) => run(options),
};

// ---------------------------------------------------------------------------------------------
// the crash-stress paragraph (written by bench/crash/stress-crash.ts --record)

function storageSection(text: string): { begin: number; end: number } | undefined {
  const begin = text.indexOf('<!-- storage:begin -->');
  const end = text.indexOf('<!-- storage:end -->');
  return begin >= 0 && end > begin ? { begin, end } : undefined;
}

/** The recorded crash-stress paragraph inside the storage section, if any. */
export function readStressBlock(file = RESULTS): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  const section = storageSection(text);
  if (!section) return undefined;
  const inner = text.slice(section.begin, section.end);
  const i = inner.indexOf(STRESS_BEGIN);
  const j = inner.indexOf(STRESS_END);
  if (i < 0 || j < i) return undefined;
  const body = inner.slice(i + STRESS_BEGIN.length, j).trim();
  return body === '' || body === STRESS_PLACEHOLDER ? undefined : body;
}

/** Replaces the crash-stress paragraph inside the storage section (creating the section if needed). */
export function writeStressBlock(body: string, file = RESULTS): void {
  const block = `${STRESS_BEGIN}\n${body.trim()}\n${STRESS_END}`;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const section = storageSection(text);
  if (!section) {
    writeSection(file, 'storage', `## Storage: the durable precinct on LevelDB\n\nRun \`node --import tsx bench/storage.bench.ts\` for the figures.\n\n### Crash safety\n\n${block}`);
    return;
  }
  const inner = text.slice(section.begin, section.end);
  const i = inner.indexOf(STRESS_BEGIN);
  const j = inner.indexOf(STRESS_END);
  const updated = i >= 0 && j > i ? inner.slice(0, i) + block + inner.slice(j + STRESS_END.length) : `${inner.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, text.slice(0, section.begin) + updated + text.slice(section.end));
}

// ---------------------------------------------------------------------------------------------
// standalone

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const ballotsArg = argv.indexOf('--ballots');
  const ballots = ballotsArg >= 0 ? Number(argv[ballotsArg + 1]) : undefined;
  const write = argv.includes('--write') ? true : argv.includes('--no-write') ? false : !quick && ballots === undefined;
  const log = (m: string): void => console.error(`[bench] ${m}`);
  const started = performance.now();
  const out = await run({ quick, selected: () => true, log, ...(ballots === undefined ? {} : { ballots }) });
  log(`storage suite done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log('');
  console.log(resultsTable(out.rows));
  console.log('');
  if (write) {
    writeSection(RESULTS, 'storage', out.markdown);
    log(`wrote the storage section of ${RESULTS}`);
  } else {
    log(`${RESULTS} not written (quick or sized run; pass --write to force)`);
  }
}
