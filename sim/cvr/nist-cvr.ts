// Cast vote records in NIST SP 1500-103 (Cast Vote Record Common Data Format, version 1.0.0) JSON,
// the format VxSuite and other systems export, read into cast records for a native definition.
// What is read of each CVR of the report's CVR[]:
//   BallotStyleId      a ballot style id of the definition;
//   BallotStyleUnitId  the precinct: a definition precinct id, or the @id of a GpUnit of the report
//                      one of whose Code values or whose Name is one (report-index.ts);
//   UniqueId           the record's id;
//   CurrentSnapshotId  the @id of the CVRSnapshot to count, whatever its Type (original, modified
//                      after contest rules, interpreted after adjudication); other snapshots are
//                      checked for @id and Type only;
//   CVRContest[]       of that snapshot: each ContestId a contest of the record's style, at most
//                      once; a contest of the style that is absent is blank (contest-votes.ts for
//                      the selections, overvotes and write-ins).
// A multi-sheet ballot exported as one CVR per sheet reads as one record per sheet: each
// record's absent contests are blank, so counts per contest are right, ballots are not.
import type { ElectionDefinition } from '../../setup/definition/election-definition.ts';
import type { CastRecord } from './cast-record.ts';
import { readContestVotes } from './contest-votes.ts';
import { CvrJson, member, type JsonObject } from './cvr-json.ts';
import { electionScope, type ElectionScope } from './election-scope.ts';
import { precinctOfUnit, readDeclaredSelections, readGpUnits, type DeclaredSelections, type GpUnitNames } from './report-index.ts';

export type { CastRecord } from './cast-record.ts';
export { CvrError } from './cvr-error.ts';

export const REPORT_TYPE = 'CVR.CastVoteRecordReport';
export const SNAPSHOT_TYPES = ['original', 'modified', 'interpreted'] as const;

interface ReportContext {
  j: CvrJson;
  scope: ElectionScope;
  units: GpUnitNames;
  declared: DeclaredSelections;
}

/** The records of one report's JSON; `file` names it in errors. Throws CvrError. */
export function readCvrReport(json: unknown, file: string, def: ElectionDefinition): CastRecord[] {
  const j = new CvrJson(file);
  const report = j.object(json, '$');
  if (report['@type'] !== REPORT_TYPE) j.fail(member('$', '@type'), `must be "${REPORT_TYPE}"`);
  const ctx: ReportContext = { j, scope: electionScope(def), units: readGpUnits(j, report), declared: readDeclaredSelections(j, report) };
  return j.items(report, '$', 'CVR').map(({ value, path }) => readCvr(ctx, value, path));
}

function readCvr({ j, scope, units, declared }: ReportContext, v: unknown, path: string): CastRecord {
  const cvr = j.object(v, path, 'CVR.CVR');
  const ballotStyleId = j.string(cvr, path, 'BallotStyleId');
  const style = scope.styles.get(ballotStyleId) ?? j.fail(member(path, 'BallotStyleId'), `ballot style "${ballotStyleId}" is not defined`);
  const unitId = j.string(cvr, path, 'BallotStyleUnitId');
  const unitPath = member(path, 'BallotStyleUnitId');
  const precinctId = precinctOfUnit(unitId, scope.precincts, units) ?? j.fail(unitPath, `"${unitId}" is neither a precinct id nor the @id of a GpUnit whose Code or Name is one`);
  if (!style.style.precincts.includes(precinctId)) j.fail(unitPath, `precinct "${precinctId}" does not use ballot style "${ballotStyleId}"`);
  const recordId = j.string(cvr, path, 'UniqueId');

  const snapshot = currentSnapshot(j, cvr, path);
  const choices: Record<string, number[]> = Object.fromEntries([...style.contests.keys()].map((id) => [id, []]));
  const seen = new Map<string, string>();
  for (const { value, path: at } of j.items(snapshot.o, snapshot.path, 'CVRContest')) {
    const c = j.object(value, at, 'CVR.CVRContest');
    const contestId = j.string(c, at, 'ContestId');
    const idPath = member(at, 'ContestId');
    const contest =
      style.contests.get(contestId) ?? j.fail(idPath, scope.contests.has(contestId) ? `contest "${contestId}" is not on ballot style "${ballotStyleId}"` : `contest "${contestId}" is not defined`);
    const other = seen.get(contestId);
    if (other !== undefined) j.fail(idPath, `contest "${contestId}" is already recorded at ${other}`);
    seen.set(contestId, idPath);
    choices[contestId] = readContestVotes(j, c, at, contest, declared.get(contestId));
  }
  return { recordId, precinctId, ballotStyleId, choices };
}

/** The snapshot CurrentSnapshotId names; every snapshot needs a unique @id and a known Type. */
function currentSnapshot(j: CvrJson, cvr: JsonObject, path: string): { o: JsonObject; path: string } {
  const currentId = j.string(cvr, path, 'CurrentSnapshotId');
  const snapshots = j.items(cvr, path, 'CVRSnapshot', true);
  if (snapshots.length === 0) j.fail(member(path, 'CVRSnapshot'), 'a CVR needs at least one snapshot');
  const ids = new Map<string, string>();
  let current: { o: JsonObject; path: string } | undefined;
  for (const { value, path: at } of snapshots) {
    const s = j.object(value, at, 'CVR.CVRSnapshot');
    const id = j.string(s, at, '@id');
    j.oneOf(s, at, 'Type', SNAPSHOT_TYPES);
    if (ids.has(id)) j.fail(member(at, '@id'), `snapshot "${id}" is already at ${ids.get(id)}`);
    ids.set(id, at);
    if (id === currentId) current = { o: s, path: at };
  }
  return current ?? j.fail(member(path, 'CurrentSnapshotId'), `"${currentId}" names none of the CVR's snapshots`);
}
