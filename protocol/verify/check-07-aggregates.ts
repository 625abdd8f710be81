// Check 7: the tally tree. Every non-trustee roster node has a tally in the record; every tally is
// well formed (structure, version, election, word count, every word in Z*_{n^2}, a ballot count
// that fits a slot, an aggregate's child list = its roster children in order); and every
// aggregate's words are the product of its children's tallies' words, its child hashes are
// theirs and its ballot count their sum. An aggregate whose child failed (check 2 or here) cannot
// be checked against it and is skipped; the child's failure is reported where it happened.
import { errorMessage } from '../../errors/tallymesh-error.ts';
import type { ElectionContext } from '../election.ts';
import { ProtocolError } from '../errors.ts';
import type { RosterEntry } from '../manifest.ts';
import { batchTallyChecks, checkAggregateOfChildren, childTallyOf, type AggregateTally, type AnyTally, type ChildTally } from '../tally.ts';
import type { CheckTally } from './checks.ts';

export interface TallyAtHand {
  entry: RosterEntry;
  tally: AnyTally;
  file: string;
}

/**
 * The form of each tally (one batched Z*_{n^2} test for all their words). Returns, by node id, the
 * tallies that are well formed, as their parents see them.
 */
export function checkTallyForms(ctx: ElectionContext, items: readonly TallyAtHand[], tally: CheckTally): Map<string, ChildTally> {
  const valid = new Map<string, ChildTally>();
  batchTallyChecks(ctx, items.map((i) => i.tally)).forEach(({ error }, k) => {
    const item = items[k]!;
    if (error) tally.failures.push(`${item.file}: ${error.message}`);
    else {
      tally.covered++;
      valid.set(item.entry.id, childTallyOf(item.tally));
    }
  });
  return valid;
}

/** A node of the roster has no tally in the record. */
export function missingTally(entry: RosterEntry, tally: CheckTally): void {
  tally.failures.push(`${entry.role} "${entry.id}" has no tally in the record`);
}

/** An aggregate against its children's tallies (undefined: that child failed or is missing). */
export function checkAggregate(ctx: ElectionContext, t: AggregateTally, file: string, children: readonly (ChildTally | undefined)[], tally: CheckTally): boolean {
  const failed = ctx.index.childrenOf(t.nodeId).filter((_, i) => !children[i]);
  if (failed.length) {
    tally.skips.push(`${file}: ${failed.length} of its children's tallies failed or are missing (${failed.slice(0, 3).map((c) => c.id).join(', ')}${failed.length > 3 ? ', …' : ''}); not checked against them`);
    return false;
  }
  try {
    checkAggregateOfChildren(ctx, t, children as ChildTally[]);
    tally.covered++;
    return true;
  } catch (err) {
    tally.failures.push(`${file}: ${err instanceof ProtocolError ? err.message : errorMessage(err)}`);
    return false;
  }
}
