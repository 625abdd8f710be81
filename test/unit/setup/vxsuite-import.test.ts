// Importing a VxSuite election.json (setup/definition/vxsuite-import.ts): the sample of
// docs/examples/definitions becomes the native definition it describes (styles, seats, write-ins,
// yes/no options, party styles, precinct districts, splits, language variants), older files'
// shapes are read, and every refusal is a DefinitionError naming the exact path in the VxSuite
// file (or in the caller's place).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contestsOfStyle } from '../../../setup/definition/ballot-styles.ts';
import { DefinitionError, type DefinitionCandidateContest, type DefinitionContest, type ElectionDefinition } from '../../../setup/definition/election-definition.ts';
import { detectDefinitionFormat, importVxSuite, loadDefinition, type VxSuitePlace } from '../../../setup/definition/vxsuite-import.ts';
import { REPO_ROOT } from '../../support/paths.ts';

const SAMPLES = path.join(REPO_ROOT, 'docs', 'examples', 'definitions');
const read = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(SAMPLES, name), 'utf8'));
const PLACE: VxSuitePlace = { stateId: 'lakeshire' };

/** The VxSuite sample as plain JSON, to change on purpose. */
type Obj = Record<string, unknown>;
const sample = (): Obj => structuredClone(read('vxsuite-county.json')) as Obj;
const list = (o: Obj, key: string): Obj[] => o[key] as Obj[];
const item = (o: Obj, key: string, i: number): Obj => list(o, key)[i]!;

const imported = (json: unknown = sample(), place: VxSuitePlace = PLACE): ElectionDefinition => importVxSuite(json, 'election.json', place);
const contest = (def: ElectionDefinition, id: string): DefinitionContest => def.contests.find((c) => c.id === id)!;
const candidateContest = (def: ElectionDefinition, id: string): DefinitionCandidateContest => contest(def, id) as DefinitionCandidateContest;
const precincts = (def: ElectionDefinition) => def.states[0]!.counties[0]!.precincts;

function refusal(run: () => unknown): DefinitionError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(DefinitionError);
    expect((e as DefinitionError).file).toBe('election.json');
    return e as DefinitionError;
  }
  throw new Error('the file was accepted');
}
const refuse = (json: unknown, place: VxSuitePlace = PLACE): DefinitionError => refusal(() => imported(json, place));

// Sample indexes (vxsuite-county.json).
const BOARD = 6;
const LEVY = 8;

describe('importing the VxSuite sample', () => {
  it('puts the county under the given state and a national node', () => {
    const def = imported();
    expect(def.electionId).toBe('fernhollow-2031-primary');
    expect(def.title).toBe('Fernhollow County Primary Election');
    expect(def.national).toEqual({ id: 'national', name: 'National' });
    expect(def.states.map((s) => [s.id, s.name])).toEqual([['lakeshire', 'State of Lakeshire']]);
    expect(def.states[0]!.counties.map((c) => [c.id, c.name])).toEqual([['fernhollow', 'Fernhollow County']]);

    const placed = imported(sample(), { stateId: 'ls', stateName: 'Lakeshire', stateFips: '72', nationalId: 'meridia', nationalName: 'Federation of Meridia', electionId: 'fh-primary', countyFips: '72001' });
    expect(placed.national).toEqual({ id: 'meridia', name: 'Federation of Meridia' });
    expect(placed.states[0]).toMatchObject({ id: 'ls', name: 'Lakeshire', fips: '72' });
    expect(placed.states[0]!.counties[0]!.fips).toBe('72001');
    expect(placed.electionId).toBe('fh-primary');
  });

  it("gives precincts their districtIds, and each split of a precinct its own precinct", () => {
    const def = imported();
    expect(precincts(def).map((p) => p.id)).toEqual(['fh-01', 'fh-02', 'fh-03-town', 'fh-03-rural', 'fh-04', 'fh-05']);
    expect(precincts(def)[0]!.districts).toEqual(['statewide', 'fernhollow-county', 'commission-west']);
    expect(precincts(def)[2]).toEqual({ id: 'fh-03-town', name: 'Millbrook Junction – Inside Millbrook', districts: ['statewide', 'fernhollow-county', 'commission-east', 'town-of-millbrook'] });
    expect(precincts(def)[3]!.districts).toEqual(['statewide', 'fernhollow-county', 'commission-east']);
  });

  it('takes the ballot styles from the file, one per language group, each split on the style of its districts', () => {
    const styles = imported().ballotStyles!;
    expect(styles.map((s) => [s.id, s.party, s.precincts])).toEqual([
      ['1-az', 'azure', ['fh-01']],
      ['1-md', 'meadow', ['fh-01']],
      ['2-az', 'azure', ['fh-02']],
      ['2-md', 'meadow', ['fh-02']],
      ['3-az', 'azure', ['fh-03-town']],
      ['3-md', 'meadow', ['fh-03-town']],
      ['4-az', 'azure', ['fh-03-rural', 'fh-04', 'fh-05']],
      ['4-md', 'meadow', ['fh-03-rural', 'fh-04', 'fh-05']],
    ]);
  });

  it('keeps multi-seat contests as vote for up to `seats`', () => {
    const def = imported();
    expect(candidateContest(def, 'board-of-education')).toMatchObject({ seats: 3, writeIn: true });
    expect(candidateContest(def, 'board-of-education').candidates).toHaveLength(5);
    expect(candidateContest(def, 'millbrook-council')).toMatchObject({ seats: 2, writeIn: true });
    expect(candidateContest(def, 'azure-governor').seats).toBe(1);
  });

  it('maps allowWriteIns to one write-in option, and listed write-in candidates to that option', () => {
    expect(candidateContest(imported(), 'azure-governor').writeIn).toBe(true);
    expect(candidateContest(imported(), 'meadow-governor').writeIn).toBe(false);
    const json = sample();
    const board = item(json, 'contests', BOARD);
    for (let k = 0; k < 3; k++) (board.candidates as Obj[]).push({ id: `write-in-${k}`, name: 'Write-In', isWriteIn: true, writeInIndex: k });
    const withLines = candidateContest(imported(json), 'board-of-education');
    expect(withLines.candidates.map((c) => c.id)).toEqual(['verity-castellan', 'wendell-amundsen', 'yara-pemberton', 'zeno-halvorsen', 'agnes-toivonen']);
    expect(withLines.writeIn).toBe(true);
  });

  it("keeps yes/no options' ids and labels", () => {
    const def = imported();
    expect(contest(def, 'library-levy')).toMatchObject({ type: 'yesno', yes: { id: 'library-levy-yes', label: 'Yes' }, no: { id: 'library-levy-no', label: 'No' } });
    expect(contest(def, 'millbrook-measure-1')).toMatchObject({ yes: { id: 'millbrook-measure-1-for', label: 'For' }, no: { id: 'millbrook-measure-1-against', label: 'Against' } });
  });

  it("puts a primary's party contests on that party's styles only, and nonpartisan ones on all", () => {
    const def = imported();
    expect(def.type).toBe('primary');
    const style = (id: string) => def.ballotStyles!.find((s) => s.id === id)!;
    expect(contestsOfStyle(def, style('4-az')).map((c) => c.id)).toEqual(['azure-governor', 'azure-commissioner-east', 'board-of-education', 'library-levy']);
    expect(contestsOfStyle(def, style('2-md')).map((c) => c.id)).toEqual(['meadow-governor', 'meadow-commissioner-west', 'board-of-education', 'millbrook-council', 'library-levy', 'millbrook-measure-1']);
    expect(candidateContest(def, 'azure-governor').party).toBe('azure');
  });

  it("gives a candidate the first of its partyIds, and ignores presentation-only fields", () => {
    const json = sample();
    const gov = item(json, 'contests', 0);
    (gov.candidates as Obj[])[0]!.partyIds = ['azure', 'meadow'];
    item(json, 'ballotStyles', 0).orderedCandidatesByContest = { 'azure-governor': [{ id: 'jasper-moreau', partyIds: ['azure'] }] };
    json._lang = { 'es-US': { title: 'Elección primaria' } };
    json.ballotStrings = { en: {} };
    const def = imported(json);
    expect(candidateContest(def, 'azure-governor').candidates[0]).toEqual({ id: 'hollis-brandtner', name: 'Hollis Brandtner', party: 'azure' });
    expect(def).toEqual(imported());
  });
});

/** A fictional file in the older VxSuite shape: no id, no type, no precinct districts, `partyId` on candidates, yes/no without options. */
function older(): Obj {
  return {
    title: 'Quillby County General Election',
    state: 'State of Pinecrest',
    county: { id: 'quillby', name: 'Quillby County', _lang: { 'es-US': { name: 'Condado de Quillby' } } },
    date: 'November 4, 2031',
    seal: '',
    parties: [
      { id: 'azure', name: 'Azure', abbrev: 'AZ' },
      { id: 'meadow', name: 'Meadow', abbrev: 'MD' },
    ],
    districts: [
      { id: 'countywide', name: 'Quillby County' },
      { id: 'river-ward', name: 'River Ward' },
    ],
    contests: [
      { id: 'sheriff', districtId: 'countywide', type: 'candidate', section: 'Quillby County', title: 'Sheriff', seats: 1, allowWriteIns: true, candidates: [{ id: 'ada-brun', name: 'Ada Brun', partyId: 'azure' }, { id: 'cole-fenn', name: 'Cole Fenn', partyId: 'meadow' }] },
      { id: 'river-alder', districtId: 'river-ward', type: 'candidate', section: 'River Ward', title: 'Alderperson', seats: 1, allowWriteIns: false, candidates: [{ id: 'dina-holt', name: 'Dina Holt' }, { id: 'emil-park', name: 'Emil Park' }] },
      { id: 'measure-7', districtId: 'countywide', type: 'yesno', section: 'Quillby County', shortTitle: 'Measure 7', title: 'Measure 7: Ferry Landing', description: 'Shall the county rebuild the ferry landing?' },
    ],
    precincts: [
      { id: 'q-1', name: 'Quillby Landing' },
      { id: 'q-2', name: 'Quillby Heights' },
    ],
    ballotStyles: [
      { id: 'river', precincts: ['q-1'], districts: ['countywide', 'river-ward'] },
      { id: 'heights', precincts: ['q-2'], districts: ['countywide'] },
    ],
  };
}

/** An older primary whose meadow style lists only the districts with meadow (or nonpartisan) contests. */
function olderPrimary(): Obj {
  const json = older();
  json.contests = [
    { id: 'azure-sheriff', districtId: 'countywide', partyId: 'azure', type: 'candidate', title: 'Sheriff', seats: 1, allowWriteIns: false, candidates: [{ id: 'ada-brun', name: 'Ada Brun', partyId: 'azure' }] },
    { id: 'meadow-sheriff', districtId: 'countywide', partyId: 'meadow', type: 'candidate', title: 'Sheriff', seats: 1, allowWriteIns: false, candidates: [{ id: 'cole-fenn', name: 'Cole Fenn', partyId: 'meadow' }] },
    { id: 'azure-river-committee', districtId: 'river-ward', partyId: 'azure', type: 'candidate', title: 'River Ward Committee', seats: 2, allowWriteIns: true, candidates: [{ id: 'dina-holt', name: 'Dina Holt' }, { id: 'emil-park', name: 'Emil Park' }] },
  ];
  json.precincts = [{ id: 'q-1', name: 'Quillby Landing' }];
  json.ballotStyles = [
    { id: 'az', partyId: 'azure', precincts: ['q-1'], districts: ['countywide', 'river-ward'] },
    { id: 'md', partyId: 'meadow', precincts: ['q-1'], districts: ['countywide'] },
  ];
  return json;
}

const OLDER_PLACE: VxSuitePlace = { stateId: 'pinecrest', electionId: 'quillby-2031' };

describe('older VxSuite files', () => {
  it("place precincts in the union of their styles' districts, default yes/no options and infer the type", () => {
    const def = imported(older(), OLDER_PLACE);
    expect(def.type).toBe('general');
    expect(def.electionId).toBe('quillby-2031');
    expect(def.states[0]!.name).toBe('State of Pinecrest');
    expect(precincts(def).map((p) => [p.id, p.districts])).toEqual([
      ['q-1', ['countywide', 'river-ward']],
      ['q-2', ['countywide']],
    ]);
    expect(contest(def, 'measure-7')).toMatchObject({ yes: { id: 'yes', label: 'Yes' }, no: { id: 'no', label: 'No' } });
    expect(candidateContest(def, 'sheriff').candidates.map((c) => c.party)).toEqual(['azure', 'meadow']);
  });

  it('need an election id from the caller when the file has none', () => {
    const e = refuse(older(), { stateId: 'pinecrest' });
    expect(e.path).toBe('$.id');
    expect(e.reason).toMatch(/^missing/);
  });

  it('refuse a precinct split between two ballots without named splits', () => {
    const json = older();
    list(json, 'ballotStyles').push({ id: 'landing-outer', precincts: ['q-1'], districts: ['countywide'] });
    const e = refuse(json, OLDER_PLACE);
    expect(e.path).toBe('$.ballotStyles[2].precincts[0]');
    expect(e.reason).toMatch(/^precinct "q-1" lies in districts \[countywide, river-ward\] \(the districts of all its ballot styles\), but ballot style "landing-outer" lists \[countywide\].*precincts\[\]\.splits\)$/);
  });

  it("widen a party style to its precinct's districts when the missing ones bring it no contest", () => {
    const def = imported(olderPrimary(), OLDER_PLACE);
    expect(def.type).toBe('primary');
    const md = def.ballotStyles!.find((s) => s.id === 'md')!;
    expect(md.districts).toEqual(['countywide', 'river-ward']);
    expect(contestsOfStyle(def, md).map((c) => c.id)).toEqual(['meadow-sheriff']);
  });

  it('refuse to widen a style when the missing district has a contest for it', () => {
    const json = olderPrimary();
    list(json, 'contests').push({ id: 'river-bond', districtId: 'river-ward', type: 'yesno', title: 'River Ward Bond', description: 'Shall the ward borrow for a levee?' });
    const e = refuse(json, OLDER_PLACE);
    expect(e.path).toBe('$.ballotStyles[1].precincts[0]');
    expect(e.reason).toMatch(/ballot style "md" lists \[countywide\], which is a different ballot/);
  });

  it('refuse a yes/no question with a party', () => {
    const json = older();
    item(json, 'contests', 2).partyId = 'azure';
    const e = refuse(json, OLDER_PLACE);
    expect(e.path).toBe('$.contests[2].partyId');
  });
});

describe('refusals', () => {
  it('a file without a county', () => {
    const json = sample();
    delete json.county;
    const e = refuse(json);
    expect(e.path).toBe('$.county');
    expect(e.reason).toBe('missing');
  });

  it('an id outside the id pattern, with its path and not rewritten', () => {
    const json = sample();
    item(json, 'precincts', 1).id = 'Millbrook West #2';
    const e = refuse(json);
    expect(e.path).toBe('$.precincts[1].id');
    expect(e.reason).toMatch(/^"Millbrook West #2" is not an id/);
  });

  it('a contest type other than candidate and yesno', () => {
    const json = sample();
    list(json, 'contests')[0] = { id: 'straight', type: 'straight-party', districtId: 'statewide', title: 'Straight Party' };
    const e = refuse(json);
    expect(e.path).toBe('$.contests[0].type');
    expect(e.reason).toBe('contest type "straight-party" is not imported: only "candidate" and "yesno" contests are');
  });

  it('a candidate contest without seats', () => {
    const json = sample();
    delete item(json, 'contests', BOARD).seats;
    const e = refuse(json);
    expect(e.path).toBe(`$.contests[${BOARD}].seats`);
    expect(e.reason).toBe('missing');
  });

  it('a field this importer does not know', () => {
    const json = sample();
    item(json, 'contests', BOARD).cumulative = true;
    const e = refuse(json);
    expect(e.path).toBe(`$.contests[${BOARD}].cumulative`);
    expect(e.reason).toMatch(/^unknown field/);
  });

  it('a native rule, named at the VxSuite field: more seats than options', () => {
    const json = sample();
    item(json, 'contests', BOARD).seats = 7;
    const e = refuse(json);
    expect(e.path).toBe(`$.contests[${BOARD}].seats`);
    expect(e.reason).toBe('must be 1..6');
  });

  it('a native rule, named at the VxSuite field: one id for the county and a precinct', () => {
    const json = sample();
    (json.county as Obj).id = 'fh-04';
    const e = refuse(json);
    expect(e.path).toBe('$.precincts[3].id');
    expect(e.reason).toBe('id "fh-04" is already used at $.county.id');
  });

  it('a ballot style naming an undefined precinct', () => {
    const json = sample();
    item(json, 'ballotStyles', 0).precincts = ['fh-99'];
    const e = refuse(json);
    expect(e.path).toBe('$.ballotStyles[0].precincts[0]');
    expect(e.reason).toBe('precinct "fh-99" is not defined');
  });

  it('language variants of one group that are different ballots', () => {
    const json = sample();
    item(json, 'ballotStyles', 7).precincts = ['fh-04'];
    const e = refuse(json);
    expect(e.path).toBe('$.ballotStyles[7].groupId');
  });

  it('a split precinct on a style whose districts match none of its splits', () => {
    const json = sample();
    item(json, 'ballotStyles', 0).precincts = ['fh-03'];
    const e = refuse(json);
    expect(e.path).toBe('$.ballotStyles[0].precincts[0]');
    expect(e.reason).toMatch(/^precinct "fh-03" has no split in the districts of ballot style "1-az"/);
  });

  it('a yes/no question with only one of its options', () => {
    const json = sample();
    delete item(json, 'contests', LEVY).noOption;
    const e = refuse(json);
    expect(e.path).toBe(`$.contests[${LEVY}].noOption`);
  });

  it('a VxSuite file loaded without a state', () => {
    const e = refusal(() => loadDefinition(sample(), 'election.json', {}));
    expect(e.path).toBe('place.stateId');
    expect(e.reason).toMatch(/^missing/);
  });
});

describe('detectDefinitionFormat and loadDefinition', () => {
  it('tell the native format from a VxSuite election.json', () => {
    expect(detectDefinitionFormat(read('county.json'))).toBe('tallymesh');
    expect(detectDefinitionFormat(read('two-state.json'))).toBe('tallymesh');
    expect(detectDefinitionFormat(sample())).toBe('vxsuite');
    expect(detectDefinitionFormat(older())).toBe('vxsuite');
    expect(detectDefinitionFormat({ ...sample(), format: 'vxf' })).toBeUndefined();
    const { county: _county, ...noCounty } = sample();
    expect(detectDefinitionFormat(noCounty)).toBeUndefined();
    expect(detectDefinitionFormat([])).toBeUndefined();
    expect(detectDefinitionFormat(null)).toBeUndefined();
  });

  it('load either format, detected or named', () => {
    expect(loadDefinition(read('county.json'), 'county.json').electionId).toBe('harrow-vale-2031-general');
    expect(loadDefinition(sample(), 'election.json', { place: PLACE })).toEqual(imported());
    expect(loadDefinition(sample(), 'election.json', { format: 'vxsuite', place: PLACE })).toEqual(imported());
  });

  it('refuse JSON that is neither format', () => {
    const e = refusal(() => loadDefinition({ title: 'a list of things' }, 'election.json'));
    expect(e.path).toBe('$');
    const wrong = refusal(() => loadDefinition({ ...(read('county.json') as Obj), format: 'tallymesh-election/0' }, 'election.json'));
    expect(wrong.path).toBe('$.format');
  });
});
