// Check 5: a precinct tally is the product of its ballots: every tally word equals the product of
// the ballots' contest ciphertexts of that word (protocol/ballot.ts ballotWords), and the ballot
// count is the number of ballots.
import { ballotWords } from '../ballot.ts';
import type { ElectionContext } from '../election.ts';
import { multiplyWords, type PrecinctTally } from '../tally.ts';
import type { CheckTally } from './checks.ts';
import type { CheckedBallots } from './check-03-ballot-proofs.ts';

export function checkPrecinctTally(ctx: ElectionContext, t: PrecinctTally, file: string, checked: CheckedBallots, tally: CheckTally): boolean {
  if (t.ballotCount !== checked.ballots.length) {
    tally.failures.push(`${file}: counts ${t.ballotCount} ballots, the record holds ${checked.ballots.length}`);
    return false;
  }
  const product = multiplyWords(ctx, checked.ballots.map((b) => ballotWords(ctx, b)));
  const wrong = product.findIndex((w, i) => w !== t.words[i]);
  if (wrong >= 0) {
    tally.failures.push(`${file}: word ${wrong} is not the product of the precinct's ballots`);
    return false;
  }
  tally.covered++;
  return true;
}
