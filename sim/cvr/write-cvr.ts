// Cast records → a CVR.CastVoteRecordReport (NIST SP 1500-103 1.0.0 JSON) that readCvrReport reads
// back to the same records; for simulations that feed TallyMesh the input real systems export.
// Shaped the way VxSuite writes it: selection @ids are candidate ids and yes/no option ids, a
// contest that takes write-ins declares one IsWriteIn selection per seat ("write-in-0", ...),
// BallotStyleUnitId is the precinct id, and every record has one "original" snapshot listing
// every contest of its style, with Overvotes, Undervotes, WriteIns and Status filled in. A
// selected write-in option is written as "write-in-0" with an empty CVRWriteIn (no names).
import type { DefinitionContest, ElectionDefinition } from '../../setup/definition/election-definition.ts';
import { checkCastRecords, type CastRecord } from './cast-record.ts';
import { seatsOf, writeInIndex } from './contest-options.ts';
import { electionScope } from './election-scope.ts';
import { REPORT_TYPE } from './nist-cvr.ts';
import { WRITE_IN_PREFIX } from './selection-match.ts';

export { randomCastRecords } from './random-records.ts';

export interface WriteCvrOptions {
  /** The generating device's id, also each CVR's CreatingDeviceId and BatchId; default "tallymesh-sim". */
  reportId?: string;
  /** GeneratedDate; default now. */
  generatedDate?: string;
}

type Json = Record<string, unknown>;

export function writeCvrReport(def: ElectionDefinition, records: readonly CastRecord[], options: WriteCvrOptions = {}): Json {
  checkCastRecords(def, records);
  const deviceId = options.reportId ?? 'tallymesh-sim';
  const scope = electionScope(def);
  const precincts = [...scope.precincts.values()];
  return {
    '@type': REPORT_TYPE,
    Version: '1.0.0',
    GeneratedDate: options.generatedDate ?? new Date().toISOString(),
    ReportType: ['other'],
    OtherReportType: 'tallymesh-simulation',
    ReportGeneratingDeviceIds: [deviceId],
    ReportingDevice: [{ '@type': 'CVR.ReportingDevice', '@id': deviceId, Manufacturer: 'TallyMesh', Model: 'simulator' }],
    Party: def.parties.map((p) => ({ '@type': 'CVR.Party', '@id': p.id, Name: p.name, Abbreviation: p.abbrev })),
    Election: [electionSection(def)],
    GpUnit: [
      { '@type': 'CVR.GpUnit', '@id': def.national.id, Type: 'other', OtherType: 'election-scope', Name: def.national.name },
      ...precincts.map((p) => ({ '@type': 'CVR.GpUnit', '@id': p.id, Type: 'precinct', Name: p.name })),
    ],
    CVR: records.map((r) => {
      const style = scope.styles.get(r.ballotStyleId)!;
      const snapshotId = `${r.recordId}-original`;
      return {
        '@type': 'CVR.CVR',
        BallotStyleId: r.ballotStyleId,
        BallotStyleUnitId: r.precinctId,
        ...(style.style.party === undefined ? {} : { PartyIds: [style.style.party] }),
        CreatingDeviceId: deviceId,
        BatchId: deviceId,
        ElectionId: def.electionId,
        UniqueId: r.recordId,
        CurrentSnapshotId: snapshotId,
        CVRSnapshot: [{ '@type': 'CVR.CVRSnapshot', '@id': snapshotId, Type: 'original', CVRContest: [...style.contests.values()].map((c) => cvrContest(c, r.choices[c.id] ?? [])) }],
      };
    }),
  };
}

function electionSection(def: ElectionDefinition): Json {
  const candidates = new Map(def.contests.flatMap((c) => (c.type === 'candidate' ? c.candidates : [])).map((c) => [c.id, c]));
  return {
    '@type': 'CVR.Election',
    '@id': def.electionId,
    Name: def.title,
    ElectionScopeId: def.national.id,
    Candidate: [...candidates.values()].map((c) => ({ '@type': 'CVR.Candidate', '@id': c.id, Name: c.name, ...(c.party === undefined ? {} : { PartyId: c.party }) })),
    Contest: def.contests.map((c) =>
      c.type === 'yesno'
        ? {
            '@type': 'CVR.BallotMeasureContest',
            '@id': c.id,
            Name: c.title,
            ContestSelection: [c.yes, c.no].map((o) => ({ '@type': 'CVR.BallotMeasureSelection', '@id': o.id, Selection: o.label })),
          }
        : {
            '@type': 'CVR.CandidateContest',
            '@id': c.id,
            Name: c.title,
            VotesAllowed: c.seats,
            NumberElected: c.seats,
            VoteVariation: c.seats === 1 ? 'plurality' : 'n-of-m',
            ...(c.party === undefined ? {} : { PrimaryPartyId: c.party }),
            ContestSelection: [
              ...c.candidates.map((k) => ({ '@type': 'CVR.CandidateSelection', '@id': k.id, CandidateIds: [k.id] })),
              ...(c.writeIn ? Array.from({ length: c.seats }, (_, n) => ({ '@type': 'CVR.CandidateSelection', '@id': `${WRITE_IN_PREFIX}-${n}`, IsWriteIn: true })) : []),
            ],
          },
    ),
  };
}

function selectionId(contest: DefinitionContest, index: number): string {
  if (contest.type === 'yesno') return index === 0 ? contest.yes.id : contest.no.id;
  return index === writeInIndex(contest) ? `${WRITE_IN_PREFIX}-0` : contest.candidates[index]!.id;
}

function cvrContest(contest: DefinitionContest, picks: readonly number[]): Json {
  const seats = seatsOf(contest);
  const writeIns = picks.filter((p) => p === writeInIndex(contest)).length;
  const status = picks.length === 0 ? ['not-indicated', 'undervoted'] : picks.length < seats ? ['undervoted'] : [];
  return {
    '@type': 'CVR.CVRContest',
    ContestId: contest.id,
    Overvotes: 0,
    Undervotes: seats - picks.length,
    ...(contest.type === 'candidate' ? { WriteIns: writeIns } : {}),
    ...(status.length > 0 ? { Status: status } : {}),
    CVRContestSelection: [...picks]
      .sort((a, b) => a - b)
      .map((p) => ({
        '@type': 'CVR.CVRContestSelection',
        ContestSelectionId: selectionId(contest, p),
        OptionPosition: p,
        SelectionPosition: [
          {
            '@type': 'CVR.SelectionPosition',
            HasIndication: 'yes',
            IsAllocable: 'yes',
            NumberVotes: 1,
            ...(p === writeInIndex(contest) ? { CVRWriteIn: { '@type': 'CVR.CVRWriteIn' } } : {}),
          },
        ],
      })),
  };
}
