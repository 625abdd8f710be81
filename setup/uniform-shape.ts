// Uniform shapes for tests, benchmarks and the default simulation: S states x C counties x P
// precincts. Their places are real U.S. states and counties from us-atlas (FIPS codes and names),
// so that the dashboard's map shows where the count stands even for the smallest shape.
import { NATIONAL_ID, clampName, countyId, precinctId, stateId, type Jurisdiction } from './jurisdictions.ts';
import { loadUsAtlas, type AtlasCounty, type AtlasState } from './us-atlas.ts';

export interface ElectionShape {
  states: number;
  countiesPerState: number;
  precinctsPerCounty: number;
}

/**
 * States in the order a small shape takes them: a walk outwards from Ohio through neighbouring
 * states, so that a few states make one compact region on the map (FIPS order would start with
 * Alabama and Alaska, a continent apart). States missing here follow in FIPS order.
 */
const STATE_ORDER = ['39', '42', '18', '26', '21', '54', '17', '55', '51', '24', '36', '47', '29', '19', '27', '37', '34', '10', '11', '45', '13', '01', '28', '05', '22', '12', '20', '31', '40', '48', '46', '38', '09', '44', '25', '50', '33', '23', '08', '56', '30', '35', '49', '16', '04', '32', '53', '41', '06', '02', '15'];

export interface ShapePlaces {
  states: AtlasState[];
  /** Per state (same order), its first counties by FIPS code. */
  counties: AtlasCounty[][];
}

let atlasCache: ReturnType<typeof loadUsAtlas> | undefined;

/**
 * Real states and counties for a shape: the first states of STATE_ORDER that have enough counties,
 * each with its first counties by FIPS code. Undefined when the shape asks for more than the 50
 * states and DC can give (the roster then carries no FIPS codes and the dashboard shows the tree
 * without a map).
 */
export function placesFor(shape: ElectionShape): ShapePlaces | undefined {
  atlasCache ??= loadUsAtlas();
  const atlas = atlasCache;
  const rank = (fips: string): number => (STATE_ORDER.includes(fips) ? STATE_ORDER.indexOf(fips) : STATE_ORDER.length + Number(fips));
  const countiesOf = (s: AtlasState): AtlasCounty[] => atlas.counties.filter((c) => c.stateFips === s.fips);
  const states = [...atlas.states]
    .sort((a, b) => rank(a.fips) - rank(b.fips))
    .filter((s) => countiesOf(s).length >= shape.countiesPerState)
    .slice(0, shape.states);
  if (states.length < shape.states) return undefined;
  return { states, counties: states.map((s) => countiesOf(s).slice(0, shape.countiesPerState)) };
}

/** The tree of a uniform shape, in roster order. */
export function uniformJurisdictions(shape: ElectionShape, places: ShapePlaces | undefined = placesFor(shape)): Jurisdiction[] {
  for (const name of ['states', 'countiesPerState', 'precinctsPerCounty'] as const) {
    const v = shape[name];
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  }
  const out: Jurisdiction[] = [{ id: NATIONAL_ID, role: 'national', parent: '', name: places ? 'United States' : 'National', fips: '' }];
  for (let s = 1; s <= shape.states; s++) {
    const state = stateId(s);
    const realState = places?.states[s - 1];
    out.push({ id: state, role: 'state', parent: NATIONAL_ID, name: realState ? clampName(realState.name) : `State ${s}`, fips: realState?.fips ?? '' });
    for (let c = 1; c <= shape.countiesPerState; c++) {
      const county = countyId(s, c);
      const realCounty = places?.counties[s - 1]?.[c - 1];
      const countyName = realCounty && realState ? `${realCounty.name}, ${realState.name}` : `County ${s}.${c}`;
      out.push({ id: county, role: 'county', parent: state, name: clampName(countyName), fips: realCounty?.fips ?? '' });
      for (let p = 1; p <= shape.precinctsPerCounty; p++) {
        const name = realCounty ? `Precinct ${p}, ${countyName}` : `Precinct ${s}.${c}.${p}`;
        out.push({ id: precinctId(s, c, p), role: 'precinct', parent: county, name: clampName(name), fips: '' });
      }
    }
  }
  return out;
}
