// Check 5: a precinct tally is the product of its ballots: every word of every group equals the
// product of the ballots' contest ciphertexts placed in that group and word (protocol/ballot.ts
// ballotGroups), and the ballot count is the number of ballots.
import { ballotGroups } from '../ballot.ts';
import type { ElectionContext } from '../election.ts';
import { multiplyWords, type PrecinctTally } from '../tally.ts';
import type { CheckTally } from './checks.ts';
import type { CheckedBallots } from './check-03-ballot-proofs.ts';

export function checkPrecinctTally(ctx: ElectionContext, t: PrecinctTally, file: string, checked: CheckedBallots, tally: CheckTally): boolean {
  if (t.ballotCount !== checked.ballots.length) {
    tally.failures.push(`${file}: counts ${t.ballotCount} ballots, the record holds ${checked.ballots.length}`);
    return false;
  }
  const perBallot = checked.ballots.map((b) => ballotGroups(ctx, b));
  const scopes = ctx.scopes.groupsOf(t.precinctId);
  for (let g = 0; g < scopes.length; g++) {
    const product = multiplyWords(ctx, scopes[g]!.wordCount, perBallot.map((groups) => groups[g]!));
    const wrong = product.findIndex((w, i) => w !== t.groups[g]!.words[i]);
    if (wrong >= 0) {
      tally.failures.push(`${file}: word ${wrong} of scope "${scopes[g]!.scopeId}" is not the product of the precinct's ballots`);
      return false;
    }
  }
  tally.covered++;
  return true;
}
