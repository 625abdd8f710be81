// The U.S.-scale definition (sim/us-scale/us-definition.ts): the House apportioned by
// Huntington–Hill over the 2020 populations, districts drawn as balanced contiguous runs (some
// crossing county lines, large counties holding several), contests at every level, ballot
// styles that follow, and every contest counted at the scope its district implies.
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../../crypto/signature.ts';
import { dealThresholdKey } from '../../../crypto/threshold.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { parseDefinition } from '../../../setup/definition/parse-definition.ts';
import { planFromDefinition } from '../../../setup/definition/definition-plan.ts';
import { buildManifest, publicIdentity, trusteeIds } from '../../../setup/manifest-builder.ts';
import { loadUsAtlas } from '../../../setup/us-atlas.ts';
import { huntingtonHill } from '../../../sim/us-scale/apportionment.ts';
import { DC_FIPS, STATE_POPULATION_2020 } from '../../../sim/us-scale/state-populations.ts';
import { balancedRuns, usDefinition } from '../../../sim/us-scale/us-definition.ts';
import { buildUsHierarchy, hierarchyNodes, type UsHierarchy } from '../../../sim/us-scale/us-jurisdictions.ts';

// The 2020 apportionment as the Clerk of the House published it (seats by state FIPS code).
const SEATS_2020: Record<string, number> = {
  '01': 7, '02': 1, '04': 9, '05': 4, '06': 52, '08': 8, '09': 5, '10': 1, '12': 28, '13': 14,
  '15': 2, '16': 2, '17': 17, '18': 9, '19': 4, '20': 4, '21': 6, '22': 6, '23': 2, '24': 8,
  '25': 9, '26': 13, '27': 8, '28': 4, '29': 8, '30': 2, '31': 3, '32': 4, '33': 2, '34': 12,
  '35': 3, '36': 26, '37': 14, '38': 1, '39': 15, '40': 5, '41': 6, '42': 17, '44': 2, '45': 7,
  '46': 1, '47': 9, '48': 38, '49': 4, '50': 1, '51': 11, '53': 10, '54': 2, '55': 8, '56': 1,
};

describe('Huntington–Hill', () => {
  it('gives the 2020 apportionment from the 2020 populations', () => {
    const states = Object.keys(STATE_POPULATION_2020).filter((f) => f !== DC_FIPS).sort();
    expect(states).toHaveLength(50);
    const seats = huntingtonHill(states.map((f) => STATE_POPULATION_2020[f]!), 435);
    expect(Object.fromEntries(states.map((f, i) => [f, seats[i]]))).toEqual(SEATS_2020);
  });

  it('gives every state one seat first and refuses too few seats', () => {
    expect(huntingtonHill([1000, 1, 1], 3)).toEqual([1, 1, 1]);
    expect(huntingtonHill([1000, 1], 5)).toEqual([4, 1]);
    expect(() => huntingtonHill([1, 2, 3], 2)).toThrow(/cannot give 3 states one each/);
    expect(() => huntingtonHill([1, 0], 4)).toThrow(/positive/);
  });
});

describe('balanced contiguous runs', () => {
  it('makes k non-empty runs in order, each near total/k', () => {
    const weights = Array.from({ length: 100 }, (_, i) => 1 + (i % 7));
    const starts = balancedRuns(weights, 8);
    expect(starts).toHaveLength(8);
    expect(starts[0]).toBe(0);
    for (let j = 1; j < starts.length; j++) expect(starts[j]!).toBeGreaterThan(starts[j - 1]!);
    const total = weights.reduce((a, b) => a + b, 0);
    const sums = starts.map((s, j) => weights.slice(s, starts[j + 1] ?? weights.length).reduce((a, b) => a + b, 0));
    for (const s of sums) expect(Math.abs(s - total / 8)).toBeLessThanOrEqual(7);
  });

  it('caps the runs at the items and keeps each non-empty when one item outweighs the rest', () => {
    expect(balancedRuns([1, 1, 1], 10)).toEqual([0, 1, 2]);
    expect(balancedRuns([100, 1, 1, 1], 3)).toEqual([0, 1, 2]);
    expect(balancedRuns([], 3)).toEqual([0]);
  });
});

describe('the U.S.-scale definition', () => {
  const atlas = loadUsAtlas();
  const h = buildUsHierarchy(atlas, { precincts: 20_000, ballots: 18_000_000, seed: 'def-test' });
  const { definition, summary } = usDefinition(h, { electionId: 'us-def-test', title: 'Test' });
  const parsed = parseDefinition(JSON.parse(JSON.stringify(definition)), 'us-def-test.json');
  const precincts = parsed.states.flatMap((s) => s.counties.flatMap((c) => c.precincts.map((p) => ({ ...p, county: c.id, state: s.id }))));
  const stateOfFips = new Map(h.states.map((s) => [s.fips, s.id]));

  it('holds 435 House districts apportioned by population, and DC\'s delegate', () => {
    expect([...summary.houseSeats.values()].reduce((a, b) => a + b, 0)).toBe(435);
    for (const [fips, seats] of Object.entries(SEATS_2020)) expect(summary.houseSeats.get(stateOfFips.get(fips)!)).toBe(seats);
    const cds = parsed.districts.filter((d) => /-cd-\d+$/.test(d.id));
    expect(cds).toHaveLength(436);
    expect(parsed.contests.filter((c) => c.id.endsWith('-rep'))).toHaveLength(436);
  });

  it('puts every precinct in exactly one district of each kind, inside its own state and county', () => {
    for (const p of precincts) {
      const kinds = p.districts.map((d) => (d === 'us' ? 'us' : d.endsWith('-all') ? 'all' : (/-(cd|sd|hd|school)-\d+$/.exec(d)?.[1] ?? d)));
      const state = p.state;
      expect(p.districts.filter((d) => d.startsWith(`${state}-`) || d === 'us' || d.startsWith(`${p.county}-`))).toEqual(p.districts);
      for (const kind of ['us', 'all', 'cd', 'sd', 'school']) expect(kinds.filter((k) => k === kind).length, `${p.id} ${kind}`).toBe(kind === 'all' ? 2 : 1);
      const fips = h.states.find((s) => s.id === state)!.fips;
      expect(kinds.filter((k) => k === 'hd')).toHaveLength(fips === '31' || fips === DC_FIPS ? 0 : 1);
    }
  });

  it('draws districts that cross county lines and counties that hold several districts', () => {
    const countiesOf = new Map<string, Set<string>>();
    const districtsOfCounty = new Map<string, Set<string>>();
    for (const p of precincts) {
      for (const d of p.districts.filter((x) => /-cd-/.test(x))) {
        countiesOf.set(d, (countiesOf.get(d) ?? new Set()).add(p.county));
        districtsOfCounty.set(p.county, (districtsOfCounty.get(p.county) ?? new Set()).add(d));
      }
    }
    expect([...countiesOf.values()].some((s) => s.size > 1)).toBe(true);
    // Counties' populations are pseudo-random (the atlas has none): the most populous one holds several.
    const largest = [...h.precinctsPerCounty].sort((a, b) => b[1] - a[1])[0]![0];
    expect(districtsOfCounty.get(largest)!.size).toBeGreaterThan(1);
  });

  it('has the contest kinds of a real ballot: multi-seat, yes/no, write-ins; chambers by the rule', () => {
    const nebraska = stateOfFips.get('31')!;
    const dc = stateOfFips.get(DC_FIPS)!;
    const arizona = stateOfFips.get('04')!;
    const count = (prefix: string): number => parsed.contests.filter((c) => c.id.startsWith(prefix)).length;
    expect(count(`${nebraska}-sd-`)).toBe(49);
    expect(count(`${nebraska}-hd-`)).toBe(0);
    expect(count(`${dc}-sd-`)).toBe(8);
    expect(count(`${stateOfFips.get('48')!}-sd-`)).toBe(40);
    expect(count(`${stateOfFips.get('48')!}-hd-`)).toBe(100);
    const azLower = parsed.contests.find((c) => c.id === `${arizona}-hd-1-member`)!;
    expect(azLower).toMatchObject({ type: 'candidate', seats: 2, writeIn: true });
    expect(parsed.contests.find((c) => c.id === `${stateOfFips.get('48')!}-hd-1-member`)).toMatchObject({ seats: 1 });
    expect(parsed.contests.filter((c) => c.type === 'yesno').length).toBe(2 * h.states.length + h.counties.length);
    expect(parsed.contests.find((c) => c.id === 'president')).toMatchObject({ district: 'us', writeIn: true });
    // Styles follow from the district sets: one per distinct set.
    const sets = new Set(precincts.map((p) => [...p.districts].sort().join(' ')));
    expect(parsed.ballotStyles).toHaveLength(sets.size);
  });

  it('is deterministic in the seed', () => {
    const again = usDefinition(buildUsHierarchy(atlas, { precincts: 20_000, ballots: 18_000_000, seed: 'def-test' }), { electionId: 'us-def-test', title: 'Test' });
    expect(JSON.stringify(again.definition)).toBe(JSON.stringify(definition));
  });
});

describe('scopes of the U.S.-scale definition (two states)', () => {
  const h: UsHierarchy = buildUsHierarchy(loadUsAtlas(), { precincts: 3_000, ballots: 2_000_000, seed: 'scope-test', states: ['06', '41'] });
  const plan = planFromDefinition(parseDefinition(usDefinition(h, { electionId: 'us-scope-test', title: 'Test' }).definition, 'us-scope-test.json'));
  const identities = new Map([...hierarchyNodes(h).map((n) => n.id), ...trusteeIds(3)].map((id) => [id, publicIdentity(generateSigningKey().publicKey)]));
  const manifest = buildManifest({ ...plan, identities, key: dealThresholdKey({ bits: 1024, threshold: 2, trustees: 3 }), slotBits: 32, checkpointInterval: 100, closesAt: 0 });
  const ctx = new ElectionContext(manifest);
  const scopeOf = (id: string): string => ctx.scopes.contests.get(id)!.scopeId;
  const california = h.states.find((s) => s.fips === '06')!.id;

  it('counts each contest where its district is complete', () => {
    expect(scopeOf('president')).toBe('national');
    expect(scopeOf(`${california}-governor`)).toBe(california);
    for (const c of h.counties) expect(scopeOf(`${c.id}-commission`)).toBe(c.id);
    // A district inside one county stops there; one crossing counties reaches its state.
    const rep = manifest.contests.filter((c) => c.id.startsWith(`${california}-cd-`));
    const scopes = new Set(rep.map((c) => ctx.index.node(scopeOf(c.id)).role));
    expect(scopes).toEqual(new Set(['county', 'state']));
    expect(ctx.scopes.scopes.filter((s) => ctx.index.node(s.scopeId).role === 'state').map((s) => s.scopeId).sort()).toEqual(h.states.map((s) => s.id).sort());
  });

  it('decrypts far fewer words than there are contests or districts', () => {
    const words = ctx.scopes.decryptedWords;
    expect(words).toBeLessThan(manifest.contests.length / 3);
    expect(words).toBeLessThan(manifest.districts.length / 2);
    // Every county has its own scope, so at least one word each.
    expect(words).toBeGreaterThanOrEqual(h.counties.length + h.states.length + 1);
  });
});
