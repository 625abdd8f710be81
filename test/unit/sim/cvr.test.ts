// Cast vote records in NIST SP 1500-103 JSON (sim/cvr/): reports written from records read back to
// the same records, the counting rules (marks, overvotes, undervotes, write-ins, absent contests),
// the ways a report names precincts and write-ins, the plain tabulation, and every refusal with
// the JSON path it names.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDefinition } from '../../../setup/definition/parse-definition.ts';
import { checkCastRecords, type CastRecord } from '../../../sim/cvr/cast-record.ts';
import { optionLabels } from '../../../sim/cvr/contest-options.ts';
import { readCvrDirectory } from '../../../sim/cvr/cvr-directory.ts';
import { CvrError } from '../../../sim/cvr/cvr-error.ts';
import { readCvrReport } from '../../../sim/cvr/nist-cvr.ts';
import { tabulate } from '../../../sim/cvr/tabulate.ts';
import { randomCastRecords, writeCvrReport } from '../../../sim/cvr/write-cvr.ts';

// Two districts: the city (both precincts) and the school district (north only). Derived styles:
// bs-1 for north (council, mayor, levy), bs-2 for south (council, mayor).
const DEF = parseDefinition(
  {
    format: 'tallymesh-election/1',
    electionId: 'cvr-test-2026',
    title: 'CVR test election',
    type: 'general',
    national: { id: 'us', name: 'Nation' },
    states: [
      {
        id: 'st',
        name: 'State',
        counties: [
          {
            id: 'co',
            name: 'County',
            precincts: [
              { id: 'p-north', name: 'North', districts: ['d-city', 'd-school'] },
              { id: 'p-south', name: 'South', districts: ['d-city'] },
            ],
          },
        ],
      },
    ],
    parties: [],
    districts: [
      { id: 'd-city', name: 'City' },
      { id: 'd-school', name: 'School district' },
    ],
    contests: [
      {
        type: 'candidate',
        id: 'council',
        title: 'City Council',
        district: 'd-city',
        seats: 2,
        writeIn: true,
        candidates: [
          { id: 'ann', name: 'Ann' },
          { id: 'bob', name: 'Bob' },
          { id: 'cy', name: 'Cy' },
        ],
      },
      {
        type: 'candidate',
        id: 'mayor',
        title: 'Mayor',
        district: 'd-city',
        seats: 1,
        writeIn: false,
        candidates: [
          { id: 'dee', name: 'Dee' },
          { id: 'eve', name: 'Eve' },
        ],
      },
      { type: 'yesno', id: 'levy', title: 'School levy', district: 'd-school', yes: { id: 'levy-yes', label: 'Yes' }, no: { id: 'levy-no', label: 'No' } },
    ],
  },
  'cvr-test-definition.json',
);

// ---- hand-made report parts --------------------------------------------------------------------

type Json = Record<string, unknown>;

/** A position: a countable mark unless told otherwise. */
const mark = (over: Json = {}): Json => ({ '@type': 'CVR.SelectionPosition', HasIndication: 'yes', IsAllocable: 'yes', NumberVotes: 1, ...over });
const sel = (id: string, ...positions: Json[]): Json => ({ '@type': 'CVR.CVRContestSelection', ContestSelectionId: id, SelectionPosition: positions.length ? positions : [mark()] });
const contest = (id: string, selections: Json[], over: Json = {}): Json => ({ '@type': 'CVR.CVRContest', ContestId: id, CVRContestSelection: selections, ...over });

function cvr(contests: Json[], over: Json = {}): Json {
  return {
    '@type': 'CVR.CVR',
    BallotStyleId: 'bs-1',
    BallotStyleUnitId: 'p-north',
    ElectionId: 'cvr-test-2026',
    UniqueId: 'r1',
    CurrentSnapshotId: 'r1-modified',
    CVRSnapshot: [{ '@type': 'CVR.CVRSnapshot', '@id': 'r1-modified', Type: 'modified', CVRContest: contests }],
    ...over,
  };
}

function report(cvrs: Json[], over: Json = {}): Json {
  return { '@type': 'CVR.CastVoteRecordReport', Version: '1.0.0', GeneratedDate: '2026-11-03T20:00:00Z', Election: [], GpUnit: [], ReportGeneratingDeviceIds: ['scanner-1'], CVR: cvrs, ...over };
}

const read = (json: unknown): CastRecord[] => readCvrReport(json, 'report.json', DEF);
/** The choices of the one record of a report holding one CVR with these contests. */
const choicesOf = (contests: Json[], over: Json = {}): Record<string, number[]> => read(report([cvr(contests, over)]))[0]!.choices;

function refusal(f: () => unknown): CvrError {
  try {
    f();
  } catch (err) {
    if (err instanceof CvrError) return err;
    throw err;
  }
  throw new Error('expected a CvrError');
}

const WRITE_IN = 3; // council: ann 0, bob 1, cy 2, Write-in 3

// ---- tests -------------------------------------------------------------------------------------

describe('writing and reading back', () => {
  it('random records → report → JSON text → read gives the same records', () => {
    const records = randomCastRecords(DEF, 200, 'round-trip');
    const json = JSON.parse(JSON.stringify(writeCvrReport(DEF, records, { reportId: 'sim-1', generatedDate: '2026-11-03T20:00:00Z' })));
    expect(readCvrReport(json, 'written.json', DEF)).toEqual(records);
  });

  it('random records use every style and precinct, with undervotes, blanks and write-ins mixed in', () => {
    const records = randomCastRecords(DEF, 200, 'mix');
    expect(new Set(records.map((r) => r.ballotStyleId))).toEqual(new Set(['bs-1', 'bs-2']));
    expect(new Set(records.map((r) => r.precinctId))).toEqual(new Set(['p-north', 'p-south']));
    const council = records.map((r) => r.choices.council!);
    expect(council.some((c) => c.length === 1)).toBe(true);
    expect(council.some((c) => c.length === 0)).toBe(true);
    expect(council.some((c) => c.includes(WRITE_IN))).toBe(true);
    expect(records.filter((r) => r.ballotStyleId === 'bs-1').every((r) => 'levy' in r.choices)).toBe(true);
    expect(records.filter((r) => r.ballotStyleId === 'bs-2').every((r) => !('levy' in r.choices))).toBe(true);
    expect(() => checkCastRecords(DEF, records)).not.toThrow();
  });

  it('random records are reproducible from the seed', () => {
    expect(randomCastRecords(DEF, 30, 7)).toEqual(randomCastRecords(DEF, 30, 7));
    expect(randomCastRecords(DEF, 30, 7)).not.toEqual(randomCastRecords(DEF, 30, 8));
  });

  it('the written report has the shape of the format', () => {
    const records: CastRecord[] = [{ recordId: 'a', precinctId: 'p-north', ballotStyleId: 'bs-1', choices: { council: [0, WRITE_IN], mayor: [], levy: [1] } }];
    const r = writeCvrReport(DEF, records) as { CVR: Json[]; Election: Json[]; GpUnit: Json[] } & Json;
    expect(r['@type']).toBe('CVR.CastVoteRecordReport');
    expect(r.Version).toBe('1.0.0');
    expect(r.GpUnit.map((g) => g['@id'])).toEqual(['us', 'p-north', 'p-south']);
    const council = (r.Election[0]!.Contest as Json[])[0]!;
    expect((council.ContestSelection as Json[]).map((s) => [s['@id'], s.IsWriteIn ?? false])).toEqual([
      ['ann', false],
      ['bob', false],
      ['cy', false],
      ['write-in-0', true],
      ['write-in-1', true],
    ]);
    const c = r.CVR[0]!;
    expect(c).toMatchObject({ BallotStyleId: 'bs-1', BallotStyleUnitId: 'p-north', UniqueId: 'a', CurrentSnapshotId: 'a-original' });
    const contests = (c.CVRSnapshot as Json[])[0]!.CVRContest as Json[];
    expect(contests.map((x) => [x.ContestId, x.Undervotes, x.WriteIns])).toEqual([
      ['council', 0, 1],
      ['mayor', 1, 0],
      ['levy', 0, undefined],
    ]);
    expect(contests[1]!.Status).toEqual(['not-indicated', 'undervoted']);
  });

  it('records that break the rules are refused before writing', () => {
    const bad = (choices: Record<string, number[]>): CvrError => refusal(() => writeCvrReport(DEF, [{ recordId: 'a', precinctId: 'p-north', ballotStyleId: 'bs-1', choices }]));
    expect(bad({ council: [0, 1, 2] })).toMatchObject({ path: '$[0].choices.council', reason: '3 options selected, the contest allows 2' });
    expect(bad({ council: [4] })).toMatchObject({ path: '$[0].choices.council[0]' });
    expect(bad({ council: [1, 1] })).toMatchObject({ path: '$[0].choices.council[1]' });
    expect(bad({ nope: [] })).toMatchObject({ path: '$[0].choices.nope' });
    expect(refusal(() => writeCvrReport(DEF, [{ recordId: 'a', precinctId: 'p-south', ballotStyleId: 'bs-1', choices: {} }]))).toMatchObject({ path: '$[0].precinctId' });
  });
});

describe('tabulate', () => {
  it('counts hand-written records per contest and option, in definition and option order', () => {
    const records: CastRecord[] = [
      { recordId: '1', precinctId: 'p-north', ballotStyleId: 'bs-1', choices: { council: [0, 1], mayor: [0], levy: [0] } },
      { recordId: '2', precinctId: 'p-north', ballotStyleId: 'bs-1', choices: { council: [1, WRITE_IN], mayor: [1], levy: [] } },
      { recordId: '3', precinctId: 'p-south', ballotStyleId: 'bs-2', choices: { council: [2], mayor: [1] } },
      { recordId: '4', precinctId: 'p-south', ballotStyleId: 'bs-2', choices: {} },
    ];
    const counts = tabulate(DEF, records);
    expect([...counts.keys()]).toEqual(['council', 'mayor', 'levy']);
    expect(counts.get('council')).toEqual([1, 2, 1, 1]);
    expect(counts.get('mayor')).toEqual([1, 2]);
    expect(counts.get('levy')).toEqual([1, 0]);
    expect(optionLabels(DEF.contests[0]!)).toEqual(['Ann', 'Bob', 'Cy', 'Write-in']);
  });

  it('a count of read records matches the count of the records written', () => {
    const records = randomCastRecords(DEF, 100, 'tabulate');
    const json = writeCvrReport(DEF, records);
    expect(tabulate(DEF, readCvrReport(json, 'r.json', DEF))).toEqual(tabulate(DEF, records));
  });

  it('refuses a record that is off its style', () => {
    expect(refusal(() => tabulate(DEF, [{ recordId: '1', precinctId: 'p-south', ballotStyleId: 'bs-2', choices: { levy: [0] } }]))).toMatchObject({
      file: '(cast records)',
      path: '$[0].choices.levy',
      reason: 'contest "levy" is not on ballot style "bs-2"',
    });
  });
});

describe('the counting rules', () => {
  it('reads a plain record: candidate ids and yes/no option ids', () => {
    expect(choicesOf([contest('council', [sel('ann'), sel('cy')]), contest('mayor', [sel('eve')]), contest('levy', [sel('levy-no')])])).toEqual({ council: [0, 2], mayor: [1], levy: [1] });
  });

  it('an overvoted contest is blank: more selections than seats, Overvotes > 0, or Status "overvoted"', () => {
    expect(choicesOf([contest('council', [sel('ann'), sel('bob'), sel('cy')]), contest('mayor', [sel('dee')])])).toMatchObject({ council: [], mayor: [0] });
    expect(choicesOf([contest('levy', [sel('levy-yes'), sel('levy-no')])]).levy).toEqual([]);
    expect(choicesOf([contest('mayor', [sel('dee')], { Overvotes: 1 })]).mayor).toEqual([]);
    expect(choicesOf([contest('mayor', [sel('dee')], { Status: ['overvoted', 'invalidated-rules'] })]).mayor).toEqual([]);
    // VxSuite's modified snapshot of an overvote: every selection IsAllocable "no", Overvotes = seats.
    const vx = contest('mayor', [sel('dee', mark({ IsAllocable: 'no' })), sel('eve', mark({ IsAllocable: 'no' }))], { Overvotes: 1, Undervotes: 0 });
    expect(choicesOf([vx]).mayor).toEqual([]);
  });

  it('an undervote counts the selections made; no selection is blank', () => {
    expect(choicesOf([contest('council', [sel('bob')], { Undervotes: 1 }), contest('mayor', [], { Undervotes: 1, Status: ['not-indicated', 'undervoted'] })])).toMatchObject({ council: [1], mayor: [] });
  });

  it('a contest of the style that the record omits is blank; contests off the style are absent', () => {
    expect(choicesOf([contest('mayor', [sel('dee')])])).toEqual({ council: [], mayor: [0], levy: [] });
    expect(choicesOf([], { BallotStyleId: 'bs-2', BallotStyleUnitId: 'p-south' })).toEqual({ council: [], mayor: [] });
  });

  it('several write-in selections count once, for the one write-in option, but each towards an overvote', () => {
    expect(choicesOf([contest('council', [sel('write-in-0'), sel('write-in-1')], { WriteIns: 2 })]).council).toEqual([WRITE_IN]);
    expect(choicesOf([contest('council', [sel('write-in-0'), sel('ann')])]).council).toEqual([0, WRITE_IN]);
    expect(choicesOf([contest('council', [sel('write-in-0'), sel('write-in-1'), sel('ann')])]).council).toEqual([]);
  });

  it('a write-in is recognised by the "write-in" prefix or by an IsWriteIn selection of the Election section', () => {
    expect(choicesOf([contest('council', [sel('write-in-(GREG)', mark({ IsAllocable: 'unknown', CVRWriteIn: { '@type': 'CVR.CVRWriteIn', Text: 'GREG' } }))])]).council).toEqual([WRITE_IN]);
    const election = { '@type': 'CVR.Election', '@id': 'e', ElectionScopeId: 'us', Contest: [{ '@type': 'CVR.CandidateContest', '@id': 'council', ContestSelection: [{ '@type': 'CVR.CandidateSelection', '@id': '_CS9', IsWriteIn: true }] }] };
    expect(read(report([cvr([contest('council', [sel('_CS9')])])], { Election: [election] }))[0]!.choices.council).toEqual([WRITE_IN]);
  });

  it('a selection id that is not a candidate id is linked through its CandidateSelection.CandidateIds', () => {
    const election = {
      '@type': 'CVR.Election',
      '@id': 'e',
      ElectionScopeId: 'us',
      Contest: [{ '@type': 'CVR.CandidateContest', '@id': 'mayor', ContestSelection: [{ '@type': 'CVR.CandidateSelection', '@id': '_C2CS2', CandidateIds: ['eve'] }] }],
    };
    expect(read(report([cvr([contest('mayor', [sel('_C2CS2')])])], { Election: [election] }))[0]!.choices.mayor).toEqual([1]);
  });

  it('the literal ids "yes" and "no" stand for a yes/no contest\'s options', () => {
    expect(choicesOf([contest('levy', [sel('no')])]).levy).toEqual([1]);
  });

  it('HasIndication "no" or "unknown", IsAllocable "no" and NumberVotes 0 do not count; IsAllocable "unknown" or absent does', () => {
    const council = (...selections: Json[]): number[] => choicesOf([contest('council', selections)]).council!;
    expect(council(sel('ann', mark({ HasIndication: 'no' })), sel('bob', mark({ HasIndication: 'unknown' })))).toEqual([]);
    expect(council(sel('ann', mark({ IsAllocable: 'no' })))).toEqual([]);
    expect(council(sel('ann', mark({ NumberVotes: 0 })))).toEqual([]);
    expect(council(sel('ann', mark({ IsAllocable: 'unknown' })), sel('bob', mark({ IsAllocable: undefined })))).toEqual([0, 1]);
    // A selection counts when any of its positions does, and non-counting selections are no overvote.
    expect(council(sel('ann', mark({ HasIndication: 'no' }), mark()), sel('bob', mark({ HasIndication: 'no' })), sel('cy', mark({ IsAllocable: 'no' })))).toEqual([0]);
    expect(council({ '@type': 'CVR.CVRContestSelection', ContestSelectionId: 'cy' })).toEqual([]);
  });

  it('counts the snapshot CurrentSnapshotId names, not the first one', () => {
    const snapshots = [
      { '@type': 'CVR.CVRSnapshot', '@id': 's-original', Type: 'original', CVRContest: [contest('mayor', [sel('dee'), sel('eve')])] },
      { '@type': 'CVR.CVRSnapshot', '@id': 's-interpreted', Type: 'interpreted', CVRContest: [contest('mayor', [sel('eve')])] },
    ];
    expect(choicesOf([], { CVRSnapshot: snapshots, CurrentSnapshotId: 's-interpreted' }).mayor).toEqual([1]);
    expect(choicesOf([], { CVRSnapshot: snapshots, CurrentSnapshotId: 's-original' }).mayor).toEqual([]);
  });

  it('the precinct is the BallotStyleUnitId itself or a GpUnit of the report whose Code or Name is a precinct id', () => {
    const units = [
      { '@type': 'CVR.GpUnit', '@id': 'gp-7', Type: 'precinct', Code: [{ '@type': 'CVR.Code', Type: 'local-level', Value: 'p-north' }] },
      { '@type': 'CVR.GpUnit', '@id': 'gp-8', Type: 'precinct', Name: 'p-south' },
    ];
    const records = read(report([cvr([], { BallotStyleUnitId: 'gp-7' }), cvr([], { BallotStyleId: 'bs-2', BallotStyleUnitId: 'gp-8' })], { GpUnit: units }));
    expect(records.map((r) => [r.recordId, r.precinctId, r.ballotStyleId])).toEqual([
      ['r1', 'p-north', 'bs-1'],
      ['r1', 'p-south', 'bs-2'],
    ]);
  });

  it('a report with no CVR holds no records', () => {
    expect(read(report([], { CVR: undefined }))).toEqual([]);
  });
});

describe('refusals name the file, the JSON path and the reason', () => {
  const refused = (json: unknown): CvrError => refusal(() => read(json));
  const at = (err: CvrError): [string, string] => [err.path, err.reason];

  it('is a CvrError with code invalid-cvr and a message of file, path and reason', () => {
    const err = refused(report([cvr([], { BallotStyleId: 'bs-9' })]));
    expect(err).toMatchObject({ name: 'CvrError', code: 'invalid-cvr', file: 'report.json', path: '$.CVR[0].BallotStyleId', reason: 'ballot style "bs-9" is not defined' });
    expect(err.message).toBe('report.json: $.CVR[0].BallotStyleId: ballot style "bs-9" is not defined');
  });

  it('a document that is not a CVR.CastVoteRecordReport', () => {
    expect(at(refused([]))).toEqual(['$', 'must be an object']);
    expect(at(refused({ CVR: [] }))).toEqual(["$['@type']", 'must be "CVR.CastVoteRecordReport"']);
    expect(at(refused(report([], { '@type': 'CVR.CVR' })))).toEqual(["$['@type']", 'must be "CVR.CastVoteRecordReport"']);
  });

  it('a precinct that does not use the ballot style, or a unit that names no precinct', () => {
    expect(at(refused(report([cvr([], { BallotStyleUnitId: 'p-south' })])))).toEqual(['$.CVR[0].BallotStyleUnitId', 'precinct "p-south" does not use ballot style "bs-1"']);
    expect(refused(report([cvr([], { BallotStyleUnitId: 'gp-1' })]))).toMatchObject({ path: '$.CVR[0].BallotStyleUnitId', reason: expect.stringContaining('"gp-1" is neither a precinct id') });
    const unit = { '@type': 'CVR.GpUnit', '@id': 'gp-1', Type: 'precinct', Name: 'Somewhere else' };
    expect(refused(report([cvr([], { BallotStyleUnitId: 'gp-1' })], { GpUnit: [unit] }))).toMatchObject({ path: '$.CVR[0].BallotStyleUnitId' });
  });

  it('a contest that is not on the record\'s ballot style, or not defined, or recorded twice', () => {
    const south = { BallotStyleId: 'bs-2', BallotStyleUnitId: 'p-south' };
    expect(at(refused(report([cvr([contest('mayor', [sel('dee')]), contest('levy', [sel('levy-yes')])], south)])))).toEqual([
      '$.CVR[0].CVRSnapshot[0].CVRContest[1].ContestId',
      'contest "levy" is not on ballot style "bs-2"',
    ]);
    expect(at(refused(report([cvr([contest('sheriff', [])])])))).toEqual(['$.CVR[0].CVRSnapshot[0].CVRContest[0].ContestId', 'contest "sheriff" is not defined']);
    expect(refused(report([cvr([contest('mayor', []), contest('mayor', [])])]))).toMatchObject({
      path: '$.CVR[0].CVRSnapshot[0].CVRContest[1].ContestId',
      reason: 'contest "mayor" is already recorded at $.CVR[0].CVRSnapshot[0].CVRContest[0].ContestId',
    });
  });

  it('an unknown selection id, marked or not, and a write-in where the contest takes none', () => {
    const path = '$.CVR[0].CVRSnapshot[0].CVRContest[0].CVRContestSelection[1].ContestSelectionId';
    expect(at(refused(report([cvr([contest('council', [sel('ann'), sel('zed')])])])))).toEqual([path, 'selection "zed" is neither a candidate of contest "council" nor a write-in']);
    expect(refused(report([cvr([contest('council', [sel('ann'), sel('zed', mark({ HasIndication: 'no' }))])])]))).toMatchObject({ path });
    expect(at(refused(report([cvr([contest('levy', [sel('levy-yes'), sel('maybe')])])])))).toEqual([path, 'selection "maybe" is neither "levy-yes" nor "levy-no" of contest "levy"']);
    expect(at(refused(report([cvr([contest('mayor', [sel('dee'), sel('write-in-0')])])])))).toEqual([path, 'selection "write-in-0" is a write-in, and contest "mayor" takes no write-ins']);
  });

  it('snapshots: CurrentSnapshotId naming none, a duplicate @id, an unknown Type, none at all', () => {
    const snap = (id: string, type = 'original'): Json => ({ '@type': 'CVR.CVRSnapshot', '@id': id, Type: type, CVRContest: [] });
    expect(at(refused(report([cvr([], { CurrentSnapshotId: 'gone' })])))).toEqual(['$.CVR[0].CurrentSnapshotId', '"gone" names none of the CVR\'s snapshots']);
    expect(refused(report([cvr([], { CVRSnapshot: [snap('r1-modified'), snap('r1-modified')] })]))).toMatchObject({ path: "$.CVR[0].CVRSnapshot[1]['@id']" });
    expect(refused(report([cvr([], { CVRSnapshot: [snap('r1-modified', 'final')] })]))).toMatchObject({ path: '$.CVR[0].CVRSnapshot[0].Type', reason: 'must be one of "original", "modified", "interpreted"' });
    expect(at(refused(report([cvr([], { CVRSnapshot: [] })])))).toEqual(['$.CVR[0].CVRSnapshot', 'a CVR needs at least one snapshot']);
    expect(at(refused(report([cvr([], { CVRSnapshot: undefined })])))).toEqual(['$.CVR[0].CVRSnapshot', 'missing']);
  });

  it('malformed structure, wherever it is', () => {
    const c0 = '$.CVR[0].CVRSnapshot[0].CVRContest[0]';
    const cases: [Json, string, string][] = [
      [report([], { CVR: {} }), '$.CVR', 'must be an array'],
      [report(['r1'] as unknown as Json[]), '$.CVR[0]', 'must be an object'],
      [report([cvr([], { '@type': 'CVR.CVRSnapshot' })]), "$.CVR[0]['@type']", 'must be "CVR.CVR"'],
      [report([cvr([], { UniqueId: undefined })]), '$.CVR[0].UniqueId', 'missing'],
      [report([cvr([], { BallotStyleId: 7 })]), '$.CVR[0].BallotStyleId', 'must be a non-empty string'],
      [report([cvr([contest('mayor', [sel('dee')], { Overvotes: -1 })])]), `${c0}.Overvotes`, 'must be an integer ≥ 0'],
      [report([cvr([contest('mayor', [sel('dee')], { Undervotes: 0.5 })])]), `${c0}.Undervotes`, 'must be an integer ≥ 0'],
      [report([cvr([contest('mayor', [sel('dee')], { WriteIns: '1' })])]), `${c0}.WriteIns`, 'must be an integer ≥ 0'],
      [report([cvr([contest('mayor', {} as unknown as Json[])])]), `${c0}.CVRContestSelection`, 'must be an array'],
      [report([cvr([contest('mayor', [sel('dee', mark({ HasIndication: 'maybe' }))])])]), `${c0}.CVRContestSelection[0].SelectionPosition[0].HasIndication`, 'must be one of "yes", "no", "unknown"'],
      [report([cvr([contest('mayor', [sel('dee', mark({ IsAllocable: true }))])])]), `${c0}.CVRContestSelection[0].SelectionPosition[0].IsAllocable`, 'must be one of "yes", "no", "unknown"'],
      [report([cvr([contest('mayor', [sel('dee', mark({ NumberVotes: undefined }))])])]), `${c0}.CVRContestSelection[0].SelectionPosition[0].NumberVotes`, 'missing'],
      [report([cvr([contest('mayor', [{ '@type': 'CVR.CVRContestSelection' }])])]), `${c0}.CVRContestSelection[0].ContestSelectionId`, 'missing'],
      [report([], { GpUnit: [{ '@type': 'CVR.GpUnit', Type: 'precinct' }] }), "$.GpUnit[0]['@id']", 'missing'],
      [report([], { Election: [{ '@type': 'CVR.Election', '@id': 'e', Contest: [{ '@id': 'mayor', ContestSelection: [{ '@id': 'x', IsWriteIn: 'yes' }] }] }] }), '$.Election[0].Contest[0].ContestSelection[0].IsWriteIn', 'must be true or false'],
    ];
    for (const [json, path, reason] of cases) expect(at(refused(json)), path).toEqual([path, reason]);
  });
});

describe('readCvrDirectory', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const tempDir = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-cvr-'));
    dirs.push(d);
    return d;
  };

  it('reads every *.json file of the folder in name order and nothing else', () => {
    const dir = tempDir();
    const records = randomCastRecords(DEF, 6, 'dir');
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify(writeCvrReport(DEF, records.slice(3))));
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify(writeCvrReport(DEF, records.slice(0, 3))));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a report');
    fs.mkdirSync(path.join(dir, 'images.json'));
    expect(readCvrDirectory(dir, DEF)).toEqual(records);
  });

  it('refuses a record whose UniqueId another file (or the same one) already holds: no ballot is cast twice', () => {
    const dir = tempDir();
    const records = randomCastRecords(DEF, 4, 'dup');
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify(writeCvrReport(DEF, records.slice(0, 3))));
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify(writeCvrReport(DEF, [records[3]!, records[1]!])));
    expect(refusal(() => readCvrDirectory(dir, DEF))).toMatchObject({
      file: path.join(dir, 'b.json'),
      path: '$.CVR[1].UniqueId',
      reason: expect.stringContaining(`is already in ${path.join(dir, 'a.json')}`),
    });
  });

  it('names the file of a report it refuses, and of a file that is not JSON', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify(report([cvr([], { BallotStyleId: 'bs-9' })])));
    expect(refusal(() => readCvrDirectory(dir, DEF))).toMatchObject({ file: path.join(dir, 'a.json'), path: '$.CVR[0].BallotStyleId' });
    fs.writeFileSync(path.join(dir, 'a.json'), '{ "@type": ');
    expect(refusal(() => readCvrDirectory(dir, DEF))).toMatchObject({ file: path.join(dir, 'a.json'), path: '$', reason: expect.stringContaining('is not JSON') });
  });
});
