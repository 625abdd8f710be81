// A cast record: one ballot's choices as TallyMesh counts them, whatever format it came in. Per
// contest of the ballot style, the selected option indexes (contest-options.ts); [] or an absent
// contest is blank. checkCastRecords holds records that were not read from a report (hand-written,
// generated) to the same rules readCvrReport guarantees.
import type { ElectionDefinition } from '../../setup/definition/election-definition.ts';
import { CvrError } from './cvr-error.ts';
import { electionScope } from './election-scope.ts';
import { optionCount, seatsOf } from './contest-options.ts';

export interface CastRecord {
  /** The CVR's UniqueId. */
  recordId: string;
  precinctId: string;
  ballotStyleId: string;
  /** Contest id → selected option indexes, ascending. */
  choices: Record<string, number[]>;
}

/** The name CvrError gives records that come from no file. */
export const RECORDS_SOURCE = '(cast records)';

/**
 * Refuses a record whose style or precinct is unknown, whose precinct does not use its style, or
 * whose choices name a contest off the style, an option out of range, one twice, or more options
 * than the contest's seats.
 */
export function checkCastRecords(def: ElectionDefinition, records: readonly CastRecord[], source = RECORDS_SOURCE): void {
  const scope = electionScope(def);
  const fail = (path: string, reason: string): never => {
    throw new CvrError(source, path, reason);
  };
  records.forEach((r, i) => {
    const path = `$[${i}]`;
    if (typeof r.recordId !== 'string' || r.recordId.length === 0) fail(`${path}.recordId`, 'must be a non-empty string');
    const style = scope.styles.get(r.ballotStyleId) ?? fail(`${path}.ballotStyleId`, `ballot style "${r.ballotStyleId}" is not defined`);
    if (!scope.precincts.has(r.precinctId)) fail(`${path}.precinctId`, `precinct "${r.precinctId}" is not defined`);
    if (!style.style.precincts.includes(r.precinctId)) fail(`${path}.precinctId`, `precinct "${r.precinctId}" does not use ballot style "${r.ballotStyleId}"`);
    for (const [contestId, picks] of Object.entries(r.choices)) {
      const at = `${path}.choices.${contestId}`;
      const contest = style.contests.get(contestId) ?? fail(at, `contest "${contestId}" is not on ballot style "${r.ballotStyleId}"`);
      if (!Array.isArray(picks)) fail(at, 'must be an array of option indexes');
      if (picks.length > seatsOf(contest)) fail(at, `${picks.length} options selected, the contest allows ${seatsOf(contest)}`);
      picks.forEach((p, k) => {
        if (!Number.isInteger(p) || p < 0 || p >= optionCount(contest)) fail(`${at}[${k}]`, `must be an option index 0..${optionCount(contest) - 1}`);
        if (picks.indexOf(p) !== k) fail(`${at}[${k}]`, `option ${p} is selected twice`);
      });
    }
  });
}
