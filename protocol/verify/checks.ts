// The numbered checks of docs/verification.md, and how one check's outcome is gathered. A check
// collects failures (each saying what failed and why), skips (what it could not check because a
// check it depends on failed there, or because the record does not hold it) and a count of what
// it did check. Its status: FAIL if anything failed; else SKIP if anything was skipped or nothing
// was there to check; else PASS. So a check never passes over what it could not look at.

import { errorMessage } from '../../errors/tallymesh-error.ts';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckSpec {
  number: number | string;
  name: string;
  title: string;
}

export const CHECKS = [
  { number: 1, name: 'manifest', title: 'The manifest is well formed and consistent, and its readable view matches it' },
  { number: 2, name: 'signatures', title: 'Every tally, partial decryption and the result carry their roster signer\'s valid signature, under the file name of that signer' },
  { number: 3, name: 'ballot-proofs', title: 'Every counted precinct\'s ballots are in the record, and every ballot is valid: election, precinct, ballot style, ciphertexts, proofs' },
  { number: 4, name: 'ballot-uniqueness', title: 'No ballot appears twice, by hash or by ballot id' },
  { number: 5, name: 'precinct-tallies', title: 'Each precinct tally is the product of its ballots and counts them' },
  { number: 6, name: 'merkle-roots', title: 'Each precinct tally\'s Merkle root covers exactly its ballots, in log order' },
  { number: 7, name: 'aggregates', title: 'Every node has a well-formed tally, and each aggregate is the product of its children\'s, with counts that add up' },
  { number: 8, name: 'partial-decryptions', title: 'Partial decryptions of at least t trustees decrypt every scope\'s completed group under the national tally, with valid proofs' },
  { number: 9, name: 'result', title: 'The result is the combiner\'s, combines t valid partials to every scope\'s words and counts, and its readable view matches it' },
] as const satisfies readonly CheckSpec[];

export const RECEIPT_CHECKS = [
  { number: 'R1', name: 'receipt-signature', title: 'The receipt is signed by its precinct for this election' },
  { number: 'R2', name: 'receipt-inclusion', title: 'The ballot is in the precinct tally\'s Merkle root at its log position' },
  { number: 'R3', name: 'receipt-counted', title: 'That precinct tally is the one counted up to the verified result' },
] as const satisfies readonly CheckSpec[];

export type CheckNumber = (typeof CHECKS)[number]['number'];

export interface CheckResult extends CheckSpec {
  status: CheckStatus;
  /** Every failure (why), then every skip (why), one line each. */
  details: string[];
  /** How many items the check covered (precincts, tallies, partials, ...). */
  covered: number;
}

/** One check's outcome as it is gathered, possibly in several parts (worker threads). */
export interface CheckTally {
  failures: string[];
  skips: string[];
  covered: number;
}

export const emptyTally = (): CheckTally => ({ failures: [], skips: [], covered: 0 });

export function mergeTally(into: CheckTally, add: CheckTally): void {
  into.failures.push(...add.failures);
  into.skips.push(...add.skips);
  into.covered += add.covered;
}

/** Runs one item's check: covered when fn returns, a failure `label: why` when it throws. */
export function checkItem(tally: CheckTally, label: string, fn: () => void): boolean {
  try {
    fn();
    tally.covered++;
    return true;
  } catch (err) {
    tally.failures.push(`${label}: ${errorMessage(err)}`);
    return false;
  }
}

export function statusOf(t: CheckTally): CheckStatus {
  if (t.failures.length) return 'fail';
  if (t.skips.length || t.covered === 0) return 'skip';
  return 'pass';
}

export function checkResult(spec: CheckSpec, t: CheckTally): CheckResult {
  const details = [...t.failures, ...t.skips.map((s) => `skipped: ${s}`)];
  if (!t.failures.length && !t.skips.length && t.covered === 0) details.push('skipped: nothing to check');
  return { number: spec.number, name: spec.name, title: spec.title, status: statusOf(t), details, covered: t.covered };
}

/** The outcome of numbered checks 2..9, by number, as a unit of work reports them. */
export type CheckTallies = Record<Exclude<CheckNumber, 1>, CheckTally>;

export function emptyTallies(): CheckTallies {
  return { 2: emptyTally(), 3: emptyTally(), 4: emptyTally(), 5: emptyTally(), 6: emptyTally(), 7: emptyTally(), 8: emptyTally(), 9: emptyTally() };
}

export function mergeTallies(into: CheckTallies, add: CheckTallies): void {
  for (const n of [2, 3, 4, 5, 6, 7, 8, 9] as const) mergeTally(into[n], add[n]);
}
