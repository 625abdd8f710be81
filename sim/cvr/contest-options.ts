// The options of a definition contest as TallyMesh counts them: a candidate contest's candidates in
// definition order, then one "Write-in" option when the contest takes write-ins (every name
// written counts as that one option); a yes/no contest's [yes, no].
import { WRITE_IN_OPTION, type DefinitionContest } from '../../setup/definition/election-definition.ts';

/** The labels of the contest's options, in counting order. */
export function optionLabels(contest: DefinitionContest): string[] {
  if (contest.type === 'yesno') return [contest.yes.label, contest.no.label];
  return [...contest.candidates.map((c) => c.name), ...(contest.writeIn ? [WRITE_IN_OPTION] : [])];
}

export function optionCount(contest: DefinitionContest): number {
  return contest.type === 'yesno' ? 2 : contest.candidates.length + (contest.writeIn ? 1 : 0);
}

/** How many options one ballot may select: the seats, or 1 for a yes/no question. */
export function seatsOf(contest: DefinitionContest): number {
  return contest.type === 'yesno' ? 1 : contest.seats;
}

/** The index of the write-in option, or undefined when the contest takes none. */
export function writeInIndex(contest: DefinitionContest): number | undefined {
  return contest.type === 'candidate' && contest.writeIn ? contest.candidates.length : undefined;
}
