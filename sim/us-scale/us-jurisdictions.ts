// The U.S.-scale jurisdiction tree: the national node, the states and DC, their counties (from
// us-atlas) and synthetic precincts spread over the counties, with a synthetic ballot count per
// precinct. Everything here is deterministic in the seed. Ids follow setup/jurisdictions.ts:
// states numbered in FIPS order, counties by FIPS code within their state, precincts within their
// county; names and FIPS codes are the atlas's.
//
// Precincts per county: the atlas has no populations, so each state's 2020 Census population
// (state-populations.ts) is shared among its counties by deterministic log-normal weights (like
// real county populations: a few very large counties, many small ones); every county gets one
// precinct and the rest are spread in proportion to these pseudo-populations (largest
// remainders), so the total is exactly the requested number and each state's share of the
// precincts follows its real population.
// Ballots per precinct: a deterministic jitter of 0.5..1.5 times the mean, rounded so that the
// total is exactly the requested number of ballots.
import { NATIONAL_ID, clampName, countyId, precinctId, stateId, type Jurisdiction } from '../../setup/jurisdictions.ts';
import type { AtlasCounty, AtlasState, UsAtlas } from '../../setup/us-atlas.ts';
import { SeededRandom } from '../seeded-random.ts';
import { STATE_POPULATION_2020 } from './state-populations.ts';

export interface UsHierarchyOptions {
  /** Total precincts (at least one per county). */
  precincts: number;
  /** Total ballots over all precincts. */
  ballots: number;
  seed: string;
  /** Only these states (2-digit FIPS codes); all 50 + DC when absent. */
  states?: string[];
  /** Keep at most this many counties per state (the first by FIPS code); for reduced runs. */
  maxCountiesPerState?: number;
}

export interface UsHierarchy {
  national: Jurisdiction;
  states: Jurisdiction[];
  counties: Jurisdiction[];
  precincts: Jurisdiction[];
  /** Ballots of each precinct, aligned with `precincts`. */
  ballots: number[];
  /** Precincts per county id. */
  precinctsPerCounty: Map<string, number>;
  /** Precincts per state id. */
  precinctsPerState: Map<string, number>;
  /** State id of every state, county and precinct. */
  stateOf: Map<string, string>;
  totalBallots: number;
}

/** Integer shares of `total` proportional to `weights`, each at least `minimum`, summing to `total`. */
export function apportion(total: number, weights: number[], minimum = 0): number[] {
  const rest = total - minimum * weights.length;
  if (rest < 0) throw new RangeError(`cannot give ${weights.length} parts at least ${minimum} each out of ${total}`);
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (rest * w) / sum);
  const out = exact.map((x) => minimum + Math.floor(x));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((p, q) => q.frac - p.frac || p.i - q.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k]!.i]!++;
  return out;
}

/** Builds the tree from the atlas. */
export function buildUsHierarchy(atlas: UsAtlas, o: UsHierarchyOptions): UsHierarchy {
  if (!Number.isSafeInteger(o.precincts) || o.precincts < 1) throw new RangeError('precincts must be a positive integer');
  if (!Number.isSafeInteger(o.ballots) || o.ballots < 0) throw new RangeError('ballots must be a non-negative integer');
  let states: AtlasState[] = atlas.states;
  if (o.states) {
    const wanted = new Set(o.states);
    states = atlas.states.filter((s) => wanted.has(s.fips));
    const missing = o.states.filter((f) => !states.some((s) => s.fips === f));
    if (missing.length) throw new RangeError(`states not in the atlas (or territories): ${missing.join(', ')}`);
  }
  const stateSet = new Set(states.map((s) => s.fips));
  let counties: AtlasCounty[] = atlas.counties.filter((c) => stateSet.has(c.stateFips));
  if (o.maxCountiesPerState !== undefined) {
    const kept = new Map<string, number>();
    counties = counties.filter((c) => {
      const k = kept.get(c.stateFips) ?? 0;
      kept.set(c.stateFips, k + 1);
      return k < o.maxCountiesPerState!;
    });
  }
  if (o.precincts < counties.length) throw new RangeError(`${o.precincts} precincts cannot cover ${counties.length} counties (at least one each)`);

  const stateName = new Map(states.map((s) => [s.fips, s.name]));
  // Numbers of the common id scheme: states in FIPS order, counties by FIPS within their state.
  const stateNumber = new Map(states.map((s, i) => [s.fips, i + 1]));
  const countyNumber = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const c of counties) {
    const k = (seen.get(c.stateFips) ?? 0) + 1;
    seen.set(c.stateFips, k);
    countyNumber.set(c.fips, k);
  }
  const sidOf = (stateFips: string): string => stateId(stateNumber.get(stateFips)!);
  const cidOf = (c: AtlasCounty): string => countyId(stateNumber.get(c.stateFips)!, countyNumber.get(c.fips)!);
  const national: Jurisdiction = { id: NATIONAL_ID, role: 'national', parent: '', name: 'United States', fips: '' };
  const stateNodes: Jurisdiction[] = states.map((s) => ({ id: sidOf(s.fips), role: 'state', parent: NATIONAL_ID, name: clampName(s.name), fips: s.fips }));
  const countyNodes: Jurisdiction[] = counties.map((c) => ({
    id: cidOf(c),
    role: 'county',
    parent: sidOf(c.stateFips),
    name: clampName(`${c.name}, ${stateName.get(c.stateFips)}`),
    fips: c.fips,
  }));

  // Pseudo-populations: log-normal, sigma 1.3 (real U.S. county populations span 4 orders of
  // magnitude), scaled so that each state's counties add up to its population.
  const shape = counties.map((c) => Math.exp(1.3 * new SeededRandom(o.seed, 'population', c.fips).gaussian()));
  const shapeOfState = new Map<string, number>();
  counties.forEach((c, i) => shapeOfState.set(c.stateFips, (shapeOfState.get(c.stateFips) ?? 0) + shape[i]!));
  const weights = counties.map((c, i) => ((STATE_POPULATION_2020[c.stateFips] ?? 1_000_000) * shape[i]!) / shapeOfState.get(c.stateFips)!);
  const perCounty = apportion(o.precincts, weights, 1);

  const precinctNodes: Jurisdiction[] = [];
  const precinctsPerCounty = new Map<string, number>();
  const precinctsPerState = new Map<string, number>();
  const stateOf = new Map<string, string>();
  for (const s of stateNodes) stateOf.set(s.id, s.id);
  counties.forEach((c, i) => {
    const count = perCounty[i]!;
    const cid = cidOf(c);
    const sid = sidOf(c.stateFips);
    precinctsPerCounty.set(cid, count);
    precinctsPerState.set(sid, (precinctsPerState.get(sid) ?? 0) + count);
    stateOf.set(cid, sid);
    for (let n = 1; n <= count; n++) {
      const id = precinctId(stateNumber.get(c.stateFips)!, countyNumber.get(c.fips)!, n);
      precinctNodes.push({ id, role: 'precinct', parent: cid, name: clampName(`Precinct ${n}, ${c.name}, ${stateName.get(c.stateFips)}`), fips: '' });
      stateOf.set(id, sid);
    }
  });

  // Ballots: jitter 0.5..1.5 around the mean, cumulative rounding to the exact total.
  const rng = new SeededRandom(o.seed, 'ballots');
  const jitter = precinctNodes.map(() => 0.5 + rng.next());
  const jitterSum = jitter.reduce((a, b) => a + b, 0);
  const ballots: number[] = [];
  let acc = 0;
  let prev = 0;
  for (const j of jitter) {
    acc += j;
    const cum = Math.round((o.ballots * acc) / jitterSum);
    ballots.push(cum - prev);
    prev = cum;
  }
  ballots[ballots.length - 1]! += o.ballots - prev; // floating-point residue, if any
  return {
    national,
    states: stateNodes,
    counties: countyNodes,
    precincts: precinctNodes,
    ballots,
    precinctsPerCounty,
    precinctsPerState,
    stateOf,
    totalBallots: o.ballots,
  };
}

/** Roster order: national, states, counties, precincts. */
export function hierarchyNodes(h: UsHierarchy): Jurisdiction[] {
  return [h.national, ...h.states, ...h.counties, ...h.precincts];
}

/**
 * Splits the states over `parts` workers, balancing precinct counts (largest first, each to the
 * least loaded part). Returns state ids per part, each in roster order.
 */
export function partitionStates(h: UsHierarchy, parts: number): string[][] {
  const load = new Array<number>(parts).fill(0);
  const out: string[][] = Array.from({ length: parts }, () => []);
  const order = [...h.states].sort((a, b) => (h.precinctsPerState.get(b.id) ?? 0) - (h.precinctsPerState.get(a.id) ?? 0) || (a.id < b.id ? -1 : 1));
  for (const s of order) {
    let best = 0;
    for (let i = 1; i < parts; i++) if (load[i]! < load[best]!) best = i;
    out[best]!.push(s.id);
    load[best]! += h.precinctsPerState.get(s.id) ?? 0;
  }
  const rank = new Map(h.states.map((s, i) => [s.id, i]));
  for (const list of out) list.sort((a, b) => rank.get(a)! - rank.get(b)!);
  return out;
}
