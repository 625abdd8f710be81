// The verification benchmark: what an auditor and a voter wait for.
//   - Record verification throughput (`tallymesh verify DIR`, every check, every ballot proof) in
//     ballots per second with 1 and with 2 worker threads, on a real 2048-bit, 5-of-9 record.
//   - A voter's receipt check (`tallymesh receipt check`): the checks R1-R3 on the proof bundle a
//     node serves, against the obvious way (verify the whole record with the receipt, as
//     `verify --receipt` does); and, at U.S. size (178,203 roster entries, 28 MB), reading the
//     manifest: the excerpt a receipt needs (protocol/manifest-excerpt.ts) against decoding and
//     validating it all (ElectionContext.fromBytes).
// The record and the U.S.-size manifest are built once and cached in the temp directory.
//
// Part of `npm run bench` (section "verify" of bench/RESULTS.md), or on its own:
//   node --import tsx bench/verify.bench.ts [--quick] [--write | --no-write]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import { fromHex } from '../crypto/bytes.ts';
import { dealThresholdKey } from '../crypto/threshold.ts';
import { Ballot } from '../protocol/ballot.ts';
import { STANDARD_CONTESTS } from '../protocol/contests.ts';
import { ElectionContext } from '../protocol/election.ts';
import { encodeManifest } from '../protocol/manifest.ts';
import { receiptContext } from '../protocol/manifest-excerpt.ts';
import { PartialDecryption } from '../protocol/partial-decryption.ts';
import { Receipt } from '../protocol/receipt.ts';
import { heldFromRecord, receiptProofView, receiptView, type ReceiptProofView, type ReceiptView } from '../protocol/receipt-proof-view.ts';
import { Result } from '../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../protocol/tally.ts';
import { checkReceiptProof, type ReceiptProof } from '../protocol/verify/receipt-proof.ts';
import { writeRecord } from '../record/record-files.ts';
import { verifyRecordDir } from '../record/verify-record-dir.ts';
import { generateElection, singleBallotPlan } from '../setup/election-setup.ts';
import { buildManifest, publicIdentity, trusteeIds, type PublicIdentity } from '../setup/manifest-builder.ts';
import { loadUsAtlas } from '../setup/us-atlas.ts';
import { runInProcessElection } from '../sim/in-process-election.ts';
import { buildUsHierarchy, hierarchyNodes } from '../sim/us-scale/us-jurisdictions.ts';
import { compare, sig } from './harness.ts';
import { machineInfo, machineMarkdown, resultsTable, writeSection, type Row, type Suite, type SuiteOptions, type SuiteOutput } from './report.ts';

const KEY_BITS = 2048;
const SHAPE = { states: 1, countiesPerState: 4, precinctsPerCounty: 3 } as const;
const BALLOTS_PER_PRECINCT = 50;
const RECEIPT_TARGET_MS = 1000;

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
// Keyed by a hash of the protocol's sources: a cache written by another protocol version (other
// artifact bytes) is never read back.
const CACHE = path.join(os.tmpdir(), `tallymesh-bench-verify-${protocolSourcesHash()}`);

function protocolSourcesHash(): string {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'protocol');
  const h = createHash('sha256');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts')).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex').slice(0, 12);
}

const IDS = ['verify/record-jobs-1', 'verify/record-jobs-2', 'verify/receipt-check', 'verify/receipt-manifest-us'];

interface CachedRun {
  dir: string;
  ballots: number;
  precincts: number;
  receipt: { receipt: unknown; inclusion: { size: number; path: string[] } };
  proof: ReceiptProofView;
  generatedMs?: number;
}

/** A 2048-bit election run in process, its record written and one receipt with its proof bundle. */
function cachedRun(log: (m: string) => void): CachedRun {
  const dir = path.join(CACHE, `record-${KEY_BITS}`);
  const meta = path.join(CACHE, `receipt-${KEY_BITS}.json`);
  const precincts = SHAPE.states * SHAPE.countiesPerState * SHAPE.precinctsPerCounty;
  const ballots = precincts * BALLOTS_PER_PRECINCT;
  if (fs.existsSync(meta) && fs.existsSync(dir)) return { dir, ballots, precincts, ...(JSON.parse(fs.readFileSync(meta, 'utf8')) as Pick<CachedRun, 'receipt' | 'proof'>) };
  log(`running a ${KEY_BITS}-bit election of ${precincts} precincts x ${BALLOTS_PER_PRECINCT} ballots in process (cached in ${CACHE}) ...`);
  const start = performance.now();
  const election = generateElection({ keyBits: KEY_BITS, ...SHAPE, electionId: 'bench-verify' });
  const outcome = runInProcessElection(election, { ballotsPerPrecinct: BALLOTS_PER_PRECINCT, seed: 'bench-verify' });
  fs.rmSync(dir, { recursive: true, force: true });
  writeRecord(dir, outcome.record);
  const [precinctId, cast] = [...outcome.cast.entries()][0]!;
  const tally = outcome.record.precinctTallies.find((t) => t.precinctId === precinctId)!;
  const one = cast[cast.length >> 1]!;
  const view: ReceiptView = receiptView(one.receipt, { tally, ballotHashes: cast.map((c) => Ballot.hash(c.ballot)) });
  const proof = receiptProofView(outcome.ctx, precinctId, heldFromRecord(outcome.ctx, outcome.record));
  if (!proof) throw new Error('the record does not hold the tallies above the precinct');
  const cached = { receipt: { receipt: view.receipt, inclusion: { size: view.inclusion!.size, path: view.inclusion!.path } }, proof };
  fs.writeFileSync(meta, JSON.stringify(cached));
  return { dir, ballots, precincts, ...cached, generatedMs: performance.now() - start };
}

/** The canonical bytes of a manifest with the U.S. roster (us-atlas counties, 175,000 precincts). */
function usManifest(log: (m: string) => void): Uint8Array {
  const file = path.join(CACHE, 'us-manifest.bin');
  if (fs.existsSync(file)) return new Uint8Array(fs.readFileSync(file));
  log('building a U.S.-size manifest (178,000 Ed25519 keys, a 2048-bit 5-of-9 key) ...');
  const h = buildUsHierarchy(loadUsAtlas(), { precincts: 175_000, ballots: 159_000_000, seed: 'bench-verify' });
  const jurisdictions = hierarchyNodes(h);
  const identities = new Map<string, PublicIdentity>();
  const trustees = trusteeIds(9);
  for (const id of [...jurisdictions.map((j) => j.id), ...trustees]) identities.set(id, publicIdentity(new Uint8Array(randomBytes(32))));
  const key = dealThresholdKey({ bits: KEY_BITS, threshold: 5, trustees: 9 });
  // Every precinct votes the standard ballot: one district "all", one ballot style.
  const plan = singleBallotPlan(jurisdictions, STANDARD_CONTESTS, 'U.S.-size manifest');
  const manifest = buildManifest({
    ...plan,
    electionId: 'bench-us',
    identities,
    key,
    slotBits: 32,
    checkpointInterval: 100,
    closesAt: 0,
  });
  const bytes = encodeManifest(manifest);
  fs.writeFileSync(file, bytes);
  return bytes;
}

function receiptProof(run: CachedRun): ReceiptProof {
  const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
  return {
    receipt: Receipt.fromJSON(run.receipt.receipt),
    inclusion: { size: run.receipt.inclusion.size, path: run.receipt.inclusion.path.map((h) => fromHex(h)) },
    precinctTally: PrecinctTally.decode(b64(run.proof.precinctTally)),
    path: run.proof.path.map((t) => AggregateTally.decode(b64(t))),
    result: run.proof.result ? Result.decode(b64(run.proof.result)) : undefined,
    partials: run.proof.partials.map((p) => PartialDecryption.decode(b64(p))),
  };
}

const seconds = (ms: number): string => (ms >= 1000 ? `${sig(ms / 1000)} s` : `${sig(ms)} ms`);

export async function runVerifySuite(options: SuiteOptions): Promise<SuiteOutput> {
  fs.mkdirSync(CACHE, { recursive: true });
  const machine = machineInfo();
  const rows: Row[] = [];
  const run = cachedRun(options.log);
  const runs = options.quick ? 1 : 3;
  const notes: string[] = [];

  // Record verification: the whole record, every check; jobs 1 is the obvious implementation.
  const coverage: string[] = [];
  if (options.selected('verify/record-jobs-1') || options.selected('verify/record-jobs-2')) {
    const verify = (jobs: number) => async (): Promise<void> => {
      const v = await verifyRecordDir(run.dir, { jobs });
      if (v.verdict !== 'pass') throw new Error(`the benchmark record did not verify with --jobs ${jobs}: ${v.verdict}`);
      if (v.coverage.ballots !== run.ballots) throw new Error(`--jobs ${jobs} checked ${v.coverage.ballots} of ${run.ballots} ballots`);
      if (coverage.length === 0) coverage.push(`${v.coverage.precincts} precincts, ${v.coverage.ballots} ballots, ${v.coverage.tallies} tallies, ${v.coverage.partials} partials`);
    };
    options.log(`verifying the record (${run.ballots} ballots) with 1 and 2 jobs, ${runs} runs each ...`);
    const { a: two, b: one } = await compare(verify(2), verify(1), { warmup: 0, runs });
    const rate = (ms: number): number => run.ballots / (ms / 1000);
    rows.push({ id: 'verify/record-jobs-1', operation: `verify DIR --jobs 1: ballots/s over a whole record (${run.ballots} ballots, every check)`, unit: 'rate', ours: rate(one!.median), oursNote: `(${seconds(one!.median)} per record)` });
    rows.push({
      id: 'verify/record-jobs-2',
      operation: 'verify DIR --jobs 2 (obvious: --jobs 1, same run)',
      unit: 'rate',
      ours: rate(two.median),
      obvious: rate(one!.median),
      oursNote: `(${seconds(two.median)} per record)`,
    });
  }

  // A receipt: R1-R3 on the bundle, against verifying the whole record with the receipt.
  if (options.selected('verify/receipt-check')) {
    const manifestBytes = new Uint8Array(fs.readFileSync(path.join(run.dir, 'manifest.bin')));
    const proof = receiptProof(run);
    const ours = (): void => {
      const ctx = receiptContext(manifestBytes, proof.receipt.precinctId);
      const checks = checkReceiptProof(ctx, proof);
      if (!checks.every((c) => c.status === 'pass')) throw new Error('the benchmark receipt did not check out');
    };
    const input = { label: 'bench receipt', receipt: proof.receipt, inclusion: proof.inclusion! };
    const obvious = async (): Promise<void> => {
      const v = await verifyRecordDir(run.dir, { receipts: [input], jobs: 1 });
      if (!v.receipts.every((c) => c.status === 'pass')) throw new Error('the benchmark receipt did not verify in the record');
    };
    options.log('checking one receipt: the bundle, and the whole record with it ...');
    const { a, b } = await compare(ours, obvious, { warmup: 1, runs });
    rows.push({
      id: 'verify/receipt-check',
      operation: `receipt check: R1-R3 on the /proof bundle (${proof.path.length} tallies up, ${proof.partials.length} partials; obvious: verify the record --receipt)`,
      unit: 'time',
      ours: a,
      obvious: b!,
      target: `≤ ${RECEIPT_TARGET_MS} ms with the U.S. manifest (row below added)`,
    });
  }

  // The manifest at U.S. size: what the receipt check reads of it.
  if (options.selected('verify/receipt-manifest-us')) {
    const bytes = usManifest(options.log);
    const ctx = ElectionContext.fromBytes(bytes);
    const precinct = ctx.manifest.roster.find((e) => e.role === 'precinct')!;
    options.log(`reading the ${(bytes.length / 1e6).toFixed(1)} MB U.S.-size manifest: excerpt and in full ...`);
    const { a, b } = await compare(
      () => receiptContext(bytes, precinct.id),
      () => ElectionContext.fromBytes(bytes),
      { warmup: 1, runs: options.quick ? 2 : 5 },
    );
    const excerpt = receiptContext(bytes, precinct.id);
    if (excerpt.hashHex !== ctx.hashHex) throw new Error('the excerpt has another election hash');
    rows.push({
      id: 'verify/receipt-manifest-us',
      operation: `receipt check's manifest at U.S. size: excerpt (${excerpt.manifest.roster.length} of ${ctx.manifest.roster.length.toLocaleString('en-US')} entries) from ${(bytes.length / 1e6).toFixed(1)} MB (obvious: decode + validate all)`,
      unit: 'time',
      ours: a,
      obvious: b!,
    });
    const check = rows.find((r) => r.id === 'verify/receipt-check');
    if (check && typeof check.ours !== 'number') {
      const total = check.ours.median + a.median;
      check.met = total <= RECEIPT_TARGET_MS;
      notes.push(
        `A receipt check at U.S. scale is the receipt-check row (its manifest is this record's, ${run.precincts} precincts) plus the U.S.-size manifest row: ${seconds(check.ours.median)} + ${seconds(a.median)} = **${seconds(total)}** (target ${RECEIPT_TARGET_MS} ms: ${check.met ? 'met' : 'not met'}). ` +
          'The other parts do not grow with the election: the path has 3 tallies at any size (county, state, national), whose child lists are at most a few hundred hashes, the Merkle path has log2 of the precinct\'s ballots steps, and check 9 verifies t = 5 partials of the national tally\'s words whatever the roster.',
      );
    }
  }

  const loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(', ');
  if (coverage.length) notes.push(`Each verification covered ${coverage[0]}, and passed.`);
  const jobs2 = rows.find((r) => r.id === 'verify/record-jobs-2');
  if (jobs2 && typeof jobs2.ours === 'number') {
    const days = 159e6 / jobs2.ours / 86400;
    notes.push(
      `A national record holds about 159 million ballots (about 600 GB): at ${sig(jobs2.ours)} ballots/s one such machine would need ${sig(days)} days, ` +
        'so auditors split it with `tallymesh verify DIR --subtree NODE`: each checks every ballot and tally under its node and the path from it up to the result, and the reports say which part each covered.',
    );
  }
  if (run.generatedMs !== undefined) notes.push(`Running the benchmark election took ${seconds(run.generatedMs)} (cached for later runs).`);
  const markdown = [
    `## Verification: the record, and a voter's receipt${options.quick ? ' (quick run: rough numbers)' : ''}`,
    '',
    `Written by \`node --import tsx bench/verify.bench.ts\` (also part of \`npm run bench\`). A ${KEY_BITS}-bit, 5-of-9 election of ${run.precincts} precincts`,
    `(${SHAPE.states} state, ${SHAPE.countiesPerState} counties) with ${BALLOTS_PER_PRECINCT} standard ballots each, run in process and written as a record.`,
    `"verify" is \`verifyRecordDir\`, what \`tallymesh verify DIR --jobs N\` runs: all nine checks, every ballot proof; its county units are spread`,
    'over N worker threads, and each thread reads only the files of its units. Medians of interleaved runs; the ratio of the --jobs 2 row is its rate over --jobs 1.',
    '',
    machineMarkdown(machine, loadAfter),
    '',
    resultsTable(rows),
    '',
    ...notes.flatMap((n) => [n, '']),
  ].join('\n');
  return { rows, markdown };
}

export const verifySuite: Suite = { name: 'verify', ids: IDS, run: runVerifySuite };

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const write = args.includes('--write') || (!quick && !args.includes('--no-write'));
  const out = await runVerifySuite({ quick, selected: () => true, log: (m) => console.error(`[bench] ${m}`) });
  console.log(resultsTable(out.rows));
  if (write) writeSection(RESULTS, 'verify', out.markdown);
}
