// Which TallyMesh option a CVR's ContestSelectionId stands for. Tried in order:
//   1. the id of a candidate of the contest, or of its yes or no option;
//   2. a selection the report's Election section declares: IsWriteIn true → the write-in option;
//      else exactly one CandidateIds entry naming a candidate of the contest → that candidate
//      (the standard link when selection ids are not candidate ids, as in NIST's examples);
//   3. an id starting with "write-in" → the write-in option (VxSuite's "write-in-0",
//      "write-in-1", ... per seat, and "write-in-(NAME)" on machine-marked ballots);
//   4. for a yes/no contest, the literal ids "yes" and "no" (older VxSuite exports).
// Anything else is refused: a count must never drop a vote it cannot place.
import type { DefinitionCandidateContest, DefinitionContest } from '../../setup/definition/election-definition.ts';
import { writeInIndex } from './contest-options.ts';
import type { DeclaredSelection } from './report-index.ts';

export type SelectionMatch = { index: number } | { reason: string };

export const WRITE_IN_PREFIX = 'write-in';

export function matchSelection(contest: DefinitionContest, id: string, declared: DeclaredSelection | undefined): SelectionMatch {
  if (contest.type === 'yesno') {
    const exact = [contest.yes.id, contest.no.id].indexOf(id);
    if (exact >= 0) return { index: exact };
    const literal = ['yes', 'no'].indexOf(id);
    if (literal >= 0) return { index: literal };
    return { reason: `selection "${id}" is neither "${contest.yes.id}" nor "${contest.no.id}" of contest "${contest.id}"` };
  }
  const direct = contest.candidates.findIndex((c) => c.id === id);
  if (direct >= 0) return { index: direct };
  if (declared?.isWriteIn) return writeIn(contest, id);
  const only = declared?.candidateIds.length === 1 ? declared.candidateIds[0] : undefined;
  const linked = contest.candidates.findIndex((c) => c.id === only);
  if (linked >= 0) return { index: linked };
  if (id.startsWith(WRITE_IN_PREFIX)) return writeIn(contest, id);
  return { reason: `selection "${id}" is neither a candidate of contest "${contest.id}" nor a write-in` };
}

function writeIn(contest: DefinitionCandidateContest, id: string): SelectionMatch {
  const index = writeInIndex(contest);
  return index === undefined ? { reason: `selection "${id}" is a write-in, and contest "${contest.id}" takes no write-ins` } : { index };
}
