// The verifier: re-checks an election record, numbered checks 1-9 of docs/verification.md and
// the receipt checks, from a RecordSource. The work is split by county (verify-county.ts), run in
// this thread or, through `runUnits`, in worker threads (record/verify-workers.ts); the states,
// the national tally, the partial decryptions and the result are checked here. With `subtree`,
// only that node's subtree and the path from it to the result are checked, and the verdict says
// so. Pure: no files, no threads of its own.
import { errorMessage } from '../../errors/tallymesh-error.ts';
import type { ElectionContext } from '../election.ts';
import type { PartialDecryption } from '../partial-decryption.ts';
import type { Result } from '../result.ts';
import type { AggregateTally, ChildTally } from '../tally.ts';
import { checkManifest } from './check-01-manifest.ts';
import { checkPartialSignature, checkResultSignature } from './check-02-signatures.ts';
import { checkAggregate, checkTallyForms } from './check-07-aggregates.ts';
import { checkPartialDecryptions } from './check-08-partial-decryptions.ts';
import { someCompletedGroups } from '../completed-groups.ts';
import { checkResult, checkResultView } from './check-09-result.ts';
import { CHECKS, RECEIPT_CHECKS, checkResult as resultOf, emptyTallies, emptyTally, mergeTallies, mergeTally, type CheckResult, type CheckTallies, type CheckTally } from './checks.ts';
import { checkReceiptCounted, type ReceiptInput } from './receipt-checks.ts';
import type { RecordSource } from './record-source.ts';
import { readTallies, verifyCounty, type CountyReport, type CountyUnit, type Coverage } from './verify-county.ts';

export type Verdict = 'pass' | 'partial' | 'fail';

export interface VerifyOptions {
  /** Check the tallies even where the record holds no ballots: those precincts are skipped, and
   *  the verdict can only be partial (runs with synthetic precincts). */
  talliesOnly?: boolean;
  /** Only this node's subtree and the path from it up to the result. */
  subtree?: string;
  receipts?: ReceiptInput[];
  /** Runs the county units (in worker threads, say); in this thread by default. */
  runUnits?: (units: CountyUnit[], options: UnitRun) => Promise<CountyReport[]>;
  /** Called for each check, in order, once the verification is done. */
  onCheck?: (r: CheckResult) => void;
}

export interface VerificationCoverage extends Coverage {
  /** The node whose subtree was covered (the national node: everything). */
  scope: string;
  /** The roster's precincts, and those under the scope. */
  precinctsInRoster: number;
  precinctsInScope: number;
  /** From the scope up to the national tally. */
  path: string[];
  partials: number;
}

export interface Verification {
  electionHash: string | undefined;
  checks: CheckResult[];
  receipts: CheckResult[];
  coverage: VerificationCoverage;
  /** pass: everything checked and passed; partial: what was checked passed, but not everything
   *  was (a subtree, or ballots not in the record); fail: a check failed. */
  verdict: Verdict;
  ok: boolean;
  /** Why the verdict is partial. */
  partialBecause: string[];
}

export interface UnitRun {
  talliesOnly: boolean;
  /** The election, as check 1 built it. */
  ctx: ElectionContext;
}

/** The county units, one after the other in this thread. */
export function runUnitsHere(source: RecordSource) {
  return async (units: CountyUnit[], { ctx, talliesOnly }: UnitRun): Promise<CountyReport[]> => units.map((u) => verifyCounty(ctx, source, u, { talliesOnly }));
}

/** The county units a scope needs, with the receipts that fall in each. */
export function planUnits(ctx: ElectionContext, scope: string, receipts: readonly ReceiptInput[]): CountyUnit[] {
  const entry = ctx.index.node(scope);
  const countyOf = (id: string): string | undefined => {
    const e = ctx.index.byId.get(id);
    return e?.role === 'precinct' ? e.parent : e?.role === 'county' ? e.id : undefined;
  };
  let units: CountyUnit[];
  if (entry.role === 'precinct') units = [{ county: entry.parent, precincts: [entry.id], receipts: [] }];
  else if (entry.role === 'county') units = [{ county: entry.id, precincts: 'all', receipts: [] }];
  else {
    const states = entry.role === 'state' ? [entry] : ctx.index.childrenOf(entry.id);
    units = states.flatMap((s) => ctx.index.childrenOf(s.id).map((c): CountyUnit => ({ county: c.id, precincts: 'all', receipts: [] })));
  }
  const byCounty = new Map(units.map((u) => [u.county, u]));
  receipts.forEach((input, index) => byCounty.get(countyOf(input.receipt.precinctId) ?? '')?.receipts.push({ index, input }));
  return units;
}

export async function verifyRecord(source: RecordSource, options: VerifyOptions = {}): Promise<Verification> {
  const receipts = options.receipts ?? [];
  const { ctx, tally: c1 } = checkManifest(source);
  const t = emptyTallies();
  const r = [emptyTally(), emptyTally(), emptyTally()] as [CheckTally, CheckTally, CheckTally];
  const coverage: VerificationCoverage = { scope: '', precinctsInRoster: 0, precinctsInScope: 0, path: [], precincts: 0, ballots: 0, tallies: 0, partials: 0 };
  const finish = (electionHash: string | undefined, partialBecause: string[]): Verification => {
    const checks = [resultOf(CHECKS[0], c1), ...CHECKS.slice(1).map((spec) => resultOf(spec, t[spec.number as keyof CheckTallies]))];
    const receiptResults = receipts.length ? RECEIPT_CHECKS.map((spec, i) => resultOf(spec, r[i]!)) : [];
    for (const c of [...checks, ...receiptResults]) options.onCheck?.(c);
    const all = [...checks, ...receiptResults];
    const verdict: Verdict = all.some((c) => c.status === 'fail') || !ctx ? 'fail' : all.some((c) => c.status === 'skip') || partialBecause.length ? 'partial' : 'pass';
    if (verdict === 'partial' && !partialBecause.length) partialBecause.push('some checks were skipped');
    return { electionHash, checks, receipts: receiptResults, coverage, verdict, ok: verdict === 'pass', partialBecause: verdict === 'partial' ? partialBecause : [] };
  };
  if (!ctx) {
    for (const n of [2, 3, 4, 5, 6, 7, 8, 9] as const) t[n].skips.push('check 1 failed: nothing can be checked against this manifest');
    for (const x of r) x.skips.push('check 1 failed');
    return finish(undefined, []);
  }
  const partialBecause: string[] = [];
  const national = ctx.index.national;
  const scope = options.subtree ?? national.id;
  const scopeEntry = ctx.index.byId.get(scope);
  if (!scopeEntry || scopeEntry.role === 'trustee') {
    t[2].failures.push(`--subtree "${scope}" is not a precinct, county, state or the national node of this election`);
    return finish(ctx.hashHex, []);
  }
  const path: string[] = [];
  for (let e = scopeEntry; e.parent; e = ctx.index.node(e.parent)) path.push(e.parent);
  Object.assign(coverage, { scope, path, precinctsInRoster: ctx.manifest.roster.filter((e) => e.role === 'precinct').length });
  if (scope !== national.id) partialBecause.push(`only the subtree of "${scope}" and its path to the result were checked`);

  // Files that belong to no artifact, by the check that owns their folder.
  for (const s of source.strays()) if (s.check !== 1) t[s.check].failures.push(`${s.file}: ${s.reason}`);

  // The counties, in units.
  const units = planUnits(ctx, scope, receipts);
  const talliesOnly = options.talliesOnly ?? false;
  const reports = await (options.runUnits ?? runUnitsHere(source))(units, { talliesOnly, ctx });
  const counties = new Map<string, CountyReport>();
  for (const rep of reports) {
    counties.set(rep.county, rep);
    mergeTallies(t, rep.tallies);
    coverage.precincts += rep.coverage.precincts;
    coverage.ballots += rep.coverage.ballots;
    coverage.tallies += rep.coverage.tallies;
  }
  coverage.precinctsInScope = units.reduce((n, u) => n + (u.precincts === 'all' ? ctx.index.childrenOf(u.county).length : u.precincts.length), 0);
  if (t[3].skips.length && !t[3].failures.length) partialBecause.push('the ballots of some precincts are not in the record (tallies only)');

  // States and the national tally: each in scope or on the path, checked against its children;
  // a child outside the scope (a sibling on the path) is checked for signature and form only.
  const childOf = new Map<string, ChildTally | undefined>();
  const countedUp = new Map<string, boolean>();
  for (const rep of reports) {
    childOf.set(rep.county, rep.countyTally);
    countedUp.set(rep.county, rep.countyCounted);
  }
  const levels = ['state', 'national'] as const;
  const upper = (role: 'state' | 'national') => ctx.manifest.roster.filter((e) => e.role === role && (scopeEntry.role === 'national' || e.id === scope || path.includes(e.id)));
  let nationalTally: AggregateTally | undefined;
  let nationalOk = false;
  for (const level of levels) {
    for (const entry of upper(level)) {
      const siblings = ctx.index.childrenOf(entry.id).filter((c) => !childOf.has(c.id));
      const { atHand, signed } = readTallies(ctx, source, [entry, ...siblings], t);
      coverage.tallies += signed.size;
      const formed = checkTallyForms(ctx, atHand, t[7]);
      for (const s of siblings) {
        childOf.set(s.id, signed.has(s.id) ? formed.get(s.id) : undefined);
        // A sibling off the path: its own subtree was not checked, and R3 does not need it.
        countedUp.set(s.id, signed.has(s.id) && formed.has(s.id));
      }
      const own = atHand.find((a) => a.entry.id === entry.id);
      const mine = signed.has(entry.id) ? formed.get(entry.id) : undefined;
      let aggregateOk = false;
      if (own?.tally.kind === 'aggregate' && formed.has(entry.id)) {
        aggregateOk = checkAggregate(ctx, own.tally.tally, own.file, ctx.index.childrenOf(entry.id).map((c) => childOf.get(c.id)), t[7]);
      }
      childOf.set(entry.id, mine);
      countedUp.set(entry.id, !!mine && aggregateOk && ctx.index.childrenOf(entry.id).every((c) => countedUp.get(c.id) !== false));
      if (level === 'national' && own?.tally.kind === 'aggregate' && mine && aggregateOk) {
        nationalTally = own.tally.tally;
        nationalOk = true;
      }
    }
  }

  // Partial decryptions (2, 8) and the result (2, 9).
  const partials: { file: string; partial: PartialDecryption }[] = [];
  for (const trustee of ctx.index.trustees) {
    const read = source.partial(trustee.id);
    if (!read) continue;
    if (!read.ok) t[2].failures.push(`${read.file}: ${read.reason}`);
    else if (checkPartialSignature(ctx, trustee.id, read.value, read.file, t[2])) partials.push({ file: read.file, partial: read.value });
  }
  const resultRead = source.result();
  let result: Result | undefined;
  if (!resultRead) {
    t[2].failures.push('the record has no result');
    t[9].failures.push('the record has no result');
  } else if (!resultRead.ok) {
    t[2].failures.push(`${resultRead.file}: ${resultRead.reason}`);
    t[9].skips.push(`${resultRead.file} could not be read`);
  } else if (checkResultSignature(ctx, resultRead.value, resultRead.file, t[2])) result = resultRead.value;
  else t[9].skips.push(`${resultRead.file} failed check 2`);

  let validPartials = new Map<string, PartialDecryption>();
  const nationalHash = nationalOk ? childOf.get(national.id)!.hash : undefined;
  if (!nationalTally || !nationalHash) {
    t[8].skips.push('the national tally failed check 2 or 7: there is nothing the partials can be checked against');
    if (result) t[9].skips.push('the national tally failed check 2 or 7');
  } else {
    // Every scope's completed group. A scope tally off the checked path (a --subtree run) is
    // read here for signature and form only; one that failed check 2 or 7 leaves a hole.
    const offPath = ctx.scopes.scopes.map((g) => ctx.index.node(g.scopeId)).filter((e) => !childOf.has(e.id));
    if (offPath.length) {
      const { atHand, signed } = readTallies(ctx, source, offPath, t);
      coverage.tallies += signed.size;
      const formed = checkTallyForms(ctx, atHand, t[7]);
      for (const e of offPath) childOf.set(e.id, signed.has(e.id) ? formed.get(e.id) : undefined);
    }
    const groups = someCompletedGroups(ctx, (id) => childOf.get(id));
    groups.forEach((g, k) => {
      if (g) return;
      const id = ctx.scopes.scopes[k]!.scopeId;
      t[8].skips.push(`the tally of scope "${id}" failed check 2 or 7: its group is not checked`);
      t[9].skips.push(`the tally of scope "${id}" failed check 2 or 7`);
    });
    validPartials = checkPartialDecryptions(ctx, partials, groups, nationalHash, t[8]);
    coverage.partials = validPartials.size;
    if (result) {
      try {
        checkResult(ctx, result, nationalTally, nationalHash, groups, validPartials);
        const view = source.resultView();
        if (view && !view.ok) throw new Error(`${view.file}: ${view.reason}`);
        if (view?.ok) checkResultView(result, view.value);
        t[9].covered++;
      } catch (err) {
        t[9].failures.push(`${resultRead!.file}: ${errorMessage(err)}`);
      }
    }
  }
  const resultOk = !!result && t[9].failures.length === 0 && t[9].covered > 0;

  // Receipts: R1 and R2 came from the units; R3 needs the path and the result too.
  const parts = new Map(reports.flatMap((rep) => rep.receipts.map((p) => [p.index, p] as const)));
  receipts.forEach((input, index) => {
    const part = parts.get(index);
    if (!part) {
      const why = ctx.index.byId.get(input.receipt.precinctId)?.role === 'precinct' ? `precinct "${input.receipt.precinctId}" is outside the verified subtree` : `"${input.receipt.precinctId}" is not a precinct of this election`;
      for (const x of r) x.failures.push(`${input.label}: ${why}`);
      return;
    }
    mergeTally(r[0], part.r1);
    mergeTally(r[1], part.r2);
    const chain = [...(function* () {
      for (let e = ctx.index.byId.get(ctx.index.node(input.receipt.precinctId).parent); e; e = e.parent ? ctx.index.byId.get(e.parent) : undefined) yield e.id;
    })()];
    const broken = chain.find((id) => countedUp.get(id) !== true);
    const counted =
      part.precinctCounted !== true
        ? { ok: false as const, why: part.precinctCounted }
        : broken
          ? { ok: false as const, why: `the tally of "${broken}" on the way to the result failed check 2 or 7` }
          : !resultOk
            ? { ok: false as const, why: 'the result did not pass check 9' }
            : { ok: true as const };
    checkReceiptCounted(input, counted, r[2]);
  });
  return finish(ctx.hashHex, partialBecause);
}
