// One CVRContest of the current snapshot → the option indexes TallyMesh counts for it. The rules:
//  - a selection counts when one of its SelectionPositions has HasIndication "yes", IsAllocable
//    other than "no" ("unknown" counts: VxSuite marks every write-in so, pending adjudication,
//    and TallyMesh counts all write-ins as one option anyway) and NumberVotes ≥ 1;
//  - every ContestSelectionId is resolved (selection-match.ts), counted or not, so an unknown id
//    is refused even where it carries no mark;
//  - the contest is overvoted, and counts as blank, when more distinct selections count than the
//    contest has seats (1 for yes/no), when Overvotes > 0, or when Status holds "overvoted";
//  - several write-in selections (one per write-in line) are one selection of the single
//    write-in option; they still count one by one towards the overvote test, as the lines do;
//  - fewer selections than seats is an undervote, counted as it stands; none is blank.
// Undervotes and WriteIns are read for shape only: the counts follow from the selections.
import type { DefinitionContest } from '../../setup/definition/election-definition.ts';
import { seatsOf } from './contest-options.ts';
import { CvrJson, member, type JsonObject } from './cvr-json.ts';
import type { DeclaredSelection } from './report-index.ts';
import { matchSelection } from './selection-match.ts';

const INDICATION = ['yes', 'no', 'unknown'] as const;
const ALLOCATION = ['yes', 'no', 'unknown'] as const;

export function readContestVotes(j: CvrJson, o: JsonObject, path: string, contest: DefinitionContest, declared: ReadonlyMap<string, DeclaredSelection> | undefined): number[] {
  const overvotes = j.optionalInteger(o, path, 'Overvotes') ?? 0;
  j.optionalInteger(o, path, 'Undervotes');
  j.optionalInteger(o, path, 'WriteIns');
  const status = j.items(o, path, 'Status').map((s) => (typeof s.value === 'string' ? s.value : j.fail(s.path, 'must be a string')));
  /** Selection id → option index, for the selections that count. */
  const counted = new Map<string, number>();
  for (const { value, path: at } of j.items(o, path, 'CVRContestSelection')) {
    const s = j.object(value, at, 'CVR.CVRContestSelection');
    const id = j.string(s, at, 'ContestSelectionId');
    const match = matchSelection(contest, id, declared?.get(id));
    if ('reason' in match) j.fail(member(at, 'ContestSelectionId'), match.reason);
    if (isIndicated(j, s, at)) counted.set(id, match.index);
  }
  if (overvotes > 0 || status.includes('overvoted') || counted.size > seatsOf(contest)) return [];
  return [...new Set(counted.values())].sort((a, b) => a - b);
}

/** Whether a position of the selection is a countable mark; every position is checked for shape. */
function isIndicated(j: CvrJson, s: JsonObject, path: string): boolean {
  let counts = false;
  for (const { value, path: at } of j.items(s, path, 'SelectionPosition')) {
    const p = j.object(value, at, 'CVR.SelectionPosition');
    const has = j.oneOf(p, at, 'HasIndication', INDICATION);
    const allocable = j.optionalOneOf(p, at, 'IsAllocable', ALLOCATION);
    const votes = j.integer(p, at, 'NumberVotes');
    if (has === 'yes' && allocable !== 'no' && votes >= 1) counts = true;
  }
  return counts;
}
