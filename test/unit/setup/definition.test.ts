// The native election definition (setup/definition/parse-definition.ts): the samples of
// docs/examples/definitions parse, styles are derived when a definition gives none, and every
// rule refuses with a DefinitionError naming the file, the exact JSON path and the reason.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contestsOfStyle } from '../../../setup/definition/ballot-styles.ts';
import { DefinitionError, type DefinitionCandidateContest, type ElectionDefinition } from '../../../setup/definition/election-definition.ts';
import { parseDefinition } from '../../../setup/definition/parse-definition.ts';
import { loadDefinition } from '../../../setup/definition/vxsuite-import.ts';
import { REPO_ROOT } from '../../support/paths.ts';

const SAMPLES = path.join(REPO_ROOT, 'docs', 'examples', 'definitions');
const readSample = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(SAMPLES, name), 'utf8')) as Record<string, unknown>;

/** A fresh copy of county.json to break on purpose. */
const county = (): ElectionDefinition => structuredClone(readSample('county.json')) as unknown as ElectionDefinition;
const precinctsOf = (d: ElectionDefinition) => d.states[0]!.counties[0]!.precincts;
const candidateContest = (d: ElectionDefinition, id: string): [number, DefinitionCandidateContest] => {
  const i = d.contests.findIndex((c) => c.id === id);
  return [i, d.contests[i] as DefinitionCandidateContest];
};
/** An object as plain JSON, for the fields no type allows. */
const loose = (o: object): Record<string, unknown> => o as Record<string, unknown>;

function refusal(json: unknown): DefinitionError {
  try {
    parseDefinition(json, 'test.json');
  } catch (e) {
    expect(e).toBeInstanceOf(DefinitionError);
    expect((e as DefinitionError).file).toBe('test.json');
    return e as DefinitionError;
  }
  throw new Error('the definition was accepted');
}

const allPrecincts = (def: ElectionDefinition): string[] => def.states.flatMap((s) => s.counties.flatMap((c) => c.precincts.map((p) => p.id)));

describe('the sample definitions', () => {
  it('county.json parses with its six ballot styles over eight precincts', () => {
    const def = parseDefinition(readSample('county.json'), 'county.json');
    expect(allPrecincts(def)).toHaveLength(8);
    expect(def.contests).toHaveLength(16);
    expect(def.ballotStyles!.map((s) => s.id)).toEqual(['north-ward', 'south-ward', 'south-ward-east-schools', 'rural-d3-east-schools', 'rural-d4-east-schools', 'rural-d4']);
    const council = def.contests.find((c) => c.id === 'county-council');
    expect(council).toMatchObject({ type: 'candidate', seats: 3, writeIn: true });
    expect(def.contests.filter((c) => c.type === 'yesno').map((c) => c.id)).toEqual(['state-question-1', 'county-measure-a', 'brightwater-measure-b']);
  });

  it('two-state.json parses: two states, four counties, a congressional district across county lines', () => {
    const def = parseDefinition(readSample('two-state.json'), 'two-state.json');
    expect(def.states.map((s) => s.counties.map((c) => c.id))).toEqual([
      ['harrow-vale', 'copperfield'],
      ['alder', 'stonebridge'],
    ]);
    const inDistrict = (d: string): string[] => def.states.flatMap((s) => s.counties.filter((c) => c.precincts.some((p) => p.districts.includes(d))).map((c) => c.id));
    expect(inDistrict('lk-cd-2')).toEqual(['harrow-vale', 'copperfield']);
    expect(inDistrict('lk-senate-7')).toEqual(['harrow-vale', 'copperfield']);
    expect(allPrecincts(def).length).toBeLessThanOrEqual(30);
  });

  it('vxsuite-county.json loads through the importer under a given state', () => {
    const def = loadDefinition(readSample('vxsuite-county.json'), 'vxsuite-county.json', { place: { stateId: 'lakeshire' } });
    expect(def.type).toBe('primary');
    expect(def.states[0]!.counties[0]!.id).toBe('fernhollow');
  });
});

describe('derived ballot styles', () => {
  it('gives a definition without ballotStyles one style per distinct district set, in precinct order', () => {
    const def = parseDefinition(readSample('two-state.json'), 'two-state.json');
    const styles = def.ballotStyles!;
    expect(styles.map((s) => s.id)).toEqual(['bs-1', 'bs-2', 'bs-3', 'bs-4', 'bs-5', 'bs-6', 'bs-7', 'bs-8', 'bs-9']);
    expect(styles.map((s) => s.precincts)).toEqual([['hv-01', 'hv-02'], ['hv-03'], ['hv-04'], ['cf-01'], ['cf-02', 'cf-03'], ['al-01', 'al-02', 'al-03'], ['sb-01'], ['sb-02'], ['sb-03', 'sb-04']]);
    const hv04 = styles.find((s) => s.precincts.includes('hv-04'))!;
    expect(contestsOfStyle(def, hv04).map((c) => c.id)).toEqual(['federal-president', 'lk-governor', 'lk-question-1', 'lk-house-2', 'lk-state-senate-7', 'harrow-vale-commission']);
  });

  it('derives for county.json the same precinct groups and districts its explicit styles give', () => {
    const explicit = parseDefinition(county(), 'county.json').ballotStyles!;
    const d = county();
    delete d.ballotStyles;
    const derived = parseDefinition(d, 'county.json').ballotStyles!;
    const shape = (styles: typeof derived): string[][] => styles.map((s) => [[...s.districts].sort().join(' '), s.precincts.join(' ')]);
    expect(shape(derived)).toEqual(shape(explicit));
  });
});

describe('refusals', () => {
  it('an unknown field', () => {
    const d = county();
    loose(d.states[0]!.counties[0]!).mayor = 'nobody';
    const e = refusal(d);
    expect(e.path).toBe('$.states[0].counties[0].mayor');
    expect(e.reason).toBe('unknown field');
  });

  it('a missing field', () => {
    const d = county();
    delete loose(d.contests[0]!).writeIn;
    const e = refusal(d);
    expect(e.path).toBe('$.contests[0].writeIn');
    expect(e.reason).toBe('missing');
  });

  it('an id outside the id pattern', () => {
    const d = county();
    d.national.id = 'the nation';
    const e = refusal(d);
    expect(e.path).toBe('$.national.id');
    expect(e.reason).toMatch(/^"the nation" is not an id/);
  });

  it('one id for two nodes (a precinct named like its county)', () => {
    const d = county();
    precinctsOf(d)[1]!.id = 'harrow-vale';
    const e = refusal(d);
    expect(e.path).toBe('$.states[0].counties[0].precincts[1].id');
    expect(e.reason).toBe('id "harrow-vale" is already used at $.states[0].counties[0].id');
  });

  it('a precinct in an undefined district', () => {
    const d = county();
    precinctsOf(d)[2]!.districts.push('atlantis');
    const e = refusal(d);
    expect(e.path).toBe('$.states[0].counties[0].precincts[2].districts[6]');
    expect(e.reason).toBe('district "atlantis" is not defined');
  });

  it('a contest in a district no precinct lies in', () => {
    const d = county();
    d.districts.push({ id: 'nowhere', name: 'Nowhere' });
    d.contests.push({ type: 'yesno', id: 'q-nowhere', title: 'A question for no one', district: 'nowhere', yes: { id: 'yes', label: 'Yes' }, no: { id: 'no', label: 'No' } });
    const e = refusal(d);
    expect(e.path).toBe(`$.contests[${d.contests.length - 1}].district`);
    expect(e.reason).toBe('district "nowhere" has no precinct, so the contest is on no ballot');
  });

  it('more seats than options', () => {
    const d = county();
    const [i, sheriff] = candidateContest(d, 'county-sheriff');
    sheriff.seats = 3;
    const e = refusal(d);
    expect(e.path).toBe(`$.contests[${i}].seats`);
    expect(e.reason).toBe('must be 1..2');
  });

  it('more possible selections than the validity proof allows (vote for up to 4 of 10: 386)', () => {
    const d = county();
    const [i, board] = candidateContest(d, 'school-board-east');
    board.seats = 4;
    board.candidates.push({ id: 'extra-1', name: 'Extra One' }, { id: 'extra-2', name: 'Extra Two' });
    const e = refusal(d);
    expect(e.path).toBe(`$.contests[${i}].seats`);
    expect(e.reason).toBe("vote for up to 4 of 10 options makes 386 possible selections, over the validity proof's limit of 256");
  });

  it('a partisan contest in a general election', () => {
    const d = county();
    (d.contests[0] as DefinitionCandidateContest).party = 'azure';
    const e = refusal(d);
    expect(e.path).toBe('$.contests[0].party');
    expect(e.reason).toBe('only a primary has partisan contests');
  });

  it("a style whose districts differ from its precinct's", () => {
    const d = county();
    const style = d.ballotStyles![0]!;
    style.districts = style.districts.filter((x) => x !== 'ward-north');
    const e = refusal(d);
    expect(e.path).toBe('$.ballotStyles[0].precincts[0]');
    expect(e.reason).toMatch(/^precinct "hv-01" lies in districts \[.*ward-north\], the style lists \[/);
  });

  it('a precinct on no style', () => {
    const d = county();
    d.ballotStyles![0]!.precincts = ['hv-01'];
    const e = refusal(d);
    expect(e.path).toBe('$.ballotStyles');
    expect(e.reason).toBe('precinct "hv-02" has no ballot style');
  });

  it('a style without contests', () => {
    const d = county();
    d.districts.push({ id: 'quiet-hamlet', name: 'Quiet Hamlet' });
    precinctsOf(d).push({ id: 'hv-09', name: 'Quiet Hamlet', districts: ['quiet-hamlet'] });
    d.ballotStyles!.push({ id: 'hamlet', districts: ['quiet-hamlet'], precincts: ['hv-09'] });
    const e = refusal(d);
    expect(e.path).toBe('$.ballotStyles[6]');
    expect(e.reason).toBe('ballot style "hamlet" has no contest');
  });

  it('a format string other than tallymesh-election/1', () => {
    const d = county();
    loose(d).format = 'tallymesh-election/2';
    const e = refusal(d);
    expect(e.path).toBe('$.format');
    expect(e.reason).toBe('must be "tallymesh-election/1"');
  });
});
