import { beforeAll, describe, expect, it } from 'vitest';
import { equalBytes, toHex } from '../../../crypto/bytes.ts';
import type { GeneratedElection } from '../../../setup/election-setup.ts';
import type { InProcessOutcome } from '../../../sim/in-process-election.ts';
import { contentHash, type ArtifactCodec } from '../../../protocol/artifact.ts';
import { Ballot, validateBallot } from '../../../protocol/ballot.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { ProtocolError } from '../../../protocol/errors.ts';
import {
  PROTOCOL_VERSION,
  decodeManifest,
  encodeManifest,
  manifestFromJSON,
  manifestHash,
  manifestToJSON,
  validateManifest,
  type Manifest,
} from '../../../protocol/manifest.ts';
import { PartialDecryption, validatePartialDecryption } from '../../../protocol/partial-decryption.ts';
import { Receipt, validateReceipt } from '../../../protocol/receipt.ts';
import { Result, resultContests, validateResult } from '../../../protocol/result.ts';
import { completedGroupsOf, type CompletedGroup } from '../../../protocol/completed-groups.ts';
import { AggregateTally, PrecinctTally, validateAggregateTally, validatePrecinctTally, type AnyTally } from '../../../protocol/tally.ts';
import { expectProtocolError, flipBit, otherElectionManifest, smallElection, smallRun } from '../../support/fixtures.ts';

let election: GeneratedElection;
let run: InProcessOutcome;
let ctx: ElectionContext;
let other: ElectionContext;
let ballot: Ballot;
let receipt: Receipt;
let precinctTally: PrecinctTally;
let county: AggregateTally;
let national: AggregateTally;
let partial: PartialDecryption;
let result: Result;

const key = (id: string): Uint8Array => election.nodeKeys.get(id)!.secretKey;
const nationalHash = (): Uint8Array => AggregateTally.hash(national);
/** The record's tally of a node. */
const tallyOf = (id: string): AnyTally | undefined => {
  const p = run.record.precinctTallies.find((t) => t.precinctId === id);
  if (p) return { kind: 'precinct', tally: p };
  const a = run.record.aggregateTallies.find((t) => t.nodeId === id);
  return a ? { kind: 'aggregate', tally: a } : undefined;
};
/** The completed groups the partials decrypt: the small election's one scope is its county (the precincts' common ancestor). */
const groups = (): CompletedGroup[] => completedGroupsOf(ctx, tallyOf);
/** A tally's groups with the first word of the first group replaced. */
const withFirstWord = <G extends { words: bigint[] }>(list: readonly G[], word: (w: bigint) => bigint): G[] =>
  list.map((g, k) => (k === 0 ? { ...g, words: g.words.map((w, i) => (i === 0 ? word(w) : w)) } : g));

beforeAll(() => {
  election = smallElection();
  run = smallRun();
  ctx = run.ctx;
  other = new ElectionContext(otherElectionManifest(election.manifest));
  const first = [...run.cast.values()][0]![0]!;
  ballot = first.ballot;
  receipt = first.receipt;
  precinctTally = run.record.precinctTallies[0]!;
  county = run.record.aggregateTallies.find((t) => t.level === 'county')!;
  national = run.record.aggregateTallies.find((t) => t.level === 'national')!;
  partial = run.record.partials[0]!;
  result = run.result;
});

describe('round trips of every artifact', () => {
  const artifacts = (): [ArtifactCodec<any>, unknown][] => [
    [Ballot, ballot],
    [Receipt, receipt],
    [PrecinctTally, precinctTally],
    [AggregateTally, county],
    [AggregateTally, national],
    [PartialDecryption, partial],
    [Result, result],
  ];

  it('the in-process election produced every artifact and a correct result', () => {
    expect(run.record.precinctTallies).toHaveLength(2);
    expect(run.record.aggregateTallies.map((t) => t.level)).toEqual(['county', 'state', 'national']);
    expect(run.record.partials).toHaveLength(9);
    expect(result.ballotCount).toBe(4);
    expect(ctx.scopes.scopes.map((s) => s.scopeId)).toEqual([county.nodeId]);
    expect(county.groups.map((g) => g.scopeId)).toEqual([county.nodeId]);
    expect(national.groups).toEqual([]); // nothing is counted above the county
    expect(result.scopes.map((s) => s.scopeId)).toEqual([county.nodeId]);
    expect(resultContests(ctx, result).map((c) => c.contestId)).toEqual(ctx.manifest.contests.map((c) => c.id));
    for (const c of resultContests(ctx, result)) expect(c.counts.map(BigInt)).toEqual(run.expected.get(c.contestId));
  });

  it('encode -> decode -> encode is byte-identical, and decode gives an equal value', () => {
    for (const [codec, value] of artifacts()) {
      const bytes = codec.encode(value);
      const decoded = codec.decode(bytes);
      expect(decoded, codec.type).toEqual(value);
      expect(toHex(codec.encode(decoded)), codec.type).toBe(toHex(bytes));
      expect(toHex(codec.hash(decoded))).toBe(toHex(codec.hash(value)));
    }
  });

  it('JSON text round trip gives the same bytes', () => {
    for (const [codec, value] of artifacts()) {
      const text = JSON.stringify(codec.toJSON(value));
      const back = codec.fromJSON(JSON.parse(text));
      expect(back, codec.type).toEqual(value);
      expect(toHex(codec.encode(back)), codec.type).toBe(toHex(codec.encode(value)));
    }
  });

  it('every artifact has a version field, set to the protocol version and required', () => {
    for (const [codec, value] of artifacts()) {
      const json = JSON.parse(JSON.stringify(codec.toJSON(value))) as Record<string, unknown>;
      expect(json.version, codec.type).toBe(PROTOCOL_VERSION);
      expect(Object.keys(json)[0], codec.type).toBe('version'); // the first field of the encoding
      expect(codec.encode(value)[0]).toBe(PROTOCOL_VERSION);
      delete json.version;
      expectProtocolError(() => codec.fromJSON(json), 'missing-field', `${codec.type}.version`);
    }
  });

  it('content hashes are domain-separated by artifact type, and distinct artifacts have distinct hashes', () => {
    const bytes = PrecinctTally.encode(precinctTally);
    expect(toHex(PrecinctTally.hash(precinctTally))).toBe(toHex(contentHash('precinct-tally', bytes)));
    expect(toHex(contentHash('aggregate-tally', bytes))).not.toBe(toHex(contentHash('precinct-tally', bytes)));
    const hashes = new Set(artifacts().map(([codec, v]) => toHex(codec.hash(v))));
    expect(hashes.size).toBe(artifacts().length);
  });

  it('the manifest: binary and JSON round trips are byte-identical', () => {
    const m = election.manifest;
    const bytes = encodeManifest(m);
    const decoded = decodeManifest(bytes);
    expect(decoded).toEqual(m);
    expect(toHex(encodeManifest(decoded))).toBe(toHex(bytes));
    const back = manifestFromJSON(JSON.parse(JSON.stringify(manifestToJSON(m))));
    expect(back).toEqual(m);
    expect(toHex(encodeManifest(back))).toBe(toHex(bytes));
    expect(toHex(manifestHash(back))).toBe(ctx.hashHex);
    expect(m.version).toBe(PROTOCOL_VERSION);
  });

  it('the manifest: an unsupported version is refused on decode and from JSON', () => {
    const v2: Manifest = { ...election.manifest, version: 2 };
    expectProtocolError(() => validateManifest(v2), 'unsupported-version', 'manifest.version');
    const bytes = encodeManifest(election.manifest);
    const bumped = new Uint8Array(bytes);
    bumped[0] = 2;
    expectProtocolError(() => decodeManifest(bumped), 'unsupported-version', 'manifest.version');
    expectProtocolError(() => manifestFromJSON({ ...(manifestToJSON(election.manifest) as object), version: 2 }), 'unsupported-version', 'manifest.version');
  });
});

describe('every validator accepts the genuine artifact', () => {
  it('ballot, receipt, tallies, partial decryption, result', () => {
    expect(validateBallot(ctx, ballot)).toBe(ballot);
    expect(validateReceipt(ctx, receipt)).toBe(receipt);
    expect(validatePrecinctTally(ctx, precinctTally)).toBe(precinctTally);
    expect(validateAggregateTally(ctx, county)).toBe(county);
    expect(validateAggregateTally(ctx, national)).toBe(national);
    expect(validatePartialDecryption(ctx, partial, nationalHash(), groups())).toBe(partial);
    expect(validateResult(ctx, result)).toBe(result);
  });
});

describe('unsupported version', () => {
  it('ballot', () => {
    expectProtocolError(() => validateBallot(ctx, { ...ballot, version: 2 }), 'unsupported-version', 'ballot.version');
    // It decodes (the byte is a valid u8) but does not validate.
    const bytes = new Uint8Array(Ballot.encode(ballot));
    bytes[0] = 2;
    expectProtocolError(() => validateBallot(ctx, Ballot.decode(bytes)), 'unsupported-version', 'ballot.version');
  });
  it('receipt', () => {
    expectProtocolError(() => validateReceipt(ctx, Receipt.sign({ ...receipt, version: 2 }, key(receipt.precinctId))), 'unsupported-version', 'receipt.version');
  });
  it('precinct tally', () => {
    const t = PrecinctTally.sign({ ...precinctTally, version: 0 }, key(precinctTally.precinctId));
    expectProtocolError(() => validatePrecinctTally(ctx, t), 'unsupported-version', 'precinct-tally.version');
  });
  it('aggregate tally', () => {
    const t = AggregateTally.sign({ ...county, version: 2 }, key(county.nodeId));
    expectProtocolError(() => validateAggregateTally(ctx, t), 'unsupported-version', 'aggregate-tally.version');
  });
  it('partial decryption', () => {
    const p = PartialDecryption.sign({ ...partial, version: 2 }, key(partial.trusteeId));
    expectProtocolError(() => validatePartialDecryption(ctx, p, nationalHash(), groups()), 'unsupported-version', 'partial-decryption.version');
  });
  it('result', () => {
    const r = Result.sign({ ...result, version: 2 }, key(result.combinerId));
    expectProtocolError(() => validateResult(ctx, r), 'unsupported-version', 'result.version');
  });
});

describe('wrong election', () => {
  it('a ballot bound to another election hash', () => {
    expectProtocolError(() => validateBallot(other, ballot), 'wrong-election', 'ballot.electionHash');
    expectProtocolError(() => validateBallot(ctx, { ...ballot, electionHash: other.hash }), 'wrong-election', 'ballot.electionHash');
  });

  it('a precinct tally bound to another manifest hash, correctly signed by the precinct', () => {
    const t = PrecinctTally.sign({ ...precinctTally, electionHash: other.hash }, key(precinctTally.precinctId));
    // The signature is genuine: only the election binding is wrong.
    expect(() => PrecinctTally.verifySignature(t, ctx.index.node(t.precinctId).publicKey)).not.toThrow();
    expectProtocolError(() => validatePrecinctTally(ctx, t), 'wrong-election', 'precinct-tally.electionHash');
    expectProtocolError(() => validatePrecinctTally(other, precinctTally), 'wrong-election', 'precinct-tally.electionHash');
  });

  it('an aggregate tally bound to another manifest hash', () => {
    const t = AggregateTally.sign({ ...county, electionHash: other.hash }, key(county.nodeId));
    expectProtocolError(() => validateAggregateTally(ctx, t), 'wrong-election', 'aggregate-tally.electionHash');
  });

  it('a receipt bound to another manifest hash', () => {
    const r = Receipt.sign({ ...receipt, electionHash: other.hash }, key(receipt.precinctId));
    expectProtocolError(() => validateReceipt(ctx, r), 'wrong-election', 'receipt.electionHash');
  });

  it('a partial decryption bound to another manifest hash', () => {
    const p = PartialDecryption.sign({ ...partial, electionHash: other.hash }, key(partial.trusteeId));
    expectProtocolError(() => validatePartialDecryption(ctx, p, nationalHash(), groups()), 'wrong-election', 'partial-decryption.electionHash');
  });

  it('a result bound to another manifest hash', () => {
    const r = Result.sign({ ...result, electionHash: other.hash }, key(result.combinerId));
    expectProtocolError(() => validateResult(ctx, r), 'wrong-election', 'result.electionHash');
  });
});

describe('bad signature', () => {
  it('a precinct tally with a flipped signature bit', () => {
    expectProtocolError(() => validatePrecinctTally(ctx, { ...precinctTally, signature: flipBit(precinctTally.signature, 10) }), 'bad-signature', 'precinct-tally.signature');
  });

  it('a precinct tally changed after signing (ballot count)', () => {
    expectProtocolError(() => validatePrecinctTally(ctx, { ...precinctTally, ballotCount: precinctTally.ballotCount + 1 }), 'bad-signature', 'precinct-tally.signature');
  });

  it('a precinct tally signed by another node', () => {
    const other = ctx.manifest.roster.find((e) => e.role === 'precinct' && e.id !== precinctTally.precinctId)!;
    expectProtocolError(() => validatePrecinctTally(ctx, PrecinctTally.sign(precinctTally, key(other.id))), 'bad-signature', 'precinct-tally.signature');
  });

  it('an aggregate tally with changed words', () => {
    const changed = withFirstWord(county.groups, (w) => (w * w) % ctx.publicKey.n2);
    expectProtocolError(() => validateAggregateTally(ctx, { ...county, groups: changed }), 'bad-signature', 'aggregate-tally.signature');
  });

  it('a receipt for another log position', () => {
    expectProtocolError(() => validateReceipt(ctx, { ...receipt, logPosition: receipt.logPosition + 1 }), 'bad-signature', 'receipt.signature');
  });

  it('a partial decryption signed by another trustee', () => {
    const otherTrustee = ctx.index.trustees.find((t) => t.id !== partial.trusteeId)!;
    const p = PartialDecryption.sign(partial, key(otherTrustee.id));
    expectProtocolError(() => validatePartialDecryption(ctx, p, nationalHash(), groups()), 'bad-signature', 'partial-decryption.signature');
  });

  it('a result with another signature', () => {
    expectProtocolError(() => validateResult(ctx, { ...result, signature: flipBit(result.signature, 63, 7) }), 'bad-signature', 'result.signature');
  });

  it('a signature of one artifact type does not pass as another type (receipt signature on a tally body)', () => {
    // The same signer and field values, re-labelled: the domain prefix makes it fail.
    const sig = Receipt.sign(receipt, key(receipt.precinctId)).signature;
    expect(() => Receipt.verifySignature({ ...receipt, signature: sig }, ctx.index.node(receipt.precinctId).publicKey)).not.toThrow();
    expectProtocolError(() => PrecinctTally.verifySignature({ ...precinctTally, signature: sig }, ctx.index.node(receipt.precinctId).publicKey), 'bad-signature');
  });
});

describe('unknown signer', () => {
  it('a precinct tally from a node that is not in the roster', () => {
    expectProtocolError(() => validatePrecinctTally(ctx, { ...precinctTally, precinctId: 'precinct-99-999-999' }), 'unknown-signer', 'precinct-tally.precinctId');
  });

  it('a precinct tally from a node that is not a precinct', () => {
    expectProtocolError(() => validatePrecinctTally(ctx, PrecinctTally.sign({ ...precinctTally, precinctId: county.nodeId }, key(county.nodeId))), 'unknown-signer', 'precinct-tally.precinctId');
  });

  it('an aggregate tally whose level is not the signer\'s role', () => {
    expectProtocolError(() => validateAggregateTally(ctx, AggregateTally.sign({ ...county, level: 'state' }, key(county.nodeId))), 'unknown-signer', 'aggregate-tally.nodeId');
  });

  it('a ballot or receipt for a precinct that does not exist', () => {
    expectProtocolError(() => validateBallot(ctx, { ...ballot, precinctId: 'nowhere' }), 'unknown-signer', 'ballot.precinctId');
    expectProtocolError(() => validateReceipt(ctx, { ...receipt, precinctId: 'nowhere' }), 'unknown-signer', 'receipt.precinctId');
  });

  it('a partial decryption from a node that is not a trustee', () => {
    const p = PartialDecryption.sign({ ...partial, trusteeId: precinctTally.precinctId }, key(precinctTally.precinctId));
    expectProtocolError(() => validatePartialDecryption(ctx, p, nationalHash(), groups()), 'unknown-signer', 'partial-decryption.trusteeId');
  });

  it('a result from a combiner that is not in the roster', () => {
    expectProtocolError(() => validateResult(ctx, { ...result, combinerId: 'mallory' }), 'unknown-signer', 'result.combinerId');
  });
});

describe('ciphertexts and values out of range', () => {
  for (const [name, value] of [
    ['0', (): bigint => 0n],
    ['n', (): bigint => ctx.publicKey.n],
    ['n^2', (): bigint => ctx.publicKey.n2],
  ] as const) {
    it(`a precinct tally word equal to ${name}`, () => {
      const t = PrecinctTally.sign({ ...precinctTally, groups: withFirstWord(precinctTally.groups, value) }, key(precinctTally.precinctId));
      expectProtocolError(() => validatePrecinctTally(ctx, t), 'ciphertext-out-of-range', 'precinct-tally.groups[0].words[0]');
    });
  }

  it('an aggregate tally word that is a multiple of n', () => {
    const t = AggregateTally.sign({ ...county, groups: withFirstWord(county.groups, () => 3n * ctx.publicKey.n) }, key(county.nodeId));
    expectProtocolError(() => validateAggregateTally(ctx, t), 'ciphertext-out-of-range', 'aggregate-tally.groups[0].words[0]');
  });

  it('a ballot of a style that is not the manifest\'s or not the precinct\'s, or whose contests are not its style\'s', () => {
    expectProtocolError(() => validateBallot(ctx, { ...ballot, ballotStyleId: 'no-such-style' }), 'unknown-ballot-style', 'ballot.ballotStyleId');
    expectProtocolError(() => validateBallot(ctx, { ...ballot, contests: ballot.contests.slice(1) }), 'off-style', 'ballot.contests');
    expectProtocolError(() => validateBallot(ctx, { ...ballot, contests: [...ballot.contests, { ...ballot.contests[0]!, contestId: 'governor' }] }), 'off-style', `ballot.contests[${ballot.contests.length}].contestId`);
    expectProtocolError(() => validateBallot(ctx, { ...ballot, contests: [...ballot.contests].reverse() }), 'inconsistent', 'ballot.contests[0].contestId');
  });

  it('a ballot ciphertext equal to n^2 + 1', () => {
    const contests = ballot.contests.map((c, i) => (i === 1 ? { ...c, ciphertext: ctx.publicKey.n2 + 1n } : c));
    expectProtocolError(() => validateBallot(ctx, { ...ballot, contests }), 'ciphertext-out-of-range', 'ballot.contests[1].ciphertext');
  });

  it('a tally with the wrong number of words', () => {
    const group = precinctTally.groups[0]!;
    const t = PrecinctTally.sign({ ...precinctTally, groups: [{ ...group, words: [...group.words, group.words[0]!] }] }, key(precinctTally.precinctId));
    expectProtocolError(() => validatePrecinctTally(ctx, t), 'inconsistent', 'precinct-tally.groups[0].words');
  });

  it('a tally with the wrong groups: one too many, none, or another scope', () => {
    const group = precinctTally.groups[0]!;
    const sign = (groups: PrecinctTally['groups']): PrecinctTally => PrecinctTally.sign({ ...precinctTally, groups }, key(precinctTally.precinctId));
    expectProtocolError(() => validatePrecinctTally(ctx, sign([group, group])), 'inconsistent', 'precinct-tally.groups');
    expectProtocolError(() => validatePrecinctTally(ctx, sign([])), 'inconsistent', 'precinct-tally.groups');
    expectProtocolError(() => validatePrecinctTally(ctx, sign([{ ...group, scopeId: national.nodeId }])), 'inconsistent', 'precinct-tally.groups[0].scopeId');
    // The national tally carries no group here: one is refused.
    const n = AggregateTally.sign({ ...national, groups: county.groups }, key(national.nodeId));
    expectProtocolError(() => validateAggregateTally(ctx, n), 'inconsistent', 'aggregate-tally.groups');
  });

  it('an aggregate ballot count that could overflow a slot (2^32 with w = 32)', () => {
    const t = AggregateTally.sign({ ...national, ballotCount: 2 ** 32 }, key(national.nodeId));
    expectProtocolError(() => validateAggregateTally(ctx, t), 'out-of-range', 'aggregate-tally.ballotCount');
  });

  it('a receipt at log position 0', () => {
    expectProtocolError(() => validateReceipt(ctx, Receipt.sign({ ...receipt, logPosition: 0 }, key(receipt.precinctId))), 'out-of-range', 'receipt.logPosition');
  });

  it('a result word not below n', () => {
    const r = Result.sign({ ...result, scopes: withFirstWord(result.scopes, () => ctx.publicKey.n) }, key(result.combinerId));
    expectProtocolError(() => validateResult(ctx, r), 'out-of-range', 'result.scopes[0].words[0]');
  });
});

describe('semantic checks of tallies, partials and results', () => {
  it('an aggregate tally whose children are not its roster children', () => {
    const children = [...county.children].reverse();
    expectProtocolError(() => validateAggregateTally(ctx, AggregateTally.sign({ ...county, children }, key(county.nodeId))), 'inconsistent', 'aggregate-tally.children');
  });

  it('a partial decryption of another tally', () => {
    expectProtocolError(() => validatePartialDecryption(ctx, partial, AggregateTally.hash(county), groups()), 'inconsistent', 'partial-decryption.tallyHash');
  });

  it('a partial decryption of a scope\'s group in another tally than the counted one', () => {
    const other = groups().map((g) => ({ ...g, tallyHash: PrecinctTally.hash(precinctTally) }));
    expectProtocolError(() => validatePartialDecryption(ctx, partial, nationalHash(), other), 'inconsistent', 'partial-decryption.groups[0].tallyHash');
    const p = PartialDecryption.sign({ ...partial, groups: [] }, key(partial.trusteeId));
    expectProtocolError(() => validatePartialDecryption(ctx, p, nationalHash(), groups()), 'inconsistent', 'partial-decryption.groups');
  });

  it('a partial decryption whose index is not the trustee\'s', () => {
    const p = PartialDecryption.sign({ ...partial, trusteeIndex: partial.trusteeIndex + 1 }, key(partial.trusteeId));
    expectProtocolError(() => validatePartialDecryption(ctx, p, nationalHash(), groups()), 'inconsistent', 'partial-decryption.trusteeIndex');
  });

  it('a partial decryption with a changed share value (re-signed): bad proof', () => {
    const changed = partial.groups.map((g, k) => (k === 0 ? { ...g, shares: g.shares.map((s, i) => (i === 0 ? { ...s, value: (s.value * s.value) % ctx.publicKey.n2 } : s)) } : g));
    const p = PartialDecryption.sign({ ...partial, groups: changed }, key(partial.trusteeId));
    expectProtocolError(() => validatePartialDecryption(ctx, p, nationalHash(), groups()), 'bad-proof', 'partial-decryption.batches[0]');
  });

  it('a partial decryption listing a word that is not its scope tally\'s, or another batch', () => {
    const n2 = ctx.publicKey.n2;
    const changed = partial.groups.map((g, k) => (k === 0 ? { ...g, shares: g.shares.map((s, i) => (i === 0 ? { ...s, ciphertext: (s.ciphertext * 4n) % n2 } : s)) } : g));
    const p = PartialDecryption.sign({ ...partial, groups: changed }, key(partial.trusteeId));
    expectProtocolError(() => validatePartialDecryption(ctx, p, nationalHash(), groups()), 'inconsistent', 'partial-decryption.groups[0].shares[0].ciphertext');
    // Holes (scopes left unchecked): their words are not compared and a batch of holes only is not proved.
    const holes = groups().map(() => undefined);
    expect(() => validatePartialDecryption(ctx, p, nationalHash(), holes)).not.toThrow();
    const none = PartialDecryption.sign({ ...partial, batches: [] }, key(partial.trusteeId));
    expectProtocolError(() => validatePartialDecryption(ctx, none, nationalHash(), groups()), 'inconsistent', 'partial-decryption.batches');
    const renamed = PartialDecryption.sign({ ...partial, batches: partial.batches.map((b, j) => (j === 0 ? { ...b, batchId: 'county-01-001' } : b)) }, key(partial.trusteeId));
    expectProtocolError(() => validatePartialDecryption(ctx, renamed, nationalHash(), groups()), 'inconsistent', 'partial-decryption.batches[0].batchId');
  });

  it('a result whose counts are not what its words say', () => {
    const scopes = result.scopes.map((s, k) =>
      k === 0 ? { ...s, contests: s.contests.map((c, i) => (i === 0 ? { ...c, counts: c.counts.map((x, j) => (j === 0 ? x + 1 : x)) } : c)) } : s,
    );
    expectProtocolError(() => validateResult(ctx, Result.sign({ ...result, scopes }, key(result.combinerId))), 'inconsistent', 'result.scopes[0].contests');
  });

  it('the validators throw only ProtocolErrors for in-memory garbage', () => {
    for (const fn of [
      () => validateBallot(ctx, {} as Ballot),
      () => validateReceipt(ctx, null as unknown as Receipt),
      () => validatePrecinctTally(ctx, { ...precinctTally, groups: 'x' } as unknown as PrecinctTally),
      () => validatePrecinctTally(ctx, { ...precinctTally, groups: [{ scopeId: 'county-01-001', words: 'x' }] } as unknown as PrecinctTally),
      () => validateResult(ctx, { ...result, scopes: [1] } as unknown as Result),
    ]) {
      expect(fn).toThrow(ProtocolError);
    }
  });

  it('validated artifacts keep their identity: hashes differ between distinct artifacts', () => {
    expect(equalBytes(Ballot.hash(ballot), Ballot.hash([...run.cast.values()][0]![1]!.ballot))).toBe(false);
  });
});
