import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../crypto/bytes.ts';
import { inclusionProof, merkleRoot, verifyInclusion } from '../../../crypto/merkle.ts';
import { ThresholdError, combinePartials, partialDecrypt, type TrusteeShare } from '../../../crypto/threshold.ts';
import { generateElection, type GeneratedElection } from '../../../setup/election-setup.ts';
import { AggregatorRole } from '../../../roles/aggregator.ts';
import { CombinerRole } from '../../../roles/combiner.ts';
import { PrecinctRole, decodePrecinctState, encodePrecinctState } from '../../../roles/precinct.ts';
import { TrusteeRole } from '../../../roles/trustee.ts';
import { Ballot, ballotGroups, encryptBallot, type Choices } from '../../../protocol/ballot.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { ProtocolError } from '../../../protocol/errors.ts';
import { unpackCounts } from '../../../protocol/layout.ts';
import { LOG_GENESIS_HASH, logEntryHash } from '../../../protocol/log-chain.ts';
import { PartialDecryption, validatePartialDecryption } from '../../../protocol/partial-decryption.ts';
import { handMadePartial } from '../../support/partials.ts';
import { validateReceipt } from '../../../protocol/receipt.ts';
import { resultContests, validateResult } from '../../../protocol/result.ts';
import { completedGroupsOf, type CompletedGroup } from '../../../protocol/completed-groups.ts';
import type { ScopeLayout } from '../../../protocol/scopes.ts';
import { AggregateTally, PrecinctTally, multiplyGroups, multiplyWords, validateAggregateTally, validatePrecinctTally, type AnyTally } from '../../../protocol/tally.ts';
import { expectProtocolError, otherElectionManifest } from '../../support/fixtures.ts';

// 2 states of 1 county of 2 precincts each, so that a county has a non-child precinct to refuse,
// and every contest (on every precinct's ballot) is counted at the national node: one scope, whose
// group every tally carries and the trustees decrypt in the national tally.
const P = ['precinct-01-001-001', 'precinct-01-001-002', 'precinct-02-001-001', 'precinct-02-001-002'] as const;
const COUNTY = ['county-01-001', 'county-02-001'] as const;
const STATE = 'state-01';
const STATES = ['state-01', 'state-02'] as const;
const NATIONAL = 'national';

/** Two voters per precinct, each precinct voting differently. */
function choicesFor(precinct: number, voter: number): Choices {
  return {
    president: [(precinct + voter) % 4],
    senate: voter === 0 ? [precinct % 3] : [],
    'measure-1': [(precinct * 2 + voter) % 2],
  };
}

let election: GeneratedElection;
let ctx: ElectionContext;
const tallies = new Map<string, AnyTally>();
const ballotsOf = new Map<string, Ballot[]>();
const expected = new Map<string, bigint[]>();
let national: AggregateTally;
const partials = new Map<number, PartialDecryption>();

const key = (id: string): Uint8Array => election.nodeKeys.get(id)!.secretKey;
const share = (index: number): TrusteeShare => election.shares.get(`trustee-${String(index).padStart(2, '0')}`)!;
const trusteeId = (index: number): string => `trustee-${String(index).padStart(2, '0')}`;
const tallyOf = (id: string): AnyTally | undefined => tallies.get(id);
/** The national scope's layout: the one scope of this election. */
const scope = (): ScopeLayout => ctx.scopes.byScope.get(NATIONAL)!;
/** The completed groups the trustees decrypt (here the national tally's one group). */
const groups = (): CompletedGroup[] => completedGroupsOf(ctx, tallyOf);
/** A tally's groups with the first word of the first group replaced. */
const withFirstWord = (t: { groups: PrecinctTally['groups'] }, word: (w: bigint) => bigint): PrecinctTally['groups'] =>
  t.groups.map((g, k) => (k === 0 ? { ...g, words: g.words.map((w, i) => (i === 0 ? word(w) : w)) } : g));

function addCounts(counts: Map<string, bigint[]>, choices: Choices): void {
  for (const c of scope().contests) {
    const row = counts.get(c.contestId) ?? new Array<bigint>(c.optionCount).fill(0n);
    for (const o of choices[c.contestId] ?? []) row[o] = row[o]! + 1n;
    counts.set(c.contestId, row);
  }
}

/** Validates, logs (in memory) and counts each ballot; returns the log entries. */
function cast(role: PrecinctRole, ballots: Ballot[], voterPrefix = 'voter'): ReturnType<PrecinctRole['nextLogEntry']>[] {
  return ballots.map((b, i) => {
    role.validate(b);
    const entry = role.nextLogEntry(role.commitVoter(`${voterPrefix}-${i + 1}`), Ballot.hash(b));
    role.apply(b, entry);
    return entry;
  });
}

/** Decrypts tally words with 5 trustee shares directly (the trustees' arithmetic, no roles). */
function decryptWords(words: bigint[]): bigint[] {
  const context = new TextEncoder().encode('roles-test');
  return words.map((c) => {
    const ps = [1, 2, 3, 4, 5].map((i) => partialDecrypt(ctx.threshold, share(i), c, context));
    return combinePartials(ctx.threshold, c, ps, context).plaintext;
  });
}

beforeAll(() => {
  election = generateElection({ keyBits: 1024, states: 2, countiesPerState: 1, precinctsPerCounty: 2 });
  ctx = new ElectionContext(election.manifest);
  expect(ctx.scopes.scopes.map((s) => s.scopeId)).toEqual([NATIONAL]);
  P.forEach((id, p) => {
    const role = new PrecinctRole(ctx, id, key(id));
    const ballots = [0, 1].map((v) => {
      addCounts(expected, choicesFor(p, v));
      return encryptBallot(ctx, id, choicesFor(p, v));
    });
    cast(role, ballots);
    ballotsOf.set(id, ballots);
    tallies.set(id, { kind: 'precinct', tally: role.close() });
  });
  for (const id of [...COUNTY, ...STATES, NATIONAL]) {
    const role = new AggregatorRole(ctx, id, key(id));
    for (const child of ctx.index.childrenOf(id)) role.receive(tallies.get(child.id)!);
    tallies.set(id, { kind: 'aggregate', tally: role.aggregate() });
  }
  national = tallies.get(NATIONAL)!.tally as AggregateTally;
  for (const i of [2, 3, 4, 5, 6, 7]) {
    partials.set(i, new TrusteeRole(ctx, trusteeId(i), key(trusteeId(i)), share(i)).decrypt(national, tallyOf));
  }
});

describe('precinct role', () => {
  it("a precinct's tally is the product of its ballots and the Merkle root of their hashes", () => {
    const role = new PrecinctRole(ctx, P[0], key(P[0]));
    const ballots = [0, 1, 2].map((v) => encryptBallot(ctx, P[0], choicesFor(0, v)));
    const entries = cast(role, ballots);
    const tally = role.close();
    expect(tally.groups).toEqual([{ scopeId: NATIONAL, words: multiplyWords(ctx, scope().wordCount, ballots.map((b) => ballotGroups(ctx, b)[0]!)) }]);
    // ballotGroups itself: one group (the national scope), the product of the contest ciphertexts of the word
    expect(ballotGroups(ctx, ballots[0]!)).toEqual([[ballots[0]!.contests.reduce((acc, c) => (acc * c.ciphertext) % ctx.publicKey.n2, 1n)]]);
    expect(toHex(tally.ballotsRoot)).toBe(toHex(merkleRoot(ballots.map((b) => Ballot.hash(b)))));
    expect(tally.ballotCount).toBe(3);
    // The log head is the hash chain over (seq, voter id, ballot hash, previous hash) from the genesis.
    let head: Uint8Array = LOG_GENESIS_HASH;
    ballots.forEach((b, i) => (head = logEntryHash(i + 1, role.commitVoter(`voter-${i + 1}`), Ballot.hash(b), head)));
    expect(toHex(tally.logHead)).toBe(toHex(head));
    expect(toHex(entries[2]!.entryHash)).toBe(toHex(head));
    expect(validatePrecinctTally(ctx, tally)).toBe(tally);
  });

  it('the tally decrypts to the votes cast', () => {
    const tally = tallies.get(P[1])!.tally as PrecinctTally;
    const counts = unpackCounts(scope(), decryptWords(tally.groups[0]!.words));
    const want = new Map<string, bigint[]>();
    addCounts(want, choicesFor(1, 0));
    addCounts(want, choicesFor(1, 1));
    expect(counts).toEqual(want);
  });

  it('an empty precinct signs the encryption of zero (every word 1), an empty root and the genesis head', () => {
    const tally = new PrecinctRole(ctx, P[2], key(P[2])).close();
    expect(tally.groups).toEqual([{ scopeId: NATIONAL, words: [1n] }]);
    expect(tally.ballotCount).toBe(0);
    expect(toHex(tally.ballotsRoot)).toBe(toHex(merkleRoot([])));
    expect(toHex(tally.logHead)).toBe(toHex(LOG_GENESIS_HASH));
  });

  it('signs receipts that validate and whose ballot is provably in the tally root', () => {
    const role = new PrecinctRole(ctx, P[0], key(P[0]));
    const ballots = [0, 1, 0].map((v) => encryptBallot(ctx, P[0], choicesFor(3, v)));
    const entries = cast(role, ballots);
    const tally = role.close();
    const hashes = ballots.map((b) => Ballot.hash(b));
    entries.forEach((entry, i) => {
      const receipt = role.receiptFor(entry);
      expect(validateReceipt(ctx, receipt)).toBe(receipt);
      expect(receipt.logPosition).toBe(i + 1);
      expect(toHex(receipt.chainHead)).toBe(toHex(entry.entryHash));
      expect(verifyInclusion(receipt.ballotHash, receipt.logPosition - 1, tally.ballotCount, inclusionProof(hashes, i), tally.ballotsRoot)).toBe(true);
    });
  });

  describe('apply() refuses an entry that does not follow the chain', () => {
    let role: PrecinctRole;
    let ballot: Ballot;
    let next: Ballot;
    beforeAll(() => {
      role = new PrecinctRole(ctx, P[0], key(P[0]));
      ballot = encryptBallot(ctx, P[0], choicesFor(0, 0));
      next = encryptBallot(ctx, P[0], choicesFor(0, 1));
      cast(role, [ballot]);
    });
    const refused = (entry: ReturnType<PrecinctRole['nextLogEntry']>, b: Ballot): void => {
      const before = role.snapshot;
      expectProtocolError(() => role.apply(b, entry), 'inconsistent', 'log');
      expect(role.snapshot).toEqual(before); // state untouched
    };

    it('a wrong sequence number', () => {
      const good = role.nextLogEntry(role.commitVoter('voter-2'), Ballot.hash(next));
      refused({ ...good, seq: good.seq + 1, entryHash: logEntryHash(good.seq + 1, role.commitVoter('voter-2'), good.ballotHash, good.prevHash) }, next);
    });

    it('a wrong previous hash', () => {
      const good = role.nextLogEntry(role.commitVoter('voter-2'), Ballot.hash(next));
      const prevHash = LOG_GENESIS_HASH;
      refused({ ...good, prevHash, entryHash: logEntryHash(good.seq, role.commitVoter('voter-2'), good.ballotHash, prevHash) }, next);
    });

    it('an entry hash that is not the hash of the entry', () => {
      const good = role.nextLogEntry(role.commitVoter('voter-2'), Ballot.hash(next));
      refused({ ...good, voter: role.commitVoter('voter-3') }, next);
    });

    it('an entry that holds another ballot', () => {
      const good = role.nextLogEntry(role.commitVoter('voter-2'), Ballot.hash(ballot));
      refused(good, next);
    });

    it('the previous entry replayed (a ballot counted twice)', () => {
      const again = role.nextLogEntry(role.commitVoter('voter-1'), Ballot.hash(ballot));
      const first = { ...again, seq: 1, prevHash: LOG_GENESIS_HASH, entryHash: logEntryHash(1, role.commitVoter('voter-1'), Ballot.hash(ballot), LOG_GENESIS_HASH) };
      refused(first, ballot);
      expect(role.snapshot.count).toBe(1);
    });

    it('and accepts the entry that does follow it', () => {
      const good = role.nextLogEntry(role.commitVoter('voter-2'), Ballot.hash(next));
      role.apply(next, good);
      expect(role.snapshot.count).toBe(2);
      expect(toHex(role.snapshot.chainHead)).toBe(toHex(good.entryHash));
    });
  });

  it('a closed precinct refuses ballots', () => {
    const role = new PrecinctRole(ctx, P[0], key(P[0]));
    cast(role, [encryptBallot(ctx, P[0], choicesFor(0, 0))]);
    const tally = role.close();
    expect(role.currentPhase).toBe('closed');
    const late = encryptBallot(ctx, P[0], choicesFor(0, 1));
    const err = expectProtocolError(() => role.validate(late), 'inconsistent', 'ballot');
    expect(err.message).toMatch(/closed/);
    expect(role.close()).toBe(tally); // idempotent: the same signed tally
  });

  it('a closed precinct does not count a ballot through apply() either', () => {
    const role = new PrecinctRole(ctx, P[0], key(P[0]));
    cast(role, [encryptBallot(ctx, P[0], choicesFor(0, 0))]);
    const tally = role.close();
    const late = encryptBallot(ctx, P[0], choicesFor(0, 1));
    const entry = role.nextLogEntry(role.commitVoter('late-voter'), Ballot.hash(late));
    expect(() => role.apply(late, entry)).toThrow(ProtocolError);
    expect(role.snapshot.count).toBe(tally.ballotCount);
  });

  it('refuses a ballot for another precinct and a ballot whose proof fails', () => {
    const role = new PrecinctRole(ctx, P[0], key(P[0]));
    expectProtocolError(() => role.validate(encryptBallot(ctx, P[1], choicesFor(1, 0))), 'inconsistent', 'ballot.precinctId');
    const b = encryptBallot(ctx, P[0], choicesFor(0, 0));
    const forged = { ...b, contests: b.contests.map((c, i) => (i === 0 ? { ...c, ciphertext: (c.ciphertext * ctx.publicKey.encrypt(1n)) % ctx.publicKey.n2 } : c)) };
    expectProtocolError(() => role.validate(forged), 'bad-proof', 'ballot.contests[0].proof');
  });

  it('is only for precincts', () => {
    expectProtocolError(() => new PrecinctRole(ctx, COUNTY[0], key(COUNTY[0])), 'inconsistent', 'precinctId');
    expectProtocolError(() => new PrecinctRole(ctx, 'nobody', key(P[0])), 'unknown-signer');
  });

  it('its state survives encode/decode and restore: the restored role signs the same tally', () => {
    const a = new PrecinctRole(ctx, P[3], key(P[3]));
    cast(a, ballotsOf.get(P[3])!);
    const b = new PrecinctRole(ctx, P[3], key(P[3]));
    b.restore(decodePrecinctState(encodePrecinctState(a.snapshot)));
    expect(toHex(PrecinctTally.hash(b.close()))).toBe(toHex(PrecinctTally.hash(a.close())));
    expectProtocolError(() => b.restore({ ...a.snapshot, words: [] }), 'inconsistent');
  });
});

describe('aggregator role', () => {
  const precinctTally = (id: string): PrecinctTally => tallies.get(id)!.tally as PrecinctTally;

  it('aggregates its children: words are the product, counts add up, children listed in roster order', () => {
    const role = new AggregatorRole(ctx, COUNTY[0], key(COUNTY[0]));
    expect(role.receive(tallies.get(P[1])!).status).toBe('accepted');
    expect(role.receive(tallies.get(P[0])!).status).toBe('accepted');
    const t = role.aggregate();
    expect(t.level).toBe('county');
    expect(t.groups).toEqual([{ scopeId: NATIONAL, words: multiplyWords(ctx, scope().wordCount, [precinctTally(P[0]).groups[0]!.words, precinctTally(P[1]).groups[0]!.words]) }]);
    expect(t.groups).toEqual(multiplyGroups(ctx, COUNTY[0], [precinctTally(P[0]), precinctTally(P[1])]));
    expect(t.ballotCount).toBe(4);
    expect(t.children.map((c) => [c.id, toHex(c.tallyHash)])).toEqual([P[0], P[1]].map((id) => [id, toHex(PrecinctTally.hash(precinctTally(id)))]));
    expect(validateAggregateTally(ctx, t)).toBe(t);
    expect(role.aggregate()).toBe(t);
  });

  it('the national tally decrypts to the votes cast in every precinct', () => {
    expect(national.ballotCount).toBe(8);
    expect(national.groups.map((g) => g.scopeId)).toEqual([NATIONAL]);
    expect(unpackCounts(scope(), decryptWords(national.groups[0]!.words))).toEqual(expected);
  });

  it('refuses a tally from a node that is not its child', () => {
    const role = new AggregatorRole(ctx, COUNTY[0], key(COUNTY[0]));
    expectProtocolError(() => role.receive(tallies.get(P[2])!), 'unknown-signer', 'tally'); // the other county's precinct
    expectProtocolError(() => new AggregatorRole(ctx, STATE, key(STATE)).receive(tallies.get(P[0])!), 'unknown-signer', 'tally'); // a grandchild
    expect(role.missing).toEqual([P[0], P[1]]);
  });

  it('refuses a tally with a forged signature', () => {
    const role = new AggregatorRole(ctx, COUNTY[0], key(COUNTY[0]));
    const t = precinctTally(P[0]);
    const groups = withFirstWord(t, (w) => (w * ctx.publicKey.encrypt(1n)) % ctx.publicKey.n2);
    expectProtocolError(() => role.receive({ kind: 'precinct', tally: { ...t, groups } }), 'bad-signature'); // changed, not re-signed
    expectProtocolError(() => role.receive({ kind: 'precinct', tally: PrecinctTally.sign({ ...t, groups }, key(P[1])) }), 'bad-signature'); // a sibling's key
    expectProtocolError(() => role.receive({ kind: 'precinct', tally: PrecinctTally.sign({ ...t, groups }, key(COUNTY[0])) }), 'bad-signature'); // the parent's own key
    expect(role.reported).toEqual([]);
  });

  it('refuses a tally for another election', () => {
    const other = new ElectionContext(otherElectionManifest(election.manifest));
    const role = new PrecinctRole(other, P[0], key(P[0])); // same precinct, same key, another election
    const foreign = role.close();
    const agg = new AggregatorRole(ctx, COUNTY[0], key(COUNTY[0]));
    expectProtocolError(() => agg.receive({ kind: 'precinct', tally: foreign }), 'wrong-election', 'precinct-tally.electionHash');
    expect(agg.reported).toEqual([]);
  });

  it('a second, different signed tally from the same child is equivocation: kept as evidence, first one counted', () => {
    const agg = new AggregatorRole(ctx, COUNTY[0], key(COUNTY[0]));
    const first = tallies.get(P[0])!;
    // The same precinct signs a second tally with other ballots.
    const role = new PrecinctRole(ctx, P[0], key(P[0]));
    cast(role, [encryptBallot(ctx, P[0], choicesFor(0, 0))]);
    const second: AnyTally = { kind: 'precinct', tally: role.close() };
    const h1 = toHex(PrecinctTally.hash(first.tally as PrecinctTally));
    const h2 = toHex(PrecinctTally.hash(second.tally as PrecinctTally));
    expect(h1).not.toBe(h2);

    expect(agg.receive(first).status).toBe('accepted');
    const outcome = agg.receive(second);
    expect(outcome.status).toBe('equivocation');
    if (outcome.status !== 'equivocation') throw new Error('unreachable');
    expect(outcome.evidence.childId).toBe(P[0]);
    expect(toHex(outcome.evidence.first)).toBe(h1);
    expect(toHex(outcome.evidence.second)).toBe(h2);
    expect(agg.equivocations).toHaveLength(1);
    expect(agg.acceptedHash(P[0])).toBe(h1); // never overwritten

    // The same evidence again is not recorded twice; the first tally again is a duplicate.
    expect(agg.receive(second).status).toBe('equivocation');
    expect(agg.equivocations).toHaveLength(1);
    expect(agg.receive(first).status).toBe('duplicate');
    expect(agg.acceptedHash(P[0])).toBe(h1);

    // A third version is further evidence.
    const role3 = new PrecinctRole(ctx, P[0], key(P[0]));
    expect(agg.receive({ kind: 'precinct', tally: role3.close() }).status).toBe('equivocation');
    expect(agg.equivocations).toHaveLength(2);

    // What is aggregated is the first tally.
    agg.receive(tallies.get(P[1])!);
    const t = agg.aggregate();
    expect(toHex(t.children[0]!.tallyHash)).toBe(h1);
    expect(t.groups).toEqual((tallies.get(COUNTY[0])!.tally as AggregateTally).groups);
    expect(t.ballotCount).toBe(4);
  });

  it('receiveMany gives each tally, in order, the outcome receive() gives it, and counts the accepted ones', () => {
    const t = precinctTally(P[0]);
    const n = ctx.publicKey.n;
    const forged: AnyTally = { kind: 'precinct', tally: { ...t, ballotCount: t.ballotCount + 1 } }; // not re-signed
    const outside: AnyTally = { kind: 'precinct', tally: PrecinctTally.sign({ ...t, groups: withFirstWord(t, () => n * 3n) }, key(P[0])) }; // shares n's factors
    const notChild = tallies.get(P[2])!;
    const second: AnyTally = { kind: 'precinct', tally: PrecinctTally.sign({ ...t, ballotCount: t.ballotCount + 1 }, key(P[0])) };
    const batch = [forged, outside, notChild, tallies.get(P[0])!, tallies.get(P[0])!, second, tallies.get(P[1])!];

    const many = new AggregatorRole(ctx, COUNTY[0], key(COUNTY[0]));
    const outcomes = many.receiveMany(batch);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected', 'accepted', 'duplicate', 'equivocation', 'accepted']);

    // One at a time, receive() throws the same errors and reaches the same statuses.
    const one = new AggregatorRole(ctx, COUNTY[0], key(COUNTY[0]));
    batch.forEach((tally, i) => {
      const outcome = outcomes[i]!;
      if (outcome.status === 'rejected') {
        const err = expectProtocolError(() => one.receive(tally), outcome.error.code, outcome.error.path);
        expect(err.message).toBe(outcome.error.message);
      } else {
        expect(one.receive(tally).status).toBe(outcome.status);
      }
    });
    const codes = outcomes.slice(0, 3).map((o) => (o.status === 'rejected' ? [o.error.code, o.error.path] : []));
    expect(codes).toEqual([
      ['bad-signature', 'precinct-tally.signature'],
      ['ciphertext-out-of-range', 'precinct-tally.groups[0].words[0]'],
      ['unknown-signer', 'tally'],
    ]);
    expect(many.equivocations).toHaveLength(1);
    expect(toHex(PrecinctTally.hash(precinctTally(P[0])))).toBe(many.acceptedHash(P[0]));
    expect(many.aggregate().groups).toEqual((tallies.get(COUNTY[0])!.tally as AggregateTally).groups);
    expect(toHex(AggregateTally.hash(one.aggregate()))).toBe(toHex(AggregateTally.hash(many.aggregate())));
  });

  it('aggregate() before all children have reported throws', () => {
    const agg = new AggregatorRole(ctx, COUNTY[1], key(COUNTY[1]));
    expectProtocolError(() => agg.aggregate(), 'inconsistent', 'aggregate');
    agg.receive(tallies.get(P[2])!);
    expect(agg.complete).toBe(false);
    const err = expectProtocolError(() => agg.aggregate(), 'inconsistent', 'aggregate');
    expect(err.message).toContain(P[3]);
    agg.receive(tallies.get(P[3])!);
    expect(agg.complete).toBe(true);
    expect(validateAggregateTally(ctx, agg.aggregate()).ballotCount).toBe(4);
  });

  it('is only for counties, states and the national node', () => {
    expectProtocolError(() => new AggregatorRole(ctx, P[0], key(P[0])), 'inconsistent', 'nodeId');
    expectProtocolError(() => new AggregatorRole(ctx, trusteeId(1), key(trusteeId(1))), 'inconsistent', 'nodeId');
  });
});

describe('trustee role', () => {
  const forgedNational = (): AggregateTally => {
    // One word multiplied by an encryption of 1, re-signed with the national node's real key.
    const forged = AggregateTally.sign({ ...national, groups: withFirstWord(national, (w) => (w * ctx.publicKey.encrypt(1n)) % ctx.publicKey.n2) }, key(NATIONAL));
    expect(validateAggregateTally(ctx, forged)).toBe(forged); // well-formed and correctly signed
    return forged;
  };

  it('decrypts the national tally of a consistent hierarchy, with valid proofs', () => {
    const p = partials.get(2)!;
    expect(validatePartialDecryption(ctx, p, AggregateTally.hash(national), groups())).toBe(p);
    expect(p.groups.map((g) => [g.scopeId, toHex(g.tallyHash)])).toEqual([[NATIONAL, toHex(AggregateTally.hash(national))]]);
    expect(p.trusteeIndex).toBe(2);
  });

  it('refuses a national tally that is not the product of the hierarchy (offered beside the real one)', () => {
    const trustee = new TrusteeRole(ctx, trusteeId(1), key(trusteeId(1)), share(1));
    expectProtocolError(() => trustee.decrypt(forgedNational(), tallyOf), 'inconsistent', 'hierarchy');
  });

  it('refuses a national tally that is not the product of the hierarchy (published as the national tally)', () => {
    const forged = forgedNational();
    const trustee = new TrusteeRole(ctx, trusteeId(1), key(trusteeId(1)), share(1));
    const lookup = (id: string): AnyTally | undefined => (id === NATIONAL ? { kind: 'aggregate', tally: forged } : tallies.get(id));
    const err = expectProtocolError(() => trustee.decrypt(forged, lookup), 'inconsistent', 'hierarchy');
    expect(err.message).toMatch(/not the product/);
  });

  it('refuses a tally that is not the national one', () => {
    const trustee = new TrusteeRole(ctx, trusteeId(1), key(trusteeId(1)), share(1));
    const state = tallies.get(STATE)!.tally as AggregateTally;
    expectProtocolError(() => trustee.decrypt(state, tallyOf), 'inconsistent', 'tally');
    // Relabelled as national and re-signed by the state node: still not the hierarchy's national tally.
    const relabelled = AggregateTally.sign({ ...state, level: 'national' }, key(STATE));
    expect(() => trustee.decrypt(relabelled, tallyOf)).toThrow(ProtocolError);
  });

  it('refuses to decrypt while a precinct tally of the hierarchy is missing', () => {
    const trustee = new TrusteeRole(ctx, trusteeId(1), key(trusteeId(1)), share(1));
    const lookup = (id: string): AnyTally | undefined => (id === P[3] ? undefined : tallies.get(id));
    expectProtocolError(() => trustee.decrypt(national, lookup), 'inconsistent', 'hierarchy');
  });

  it('refuses a share that is not its own or does not match its verification key', () => {
    expectProtocolError(() => new TrusteeRole(ctx, trusteeId(1), key(trusteeId(1)), share(2)), 'inconsistent', 'share');
    const wrong = new TrusteeRole(ctx, trusteeId(1), key(trusteeId(1)), { index: 1, share: share(1).share + 1n });
    expect(() => wrong.decrypt(national, tallyOf)).toThrow(ThresholdError);
  });

  it('issues one partial decryption only', () => {
    const trustee = new TrusteeRole(ctx, trusteeId(8), key(trusteeId(8)), share(8));
    const p = trustee.decrypt(national, tallyOf);
    expect(trustee.decrypt(national, tallyOf)).toBe(p);
  });
});

describe('combiner role', () => {
  /** Trustee 1's partial made with a wrong share, signed with trustee 1's real key. */
  const wrongSharePartial = (): PartialDecryption => {
    const tallyHash = AggregateTally.hash(national);
    const bad: TrusteeShare = { index: 1, share: share(1).share + 1n };
    return handMadePartial(ctx, { trusteeId: trusteeId(1), share: bad, secretKey: key(trusteeId(1)), tallyHash, groups: groups(), checkShare: false });
  };

  it('rejects a partial made with a wrong share and still combines with 5 others when 6 are offered', () => {
    const combiner = new CombinerRole(ctx, NATIONAL, key(NATIONAL), national, groups());
    const bad = wrongSharePartial();
    expect(combiner.add(bad)).toBe('rejected');
    expect(combiner.rejections).toHaveLength(1);
    expect(combiner.rejections[0]!.trusteeId).toBe(trusteeId(1));
    expect(combiner.rejections[0]!.reason).toMatch(/does not verify/);
    for (const i of [2, 3, 4, 5, 6]) expect(combiner.add(partials.get(i)!)).toBe('accepted');
    expect(combiner.validCount).toBe(5);
    expect(combiner.ready).toBe(true);
    const result = combiner.combine();
    expect(validateResult(ctx, result)).toBe(result);
    expect(result.partials.map(toHex)).toEqual([2, 3, 4, 5, 6].map((i) => toHex(PartialDecryption.hash(partials.get(i)!))));
    expect(result.ballotCount).toBe(8);
    expect(toHex(result.tallyHash)).toBe(toHex(AggregateTally.hash(national)));
    expect(result.scopes.map((s) => [s.scopeId, toHex(s.tallyHash), s.ballotCount])).toEqual([[NATIONAL, toHex(AggregateTally.hash(national)), 8]]);
    expect(unpackCounts(scope(), result.scopes[0]!.words)).toEqual(expected);
    for (const c of resultContests(ctx, result)) expect(c.counts.map(BigInt)).toEqual(expected.get(c.contestId));
    expect(combiner.describe().valid).toEqual([2, 3, 4, 5, 6]);
  });

  it('with only 4 valid partials combine() throws', () => {
    const combiner = new CombinerRole(ctx, NATIONAL, key(NATIONAL), national, groups());
    expect(combiner.add(wrongSharePartial())).toBe('rejected');
    for (const i of [2, 3, 4, 5]) expect(combiner.add(partials.get(i)!)).toBe('accepted');
    expect(combiner.validCount).toBe(4);
    expect(combiner.ready).toBe(false);
    expectProtocolError(() => combiner.combine(), 'inconsistent', 'result');
  });

  it('uses the 5 lowest trustee indexes when more are valid, and counts a repeated trustee once', () => {
    const combiner = new CombinerRole(ctx, NATIONAL, key(NATIONAL), national, groups());
    for (const i of [7, 6, 5, 4, 3, 2]) combiner.add(partials.get(i)!);
    expect(combiner.add(partials.get(7)!)).toBe('duplicate');
    expect(combiner.validCount).toBe(6);
    const result = combiner.combine();
    expect(result.partials.map(toHex)).toEqual([2, 3, 4, 5, 6].map((i) => toHex(PartialDecryption.hash(partials.get(i)!))));
    expect(unpackCounts(scope(), result.scopes[0]!.words)).toEqual(expected);
  });

  it('rejects a partial decryption of another tally', () => {
    const other = tallies.get(STATE)!.tally as AggregateTally;
    const combiner = new CombinerRole(ctx, NATIONAL, key(NATIONAL), other, groups());
    expect(combiner.add(partials.get(2)!)).toBe('rejected');
    expect(combiner.validCount).toBe(0);
  });
});
