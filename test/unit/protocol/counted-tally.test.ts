// protocol/counted-tally.ts: with a stolen key a node can sign two valid tallies; whichever came
// first, the version that counts is the one its parent's counted tally lists, down from the
// national tally. Without a parent tally held, the first seen counts.
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../crypto/bytes.ts';
import { EMPTY_ROOT } from '../../../crypto/merkle.ts';
import { contentHash } from '../../../protocol/artifact.ts';
import { countedTally, listedTallyHash, type TallyVersions } from '../../../protocol/counted-tally.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { checkHierarchy } from '../../../protocol/hierarchy.ts';
import { LOG_GENESIS_HASH } from '../../../protocol/log-chain.ts';
import { PROTOCOL_VERSION } from '../../../protocol/manifest.ts';
import { AggregateTally, PrecinctTally, type AnyTally } from '../../../protocol/tally.ts';
import { AggregatorRole } from '../../../roles/aggregator.ts';
import { electionWithFactors } from '../../support/fixtures.ts';

let ctx: ElectionContext;
let keys: Map<string, Uint8Array>;
const honest = new Map<string, AnyTally>();
let victim: string;
let forged: AnyTally;

const hashOf = (t: AnyTally): string =>
  toHex(t.kind === 'precinct' ? contentHash('precinct-tally', PrecinctTally.encode(t.tally)) : contentHash('aggregate-tally', AggregateTally.encode(t.tally)));

/** A node's view: the first version seen per signer, every version by hash. */
function versionsSeen(firstSeen: Map<string, AnyTally>, all: AnyTally[]): TallyVersions<AnyTally> {
  const byHash = new Map(all.map((t) => [hashOf(t), t]));
  return { first: (id) => firstSeen.get(id), byHash: (h) => byHash.get(h), aggregate: (t) => (t.kind === 'aggregate' ? t.tally : undefined) };
}

beforeAll(() => {
  const made = electionWithFactors({ keyBits: 1024, states: 1, countiesPerState: 2, precinctsPerCounty: 2 });
  ctx = new ElectionContext(made.election.manifest);
  keys = new Map([...made.election.nodeKeys].map(([id, k]) => [id, k.secretKey]));
  const precinctTally = (id: string, count: number): AnyTally => ({
    kind: 'precinct',
    tally: PrecinctTally.sign(
      { version: PROTOCOL_VERSION, electionHash: ctx.hash, precinctId: id, groups: ctx.scopes.groupsOf(id).map((g) => ({ scopeId: g.scopeId, words: Array.from({ length: g.wordCount }, () => ctx.publicKey.encrypt(BigInt(count))) })), ballotCount: count, ballotsRoot: EMPTY_ROOT, logHead: LOG_GENESIS_HASH },
      keys.get(id)!,
    ),
  });
  const precincts = ctx.manifest.roster.filter((e) => e.role === 'precinct').map((e) => e.id);
  precincts.forEach((id, i) => honest.set(id, precinctTally(id, i + 1)));
  for (const role of ['county', 'state', 'national'] as const) {
    for (const e of ctx.manifest.roster.filter((x) => x.role === role)) {
      const agg = new AggregatorRole(ctx, e.id, keys.get(e.id)!);
      for (const c of ctx.index.childrenOf(e.id)) agg.receive(honest.get(c.id)!);
      honest.set(e.id, { kind: 'aggregate', tally: agg.aggregate() });
    }
  }
  // The thief signs a second, valid tally for the first precinct with its stolen key.
  victim = precincts[0]!;
  forged = precinctTally(victim, 500);
});

describe('countedTally', () => {
  it('follows the hashes listed from the national tally down when the forged version came first', () => {
    const firstSeen = new Map(honest);
    firstSeen.set(victim, forged);
    const versions = versionsSeen(firstSeen, [...honest.values(), forged]);
    expect(listedTallyHash(ctx, victim, versions)).toBe(hashOf(honest.get(victim)!));
    expect(countedTally(ctx, victim, versions)).toBe(honest.get(victim));
    // The hierarchy as counted checks out; the first-seen view does not.
    expect(checkHierarchy(ctx, (id) => countedTally(ctx, id, versions)).problems).toEqual([]);
    expect(checkHierarchy(ctx, (id) => firstSeen.get(id)).problems.length).toBeGreaterThan(0);
  });

  it('is undefined while the listed version is not held, and names its hash for fetching', () => {
    const firstSeen = new Map(honest);
    firstSeen.set(victim, forged);
    const versions = versionsSeen(firstSeen, [...[...honest.entries()].filter(([id]) => id !== victim).map(([, t]) => t), forged]);
    expect(countedTally(ctx, victim, versions)).toBeUndefined();
    expect(listedTallyHash(ctx, victim, versions)).toBe(hashOf(honest.get(victim)!));
  });

  it('takes the first version seen when no parent tally is held', () => {
    const county = ctx.index.byId.get(victim)!.parent;
    const firstSeen = new Map([[victim, forged]]);
    const versions = versionsSeen(firstSeen, [forged, honest.get(victim)!]);
    expect(listedTallyHash(ctx, victim, versions)).toBeUndefined();
    expect(countedTally(ctx, victim, versions)).toBe(forged);
    expect(countedTally(ctx, county, versions)).toBeUndefined();
  });

  it('gives the national tally itself as first seen (it has no parent)', () => {
    const versions = versionsSeen(new Map(honest), [...honest.values()]);
    expect(countedTally(ctx, 'national', versions)).toBe(honest.get('national'));
  });
});
