// The U.S.-scale election definition: a 2026-style general election over the U.S.-scale
// jurisdiction tree (us-jurisdictions.ts), in the native definition format, so that setup,
// ballot styles and scopes come from the same code as any office's definition. Contests at every
// level, each with its district:
//   - national: President (4 candidates and a write-in);
//   - every state and DC: Governor (DC: Mayor) and U.S. Senator (DC: Shadow Senator), 3
//     candidates and a write-in each, and two yes/no measures;
//   - 435 congressional districts, apportioned among the 50 states by Huntington–Hill over their
//     2020 Census populations (state-populations.ts), plus DC's at-large delegate;
//   - state legislative districts: an upper chamber of 40 districts and a lower one of 100 in
//     every state (real chambers: 20-67 and 40-400, 1,973 and 5,413 seats in all; a fixed rule
//     keeps the run reproducible without a table of 99 chambers), Nebraska's unicameral
//     legislature of 49 and DC's council of 8 wards instead; the lower chambers of Arizona, New
//     Jersey, North Dakota and South Dakota elect two members per district (vote for up to 2);
//   - every county: a commission of two seats (vote for up to 2 of 4, with a write-in), a sheriff
//     (with a write-in) and a measure; and up to 3 school districts, each electing two board
//     members (vote for up to 2 of 3, with a write-in): the sub-county contests of real ballots.
// Districts are drawn as contiguous runs of a state's (or county's) precincts in roster order,
// balanced by ballots (equal voters per district, as redistricting requires): a district crosses
// county lines where a run does, and a large county holds several districts, as Los Angeles
// County does. Ballot styles follow from each precinct's districts (one per distinct set).
import type { UsHierarchy } from './us-jurisdictions.ts';
import type { Jurisdiction } from '../../setup/jurisdictions.ts';
import { DEFINITION_FORMAT, type DefinitionContest, type DefinitionDistrict, type DefinitionState, type ElectionDefinition } from '../../setup/definition/election-definition.ts';
import { huntingtonHill } from './apportionment.ts';
import { DC_FIPS, HOUSE_SEATS, STATE_POPULATION_2020 } from './state-populations.ts';

/** Upper and lower chamber sizes of the rule above, by state FIPS code. */
const UNICAMERAL: Readonly<Record<string, { upper: number; upperTitle: string }>> = {
  '31': { upper: 49, upperTitle: 'State Senator' }, // Nebraska
  [DC_FIPS]: { upper: 8, upperTitle: 'Council member, Ward' },
};
const UPPER_SEATS = 40;
const LOWER_SEATS = 100;
/** States whose lower-chamber districts elect two members. */
const TWO_MEMBER_LOWER = new Set(['04', '34', '38', '46']);
const SCHOOL_DISTRICTS_PER_COUNTY = 3;

const PARTIES = [
  { id: 'blue', name: 'Blue Party', abbrev: 'B' },
  { id: 'gold', name: 'Gold Party', abbrev: 'G' },
  { id: 'green', name: 'Green Party', abbrev: 'Gr' },
];
const SURNAMES = ['Abbott', 'Bishop', 'Castillo', 'Dunn', 'Ellis', 'Foster', 'Grant', 'Hayes', 'Iqbal', 'Jensen', 'Kowalski', 'Lang', 'Mendez', 'Novak', 'Okafor', 'Patel', 'Quinn', 'Reyes', 'Sato', 'Thorne', 'Umar', 'Vance', 'Walsh', 'Young'];

export interface UsDefinitionSummary {
  /** House seats per state id (DC's delegate not counted). */
  houseSeats: Map<string, number>;
  districts: number;
  contests: number;
}

/**
 * Start index of each of `k` contiguous runs over items with these weights, each run non-empty
 * and holding about total/k of the weight (k is capped at the number of items).
 */
export function balancedRuns(weights: readonly number[], k: number): number[] {
  const n = weights.length;
  const runs = Math.max(1, Math.min(k, n));
  const total = weights.reduce((a, b) => a + b, 0);
  const starts = [0];
  let i = 0;
  let before = 0; // weight of items [0, i)
  for (let j = 1; j < runs; j++) {
    const target = (total * j) / runs;
    // An item joins the run its middle falls in.
    while (i < n && before + weights[i]! / 2 < target) before += weights[i++]!;
    const start = Math.min(Math.max(i, starts[j - 1]! + 1), n - (runs - j));
    starts.push(start);
  }
  return starts;
}

/** The run index of every item, given the runs' start indexes. */
function runOf(n: number, starts: readonly number[]): number[] {
  const out = new Array<number>(n);
  let r = 0;
  for (let i = 0; i < n; i++) {
    while (r + 1 < starts.length && starts[r + 1]! <= i) r++;
    out[i] = r;
  }
  return out;
}

/** Candidates of the contest with this ordinal: fictional surnames, rotated so that neighbours differ. */
function candidates(prefix: string, count: number, ordinal: number): { id: string; name: string; party: string }[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-c${i + 1}`,
    name: SURNAMES[(ordinal * 7 + i * 5) % SURNAMES.length]!,
    party: PARTIES[i % PARTIES.length]!.id,
  }));
}

function measure(id: string, title: string, district: string): DefinitionContest {
  return { type: 'yesno', id, title, district, yes: { id: 'yes', label: 'Yes' }, no: { id: 'no', label: 'No' } };
}

/** The definition (styles not yet derived: parseDefinition derives them) and what it holds. */
export function usDefinition(h: UsHierarchy, o: { electionId: string; title: string }): { definition: ElectionDefinition; summary: UsDefinitionSummary } {
  const contests: DefinitionContest[] = [];
  const office = (id: string, title: string, district: string, count: number, seats: number, writeIn: boolean): DefinitionContest => ({
    type: 'candidate',
    id,
    title,
    district,
    seats,
    candidates: candidates(id, count, contests.length),
    writeIn,
  });
  const districts: DefinitionDistrict[] = [{ id: 'us', name: 'United States' }];
  contests.push(office('president', 'President of the United States', 'us', 4, 1, true));
  const districtsOf = new Map<string, string[]>(h.precincts.map((p) => [p.id, ['us']]));
  const ballotsOf = new Map(h.precincts.map((p, i) => [p.id, h.ballots[i]!]));
  const precinctsOf = new Map<string, Jurisdiction[]>();
  for (const p of h.precincts) {
    const list = precinctsOf.get(p.parent) ?? [];
    list.push(p);
    precinctsOf.set(p.parent, list);
  }
  const countiesOf = new Map<string, Jurisdiction[]>();
  for (const c of h.counties) {
    const list = countiesOf.get(c.parent) ?? [];
    list.push(c);
    countiesOf.set(c.parent, list);
  }

  // House seats: Huntington–Hill over the 50 states present (a reduced run apportions fewer
  // seats in proportion, at least one each); DC elects a delegate.
  const voting = h.states.filter((s) => s.fips !== DC_FIPS);
  const allStates = Object.keys(STATE_POPULATION_2020).filter((f) => f !== DC_FIPS).length;
  const seats = voting.length === allStates ? HOUSE_SEATS : Math.max(voting.length, Math.round((HOUSE_SEATS * voting.reduce((a, s) => a + STATE_POPULATION_2020[s.fips]!, 0)) / Object.entries(STATE_POPULATION_2020).filter(([f]) => f !== DC_FIPS).reduce((a, [, p]) => a + p, 0)));
  const apportioned = voting.length ? huntingtonHill(voting.map((s) => STATE_POPULATION_2020[s.fips]!), seats) : [];
  const houseSeats = new Map(voting.map((s, i) => [s.id, apportioned[i]!]));

  /** Draws k districts over the precincts; returns the index (in `precincts`) of each one's first precinct. */
  const assign = (precincts: Jurisdiction[], k: number, district: (j: number) => string): number[] => {
    const starts = balancedRuns(precincts.map((p) => ballotsOf.get(p.id)!), k);
    runOf(precincts.length, starts).forEach((r, i) => districtsOf.get(precincts[i]!.id)!.push(district(r + 1)));
    return starts;
  };

  const states: DefinitionState[] = [];
  for (const s of h.states) {
    const dc = s.fips === DC_FIPS;
    const counties = countiesOf.get(s.id) ?? [];
    const precincts = counties.flatMap((c) => precinctsOf.get(c.id) ?? []);
    const all = `${s.id}-all`;
    districts.push({ id: all, name: s.name });
    for (const p of precincts) districtsOf.get(p.id)!.push(all);
    contests.push(
      office(`${s.id}-governor`, `${dc ? 'Mayor' : 'Governor'}, ${s.name}`, all, 3, 1, true),
      office(`${s.id}-senator`, `${dc ? 'Shadow Senator' : 'U.S. Senator'}, ${s.name}`, all, 3, 1, true),
      measure(`${s.id}-measure-1`, `Measure 1 (transportation bond), ${s.name}`, all),
      measure(`${s.id}-measure-2`, `Measure 2 (constitutional amendment), ${s.name}`, all),
    );
    // District contests are listed by where their districts begin, so that the few a precinct
    // votes in sit side by side in the packed tally words (fewer words for it to encrypt).
    const drawn: { start: number; district: DefinitionDistrict; contest: () => DefinitionContest }[] = [];
    const cds = assign(precincts, dc ? 1 : houseSeats.get(s.id)!, (j) => `${s.id}-cd-${j}`);
    cds.forEach((start, i) => {
      const j = i + 1;
      const at = cds.length === 1 ? 'at large' : `district ${j}`;
      drawn.push({
        start,
        district: { id: `${s.id}-cd-${j}`, name: `${s.name}, congressional ${at}` },
        contest: () => office(`${s.id}-cd-${j}-rep`, `${dc ? 'Delegate to the House' : 'U.S. Representative'}, ${s.name} ${at}`, `${s.id}-cd-${j}`, 3, 1, false),
      });
    });
    const chambers = UNICAMERAL[s.fips]
      ? [{ key: 'sd', count: UNICAMERAL[s.fips]!.upper, title: UNICAMERAL[s.fips]!.upperTitle, seats: 1 }]
      : [
          { key: 'sd', count: UPPER_SEATS, title: 'State Senator, district', seats: 1 },
          { key: 'hd', count: LOWER_SEATS, title: 'State Representative, district', seats: TWO_MEMBER_LOWER.has(s.fips) ? 2 : 1 },
        ];
    for (const ch of chambers) {
      assign(precincts, ch.count, (j) => `${s.id}-${ch.key}-${j}`).forEach((start, i) => {
        const j = i + 1;
        const id = `${s.id}-${ch.key}-${j}`;
        drawn.push({
          start,
          district: { id, name: `${s.name}, ${ch.key === 'sd' ? 'upper' : 'lower'} chamber district ${j}` },
          contest: () => office(`${id}-member`, `${ch.title} ${j}, ${s.name}`, id, ch.seats === 2 ? 4 : 2, ch.seats, true),
        });
      });
    }
    drawn.sort((a, b) => a.start - b.start); // stable: congressional, upper, lower at equal starts
    for (const d of drawn) {
      districts.push(d.district);
      contests.push(d.contest());
    }
    const state: DefinitionState = { id: s.id, name: s.name, ...(s.fips ? { fips: s.fips } : {}), counties: [] };
    for (const c of counties) {
      const cp = precinctsOf.get(c.id) ?? [];
      const call = `${c.id}-all`;
      districts.push({ id: call, name: c.name });
      for (const p of cp) districtsOf.get(p.id)!.push(call);
      contests.push(
        office(`${c.id}-commission`, `County commission (2 seats), ${c.name}`, call, 4, 2, true),
        office(`${c.id}-sheriff`, `Sheriff, ${c.name}`, call, 2, 1, true),
        measure(`${c.id}-measure`, `County measure (library levy), ${c.name}`, call),
      );
      const schools = assign(cp, SCHOOL_DISTRICTS_PER_COUNTY, (j) => `${c.id}-school-${j}`).length;
      for (let j = 1; j <= schools; j++) {
        districts.push({ id: `${c.id}-school-${j}`, name: `${c.name}, school district ${j}` });
        contests.push(office(`${c.id}-school-${j}-board`, `School board (2 seats), ${c.name} school district ${j}`, `${c.id}-school-${j}`, 3, 2, true));
      }
      state.counties.push({ id: c.id, name: c.name, ...(c.fips ? { fips: c.fips } : {}), precincts: cp.map((p) => ({ id: p.id, name: p.name, districts: districtsOf.get(p.id)! })) });
    }
    states.push(state);
  }
  const definition: ElectionDefinition = {
    format: DEFINITION_FORMAT,
    electionId: o.electionId,
    title: o.title,
    type: 'general',
    national: { id: h.national.id, name: h.national.name },
    states,
    parties: PARTIES,
    districts,
    contests,
  };
  return { definition, summary: { houseSeats, districts: districts.length, contests: contests.length } };
}
