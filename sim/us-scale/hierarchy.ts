// The U.S.-scale jurisdiction tree: the national node, the states and DC, their counties (from
// us-atlas) and synthetic precincts spread over the counties, with a synthetic ballot count per
// precinct. Everything here is deterministic in the seed.
//
// Node ids (protocol/manifest.ts ID_PATTERN): "us", "s-<stateFips>", "c-<countyFips>",
// "p-<countyFips>-<n>". Order is the roster order: national, states, counties, precincts, each by
// FIPS code and precinct number, so that every node's children come in roster order.
//
// Precincts per county: the atlas has no populations, so each county gets a deterministic
// pseudo-population (log-normal, like real county populations: a few very large counties, many
// small ones); every county gets one precinct and the rest are spread in proportion to the
// pseudo-population (largest remainders), so the total is exactly the requested number.
// Ballots per precinct: a deterministic jitter of 0.5..1.5 times the mean, rounded so that the
// total is exactly the requested number of ballots.
import { createHash } from 'node:crypto';
import type { AtlasCounty, AtlasState, UsAtlas } from '../../setup/us-atlas.ts';

export const NATIONAL_ID = 'us';

export type HierarchyRole = 'national' | 'state' | 'county' | 'precinct';

export interface HierarchyNode {
  id: string;
  role: HierarchyRole;
  parent: string;
  name: string;
  /** 2-digit state or 5-digit county FIPS code; '' for the national node and precincts. */
  fips: string;
}

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
  national: HierarchyNode;
  states: HierarchyNode[];
  counties: HierarchyNode[];
  precincts: HierarchyNode[];
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

/** A small fast PRNG (sfc32) seeded from SHA-256 of the parts: reproducible synthetic data. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(...parts: string[]) {
    const h = createHash('sha256').update(parts.join('\u0000')).digest();
    this.a = h.readUInt32BE(0);
    this.b = h.readUInt32BE(4);
    this.c = h.readUInt32BE(8);
    this.d = h.readUInt32BE(12);
    for (let i = 0; i < 12; i++) this.nextU32();
  }
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /** Standard normal (Box–Muller). */
  gaussian(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** Truncates to at most `max` UTF-8 bytes (manifest names are text(128)). */
export function clampUtf8(text: string, max = 128): string {
  let out = text;
  while (Buffer.byteLength(out, 'utf8') > max) out = out.slice(0, -1);
  return out;
}

export const stateId = (fips: string): string => `s-${fips}`;
export const countyId = (fips: string): string => `c-${fips}`;
export const precinctId = (countyFips: string, n: number): string => `p-${countyFips}-${n}`;

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
  const national: HierarchyNode = { id: NATIONAL_ID, role: 'national', parent: '', name: 'United States', fips: '' };
  const stateNodes: HierarchyNode[] = states.map((s) => ({ id: stateId(s.fips), role: 'state', parent: NATIONAL_ID, name: clampUtf8(s.name), fips: s.fips }));
  const countyNodes: HierarchyNode[] = counties.map((c) => ({
    id: countyId(c.fips),
    role: 'county',
    parent: stateId(c.stateFips),
    name: clampUtf8(`${c.name}, ${stateName.get(c.stateFips)}`),
    fips: c.fips,
  }));

  // Pseudo-populations: log-normal, sigma 1.3 (real U.S. county populations span 4 orders of magnitude).
  const weights = counties.map((c) => Math.exp(1.3 * new Rng(o.seed, 'population', c.fips).gaussian()));
  const perCounty = apportion(o.precincts, weights, 1);

  const precinctNodes: HierarchyNode[] = [];
  const precinctsPerCounty = new Map<string, number>();
  const precinctsPerState = new Map<string, number>();
  const stateOf = new Map<string, string>();
  for (const s of stateNodes) stateOf.set(s.id, s.id);
  counties.forEach((c, i) => {
    const count = perCounty[i]!;
    const cid = countyId(c.fips);
    const sid = stateId(c.stateFips);
    precinctsPerCounty.set(cid, count);
    precinctsPerState.set(sid, (precinctsPerState.get(sid) ?? 0) + count);
    stateOf.set(cid, sid);
    for (let n = 1; n <= count; n++) {
      const id = precinctId(c.fips, n);
      precinctNodes.push({ id, role: 'precinct', parent: cid, name: clampUtf8(`Precinct ${n}, ${c.name}, ${stateName.get(c.stateFips)}`), fips: '' });
      stateOf.set(id, sid);
    }
  });

  // Ballots: jitter 0.5..1.5 around the mean, cumulative rounding to the exact total.
  const rng = new Rng(o.seed, 'ballots');
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
export function hierarchyNodes(h: UsHierarchy): HierarchyNode[] {
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
