// Check 3: every counted precinct's ballots are in the record and every one is valid: bound to
// this election and this precinct, ciphertexts in Z*_{n^2}, every contest's validity proof
// (protocol/ballot.ts validateBallot). A precinct tally is only as trustworthy as the ballots it
// can be checked against, so missing ballots fail, unless the auditor asked for the tallies
// alone (then they are skipped, and the verification can only be partial).
import { errorMessage } from '../../errors/tallymesh-error.ts';
import { Ballot, validateBallot } from '../ballot.ts';
import type { ElectionContext } from '../election.ts';
import type { CheckTally } from './checks.ts';
import type { Read } from './record-source.ts';

export interface CheckedBallots {
  ballots: Ballot[];
  /** Ballot.hash of each, in log order. */
  hashes: Uint8Array[];
}

/** The precinct's ballots when all of them are valid (checks 4-6 then run), else undefined. */
export function checkBallotProofs(
  ctx: ElectionContext,
  precinctId: string,
  read: Read<Ballot[]> | undefined,
  options: { talliesOnly: boolean },
  tally: CheckTally,
): CheckedBallots | undefined {
  if (!read) {
    if (options.talliesOnly) tally.skips.push(`the ballots of "${precinctId}" are not in the record (tallies only: not covered)`);
    else tally.failures.push(`the ballots of "${precinctId}" are not in the record: its tally cannot be checked`);
    return undefined;
  }
  if (!read.ok) {
    tally.failures.push(`${read.file}: ${read.reason}`);
    return undefined;
  }
  let ok = true;
  const hashes: Uint8Array[] = [];
  read.value.forEach((b, i) => {
    try {
      validateBallot(ctx, b, precinctId);
      tally.covered++;
    } catch (err) {
      ok = false;
      tally.failures.push(`${read.file}: ballot ${i + 1}: ${errorMessage(err)}`);
    }
    hashes.push(Ballot.hash(b));
  });
  return ok ? { ballots: read.value, hashes } : undefined;
}
