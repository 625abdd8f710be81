// The unit of verification work: one county and its precincts. Every precinct tally's checks 2
// and 7; for the precincts in scope, their ballots' checks 3-6 (and the receipts that name them);
// the county's own tally against its precincts. What the level above needs comes back small: the
// county's tally as its state sees it. Units are independent, so they run side by side in worker
// threads (record/verify-workers.ts) and an auditor can take just some of them (--subtree).
import type { ElectionContext } from '../election.ts';
import type { RosterEntry } from '../manifest.ts';
import type { PrecinctTally, ChildTally } from '../tally.ts';
import { checkBallotProofs, type CheckedBallots } from './check-03-ballot-proofs.ts';
import { checkBallotUniqueness } from './check-04-ballot-uniqueness.ts';
import { checkPrecinctTally } from './check-05-precinct-tallies.ts';
import { checkMerkleRoot } from './check-06-merkle-roots.ts';
import { checkAggregate, checkTallyForms, missingTally, type TallyAtHand } from './check-07-aggregates.ts';
import { checkTallySignature } from './check-02-signatures.ts';
import { emptyTallies, emptyTally, type CheckTallies, type CheckTally } from './checks.ts';
import { checkReceiptInclusion, checkReceiptSignature, type ReceiptInput } from './receipt-checks.ts';
import type { RecordSource } from './record-source.ts';

export interface CountyUnit {
  county: string;
  /** Precincts whose ballots are checked: all, or those of a subtree. */
  precincts: 'all' | string[];
  /** Receipts of this county's precincts, by index in the caller's list. */
  receipts: { index: number; input: ReceiptInput }[];
}

export interface ReceiptPart {
  index: number;
  r1: CheckTally;
  r2: CheckTally;
  /** true when the precinct tally passed checks 2, 7 and (with its ballots) 5 and 6, and so did its county; else why not. */
  precinctCounted: true | string;
}

export interface Coverage {
  /** Precincts whose ballots were checked (check 3 ran on them). */
  precincts: number;
  /** Ballots whose proofs were checked. */
  ballots: number;
  /** Tallies whose signature and form were checked. */
  tallies: number;
}

export interface CountyReport {
  county: string;
  tallies: CheckTallies;
  coverage: Coverage;
  /** The county's tally as its state sees it, when its signature and form check out. */
  countyTally: ChildTally | undefined;
  /** The county's tally, its precincts' tallies and its aggregate check all passed. */
  countyCounted: boolean;
  receipts: ReceiptPart[];
}

export interface UnitOptions {
  talliesOnly: boolean;
}

/** Reads the tallies of `entries`: a missing one fails check 7, an unreadable one or a bad signature check 2. */
export function readTallies(ctx: ElectionContext, source: RecordSource, entries: readonly RosterEntry[], t: CheckTallies): { atHand: TallyAtHand[]; signed: Set<string> } {
  const atHand: TallyAtHand[] = [];
  const signed = new Set<string>();
  for (const entry of entries) {
    const read = source.tally(entry);
    if (!read) missingTally(entry, t[7]);
    else if (!read.ok) t[2].failures.push(`${read.file}: ${read.reason}`);
    else {
      if (checkTallySignature(ctx, entry, read.value, read.file, t[2])) signed.add(entry.id);
      atHand.push({ entry, tally: read.value, file: read.file });
    }
  }
  return { atHand, signed };
}

export function verifyCounty(ctx: ElectionContext, source: RecordSource, unit: CountyUnit, options: UnitOptions): CountyReport {
  const t = emptyTallies();
  const coverage: Coverage = { precincts: 0, ballots: 0, tallies: 0 };
  const countyEntry = ctx.index.node(unit.county);
  const precincts = ctx.index.childrenOf(unit.county);
  const inScope = (id: string): boolean => unit.precincts === 'all' || unit.precincts.includes(id);

  // Checks 2 and 7 (form) for the county and all its precincts.
  const { atHand, signed } = readTallies(ctx, source, [countyEntry, ...precincts], t);
  coverage.tallies += signed.size;
  const formed = checkTallyForms(ctx, atHand, t[7]);
  const good = (id: string): ChildTally | undefined => (signed.has(id) ? formed.get(id) : undefined);

  // Checks 3-6 for the precincts in scope.
  const checked = new Map<string, CheckedBallots | undefined>();
  const fiveSixOk = new Set<string>();
  for (const p of precincts) {
    if (!inScope(p.id)) continue;
    const read = source.ballots(p.id);
    const ballots = checkBallotProofs(ctx, p.id, read, options, t[3]);
    if (read?.ok) {
      coverage.precincts++;
      coverage.ballots += read.value.length;
    }
    checked.set(p.id, ballots);
    const tallyAt = atHand.find((a) => a.entry.id === p.id);
    const skip = (why: string): void => {
      for (const n of [4, 5, 6] as const) if (n !== 4 || !ballots) t[n].skips.push(why);
    };
    if (!ballots) {
      skip(`"${p.id}": its ballots did not pass check 3${read === undefined ? ' (not in the record)' : ''}`);
      continue;
    }
    checkBallotUniqueness(read!.file, ballots, t[4]);
    if (!tallyAt || !good(p.id)) {
      skip(`"${p.id}": its tally ${tallyAt ? 'failed check 2 or 7' : 'is not in the record'}`);
      continue;
    }
    const tally = tallyAt.tally.tally as PrecinctTally;
    const five = checkPrecinctTally(ctx, tally, tallyAt.file, ballots, t[5]);
    const six = checkMerkleRoot(tally, tallyAt.file, ballots, t[6]);
    if (five && six) fiveSixOk.add(p.id);
  }

  // Check 7 for the county itself.
  let aggregateOk = false;
  const countyAt = atHand.find((a) => a.entry.id === unit.county);
  if (countyAt?.tally.kind === 'aggregate' && formed.has(unit.county)) {
    aggregateOk = checkAggregate(ctx, countyAt.tally.tally, countyAt.file, precincts.map((p) => good(p.id)), t[7]);
  }
  const countyTally = good(unit.county);
  const countyCounted = !!countyTally && aggregateOk && precincts.every((p) => !!good(p.id));

  // Receipts of these precincts: R1, R2, and what R3 needs from here.
  const receipts: ReceiptPart[] = unit.receipts.map(({ index, input }) => {
    const r1 = emptyTally();
    const r2 = emptyTally();
    const p = input.receipt.precinctId;
    checkReceiptSignature(ctx, input, r1);
    const tallyAt = atHand.find((a) => a.entry.id === p);
    const tally = good(p) && tallyAt?.tally.kind === 'precinct' ? tallyAt.tally.tally : undefined;
    const ballots = checked.get(p);
    const hashes = ballots && fiveSixOk.has(p) ? ballots.hashes : undefined;
    checkReceiptInclusion(input, tally, hashes, r2);
    let precinctCounted: true | string = true;
    if (!tally) precinctCounted = `the tally of "${p}" is missing or failed check 2 or 7`;
    else if (source.ballots(p) !== undefined && !fiveSixOk.has(p)) precinctCounted = `the tally of "${p}" failed checks 3-6 against its ballots`;
    else if (!countyCounted) precinctCounted = `the county "${unit.county}" or one of its precincts failed check 2 or 7`;
    return { index, r1, r2, precinctCounted };
  });
  return { county: unit.county, tallies: t, coverage, countyTally, countyCounted, receipts };
}
