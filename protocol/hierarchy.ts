// The whole tally tree checked from the precincts up: every roster node has a valid signed tally,
// and every aggregate is exactly the product of its signed children's tallies with counts that
// add up. Trustees run this before decrypting (so they decrypt only the national tally the
// hierarchy produced, never an arbitrary ciphertext) and the verifier runs it as a check.
import { equalBytes } from '../crypto/bytes.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import {
  AggregateTally,
  checkAggregateOfChildren,
  childTallyOf,
  validateAggregateTally,
  validatePrecinctTally,
  type AnyTally,
  type ChildTally,
} from './tally.ts';

export interface HierarchyCheck {
  national: AggregateTally | undefined;
  nationalHash: Uint8Array | undefined;
  problems: ProtocolError[];
}

/**
 * Checks every tally in the tree. `tallyOf(id)` returns the tally a node published. Collects all
 * problems rather than stopping at the first, so a report can name every faulty node.
 */
export function checkHierarchy(ctx: ElectionContext, tallyOf: (id: string) => AnyTally | undefined): HierarchyCheck {
  const problems: ProtocolError[] = [];
  const children = new Map<string, ChildTally>();
  for (const entry of ctx.manifest.roster) {
    if (entry.role === 'trustee') continue;
    const t = tallyOf(entry.id);
    if (!t) {
      problems.push(new ProtocolError('inconsistent', entry.id, `${entry.role} "${entry.id}" has no tally`));
      continue;
    }
    try {
      if (entry.role === 'precinct') {
        if (t.kind !== 'precinct' || t.tally.precinctId !== entry.id) throw new ProtocolError('inconsistent', entry.id, 'tally is not this precinct\'s');
        validatePrecinctTally(ctx, t.tally);
      } else {
        if (t.kind !== 'aggregate' || t.tally.nodeId !== entry.id) throw new ProtocolError('inconsistent', entry.id, 'tally is not this node\'s');
        validateAggregateTally(ctx, t.tally);
      }
      children.set(entry.id, childTallyOf(t));
    } catch (err) {
      problems.push(err instanceof ProtocolError ? err : new ProtocolError('inconsistent', entry.id, String(err)));
    }
  }
  for (const entry of ctx.manifest.roster) {
    if (entry.role === 'precinct' || entry.role === 'trustee') continue;
    const t = tallyOf(entry.id);
    if (!t || t.kind !== 'aggregate' || !children.has(entry.id)) continue;
    const kids = ctx.index.childrenOf(entry.id).map((c) => children.get(c.id));
    if (kids.some((k) => !k)) {
      problems.push(new ProtocolError('inconsistent', entry.id, `"${entry.id}" aggregates a child whose tally is missing or invalid`));
      continue;
    }
    try {
      checkAggregateOfChildren(ctx, t.tally, kids as ChildTally[]);
    } catch (err) {
      problems.push(err instanceof ProtocolError ? new ProtocolError(err.code, `${entry.id}: ${err.path}`, err.message) : new ProtocolError('inconsistent', entry.id, String(err)));
    }
  }
  const nationalId = ctx.index.national.id;
  const n = tallyOf(nationalId);
  const national = n?.kind === 'aggregate' && children.has(nationalId) ? n.tally : undefined;
  return { national, nationalHash: national ? AggregateTally.hash(national) : undefined, problems };
}

/** Throws unless `tally` is the national tally of a fully consistent hierarchy. */
export function requireConsistentNational(ctx: ElectionContext, tally: AggregateTally, tallyOf: (id: string) => AnyTally | undefined): Uint8Array {
  const check = checkHierarchy(ctx, tallyOf);
  if (check.problems.length) {
    const first = check.problems[0]!;
    throw new ProtocolError(first.code, 'hierarchy', `${check.problems.length} problem(s) in the tally hierarchy; first: ${first.message}`);
  }
  if (!check.nationalHash || !equalBytes(check.nationalHash, AggregateTally.hash(tally))) {
    throw new ProtocolError('inconsistent', 'hierarchy', 'the tally offered is not the national tally of the hierarchy');
  }
  return check.nationalHash;
}
