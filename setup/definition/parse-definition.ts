// Parsing a native definition: structure first (every field, with its path), then the references
// between its parts and the rules a countable election needs. Ballot styles are derived when the
// definition gives none (ballot-styles.ts).
import { MAX_ALLOWED_VALUES, allowedValueCount } from '../../protocol/layout.ts';
import { deriveBallotStyles, checkBallotStyles } from './ballot-styles.ts';
import {
  DEFINITION_FORMAT,
  DefinitionReader,
  WRITE_IN_OPTION,
  type DefinitionBallotStyle,
  type DefinitionContest,
  type DefinitionCounty,
  type DefinitionPrecinct,
  type DefinitionState,
  type ElectionDefinition,
} from './election-definition.ts';

/** The most options one contest may have: the slots of one tally word at 2048 bits and 32-bit slots. */
export const MAX_CONTEST_OPTIONS = 63;

/** Parses and validates a definition's JSON; `file` names it in errors. Styles are filled in when absent. */
export function parseDefinition(json: unknown, file: string): ElectionDefinition {
  const r = new DefinitionReader(file);
  const o = r.object(json, '$', { required: ['format', 'electionId', 'title', 'type', 'national', 'states', 'parties', 'districts', 'contests'], optional: ['ballotStyles'] });
  if (o.format !== DEFINITION_FORMAT) r.fail('$.format', `must be "${DEFINITION_FORMAT}"`);
  if (o.type !== 'general' && o.type !== 'primary') r.fail('$.type', 'must be "general" or "primary"');
  const type = o.type as ElectionDefinition['type'];
  const nodes = new Map<string, string>();
  const nat = r.object(o.national, '$.national', { required: ['id', 'name'] });
  const national = { id: r.id(nat.id, '$.national.id'), name: r.string(nat.name, '$.national.name', 128) };
  r.unique(nodes, national.id, '$.national.id');
  const states = r.array(o.states, '$.states').map((s, i) => parseState(r, s, `$.states[${i}]`, nodes));
  if (states.length === 0) r.fail('$.states', 'an election needs at least one state');

  const partyIds = new Map<string, string>();
  const parties = r.array(o.parties, '$.parties').map((p, i) => {
    const path = `$.parties[${i}]`;
    const x = r.object(p, path, { required: ['id', 'name', 'abbrev'] });
    const party = { id: r.id(x.id, `${path}.id`), name: r.string(x.name, `${path}.name`, 128), abbrev: r.string(x.abbrev, `${path}.abbrev`, 16) };
    r.unique(partyIds, party.id, `${path}.id`);
    return party;
  });
  const districtIds = new Map<string, string>();
  const districts = r.array(o.districts, '$.districts').map((d, i) => {
    const path = `$.districts[${i}]`;
    const x = r.object(d, path, { required: ['id', 'name'] });
    const district = { id: r.id(x.id, `${path}.id`), name: r.string(x.name, `${path}.name`, 128) };
    r.unique(districtIds, district.id, `${path}.id`);
    return district;
  });

  const precincts = states.flatMap((s) => s.counties.flatMap((c) => c.precincts));
  const districtUse = new Map<string, number>();
  states.forEach((s, si) =>
    s.counties.forEach((c, ci) =>
      c.precincts.forEach((p, pi) => {
        const path = `$.states[${si}].counties[${ci}].precincts[${pi}].districts`;
        if (p.districts.length === 0) r.fail(path, 'a precinct lies in at least one district');
        p.districts.forEach((d, k) => {
          if (!districtIds.has(d)) r.fail(`${path}[${k}]`, `district "${d}" is not defined`);
          if (p.districts.indexOf(d) !== k) r.fail(`${path}[${k}]`, `district "${d}" is listed twice`);
          districtUse.set(d, (districtUse.get(d) ?? 0) + 1);
        });
      }),
    ),
  );

  const contestIds = new Map<string, string>();
  const contests = r.array(o.contests, '$.contests').map((c, i) => parseContest(r, c, `$.contests[${i}]`, { type, partyIds, districtIds, districtUse }));
  if (contests.length === 0) r.fail('$.contests', 'an election needs at least one contest');
  contests.forEach((c, i) => r.unique(contestIds, c.id, `$.contests[${i}].id`));

  const def: ElectionDefinition = {
    format: DEFINITION_FORMAT,
    electionId: r.id(o.electionId, '$.electionId'),
    title: r.string(o.title, '$.title', 256),
    type,
    national,
    states,
    parties,
    districts,
    contests,
  };
  if (o.ballotStyles === undefined) {
    def.ballotStyles = deriveBallotStyles(def);
  } else {
    def.ballotStyles = r.array(o.ballotStyles, '$.ballotStyles').map((b, i) => parseStyle(r, b, `$.ballotStyles[${i}]`));
  }
  checkBallotStyles(r, def, precincts);
  return def;
}

function parseState(r: DefinitionReader, v: unknown, path: string, nodes: Map<string, string>): DefinitionState {
  const s = r.object(v, path, { required: ['id', 'name', 'counties'], optional: ['fips'] });
  const state: DefinitionState = { id: r.id(s.id, `${path}.id`), name: r.string(s.name, `${path}.name`, 128), counties: [] };
  if (s.fips !== undefined) state.fips = r.fips(s.fips, `${path}.fips`, 2);
  r.unique(nodes, state.id, `${path}.id`);
  state.counties = r.array(s.counties, `${path}.counties`).map((c, i) => parseCounty(r, c, `${path}.counties[${i}]`, nodes));
  if (state.counties.length === 0) r.fail(`${path}.counties`, 'a state needs at least one county');
  return state;
}

function parseCounty(r: DefinitionReader, v: unknown, path: string, nodes: Map<string, string>): DefinitionCounty {
  const c = r.object(v, path, { required: ['id', 'name', 'precincts'], optional: ['fips'] });
  const county: DefinitionCounty = { id: r.id(c.id, `${path}.id`), name: r.string(c.name, `${path}.name`, 128), precincts: [] };
  if (c.fips !== undefined) county.fips = r.fips(c.fips, `${path}.fips`, 5);
  r.unique(nodes, county.id, `${path}.id`);
  county.precincts = r.array(c.precincts, `${path}.precincts`).map((p, i): DefinitionPrecinct => {
    const at = `${path}.precincts[${i}]`;
    const x = r.object(p, at, { required: ['id', 'name', 'districts'] });
    const precinct = { id: r.id(x.id, `${at}.id`), name: r.string(x.name, `${at}.name`, 128), districts: r.array(x.districts, `${at}.districts`, 64).map((d, k) => r.id(d, `${at}.districts[${k}]`)) };
    r.unique(nodes, precinct.id, `${at}.id`);
    return precinct;
  });
  if (county.precincts.length === 0) r.fail(`${path}.precincts`, 'a county needs at least one precinct');
  return county;
}

interface ContestScope {
  type: ElectionDefinition['type'];
  partyIds: Map<string, string>;
  districtIds: Map<string, string>;
  districtUse: Map<string, number>;
}

const contestId = (v: unknown): string => (typeof v === 'string' ? v : '');

function parseContest(r: DefinitionReader, v: unknown, path: string, scope: ContestScope): DefinitionContest {
  const kind = (v as { type?: unknown } | null)?.type;
  let contest: DefinitionContest;
  if (kind === 'candidate') {
    const c = r.object(v, path, { required: ['type', 'id', 'title', 'district', 'seats', 'candidates', 'writeIn'], optional: ['party'] });
    const seen = new Map<string, string>();
    const names = new Map<string, string>();
    const candidates = r.array(c.candidates, `${path}.candidates`, MAX_CONTEST_OPTIONS).map((x, i) => {
      const at = `${path}.candidates[${i}]`;
      const o = r.object(x, at, { required: ['id', 'name'], optional: ['party'] });
      const candidate: { id: string; name: string; party?: string } = { id: r.id(o.id, `${at}.id`), name: r.string(o.name, `${at}.name`, 128) };
      if (o.party !== undefined) {
        candidate.party = r.id(o.party, `${at}.party`);
        if (!scope.partyIds.has(candidate.party)) r.fail(`${at}.party`, `party "${candidate.party}" is not defined`);
      }
      r.unique(seen, candidate.id, `${at}.id`);
      r.unique(names, candidate.name, `${at}.name`);
      return candidate;
    });
    const writeIn = r.boolean(c.writeIn, `${path}.writeIn`);
    candidates.forEach((x, i) => {
      if (writeIn && x.name === WRITE_IN_OPTION) r.fail(`${path}.candidates[${i}].name`, `"${WRITE_IN_OPTION}" is the write-in option's name; a candidate may not take it`);
    });
    const options = candidates.length + (writeIn ? 1 : 0);
    if (candidates.length === 0) r.fail(`${path}.candidates`, 'a candidate contest needs at least one candidate');
    if (options > MAX_CONTEST_OPTIONS) r.fail(`${path}.candidates`, `${options} options (with the write-in) exceed the ${MAX_CONTEST_OPTIONS} of one tally word`);
    const seats = r.integer(c.seats, `${path}.seats`, 1, options);
    contest = { type: 'candidate', id: r.id(c.id, `${path}.id`), title: r.string(c.title, `${path}.title`), district: r.id(c.district, `${path}.district`), seats, candidates, writeIn };
    if (c.party !== undefined) {
      contest.party = r.id(c.party, `${path}.party`);
      if (!scope.partyIds.has(contest.party)) r.fail(`${path}.party`, `party "${contest.party}" is not defined`);
      if (scope.type !== 'primary') r.fail(`${path}.party`, 'only a primary has partisan contests');
    }
    const allowed = allowedValueCount({ id: contestId(c.id), kind: seats === 1 ? 'plurality' : 'approval', options: new Array(options).fill(''), selectionLimit: seats, allowAbstain: true });
    if (allowed > MAX_ALLOWED_VALUES) {
      r.fail(`${path}.seats`, `vote for up to ${seats} of ${options} options makes ${allowed} possible selections, over the validity proof's limit of ${MAX_ALLOWED_VALUES}`);
    }
  } else if (kind === 'yesno') {
    const c = r.object(v, path, { required: ['type', 'id', 'title', 'district', 'yes', 'no'] });
    const option = (x: unknown, at: string): { id: string; label: string } => {
      const o = r.object(x, at, { required: ['id', 'label'] });
      return { id: r.id(o.id, `${at}.id`), label: r.string(o.label, `${at}.label`, 128) };
    };
    const yes = option(c.yes, `${path}.yes`);
    const no = option(c.no, `${path}.no`);
    if (yes.id === no.id) r.fail(`${path}.no.id`, 'the yes and no options need different ids');
    if (yes.label === no.label) r.fail(`${path}.no.label`, 'the yes and no options need different labels');
    contest = { type: 'yesno', id: r.id(c.id, `${path}.id`), title: r.string(c.title, `${path}.title`), district: r.id(c.district, `${path}.district`), yes, no };
  } else {
    r.fail(`${path}.type`, 'must be "candidate" or "yesno"');
  }
  if (!scope.districtIds.has(contest.district)) r.fail(`${path}.district`, `district "${contest.district}" is not defined`);
  if (!scope.districtUse.get(contest.district)) r.fail(`${path}.district`, `district "${contest.district}" has no precinct, so the contest is on no ballot`);
  return contest;
}

function parseStyle(r: DefinitionReader, v: unknown, path: string): DefinitionBallotStyle {
  const b = r.object(v, path, { required: ['id', 'districts', 'precincts'], optional: ['party'] });
  const style: DefinitionBallotStyle = {
    id: r.id(b.id, `${path}.id`),
    districts: r.array(b.districts, `${path}.districts`, 64).map((d, i) => r.id(d, `${path}.districts[${i}]`)),
    precincts: r.array(b.precincts, `${path}.precincts`).map((p, i) => r.id(p, `${path}.precincts[${i}]`)),
  };
  if (b.party !== undefined) style.party = r.id(b.party, `${path}.party`);
  return style;
}
