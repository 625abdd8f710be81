// Parallel verification of a U.S.-scale record directory (record/record-files.ts layout).
//
// protocol/verify.ts's verifyRecord runs on one thread; at 178,000 tallies its checks 2 (every
// signature) and 7 (every tally re-validated, every aggregate re-multiplied) take minutes. This
// file runs the same checks split by state: each thread reads the manifest and the tally files of
// its states' subtrees from the record directory and runs, for them, checkHierarchy's code
// (validateNodeTallies: every tally validated, signature included; checkAggregates per county and
// state) and check 2's code for the tallies whose signature that did not verify; the main thread
// runs check 1, the same for the national tally, check 2 for the partials and the result, and
// checks 8 and 9 exactly as verifyRecord does. The check functions are the protocol's own; only
// the loop over the roster is split.
//
// The split is exact only for a record whose tally files are named after the node whose tally
// they hold, with at most one tally per node, none from outside the roster and no published
// ballots. Anything else (which an honest run never writes) makes it fall back to verifyRecord
// over readRecord, the single-threaded verifier, so the outcome is always verifyRecord's.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../../crypto/bytes.ts';
import { ElectionContext } from '../../protocol/election.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { checkAggregates, validateNodeTallies } from '../../protocol/hierarchy.ts';
import { ManifestSchema, type Manifest, type RosterEntry } from '../../protocol/manifest.ts';
import { PartialDecryption, validatePartialDecryption } from '../../protocol/partial-decryption.ts';
import { Result } from '../../protocol/result.ts';
import { AggregateTally, PrecinctTally, childTallyOf, type AnyTally } from '../../protocol/tally.ts';
import { CHECKS, checkResult, verifyRecord, type CheckResult, type Verification } from '../../protocol/verify.ts';
import { readRecord } from '../../record/record-files.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';

const PRECINCT_SUFFIX = '.precinct-tally.bin';
const AGGREGATE_SUFFIX = '.aggregate-tally.bin';

export interface PartitionVerification {
  /** The manifest failed check 1 in this thread. */
  manifestError?: string;
  /** A tally file that cannot be decoded: readRecord would refuse the record. */
  unreadable: string[];
  /** Files whose tally names another node than the file name: the split is not exact. */
  misnamed: string[];
  check2: string[];
  check7: string[];
  /** States of the partition whose own tally is valid (checkHierarchy's `children` set). */
  validStates: string[];
  tallies: number;
}

const message = (err: unknown): string => errorMessage(err);

function readManifestContext(dir: string): ElectionContext {
  const json: unknown = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  return new ElectionContext(ManifestSchema.fromJSON(json, 'manifest'));
}

function readTally(dir: string, entry: RosterEntry): AnyTally | undefined {
  if (entry.role === 'precinct') {
    const path = join(dir, 'tallies', entry.id + PRECINCT_SUFFIX);
    return existsSync(path) ? { kind: 'precinct', tally: PrecinctTally.decode(new Uint8Array(readFileSync(path))) } : undefined;
  }
  const path = join(dir, 'tallies', entry.id + AGGREGATE_SUFFIX);
  return existsSync(path) ? { kind: 'aggregate', tally: AggregateTally.decode(new Uint8Array(readFileSync(path))) } : undefined;
}

/** verifyRecord's check 2 for one tally (same code, same messages). */
function signatureProblem(ctx: ElectionContext, t: AnyTally): string | undefined {
  try {
    if (t.kind === 'precinct') {
      const signer = ctx.index.node(t.tally.precinctId);
      if (signer.role !== 'precinct') throw new ProtocolError('unknown-signer', 'precinctId', `"${t.tally.precinctId}" is not a precinct`);
      PrecinctTally.verifySignature(t.tally, signer.publicKey);
    } else {
      const signer = ctx.index.node(t.tally.nodeId);
      if (signer.role !== t.tally.level) throw new ProtocolError('unknown-signer', 'nodeId', `"${t.tally.nodeId}" is a ${signer.role}, not a ${t.tally.level}`);
      AggregateTally.verifySignature(t.tally, signer.publicKey);
    }
    return undefined;
  } catch (err) {
    const who = t.kind === 'precinct' ? `precinct tally of "${t.tally.precinctId}"` : `aggregate tally of "${t.tally.nodeId}"`;
    return `${who}: ${message(err)}`;
  }
}

/** Worker side: checks 2 and 7 for the subtrees of `states`, reading the record directory. */
export function verifyPartition(dir: string, states: string[], progress?: (phase: string, done: number, total: number) => void): PartitionVerification {
  const out: PartitionVerification = { unreadable: [], misnamed: [], check2: [], check7: [], validStates: [], tallies: 0 };
  let ctx: ElectionContext;
  try {
    ctx = readManifestContext(dir);
  } catch (err) {
    out.manifestError = message(err);
    return out;
  }
  // The partition's roster entries, in roster order (states, counties, precincts).
  const stateSet = new Set(states);
  const countySet = new Set<string>();
  const entries: RosterEntry[] = [];
  for (const e of ctx.manifest.roster) {
    if (e.role === 'state' && stateSet.has(e.id)) entries.push(e);
    else if (e.role === 'county' && stateSet.has(e.parent)) {
      entries.push(e);
      countySet.add(e.id);
    } else if (e.role === 'precinct' && countySet.has(e.parent)) entries.push(e);
  }
  const tallies = new Map<string, AnyTally>();
  entries.forEach((entry, i) => {
    let t: AnyTally | undefined;
    try {
      t = readTally(dir, entry);
    } catch (err) {
      out.unreadable.push(`${entry.id}: ${message(err)}`);
      return;
    }
    if (t) {
      out.tallies++;
      const named = t.kind === 'precinct' ? t.tally.precinctId : t.tally.nodeId;
      if (named !== entry.id) {
        out.misnamed.push(entry.id);
        return;
      }
      tallies.set(entry.id, t);
    }
    if ((i + 1) % 5000 === 0) progress?.('verify: read', i + 1, entries.length);
  });
  const tallyOf = (id: string): AnyTally | undefined => tallies.get(id);
  const { valid, signed, problems } = validateNodeTallies(ctx, entries, tallyOf);
  for (const t of tallies.values()) {
    if (signed.has(t.tally)) continue;
    const sig = signatureProblem(ctx, t);
    if (sig) out.check2.push(sig);
  }
  problems.push(...checkAggregates(ctx, entries, tallyOf, valid));
  out.check7 = problems.map((p) => p.message);
  out.validStates = states.filter((s) => valid.has(s));
  return out;
}

export interface VerifyHost {
  verify(dir: string, states: string[]): Promise<PartitionVerification>;
}

export interface ParallelVerification extends Verification {
  /** 'parallel', or 'serial' when the record's shape required verifyRecord itself. */
  mode: 'parallel' | 'serial';
  fallbackReason?: string;
}

class Check {
  details: string[] = [];
  skipped = false;
  constructor(readonly spec: { number: number | string; name: string; title: string }) {}
  fail(detail: string): void {
    this.details.push(detail);
  }
  guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(`${what}: ${message(err)}`);
    }
  }
  result(): CheckResult {
    return { ...this.spec, status: this.skipped ? 'skip' : this.details.length ? 'fail' : 'pass', details: this.details };
  }
}

function serial(dir: string, reason: string, onCheck?: (r: CheckResult) => void): ParallelVerification {
  let v: Verification;
  try {
    v = verifyRecord(readRecord(dir), undefined, onCheck ? { onCheck } : {});
  } catch (err) {
    // As `tallymesh verify`: an unreadable record is a failed verification.
    const checks = CHECKS.map((spec, i) => ({ ...spec, status: (i === 0 ? 'fail' : 'skip') as CheckResult['status'], details: i === 0 ? [`record cannot be read: ${message(err)}`] : [] }));
    return { electionHash: undefined, checks, ok: false, mode: 'serial', fallbackReason: reason };
  }
  return { ...v, mode: 'serial', fallbackReason: reason };
}

/** Splits the states over the hosts, balancing precinct counts (from the record's own manifest). */
function splitStates(ctx: ElectionContext, parts: number): string[][] {
  const size = (id: string): number => ctx.index.childrenOf(id).reduce((acc, c) => acc + ctx.index.childrenOf(c.id).length + 1, 1);
  const states = ctx.manifest.roster.filter((e) => e.role === 'state').map((e) => e.id);
  const load = new Array<number>(parts).fill(0);
  const out: string[][] = Array.from({ length: parts }, () => []);
  for (const s of [...states].sort((a, b) => size(b) - size(a))) {
    let best = 0;
    for (let i = 1; i < parts; i++) if (load[i]! < load[best]!) best = i;
    out[best]!.push(s);
    load[best]! += size(s);
  }
  return out;
}

/**
 * Verifies the record in `dir` with the hosts (worker threads) checking the states' subtrees.
 * Same checks, statuses and (up to order) messages as verifyRecord(readRecord(dir)).
 */
export async function verifyRecordParallel(dir: string, hosts: VerifyHost[], onCheck?: (r: CheckResult) => void): Promise<ParallelVerification> {
  if (hosts.length === 0) return serial(dir, 'no worker threads');
  const ballotFiles = existsSync(join(dir, 'ballots')) ? readdirSync(join(dir, 'ballots')).filter((f) => f.endsWith('.bin')) : [];
  if (ballotFiles.length) return serial(dir, 'the record publishes ballots (checks 3-6 run single-threaded)', onCheck);

  const checks = CHECKS.map((spec) => new Check(spec));
  const [c1, c2, c3, c4, c5, c6, c7, c8, c9] = checks as [Check, Check, Check, Check, Check, Check, Check, Check, Check];
  const results: CheckResult[] = [];
  const done = (c: Check): void => {
    const r = c.result();
    results.push(r);
    onCheck?.(r);
  };

  // 1. manifest
  let manifest: Manifest;
  try {
    // Structure only, as readRecord; whether it is consistent is check 1.
    manifest = ManifestSchema.fromJSON(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), 'manifest');
  } catch {
    return serial(dir, 'manifest.json cannot be read', onCheck);
  }
  let ctx: ElectionContext | undefined;
  c1.guard('manifest', () => {
    ctx = new ElectionContext(manifest);
  });
  done(c1);
  if (!ctx) {
    for (const c of checks.slice(1)) {
      c.skipped = true;
      done(c);
    }
    return { electionHash: undefined, checks: results, ok: false, mode: 'parallel' };
  }
  const election = ctx;

  // The shape the split needs: one file per node, named after it, all in the roster.
  const files = existsSync(join(dir, 'tallies')) ? readdirSync(join(dir, 'tallies')) : [];
  const seen = new Set<string>();
  for (const f of files) {
    const id = f.endsWith(PRECINCT_SUFFIX) ? f.slice(0, -PRECINCT_SUFFIX.length) : f.endsWith(AGGREGATE_SUFFIX) ? f.slice(0, -AGGREGATE_SUFFIX.length) : undefined;
    if (id === undefined) continue; // readRecord ignores other files
    const entry = election.index.byId.get(id);
    const expectedSuffix = entry?.role === 'precinct' ? PRECINCT_SUFFIX : AGGREGATE_SUFFIX;
    if (!entry || entry.role === 'trustee' || !f.endsWith(expectedSuffix) || seen.has(id)) return serial(dir, `tally file ${f} does not fit the roster`, onCheck);
    seen.add(id);
  }

  // Workers: checks 2 and 7 for the states' subtrees, while this thread reads the rest.
  const parts = splitStates(election, hosts.length);
  const pending = Promise.all(hosts.map((h, i) => h.verify(dir, parts[i]!)));
  let partials: PartialDecryption[];
  let result: Result | undefined;
  let national: AnyTally | undefined;
  const states = new Map<string, AnyTally>();
  try {
    national = readTally(dir, election.index.national);
    for (const e of election.manifest.roster) if (e.role === 'state') {
      const t = readTally(dir, e);
      if (t) states.set(e.id, t);
    }
    const partialFiles = existsSync(join(dir, 'partials')) ? readdirSync(join(dir, 'partials')).filter((f) => f.endsWith('.bin')).sort() : [];
    partials = partialFiles.map((f) => PartialDecryption.decode(new Uint8Array(readFileSync(join(dir, 'partials', f)))));
    const resultPath = join(dir, 'result.bin');
    result = existsSync(resultPath) ? Result.decode(new Uint8Array(readFileSync(resultPath))) : undefined;
  } catch (err) {
    await pending;
    return serial(dir, `record cannot be read: ${message(err)}`, onCheck);
  }
  const reports = await pending;
  for (const r of reports) {
    if (r.unreadable.length) return serial(dir, `tally file cannot be read: ${r.unreadable[0]}`, onCheck);
    if (r.misnamed.length) return serial(dir, `tally file of "${r.misnamed[0]}" holds another node's tally`, onCheck);
    if (r.manifestError) c1.fail(`manifest (worker): ${r.manifestError}`);
  }
  const tallyCount = reports.reduce((acc, r) => acc + r.tallies, 0) + (national ? 1 : 0);
  if (tallyCount !== seen.size) return serial(dir, `${seen.size} tally files, ${tallyCount} read by the split`, onCheck);

  // The national tally on its own (validating it verifies its signature), then against the
  // states the workers found valid: check 7's part here, before check 2 needs its signature.
  const nationalEntry = election.index.national;
  const nationalOf = (id: string): AnyTally | undefined => (id === nationalEntry.id ? national : undefined);
  const nationalCheck = validateNodeTallies(election, [nationalEntry], nationalOf);
  const nationalProblems = nationalCheck.problems;
  const nationalValid = nationalCheck.valid.get(nationalEntry.id);
  if (nationalValid) {
    const validStates = new Set(reports.flatMap((r) => r.validStates));
    const valid = new Map(nationalCheck.valid);
    for (const [id, t] of states) if (validStates.has(id)) valid.set(id, childTallyOf(t));
    nationalProblems.push(...checkAggregates(election, [nationalEntry], nationalOf, valid));
  }

  // 2. signatures: subtrees from the workers, then the national tally, partials and result here.
  for (const r of reports) for (const d of r.check2) c2.fail(d);
  if (national && !nationalCheck.signed.has(national.tally)) {
    const sig = signatureProblem(election, national);
    if (sig) c2.fail(sig);
  }
  for (const p of partials) {
    c2.guard(`partial decryption of "${p.trusteeId}"`, () => {
      const signer = election.index.node(p.trusteeId);
      if (signer.role !== 'trustee') throw new ProtocolError('unknown-signer', 'trusteeId', `"${p.trusteeId}" is not a trustee`);
      PartialDecryption.verifySignature(p, signer.publicKey);
    });
  }
  if (result) {
    const r = result;
    c2.guard('result', () => Result.verifySignature(r, election.index.node(r.combinerId).publicKey));
  } else c2.fail('the record has no result');
  done(c2);

  // 3-6: the record publishes no ballots, so there is nothing to check (verifyRecord's loops are empty).
  done(c3);
  done(c4);
  done(c5);
  done(c6);

  // 7. the hierarchy: the workers' problems, then the national tally's own and its aggregate.
  for (const p of [...reports.flatMap((r) => r.check7), ...nationalProblems.map((p) => p.message)]) c7.fail(p);
  done(c7);

  // 8 and 9: verifyRecord's code.
  const nationalTally = nationalValid && national?.kind === 'aggregate' ? national.tally : undefined;
  const nationalHash = nationalTally ? nationalValid!.hash : undefined;
  const validPartials = new Map<string, PartialDecryption>();
  if (!nationalTally || !nationalHash) {
    c8.skipped = true;
  } else {
    for (const p of partials) {
      c8.guard(`partial decryption of "${p.trusteeId}"`, () => {
        validatePartialDecryption(election, p, nationalHash, nationalTally.words);
        validPartials.set(toHex(PartialDecryption.hash(p)), p);
      });
    }
    const t = election.manifest.threshold.threshold;
    const trustees = new Set([...validPartials.values()].map((p) => p.trusteeIndex)).size;
    if (trustees < t) c8.fail(`only ${trustees} trustees have valid partial decryptions, ${t} are needed`);
  }
  done(c8);

  if (!result) {
    c9.fail('the record has no result');
  } else if (!nationalTally || !nationalHash) {
    c9.skipped = true;
  } else {
    c9.guard('result', () => checkResult(election, result, nationalTally, nationalHash, validPartials));
  }
  done(c9);
  // A worker's manifest failure is reported under check 1 after the fact.
  if (c1.details.length && results[0]!.status === 'pass') results[0] = c1.result();
  return { electionHash: election.hashHex, checks: results, ok: results.every((r) => r.status === 'pass'), mode: 'parallel' };
}
