// Uniform shapes as generated definitions, for tests, benchmarks and the default simulation:
// S states x C counties x P precincts over real us-atlas places (uniform-shape.ts).
//   - 'single': every precinct votes the same contests (one district "all"; by default the
//     standard ballot), the shape the protocol tests use;
//   - 'local': contests at every level, so ballots differ by precinct: a national contest, per
//     state a governor (with write-in) and a measure, two congressional districts per state that
//     cross its county lines (a precinct's district follows its number: odd or even), and per
//     county a commission of two seats (vote for up to 2 of 4, with write-in).
import type { Contest } from '../../protocol/manifest.ts';
import { uniformJurisdictions, type ElectionShape } from '../uniform-shape.ts';
import { DEFINITION_FORMAT, type DefinitionContest, type DefinitionCounty, type DefinitionState, type ElectionDefinition } from './election-definition.ts';
import { parseDefinition } from './parse-definition.ts';

export type UniformBallot = 'single' | 'local';

/** A contest of the older contests form ({ kind, options, selectionLimit }) as a definition contest. */
export function definitionContest(c: Pick<Contest, 'id' | 'title' | 'options' | 'selectionLimit'>, district: string): DefinitionContest {
  return {
    type: 'candidate',
    id: c.id,
    title: c.title,
    district,
    seats: c.selectionLimit,
    candidates: c.options.map((name, i) => ({ id: `${c.id}-${i + 1}`.slice(0, 64), name })),
    writeIn: false,
  };
}

const candidates = (prefix: string, names: string[]): { id: string; name: string }[] => names.map((name, i) => ({ id: `${prefix}-c${i + 1}`, name }));

export function uniformDefinition(
  shape: ElectionShape,
  options: { ballot: UniformBallot; contests?: Pick<Contest, 'id' | 'title' | 'options' | 'selectionLimit'>[]; electionId?: string; title?: string },
): ElectionDefinition {
  const tree = uniformJurisdictions(shape);
  const national = tree[0]!;
  const states: DefinitionState[] = [];
  const local = options.ballot === 'local';
  for (const j of tree.slice(1)) {
    if (j.role === 'state') states.push({ id: j.id, name: j.name, ...(j.fips ? { fips: j.fips } : {}), counties: [] });
    else if (j.role === 'county') states.at(-1)!.counties.push({ id: j.id, name: j.name, ...(j.fips ? { fips: j.fips } : {}), precincts: [] } satisfies DefinitionCounty);
    else if (j.role === 'precinct') {
      const state = states.at(-1)!;
      const county = state.counties.at(-1)!;
      const n = county.precincts.length + 1;
      const districts = local ? ['us', `${state.id}-all`, `${state.id}-cd${n % 2 === 1 ? 1 : 2}`, `${county.id}-all`] : ['all'];
      county.precincts.push({ id: j.id, name: j.name, districts });
    }
  }
  const def: Omit<ElectionDefinition, 'ballotStyles'> = {
    format: DEFINITION_FORMAT,
    electionId: options.electionId ?? 'uniform-election',
    title: options.title ?? 'TallyMesh election',
    type: 'general',
    national: { id: national.id, name: national.name },
    states,
    parties: [],
    districts: [],
    contests: [],
  };
  if (!local) {
    def.districts.push({ id: 'all', name: 'Every precinct' });
    def.contests.push(...(options.contests ?? []).map((c) => definitionContest(c, 'all')));
  } else {
    def.districts.push({ id: 'us', name: national.name });
    def.contests.push({ type: 'candidate', id: 'president', title: 'President', district: 'us', seats: 1, candidates: candidates('president', ['Adams', 'Baker', 'Chen', 'Diaz']), writeIn: false });
    for (const s of states) {
      def.districts.push({ id: `${s.id}-all`, name: s.name }, { id: `${s.id}-cd1`, name: `${s.name}, congressional district 1` }, { id: `${s.id}-cd2`, name: `${s.name}, congressional district 2` });
      def.contests.push(
        { type: 'candidate', id: `${s.id}-governor`, title: `Governor, ${s.name}`, district: `${s.id}-all`, seats: 1, candidates: candidates(`${s.id}-governor`, ['Evans', 'Fischer', 'Garcia']), writeIn: true },
        { type: 'yesno', id: `${s.id}-measure-1`, title: `Measure 1: Library bond, ${s.name}`, district: `${s.id}-all`, yes: { id: 'yes', label: 'Yes' }, no: { id: 'no', label: 'No' } },
      );
      for (const cd of [1, 2]) {
        def.contests.push({ type: 'candidate', id: `${s.id}-cd${cd}-house`, title: `Representative, ${s.name} district ${cd}`, district: `${s.id}-cd${cd}`, seats: 1, candidates: candidates(`${s.id}-cd${cd}`, ['Hill', 'Ito', 'Jones']), writeIn: false });
      }
      for (const c of s.counties) {
        def.districts.push({ id: `${c.id}-all`, name: c.name });
        def.contests.push({ type: 'candidate', id: `${c.id}-commission`, title: `County commission (2 seats), ${c.name}`, district: `${c.id}-all`, seats: 2, candidates: candidates(`${c.id}-commission`, ['Kim', 'Lopez', 'Moore', 'Nash']), writeIn: true });
      }
    }
  }
  return parseDefinition(def, 'generated uniform definition');
}
