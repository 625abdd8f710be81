// The whole tally tree checked from the precincts up: every roster node has a valid signed tally,
// and every aggregate is exactly the product of its signed children's tallies with counts that
// add up. Trustees run this before decrypting (so they decrypt only the national tally the
// hierarchy produced, never an arbitrary ciphertext) and the verifier runs it as a check.
import { equalBytes } from '../crypto/bytes.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import type { RosterEntry } from './manifest.ts';
import {
  AggregateTally,
  batchTallyChecks,
  checkAggregateOfChildren,
  childTallyOf,
  validateAnyTally,
  type AnyTally,
  type ChildTally,
  type PrecinctTally,
  type WordCheck,
} from './tally.ts';

export type TallyLookup = (id: string) => AnyTally | undefined;

/** Structure, election, signer and signature of any tally on its own (no parent relation). */
export function validateTally(ctx: ElectionContext, t: AnyTally, checkWord?: WordCheck): void {
  validateAnyTally(ctx, t, checkWord);
}

export interface TallyValidation {
  /** Why the tally is invalid; undefined when it is valid. */
  error?: ProtocolError;
  /** Its signature verified under the roster key of the node it names, in the role it claims. */
  signed: boolean;
}

/**
 * validateTally for many tallies: each gets the outcome (and error) it would get on its own, the
 * Z*_{n^2} membership of all their words tested in one batch (tally.ts batchTallyChecks).
 */
export function validateTallies(ctx: ElectionContext, tallies: readonly AnyTally[]): TallyValidation[] {
  // The signature is verified last: a check that completed (but for the batched gcd) verified it.
  return batchTallyChecks(ctx, tallies, (t, w) => validateAnyTally(ctx, t, w)).map(({ error, completed }) => ({ signed: completed, ...(error ? { error } : {}) }));
}

export interface NodeTallies {
  /** The valid tallies, as their parents see them, by node id. */
  valid: Map<string, ChildTally>;
  /** Tallies whose signature verified during the check (see TallyValidation.signed). */
  signed: Set<PrecinctTally | AggregateTally>;
  problems: ProtocolError[];
}

/**
 * Each node of `entries` (no trustees) on its own: it has a tally, the tally is that node's, and
 * it is valid. Problems come in the order of `entries`.
 */
export function validateNodeTallies(ctx: ElectionContext, entries: readonly RosterEntry[], tallyOf: TallyLookup): NodeTallies {
  const problems: (ProtocolError | undefined)[] = [];
  const toValidate: { at: number; id: string; t: AnyTally }[] = [];
  entries.forEach((entry, at) => {
    const t = tallyOf(entry.id);
    if (!t) problems[at] = new ProtocolError('inconsistent', entry.id, `${entry.role} "${entry.id}" has no tally`);
    else if (entry.role === 'precinct' && (t.kind !== 'precinct' || t.tally.precinctId !== entry.id)) problems[at] = new ProtocolError('inconsistent', entry.id, 'tally is not this precinct\'s');
    else if (entry.role !== 'precinct' && (t.kind !== 'aggregate' || t.tally.nodeId !== entry.id)) problems[at] = new ProtocolError('inconsistent', entry.id, 'tally is not this node\'s');
    else toValidate.push({ at, id: entry.id, t });
  });
  const valid = new Map<string, ChildTally>();
  const signed = new Set<PrecinctTally | AggregateTally>();
  const outcomes = validateTallies(ctx, toValidate.map((v) => v.t));
  toValidate.forEach(({ at, id, t }, k) => {
    const { error, signed: verified } = outcomes[k]!;
    if (verified) signed.add(t.tally);
    if (error) problems[at] = error;
    else valid.set(id, childTallyOf(t));
  });
  return { valid, signed, problems: problems.filter((p): p is ProtocolError => p !== undefined) };
}

/** Each aggregate of `entries` whose own tally is valid, against its children's valid tallies. */
export function checkAggregates(ctx: ElectionContext, entries: readonly RosterEntry[], tallyOf: TallyLookup, valid: Map<string, ChildTally>): ProtocolError[] {
  const problems: ProtocolError[] = [];
  for (const entry of entries) {
    if (entry.role === 'precinct' || entry.role === 'trustee') continue;
    const t = tallyOf(entry.id);
    if (!t || t.kind !== 'aggregate' || !valid.has(entry.id)) continue;
    const kids = ctx.index.childrenOf(entry.id).map((c) => valid.get(c.id));
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
  return problems;
}

export interface HierarchyCheck {
  national: AggregateTally | undefined;
  nationalHash: Uint8Array | undefined;
  problems: ProtocolError[];
  /** Tallies whose signature verified during the check (see TallyValidation.signed). */
  signed: Set<PrecinctTally | AggregateTally>;
}

/**
 * Checks every tally in the tree. `tallyOf(id)` returns the tally a node published. Collects all
 * problems rather than stopping at the first, so a report can name every faulty node.
 */
export function checkHierarchy(ctx: ElectionContext, tallyOf: TallyLookup): HierarchyCheck {
  const entries = ctx.manifest.roster.filter((e) => e.role !== 'trustee');
  const { valid, signed, problems } = validateNodeTallies(ctx, entries, tallyOf);
  problems.push(...checkAggregates(ctx, entries, tallyOf, valid));
  const nationalId = ctx.index.national.id;
  const n = tallyOf(nationalId);
  const national = n?.kind === 'aggregate' && valid.has(nationalId) ? n.tally : undefined;
  return { national, nationalHash: national ? valid.get(nationalId)!.hash : undefined, problems, signed };
}

/** Throws unless `tally` is the national tally of a fully consistent hierarchy. */
export function requireConsistentNational(ctx: ElectionContext, tally: AggregateTally, tallyOf: TallyLookup): Uint8Array {
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
