// protocol/hierarchy.ts with the batched membership test: validateTallies gives every tally the
// outcome validatePrecinctTally / validateAggregateTally give it on its own (same error code and
// path), whatever bad word hides among many; checkHierarchy names the culprit and its parent; and
// `signed` lists exactly the tallies whose signature verified. The key's factors are known, so
// that words sharing a factor with n can be made.
import { beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_ROOT } from '../../../crypto/merkle.ts';
import type { SafePrimePair } from '../../../crypto/paillier.ts';
import { AggregatorRole } from '../../../roles/aggregator.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { ProtocolError } from '../../../protocol/errors.ts';
import { checkHierarchy, requireConsistentNational, validateTallies } from '../../../protocol/hierarchy.ts';
import { LOG_GENESIS_HASH } from '../../../protocol/log-chain.ts';
import { PROTOCOL_VERSION } from '../../../protocol/manifest.ts';
import { AggregateTally, PrecinctTally, validateAggregateTally, validatePrecinctTally, type AnyTally } from '../../../protocol/tally.ts';
import { electionWithFactors, protocolError } from '../../support/fixtures.ts';

let ctx: ElectionContext;
let primes: SafePrimePair;
let keys: Map<string, Uint8Array>;
const tallies = new Map<string, AnyTally>();
let precinctIds: string[];

const precinct = (id: string): PrecinctTally => (tallies.get(id) as Extract<AnyTally, { kind: 'precinct' }>).tally;
const aggregate = (id: string): AggregateTally => (tallies.get(id) as Extract<AnyTally, { kind: 'aggregate' }>).tally;
/** The tally's groups with the first word of the first group replaced. */
const firstWord = <T extends { groups: PrecinctTally['groups'] }>(t: T, word: bigint): T['groups'] =>
  t.groups.map((g, k) => (k === 0 ? { ...g, words: g.words.map((w, i) => (i === 0 ? word : w)) } : g));
const withWord = (t: PrecinctTally, word: bigint): PrecinctTally => PrecinctTally.sign({ ...t, groups: firstWord(t, word) }, keys.get(t.precinctId)!);

/** The error a tally gets when validated on its own, or undefined. */
function alone(t: AnyTally): ProtocolError | undefined {
  try {
    if (t.kind === 'precinct') validatePrecinctTally(ctx, t.tally);
    else validateAggregateTally(ctx, t.tally);
    return undefined;
  } catch (err) {
    return err as ProtocolError;
  }
}

beforeAll(() => {
  const made = electionWithFactors({ keyBits: 1024, states: 1, countiesPerState: 2, precinctsPerCounty: 12 });
  primes = made.primes;
  ctx = new ElectionContext(made.election.manifest);
  keys = new Map([...made.election.nodeKeys].map(([id, k]) => [id, k.secretKey]));
  precinctIds = ctx.manifest.roster.filter((e) => e.role === 'precinct').map((e) => e.id);
  precinctIds.forEach((id, i) => {
    const tally = PrecinctTally.sign(
      { version: PROTOCOL_VERSION, electionHash: ctx.hash, precinctId: id, groups: ctx.scopes.groupsOf(id).map((g) => ({ scopeId: g.scopeId, words: Array.from({ length: g.wordCount }, () => ctx.publicKey.encrypt(BigInt(i + 1))) })), ballotCount: i + 1, ballotsRoot: EMPTY_ROOT, logHead: LOG_GENESIS_HASH },
      keys.get(id)!,
    );
    tallies.set(id, { kind: 'precinct', tally });
  });
  for (const role of ['county', 'state', 'national'] as const) {
    for (const e of ctx.manifest.roster.filter((x) => x.role === role)) {
      const agg = new AggregatorRole(ctx, e.id, keys.get(e.id)!);
      for (const c of ctx.index.childrenOf(e.id)) agg.receive(tallies.get(c.id)!);
      tallies.set(e.id, { kind: 'aggregate', tally: agg.aggregate() });
    }
  }
});

describe('validateTallies', () => {
  it('passes every tally of a valid hierarchy, with its signature verified', () => {
    const all = [...tallies.values()];
    expect(validateTallies(ctx, all)).toEqual(all.map(() => ({ signed: true })));
  });

  const badWords = (): [string, bigint][] => {
    const { n, n2 } = ctx.publicKey;
    return [
      ['0', 0n],
      ['p', primes.p],
      ['a multiple of p', (primes.p * ctx.publicKey.encrypt(7n)) % n2],
      ['a multiple of q', primes.q * 3n],
      ['n', n],
      ['n^2', n2],
      ['n^2 + 1', n2 + 1n],
    ];
  };

  it('rejects exactly the tally holding a word outside Z*_{n^2}, with the error it gets on its own', () => {
    for (const [what, word] of badWords()) {
      for (const at of [0, 9, precinctIds.length - 1]) {
        const batch: AnyTally[] = precinctIds.map((id, i) => (i === at ? { kind: 'precinct', tally: withWord(precinct(id), word) } : tallies.get(id)!));
        const outcomes = validateTallies(ctx, batch);
        const expected = alone(batch[at]!)!;
        expect(expected.code, what).toBe('ciphertext-out-of-range');
        expect(expected.path).toBe('precinct-tally.groups[0].words[0]');
        expect(outcomes[at]!.error, what).toEqual(expected);
        expect(outcomes.filter((o) => o.error)).toHaveLength(1);
      }
    }
  });

  it('names every culprit when several tallies hold bad words, aggregates included', () => {
    const { n } = ctx.publicKey;
    const county = ctx.manifest.roster.find((e) => e.role === 'county')!.id;
    const badCounty = AggregateTally.sign({ ...aggregate(county), groups: firstWord(aggregate(county), n * 2n) }, keys.get(county)!);
    const batch: AnyTally[] = [
      ...precinctIds.map((id, i): AnyTally => (i === 3 || i === 15 ? { kind: 'precinct', tally: withWord(precinct(id), i === 3 ? primes.q : 0n) } : tallies.get(id)!)),
      { kind: 'aggregate', tally: badCounty },
    ];
    const outcomes = validateTallies(ctx, batch);
    const rejected = outcomes.flatMap((o, i) => (o.error ? [i] : []));
    expect(rejected).toEqual([3, 15, batch.length - 1]);
    for (const i of rejected) expect(outcomes[i]!.error).toEqual(alone(batch[i]!));
    expect(outcomes[batch.length - 1]!.error!.path).toBe('aggregate-tally.groups[0].words[0]');
  });

  it('reports a bad word before a bad signature, as validation on its own does', () => {
    const t = withWord(precinct(precinctIds[2]!), primes.p);
    const forged: AnyTally = { kind: 'precinct', tally: { ...t, ballotCount: t.ballotCount + 1 } }; // not re-signed
    const outcomes = validateTallies(ctx, [tallies.get(precinctIds[0]!)!, forged]);
    expect(outcomes[1]!.error!.code).toBe('ciphertext-out-of-range');
    expect(outcomes[1]!.error).toEqual(alone(forged));
    expect(outcomes[0]).toEqual({ signed: true });
  });

  it('rejects a bad signature (not signed) and keeps the other errors of validation on its own', () => {
    const t = precinct(precinctIds[1]!);
    const forged: AnyTally = { kind: 'precinct', tally: { ...t, ballotCount: t.ballotCount + 1 } };
    const foreign: AnyTally = { kind: 'precinct', tally: PrecinctTally.sign({ ...t, electionHash: new Uint8Array(32) }, keys.get(t.precinctId)!) };
    const outcomes = validateTallies(ctx, [forged, foreign, tallies.get(precinctIds[0]!)!]);
    expect(outcomes[0]!.signed).toBe(false);
    expect(outcomes[0]!.error!.code).toBe('bad-signature');
    expect(outcomes[1]!.signed).toBe(false);
    expect(outcomes[1]!.error).toEqual(alone(foreign));
    expect(outcomes[1]!.error!.code).toBe('wrong-election');
    expect(outcomes[2]).toEqual({ signed: true });
  });

  it('a tally whose only fault is a word sharing a factor with n was signed: its signature verified', () => {
    const bad: AnyTally = { kind: 'precinct', tally: withWord(precinct(precinctIds[4]!), primes.p) };
    const [outcome] = validateTallies(ctx, [bad]);
    expect(outcome!.signed).toBe(true);
    expect(outcome!.error!.code).toBe('ciphertext-out-of-range');
  });
});

describe('checkHierarchy', () => {
  it('a consistent hierarchy has no problems, every tally signed, and the national tally', () => {
    const check = checkHierarchy(ctx, (id) => tallies.get(id));
    expect(check.problems).toEqual([]);
    expect(check.signed.size).toBe(tallies.size);
    for (const t of tallies.values()) expect(check.signed.has(t.tally)).toBe(true);
    expect(check.national).toBe(aggregate(ctx.index.national.id));
    expect(check.nationalHash).toEqual(AggregateTally.hash(aggregate(ctx.index.national.id)));
  });

  it('names a precinct whose word shares a factor with n, and its county, then refuses to decrypt', () => {
    const culprit = precinctIds[7]!;
    const county = ctx.index.node(culprit).parent;
    const changed = new Map(tallies);
    const bad: AnyTally = { kind: 'precinct', tally: withWord(precinct(culprit), primes.q * 5n) };
    changed.set(culprit, bad);
    const check = checkHierarchy(ctx, (id) => changed.get(id));
    expect(check.problems.map((p) => [p.code, p.path])).toEqual([
      ['ciphertext-out-of-range', 'precinct-tally.groups[0].words[0]'],
      ['inconsistent', county],
    ]);
    expect(check.problems[1]!.message).toContain('aggregates a child whose tally is missing or invalid');
    // Its signature verified, so check 2 need not verify it again.
    expect(check.signed.has(bad.tally)).toBe(true);
    const national = aggregate(ctx.index.national.id);
    const err = protocolError(() => requireConsistentNational(ctx, national, (id) => changed.get(id)));
    expect(err.code).toBe('ciphertext-out-of-range');
    expect(err.message).toContain('2 problem(s)');
  });

  it('leaves out of `signed` a tally with a bad signature and one that is not the node\'s', () => {
    const changed = new Map(tallies);
    const a = precinctIds[0]!;
    const b = precinctIds[1]!;
    changed.set(a, { kind: 'precinct', tally: { ...precinct(a), ballotCount: 99 } });
    changed.set(b, tallies.get(a)!); // a's tally offered as b's
    const check = checkHierarchy(ctx, (id) => changed.get(id));
    expect(check.signed.has((changed.get(a) as Extract<AnyTally, { kind: 'precinct' }>).tally)).toBe(false);
    expect(check.problems.map((p) => p.code)).toEqual(['bad-signature', 'inconsistent', 'inconsistent']);
    expect(check.problems[1]!.message).toContain('tally is not this precinct\'s');
  });
});
