// The node's decisions as a pure unit (node/intake/node-state.ts and node/catch-up/): artifacts
// in, relays, own artifacts, wants and evidence out, with real artifacts from an in-process
// election and no libp2p or LevelDB.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AggregateTally, PrecinctTally, multiplyGroups } from '../../../protocol/tally.ts';
import { PartialDecryption } from '../../../protocol/partial-decryption.ts';
import { Result } from '../../../protocol/result.ts';
import { validateArtifact, validatedArtifact, type TypedBytes, type ValidatedArtifact } from '../../../protocol/validated-artifact.ts';
import { NodeState } from '../../../node/intake/node-state.ts';
import { pullOrder } from '../../../node/catch-up/pull-order.ts';
import { FIRST_DELAY_MS, MAX_DELAY_MS, PullSchedule } from '../../../node/catch-up/pull-schedule.ts';
import { Outbox, MAX_PUBLISH_FAILURES } from '../../../node/outbox.ts';
import type { PublishStatus } from '../../../node/network/gossip-service.ts';
import { generateElection, type GeneratedElection } from '../../../setup/election-setup.ts';
import { runInProcessElection, type InProcessOutcome } from '../../../sim/in-process-election.ts';

let election: GeneratedElection;
let run: InProcessOutcome;

beforeAll(() => {
  election = generateElection({ keyBits: 1024, states: 1, countiesPerState: 2, precinctsPerCounty: 2, electionId: 'node-state' });
  run = runInProcessElection(election, { ballotsPerPrecinct: 1, seed: 'node-state' });
});

const stateOf = (id: string, o: { autoDecrypt?: boolean } = {}): NodeState =>
  new NodeState({
    ctx: run.ctx,
    id,
    secretKey: election.nodeKeys.get(id)!.secretKey,
    ...(election.shares.has(id) ? { share: election.shares.get(id)! } : {}),
    autoDecrypt: o.autoDecrypt ?? false,
  });

const precinct = (id: string): ValidatedArtifact => {
  const t = run.record.precinctTallies.find((x) => x.precinctId === id)!;
  return validatedArtifact('precinct-tally', t, PrecinctTally.encode(t));
};
const aggregate = (id: string): ValidatedArtifact => {
  const t = run.record.aggregateTallies.find((x) => x.nodeId === id)!;
  return validatedArtifact('aggregate-tally', t, AggregateTally.encode(t));
};
const partial = (i: number): ValidatedArtifact => {
  const p = run.record.partials[i]!;
  return validatedArtifact('partial-decryption', p, PartialDecryption.encode(p));
};
const made = (state: NodeState, t: TypedBytes): ValidatedArtifact => {
  const a = validateArtifact(run.ctx, t);
  state.apply(a, 'self');
  return a;
};
/** Every tally of the record, children before parents. */
const everyTally = (): ValidatedArtifact[] => [
  ...run.record.precinctTallies.map((t) => precinct(t.precinctId)),
  ...run.record.aggregateTallies.map((t) => aggregate(t.nodeId)),
];

describe('an aggregator (county)', () => {
  const COUNTY = 'county-01-001';

  it('wants its children\'s tallies, relays them to the board (precincts are not on it), then makes its aggregate', () => {
    const s = stateOf(COUNTY);
    expect(s.wanted().map((w) => w.request)).toEqual([
      { by: 'sender', type: 'precinct-tally', sender: 'precinct-01-001-001' },
      { by: 'sender', type: 'precinct-tally', sender: 'precinct-01-001-002' },
    ]);
    expect(s.next()).toBeUndefined();
    expect(s.apply(precinct('precinct-01-001-001'), 'gossip')).toEqual({ relay: true });
    expect(s.next()).toBeUndefined();
    expect(s.wanted().map((w) => w.about)).toEqual(['precinct-01-001-002']);
    expect(s.apply(precinct('precinct-01-001-002'), 'gossip')).toEqual({ relay: true });
    const own = s.next()!;
    expect(own.type).toBe('aggregate-tally');
    const tally = AggregateTally.decode(own.bytes);
    const kids = ['precinct-01-001-001', 'precinct-01-001-002'].map((id) => precinct(id).value as PrecinctTally);
    expect(tally.groups).toEqual(multiplyGroups(run.ctx, COUNTY, kids));
    expect(tally.children.map((c) => c.id)).toEqual(['precinct-01-001-001', 'precinct-01-001-002']);
    made(s, own);
    expect(s.aggregated).toBe(true);
    expect(s.next()).toBeUndefined();
    expect(s.phase(false)).toBe('aggregated');
    // Reported: it wants the result (its subtree is complete).
    expect(s.wanted().map((w) => w.request)).toEqual([{ by: 'sender', type: 'result', sender: 'national' }]);
  });

  it('keeps a child\'s second, different tally as evidence and counts the first', () => {
    const s = stateOf(COUNTY);
    const first = precinct('precinct-01-001-001');
    s.apply(first, 'gossip');
    const t = first.value as PrecinctTally;
    const other = PrecinctTally.sign({ ...t, ballotCount: t.ballotCount + 1 }, election.nodeKeys.get('precinct-01-001-001')!.secretKey);
    const second = validatedArtifact('precinct-tally', other, PrecinctTally.encode(other));
    s.evidence(second);
    expect(s.equivocations).toBe(1);
    expect(s.aggregator!.equivocations).toHaveLength(1);
    expect(s.aggregator!.acceptedHash('precinct-01-001-001')).toBe(first.hashHex);
    expect(s.tallies.hasVersion(second.hashHex)).toBe(true);
  });

  it('relays what a pull brought, but not a board peer\'s tally that gossip brought', () => {
    const s = stateOf('state-01');
    expect(s.apply(aggregate('county-01-001'), 'gossip')).toEqual({ relay: false });
    expect(s.apply(aggregate('county-01-002'), 'pull')).toEqual({ relay: true });
  });
});

describe('a trustee', () => {
  const TRUSTEE = 'trustee-01';

  it('decrypts once every tally is here, checking the hierarchy once and not per artifact', () => {
    const s = stateOf(TRUSTEE, { autoDecrypt: true });
    const decrypt = vi.spyOn(s.trustee!, 'decrypt');
    // The national tally first, so that only the rest of the hierarchy is missing.
    const tallies = everyTally().reverse();
    expect(s.wanted().map((w) => w.about)).toEqual(['national']);
    for (const a of tallies.slice(0, -1)) {
      s.apply(a, 'gossip');
      expect(s.next()).toBeUndefined();
    }
    expect(decrypt).not.toHaveBeenCalled();
    expect(s.hierarchyProblem).toMatch(/1 of \d+ tallies of the hierarchy have not arrived/);
    s.apply(tallies.at(-1)!, 'gossip');
    const own = s.next()!;
    expect(own.type).toBe('partial-decryption');
    expect(decrypt).toHaveBeenCalledTimes(1);
    made(s, own);
    expect(s.hasOwnPartial).toBe(true);
    expect(s.next()).toBeUndefined();
    expect(s.phase(false)).toBe('decrypted');
  });

  it('after a failed check, checks again only when another tally version arrives', () => {
    const s = stateOf(TRUSTEE, { autoDecrypt: true });
    const decrypt = vi.spyOn(s.trustee!, 'decrypt');
    // A precinct tally re-signed with another count: valid on its own, inconsistent with its county.
    const honest = precinct('precinct-01-001-001');
    const t = honest.value as PrecinctTally;
    const forgedTally = PrecinctTally.sign({ ...t, ballotCount: t.ballotCount + 5 }, election.nodeKeys.get(t.precinctId)!.secretKey);
    const forged = validatedArtifact('precinct-tally', forgedTally, PrecinctTally.encode(forgedTally));
    for (const a of everyTally()) s.apply(a.hashHex === honest.hashHex ? forged : a, 'gossip');
    for (let i = 0; i < 5; i++) expect(s.next()).toBeUndefined();
    expect(decrypt).toHaveBeenCalledTimes(1);
    expect(s.hierarchyProblem).toMatch(/problem/);
    // The county lists the honest version: the trustee wants it by hash, and once it arrives
    // (as the signer's second version) the check runs again and passes.
    expect(s.wanted().map((w) => w.request)).toContainEqual({ by: 'hash', hash: honest.hashHex });
    s.evidence(honest);
    expect(s.next()?.type).toBe('partial-decryption');
    expect(decrypt).toHaveBeenCalledTimes(2);
  });

  it('without autoDecrypt, decrypts only when told; an admin command checks even without news', () => {
    const s = stateOf(TRUSTEE);
    for (const a of everyTally()) s.apply(a, 'gossip');
    expect(s.next()).toBeUndefined();
    expect(s.waitingFor(false)).toBe('an admin decrypt command');
    expect(s.decrypt(true)?.type).toBe('partial-decryption');
  });
});

describe('the national node (combiner)', () => {
  it('combines t valid partials into the result, then wants nothing more of the trustees', () => {
    const s = stateOf('national');
    for (const a of everyTally().filter((a) => a.type === 'precinct-tally' || (a.value as AggregateTally).level !== 'national')) s.apply(a, 'gossip');
    made(s, s.next()!); // its own national tally
    expect(s.national).toBeDefined();
    expect(s.next()).toBeUndefined(); // the combiner exists now, no partials yet
    expect(s.wanted().filter((w) => w.request.by === 'sender' && w.request.type === 'partial-decryption')).toHaveLength(9);
    const t = run.ctx.manifest.threshold.threshold;
    for (let i = 0; i < t - 1; i++) s.apply(partial(i), 'gossip');
    expect(s.next()).toBeUndefined();
    expect(s.waitingFor(false)).toMatch(new RegExp(`^${t - 1} of ${t} valid partial decryptions`));
    s.apply(partial(t - 1), 'gossip');
    const own = s.next()!;
    expect(own.type).toBe('result');
    expect(Result.decode(own.bytes).scopes).toEqual(run.result.scopes);
    made(s, own);
    expect(s.phase(false)).toBe('result');
    expect(s.wanted()).toEqual([]);
  });
});

describe('catch-up decisions', () => {
  it('asks the author first, then its nearest connected ancestor, then a rotating pair of others', () => {
    const ctx = run.ctx;
    const peer = (id: string): string => ctx.index.node(id).peerId;
    const connected = ['trustee-01', 'national', 'state-01', 'trustee-02', 'trustee-03'].map(peer);
    expect(pullOrder(ctx, 'precinct-01-001-001', connected, 0, 2)).toEqual([peer('state-01'), peer('trustee-01'), peer('national')]);
    expect(pullOrder(ctx, 'precinct-01-001-001', [peer('precinct-01-001-001'), ...connected], 0, 0)).toEqual([peer('precinct-01-001-001'), peer('state-01')]);
    expect(pullOrder(ctx, 'precinct-01-001-001', connected, 1, 2)).toEqual([peer('state-01'), peer('trustee-02'), peer('trustee-03')]);
  });

  it('backs off each want from 1 s doubling to 30 s, delays what gossip brings by the grace period, and caps pulls in flight', () => {
    const schedule = new PullSchedule({ graceMs: 5000, maxPullsInFlight: 2 });
    const a = { request: { by: 'sender' as const, type: 'result' as const, sender: 'national' }, about: 'national' };
    const b = { request: { by: 'hash' as const, hash: 'ab'.repeat(32) }, about: 'county-01-001', grace: true };
    const c = { request: { by: 'sender' as const, type: 'aggregate-tally' as const, sender: 'state-01' }, about: 'state-01' };
    expect(schedule.due([a, b], 0, new Set()).map((d) => [d.want.about, d.attempt])).toEqual([['national', 0]]);
    expect(schedule.due([a, b], FIRST_DELAY_MS - 1, new Set())).toEqual([]);
    expect(schedule.due([a, b], FIRST_DELAY_MS, new Set()).map((d) => d.attempt)).toEqual([1]);
    expect(schedule.due([a, b], FIRST_DELAY_MS + 2 * FIRST_DELAY_MS - 1, new Set())).toEqual([]);
    expect(schedule.due([a, b], 5000, new Set()).map((d) => d.want.about)).toEqual(['national', 'county-01-001']);
    expect(schedule.due([c], 5000, new Set(['x', 'y']))).toEqual([]); // two in flight already
    let t = 5000;
    let last = 0;
    for (let i = 0; i < 10; i++) {
      t += 60_000;
      last = schedule.due([a], t, new Set())[0]!.attempt;
    }
    expect(last).toBeGreaterThan(5);
    expect(schedule.due([a], t + MAX_DELAY_MS - 1, new Set())).toEqual([]);
    expect(schedule.due([a], t + MAX_DELAY_MS, new Set())).toHaveLength(1);
  });

  it('the outbox keeps an artifact until gossip took it on every topic, and gives up after repeated failures', async () => {
    const outcomes: Record<string, PublishStatus[]> = { board: ['no-peers', 'no-peers', 'sent'], tallies: Array(MAX_PUBLISH_FAILURES).fill('failed') };
    const calls: string[] = [];
    const outbox = new Outbox(async (topic) => {
      calls.push(topic.kind);
      return { status: outcomes[topic.kind]!.shift() ?? 'duplicate' };
    }, () => undefined);
    outbox.send({ type: 'precinct-tally', bytes: new Uint8Array([1, 2, 3]) }, [{ kind: 'tallies', parentId: 'county-01-001' }, { kind: 'board' }]);
    for (let i = 0; i < MAX_PUBLISH_FAILURES + 2; i++) await outbox.flush();
    expect(outbox.size).toBe(0);
    expect(calls.filter((k) => k === 'board')).toHaveLength(3);
    expect(calls.filter((k) => k === 'tallies')).toHaveLength(MAX_PUBLISH_FAILURES);
  });
});

it('fixture: 1 state, 2 counties of 2 precincts, 9 trustees', () => {
  const ids = (role: string): string[] => run.ctx.manifest.roster.filter((e) => e.role === role).map((e) => e.id);
  expect(ids('county')).toEqual(['county-01-001', 'county-01-002']);
  expect(ids('precinct')).toHaveLength(4);
  expect(ids('trustee')).toHaveLength(9);
});
