// The verifier (protocol/verify/, over a record folder through record/record-dir.ts) on a record
// written to disk: the untampered record passes all nine numbered checks over the whole election,
// and every way of tampering the checks cover is caught by the check of the right number, with
// the checks that depend on it skipped, never passed. Modified artifacts are re-signed with the
// right node's key so that check 2 still passes and the targeted check is the one that fails.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inclusionProof, merkleRoot } from '../../../crypto/merkle.ts';
import { Ballot, ballotGroups, encryptBallot } from '../../../protocol/ballot.ts';
import type { ElectionContext } from '../../../protocol/election.ts';
import { encodeManifest, type Manifest } from '../../../protocol/manifest.ts';
import { PartialDecryption } from '../../../protocol/partial-decryption.ts';
import { Receipt } from '../../../protocol/receipt.ts';
import { Result, contestCounts } from '../../../protocol/result.ts';
import { AggregateTally, PrecinctTally, multiplyWords, type AnyTally, type TallyGroup } from '../../../protocol/tally.ts';
import { completedGroupsOf } from '../../../protocol/completed-groups.ts';
import { CHECKS, RECEIPT_CHECKS, memorySource, verifyRecord, type CheckStatus, type ReceiptInput, type Verification, type VerifyOptions } from '../../../protocol/verify/index.ts';
import { readRecord } from '../../../record/record-files.ts';
import { verifyRecordDir } from '../../../record/verify-record-dir.ts';
import { AggregatorRole } from '../../../roles/aggregator.ts';
import { CombinerRole } from '../../../roles/combiner.ts';
import { TrusteeRole } from '../../../roles/trustee.ts';
import {
  createRecordFixture,
  readAggregateTally,
  readBallots,
  readPartial,
  readPrecinctTally,
  readResult,
  recordPaths,
  writeAggregateTally,
  writeBallots,
  writePartial,
  writePrecinctTally,
  writeResult,
  type RecordFixture,
} from '../../support/record-fixture.ts';

// Shape of the fixture: 2 states x 1 county x 2 precincts, 9 trustees, threshold 5, 3 ballots each.
// Every precinct votes every contest: one scope, the national node, and every tally one group.
const P1 = 'precinct-01-001-001';
const P2 = 'precinct-01-001-002';
const P3 = 'precinct-02-001-001';
const COUNTY1 = 'county-01-001';
const STATE1 = 'state-01';
const NATIONAL = 'national';
const BALLOTS = 3;

let fx: RecordFixture;
let ctx: ElectionContext;

beforeAll(() => {
  fx = createRecordFixture(BALLOTS);
  ctx = fx.outcome.ctx;
});

afterAll(() => {
  fx?.cleanup();
});

function verifyDir(dir: string, options: VerifyOptions = {}): Promise<Verification> {
  return verifyRecordDir(dir, { jobs: 1, ...options });
}

const receiptOf = (receipt: Receipt, inclusion?: ReceiptInput['inclusion']): ReceiptInput => ({ label: `receipt ${receipt.precinctId}#${receipt.logPosition}`, receipt, ...(inclusion ? { inclusion } : {}) });

function statusOf(v: Verification, number: number | string): CheckStatus {
  const c = [...v.checks, ...v.receipts].find((r) => r.number === number);
  if (!c) throw new Error(`no check ${number} in the verification`);
  return c.status;
}

function detailsOf(v: Verification, number: number | string): string {
  return [...v.checks, ...v.receipts].find((r) => r.number === number)?.details.join('\n') ?? '';
}

function failing(v: Verification): (number | string)[] {
  return [...v.checks, ...v.receipts].filter((c) => c.status === 'fail').map((c) => c.number);
}

/** Asserts the record did not verify; `fails` failed, `passes` passed, `skips` were skipped. */
function expectChecks(v: Verification, fails: (number | string)[], passes: (number | string)[], skips: (number | string)[] = []): void {
  expect(v.verdict).toBe('fail');
  expect(v.ok).toBe(false);
  const summary = [...v.checks, ...v.receipts].map((c) => `${c.number}:${c.status}`).join(' ');
  for (const n of fails) expect(statusOf(v, n), `check ${n} should fail (${summary})`).toBe('fail');
  for (const n of passes) expect(statusOf(v, n), `check ${n} should pass (${summary})\n${detailsOf(v, n)}`).toBe('pass');
  for (const n of skips) expect(statusOf(v, n), `check ${n} should be skipped (${summary})`).toBe('skip');
  // Every FAIL says why.
  for (const c of [...v.checks, ...v.receipts]) if (c.status === 'fail') expect(c.details.length, `check ${c.number}`).toBeGreaterThan(0);
}

const others = (...except: number[]): number[] => CHECKS.map((c) => c.number).filter((n) => !except.includes(n));

/** An encryption of 1 in the first slot: multiplying a word by it adds one vote. */
function encOne(): bigint {
  return ctx.publicKey.encrypt(1n);
}

/** Groups with the first word of the first group changed. */
function firstWord<G extends { words: bigint[] }>(groups: readonly G[], change: (w: bigint) => bigint): G[] {
  return groups.map((g, k) => (k === 0 ? { ...g, words: g.words.map((w, i) => (i === 0 ? change(w) : w)) } : g));
}

/** The one group of a precinct tally that is the product of `ballots`. */
function ballotsProduct(ballots: Ballot[]): TallyGroup[] {
  const scope = ctx.scopes.byScope.get(NATIONAL)!;
  return [{ scopeId: NATIONAL, words: multiplyWords(ctx, scope.wordCount, ballots.map((b) => ballotGroups(ctx, b)[0]!)) }];
}

function resignPrecinct(t: PrecinctTally, change: Partial<PrecinctTally>): PrecinctTally {
  return PrecinctTally.sign({ ...t, ...change }, fx.key(t.precinctId));
}

function resignAggregate(t: AggregateTally, change: Partial<AggregateTally>): AggregateTally {
  return AggregateTally.sign({ ...t, ...change }, fx.key(t.nodeId));
}

function resignPartial(p: PartialDecryption, change: Partial<PartialDecryption>, key = fx.key(p.trusteeId)): PartialDecryption {
  return PartialDecryption.sign({ ...p, ...change }, key);
}

function resignResult(r: Result, change: Partial<Result>, key = fx.key(r.combinerId)): Result {
  return Result.sign({ ...r, ...change }, key);
}

/** The precinct tally that exactly matches `ballots` (product, count, Merkle root), re-signed. */
function tallyMatching(t: PrecinctTally, ballots: Ballot[]): PrecinctTally {
  return resignPrecinct(t, {
    groups: ballotsProduct(ballots),
    ballotCount: ballots.length,
    ballotsRoot: merkleRoot(ballots.map((b) => Ballot.hash(b))),
  });
}

/**
 * Everything above the precincts recomputed honestly from the precinct tallies in `dir`: every
 * county, state and the national tally re-aggregated and signed by its own key, five trustees'
 * partial decryptions and the combiner's result. What a dishonest precinct gets when the levels
 * above do their job faithfully.
 */
function recountAbove(dir: string): void {
  const tallies = new Map<string, AnyTally>();
  for (const e of ctx.manifest.roster.filter((x) => x.role === 'precinct')) tallies.set(e.id, { kind: 'precinct', tally: readPrecinctTally(dir, e.id) });
  for (const level of ['county', 'state', 'national'] as const) {
    for (const e of ctx.manifest.roster.filter((x) => x.role === level)) {
      const role = new AggregatorRole(ctx, e.id, fx.key(e.id));
      for (const c of ctx.index.childrenOf(e.id)) role.receive(tallies.get(c.id)!);
      const t = role.aggregate();
      tallies.set(e.id, { kind: 'aggregate', tally: t });
      writeAggregateTally(dir, t);
    }
  }
  const national = (tallies.get(NATIONAL) as { tally: AggregateTally }).tally;
  const combiner = new CombinerRole(ctx, NATIONAL, fx.key(NATIONAL), national, completedGroupsOf(ctx, (id) => tallies.get(id)));
  for (const t of ctx.index.trustees) {
    const p = new TrusteeRole(ctx, t.id, fx.key(t.id), fx.election.shares.get(t.id)!).decrypt(national, (id) => tallies.get(id));
    writePartial(dir, p);
    combiner.add(p);
  }
  const result = combiner.combine();
  writeResult(dir, result);
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(Result.toJSON(result), null, 2));
}

function writeManifest(dir: string, m: Manifest): void {
  fs.writeFileSync(path.join(dir, 'manifest.bin'), encodeManifest(m));
  fs.rmSync(recordPaths.manifest(dir));
}

function cloneManifest(m: Manifest): Manifest {
  return { ...m, roster: m.roster.map((e) => ({ ...e })), contests: m.contests.map((c) => ({ ...c, options: [...c.options] })), threshold: { ...m.threshold, verificationKeys: [...m.threshold.verificationKeys] } };
}

describe('the untampered record', () => {
  it('passes all nine numbered checks over the whole election, and says what it covered', async () => {
    const v = await verifyDir(fx.copy('clean'));
    expect(v.checks.map((c) => c.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const c of v.checks) expect(c.status, `check ${c.number}: ${c.details.join('; ')}`).toBe('pass');
    expect(v.verdict).toBe('pass');
    expect(v.ok).toBe(true);
    expect(v.electionHash).toBe(ctx.hashHex);
    expect(v.coverage).toMatchObject({ scope: NATIONAL, path: [], precincts: 4, precinctsInScope: 4, precinctsInRoster: 4, ballots: 4 * BALLOTS, tallies: 4 + 2 + 2 + 1, partials: 9 });
    expect(v.checks.find((c) => c.number === 3)!.covered).toBe(4 * BALLOTS);
  });

  it('reaches the same outcome with its county units in worker threads', async () => {
    const v = await verifyRecordDir(fx.recordDir, { jobs: 2 });
    expect(v.verdict).toBe('pass');
    expect(v.coverage.ballots).toBe(4 * BALLOTS);
  });

  it('reads back exactly what was written', () => {
    const record = readRecord(fx.recordDir);
    const original = fx.outcome.record;
    expect([...record.ballots.keys()].sort()).toEqual([...original.ballots.keys()].sort());
    for (const [id, ballots] of original.ballots) {
      expect(record.ballots.get(id)!.map((b) => Buffer.from(Ballot.hash(b)).toString('hex'))).toEqual(ballots.map((b) => Buffer.from(Ballot.hash(b)).toString('hex')));
    }
    expect(record.precinctTallies).toHaveLength(4);
    expect(record.aggregateTallies).toHaveLength(5);
    expect(record.partials).toHaveLength(9);
    expect(record.result && Result.hash(record.result)).toEqual(Result.hash(original.result!));
  });

  it('reports every check through onCheck, once each, in order', async () => {
    const seen: (number | string)[] = [];
    await verifyDir(fx.recordDir, { onCheck: (r) => seen.push(r.number) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('verifies the same record held in memory (a node\'s own check)', async () => {
    const v = await verifyRecord(memorySource(readRecord(fx.recordDir)));
    expect(v.verdict).toBe('pass');
  });
});

describe('a precinct cannot change the count: a tally is checkable only against its ballots', () => {
  it('a precinct that adds a vote to its tally and withholds its ballots fails, though everything above it was recomputed honestly', async () => {
    const dir = fx.copy('withheld');
    const t = readPrecinctTally(dir, P3);
    writePrecinctTally(dir, resignPrecinct(t, { groups: firstWord(t.groups, (w) => (w * ctx.publicKey.encrypt(1000n)) % ctx.publicKey.n2) }));
    recountAbove(dir);
    fs.rmSync(recordPaths.ballots(dir, P3));
    const v = await verifyDir(dir);
    expectChecks(v, [3], [1, 2, 7, 8, 9], [5, 6]);
    expect(detailsOf(v, 3)).toContain(`the ballots of "${P3}" are not in the record`);
  });

  it('the same forged tally with its ballots in the record fails check 5', async () => {
    const dir = fx.copy('forged-with-ballots');
    const t = readPrecinctTally(dir, P3);
    writePrecinctTally(dir, resignPrecinct(t, { groups: firstWord(t.groups, (w) => (w * encOne()) % ctx.publicKey.n2) }));
    recountAbove(dir);
    const v = await verifyDir(dir);
    expectChecks(v, [5], [1, 2, 3, 4, 6, 7, 8, 9]);
  });

  it('votes moved between options with the same count and Merkle root fail check 5', async () => {
    const dir = fx.copy('moved');
    const t = readPrecinctTally(dir, P1);
    const ballots = readBallots(dir, P1);
    // One vote moved from option 0 to option 1 of the first contest: the same count, root and ballots.
    const moved = firstWord(ballotsProduct(ballots), (w) => (w * ctx.publicKey.encrypt((1n << 32n) - 1n)) % ctx.publicKey.n2); // -1 in slot 0, +1 in slot 1
    writePrecinctTally(dir, resignPrecinct(t, { groups: moved }));
    recountAbove(dir);
    const v = await verifyDir(dir);
    expectChecks(v, [5], [1, 2, 3, 4, 6, 7, 8, 9]);
  });

  it('with the whole ballots folder deleted, check 3 fails for every precinct and nothing passes over them', async () => {
    const dir = fx.copy('no-ballots');
    fs.rmSync(path.join(dir, 'ballots'), { recursive: true });
    const v = await verifyDir(dir);
    expectChecks(v, [3], [1, 2, 7, 8, 9], [4, 5, 6]);
    expect(v.checks.find((c) => c.number === 3)!.details.filter((d) => /not in the record/.test(d))).toHaveLength(4);
    expect(v.coverage.ballots).toBe(0);
  });

  it('--tallies-only checks what is there and reports a partial verification, never a pass', async () => {
    const dir = fx.copy('tallies-only');
    fs.rmSync(recordPaths.ballots(dir, P3));
    const v = await verifyDir(dir, { talliesOnly: true });
    expect(failing(v)).toEqual([]);
    expect(v.verdict).toBe('partial');
    expect(v.ok).toBe(false);
    expect(v.partialBecause.join()).toMatch(/ballots of some precincts are not in the record/);
    for (const n of [3, 5, 6]) expect(statusOf(v, n)).toBe('skip');
    expect(v.coverage).toMatchObject({ precincts: 3, ballots: 3 * BALLOTS });
    // With every ballot present, --tallies-only changes nothing.
    expect((await verifyDir(fx.recordDir, { talliesOnly: true })).verdict).toBe('pass');
  });
});

describe('check 1: manifest', () => {
  it('fails for a roster whose county has a precinct as its parent, and every other check is skipped', async () => {
    const dir = fx.copy('manifest-parent');
    const manifest = cloneManifest(ctx.manifest);
    manifest.roster.find((e) => e.id === COUNTY1)!.parent = P3;
    writeManifest(dir, manifest);
    const v = await verifyDir(dir);
    expect(statusOf(v, 1)).toBe('fail');
    expect(detailsOf(v, 1)).toMatch(/manifest\.bin: .*parent/);
    for (const n of others(1)) expect(statusOf(v, n)).toBe('skip');
    expect(v.verdict).toBe('fail');
    expect(v.electionHash).toBeUndefined();
  });

  it('fails for a roster entry whose peerId is not derived from its key', async () => {
    const dir = fx.copy('manifest-peer');
    const manifest = cloneManifest(ctx.manifest);
    const a = manifest.roster.find((e) => e.id === P1)!;
    const b = manifest.roster.find((e) => e.id === P2)!;
    [a.peerId, b.peerId] = [b.peerId, a.peerId];
    writeManifest(dir, manifest);
    const v = await verifyDir(dir);
    expect(statusOf(v, 1)).toBe('fail');
    expect(detailsOf(v, 1)).toMatch(/PeerId/);
    for (const n of others(1)) expect(statusOf(v, n)).toBe('skip');
  });

  it('fails when manifest.json says something else than manifest.bin', async () => {
    const dir = fx.copy('manifest-view');
    const json = JSON.parse(fs.readFileSync(recordPaths.manifest(dir), 'utf8')) as { title: string };
    json.title = 'Another election';
    fs.writeFileSync(recordPaths.manifest(dir), JSON.stringify(json));
    const v = await verifyDir(dir);
    expectChecks(v, [1], others(1));
    expect(detailsOf(v, 1)).toMatch(/manifest\.json: says something else than manifest\.bin/);
  });

  it('fails for a folder that holds no record, naming what is missing', async () => {
    const v = await verifyDir(fx.tempDir('empty'));
    expect(statusOf(v, 1)).toBe('fail');
    expect(detailsOf(v, 1)).toMatch(/manifest\.bin: is missing/);
    expect(v.verdict).toBe('fail');
  });
});

describe('check 2: signatures', () => {
  it('fails for a precinct tally with one byte of its signature flipped; what depends on it is skipped', async () => {
    const dir = fx.copy('sig-flip');
    const t = readPrecinctTally(dir, P1);
    const signature = new Uint8Array(t.signature);
    signature[10] = signature[10]! ^ 0x01;
    writePrecinctTally(dir, { ...t, signature });
    const v = await verifyDir(dir);
    expectChecks(v, [2], [1, 3, 4, 8, 9], [5, 6, 7]);
    expect(detailsOf(v, 2)).toContain(`tallies/${P1}.precinct-tally.bin`);
    expect(detailsOf(v, 2)).toMatch(/signature does not verify/);
    expect(detailsOf(v, 7)).toContain(`skipped: tallies/${COUNTY1}.aggregate-tally.bin: 1 of its children's tallies failed`);
  });

  it('fails for a partial decryption signed with another trustee\'s key', async () => {
    const dir = fx.copy('partial-wrong-key');
    writePartial(dir, resignPartial(readPartial(dir, 'trustee-09'), {}, fx.key('trustee-08')));
    const v = await verifyDir(dir);
    expectChecks(v, [2], [1, 3, 4, 5, 6, 7, 8, 9]);
    expect(detailsOf(v, 2)).toContain('partials/trustee-09.bin');
  });

  it('fails for a result signed by any key but the manifest\'s combiner, even one of the roster', async () => {
    const dir = fx.copy('result-wrong-key');
    const r = readResult(dir);
    expect(r.combinerId).toBe(NATIONAL);
    writeResult(dir, resignResult(r, {}, fx.key(STATE1)));
    const v = await verifyDir(dir);
    expectChecks(v, [2], [1, 3, 4, 5, 6, 7, 8], [9]);
    const stolen = fx.copy('result-precinct-key');
    writeResult(stolen, resignResult(r, { combinerId: P1 }, fx.key(P1)));
    const w = await verifyDir(stolen);
    expectChecks(w, [2], [1, 3, 4, 5, 6, 7, 8], [9]);
    expect(detailsOf(w, 2)).toMatch(/signed by "precinct-01-001-001", but the manifest names "national" as the combiner/);
  });

  it('fails for a result whose partials are not listed by ascending trustee index, even re-signed by the combiner', async () => {
    const dir = fx.copy('result-partials-order');
    const r = readResult(dir);
    writeResult(dir, resignResult(r, { partials: [...r.partials].reverse() }));
    const v = await verifyDir(dir);
    expectChecks(v, [9], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(detailsOf(v, 9)).toMatch(/by ascending trustee index/);
  });

  it('fails for an aggregate tally re-signed by a node of another level', async () => {
    const dir = fx.copy('aggregate-wrong-signer');
    writeAggregateTally(dir, AggregateTally.sign({ ...readAggregateTally(dir, COUNTY1) }, fx.key(STATE1)));
    const v = await verifyDir(dir);
    expectChecks(v, [2], [1, 3, 4, 5, 6]);
    expect(detailsOf(v, 2)).toContain(COUNTY1);
  });

  it('file names bind: a tally or partial stored under another node\'s name fails', async () => {
    const dir = fx.copy('misnamed');
    fs.copyFileSync(recordPaths.precinctTally(dir, P1), recordPaths.precinctTally(dir, P2));
    fs.copyFileSync(recordPaths.partial(dir, 'trustee-01'), recordPaths.partial(dir, 'trustee-02'));
    const v = await verifyDir(dir);
    expectChecks(v, [2], [1, 3, 4]);
    expect(detailsOf(v, 2)).toMatch(/precinct-01-001-002\.precinct-tally\.bin: .*holds the tally of "precinct-01-001-001"/);
    expect(detailsOf(v, 2)).toMatch(/trustee-02\.bin: .*holds the partial decryption of "trustee-01"/);
  });
});

describe('check 3: ballot proofs', () => {
  it('fails for a ballot whose proof response was tampered with (and nothing else fails)', async () => {
    const dir = fx.copy('proof-response');
    const ballots = readBallots(dir, P1);
    const b = ballots[1]!;
    const contest = b.contests[0]!;
    const responses = [...contest.proof.responses];
    responses[0] = responses[0]! + 1n;
    ballots[1] = { ...b, contests: [{ ...contest, proof: { ...contest.proof, responses } }, ...b.contests.slice(1)] };
    writeBallots(dir, P1, ballots);
    const v = await verifyDir(dir);
    expectChecks(v, [3], [1, 2, 7, 8, 9]);
    expect(failing(v)).toEqual([3]);
    expect(detailsOf(v, 3)).toContain(`ballots/${P1}.bin: ballot 2:`);
  });

  it('fails for a ballot of another precinct placed in this precinct\'s file', async () => {
    const dir = fx.copy('foreign-ballot');
    const mine = readBallots(dir, P1);
    mine[0] = readBallots(dir, P2)[0]!;
    writeBallots(dir, P1, mine);
    const v = await verifyDir(dir);
    expectChecks(v, [3], [1, 2]);
    expect(detailsOf(v, 3)).toContain(`not "${P1}"`);
  });

  it('fails for a ballot whose ciphertext was replaced by n (outside Z*_{n^2})', async () => {
    const dir = fx.copy('ciphertext-n');
    const ballots = readBallots(dir, P2);
    const b = ballots[0]!;
    ballots[0] = { ...b, contests: b.contests.map((c, i) => (i === 1 ? { ...c, ciphertext: ctx.manifest.n } : c)) };
    writeBallots(dir, P2, ballots);
    const v = await verifyDir(dir);
    expectChecks(v, [3], [1, 2, 7]);
    expect(failing(v)).toEqual([3]);
    expect(detailsOf(v, 3)).toMatch(/Z\*_\{n\^2\}/);
  });
});

describe('check 4: ballot uniqueness', () => {
  it('fails for a ballot duplicated in its precinct\'s file, with a tally re-signed to match it', async () => {
    const dir = fx.copy('duplicate-ballot');
    const ballots = readBallots(dir, P1);
    ballots.push(ballots[0]!);
    writeBallots(dir, P1, ballots);
    writePrecinctTally(dir, tallyMatching(readPrecinctTally(dir, P1), ballots));
    const v = await verifyDir(dir);
    expectChecks(v, [4], [1, 2, 3, 5, 6]);
    expect(detailsOf(v, 4)).toMatch(/same ballot hash/);
  });

  it('fails for a second, different ballot that reuses a ballot id', async () => {
    const dir = fx.copy('duplicate-ballot-id');
    const ballots = readBallots(dir, P3);
    ballots.push(encryptBallot(ctx, P3, {}, ballots[0]!.ballotId));
    writeBallots(dir, P3, ballots);
    writePrecinctTally(dir, tallyMatching(readPrecinctTally(dir, P3), ballots));
    const v = await verifyDir(dir);
    expectChecks(v, [4], [1, 2, 3, 5, 6]);
    expect(detailsOf(v, 4)).toMatch(/ballot id/);
  });
});

describe('check 5: precinct tallies', () => {
  it('fails for a tally re-signed with one word multiplied by an encryption of 1', async () => {
    const dir = fx.copy('precinct-word');
    const t = readPrecinctTally(dir, P1);
    writePrecinctTally(dir, resignPrecinct(t, { groups: firstWord(t.groups, (w) => (w * encOne()) % ctx.publicKey.n2) }));
    const v = await verifyDir(dir);
    expectChecks(v, [5], [1, 2, 3, 4, 6]);
    expect(detailsOf(v, 5)).toMatch(/not the product of the precinct's ballots/);
  });

  it('fails for a tally re-signed with ballotCount + 1', async () => {
    const dir = fx.copy('precinct-count');
    const t = readPrecinctTally(dir, P2);
    writePrecinctTally(dir, resignPrecinct(t, { ballotCount: t.ballotCount + 1 }));
    const v = await verifyDir(dir);
    expectChecks(v, [5], [1, 2, 3, 4, 6]);
    expect(detailsOf(v, 5)).toMatch(/counts 4 ballots, the record holds 3/);
  });
});

describe('check 6: Merkle roots', () => {
  it('fails for a tally re-signed with another ballotsRoot', async () => {
    const dir = fx.copy('precinct-root');
    writePrecinctTally(dir, resignPrecinct(readPrecinctTally(dir, P1), { ballotsRoot: new Uint8Array(randomBytes(32)) }));
    const v = await verifyDir(dir);
    expectChecks(v, [6], [1, 2, 3, 4, 5]);
  });

  it('fails when a precinct\'s ballots are reordered, while check 5 (order-independent product) passes', async () => {
    const dir = fx.copy('reordered');
    const ballots = readBallots(dir, P3);
    [ballots[0], ballots[1]] = [ballots[1]!, ballots[0]!];
    writeBallots(dir, P3, ballots);
    const v = await verifyDir(dir);
    expectChecks(v, [6], [1, 2, 3, 4, 5, 7, 8, 9]);
    expect(failing(v)).toEqual([6]);
    expect(detailsOf(v, 6)).toContain(P3);
  });
});

describe('check 7: aggregates', () => {
  it('fails for a county tally re-signed with a word multiplied by an encryption of 1 (parents not re-signed)', async () => {
    const dir = fx.copy('county-word');
    const t = readAggregateTally(dir, COUNTY1);
    writeAggregateTally(dir, resignAggregate(t, { groups: firstWord(t.groups, (w) => (w * encOne()) % ctx.publicKey.n2) }));
    const v = await verifyDir(dir);
    expectChecks(v, [7], [1, 2, 3, 4, 5, 6]);
    expect(detailsOf(v, 7)).toMatch(/product of the children/);
  });

  it('fails for a county tally whose ballotCount is off', async () => {
    const dir = fx.copy('county-count');
    const t = readAggregateTally(dir, COUNTY1);
    writeAggregateTally(dir, resignAggregate(t, { ballotCount: t.ballotCount + 1 }));
    const v = await verifyDir(dir);
    expectChecks(v, [7], [1, 2, 3, 4, 5, 6]);
    expect(detailsOf(v, 7)).toMatch(/children count 6 ballots, tally says 7/);
  });

  it('fails when one precinct\'s tally file is missing (checks 5 and 6 for it are skipped)', async () => {
    const dir = fx.copy('missing-tally');
    fs.rmSync(recordPaths.precinctTally(dir, P2));
    const v = await verifyDir(dir);
    expectChecks(v, [7], [1, 2, 3, 4], [5, 6]);
    expect(detailsOf(v, 7)).toContain(`precinct "${P2}" has no tally in the record`);
  });

  it('fails for a precinct tally re-signed with a word outside Z*_{n^2} (n), naming it, while check 2 passes', async () => {
    const dir = fx.copy('word-not-unit');
    const t = readPrecinctTally(dir, P2);
    writePrecinctTally(dir, resignPrecinct(t, { groups: firstWord(t.groups, () => ctx.publicKey.n) }));
    const v = await verifyDir(dir);
    expectChecks(v, [7], [1, 2, 3, 4], [5, 6]);
    expect(detailsOf(v, 7)).toMatch(/precinct-tally\.groups\[0\]\.words\[0\]: ciphertext is not in Z\*_\{n\^2\}/);
    expect(detailsOf(v, 7)).toMatch(/skipped: tallies\/county-01-001\.aggregate-tally\.bin: 1 of its children's tallies failed/);
  });

  it('fails for a tally file of a node outside the roster', async () => {
    const dir = fx.copy('stranger');
    fs.copyFileSync(recordPaths.precinctTally(dir, P1), recordPaths.precinctTally(dir, `${P1}-again`));
    const v = await verifyDir(dir);
    expectChecks(v, [2], [1, 3, 4, 5, 6, 7]);
    expect(detailsOf(v, 2)).toContain(`tallies/${P1}-again.precinct-tally.bin: is not the tally file of a node of the roster`);
  });
});

describe('check 8: partial decryptions', () => {
  it('fails for a partial whose share value was replaced (re-signed); 8 valid partials remain', async () => {
    const dir = fx.copy('partial-value');
    const p = readPartial(dir, 'trustee-09');
    const groups = p.groups.map((g, k) => (k === 0 ? { ...g, shares: g.shares.map((s, w) => (w === 0 ? { ...s, value: (s.value * 4n) % ctx.publicKey.n2 } : s)) } : g));
    writePartial(dir, resignPartial(p, { groups }));
    const v = await verifyDir(dir);
    // trustee 9 is not among the five the result combines, so check 9 still passes.
    expectChecks(v, [8], [1, 2, 3, 4, 5, 6, 7, 9]);
    expect(failing(v)).toEqual([8]);
    expect(detailsOf(v, 8)).toMatch(/trustee 9 for the scopes of "national" does not verify/);
    expect(detailsOf(v, 8)).not.toMatch(/valid partial decryptions, \d+ are needed/);
  });

  it('notes when fewer than t valid partials remain (five replaced shares)', async () => {
    const dir = fx.copy('partial-too-few');
    for (const id of ['trustee-05', 'trustee-06', 'trustee-07', 'trustee-08', 'trustee-09']) {
      const p = readPartial(dir, id);
      writePartial(dir, resignPartial(p, { groups: p.groups.map((g) => ({ ...g, shares: g.shares.map((s) => ({ ...s, value: (s.value * 4n) % ctx.publicKey.n2 })) })) }));
    }
    const v = await verifyDir(dir);
    expectChecks(v, [8, 9], [1, 2, 3, 4, 5, 6, 7]);
    expect(detailsOf(v, 8)).toContain('only 4 trustees have valid partial decryptions, 5 are needed');
  });

  it('fails for a partial of another tally hash', async () => {
    const dir = fx.copy('partial-tally-hash');
    writePartial(dir, resignPartial(readPartial(dir, 'trustee-09'), { tallyHash: AggregateTally.hash(readAggregateTally(dir, STATE1)) }));
    const v = await verifyDir(dir);
    expectChecks(v, [8], [1, 2, 3, 4, 5, 6, 7, 9]);
    expect(detailsOf(v, 8)).toMatch(/tally other than the national tally/);
  });

  it('is skipped, never passed, when the national tally failed', async () => {
    const dir = fx.copy('national-bad');
    const t = readAggregateTally(dir, NATIONAL);
    writeAggregateTally(dir, resignAggregate(t, { ballotCount: t.ballotCount + 1 }));
    const v = await verifyDir(dir);
    expectChecks(v, [7], [1, 2, 3, 4, 5, 6], [8, 9]);
  });
});

describe('check 9: result', () => {
  it('fails for a result re-signed with a changed count (words changed to match)', async () => {
    const dir = fx.copy('result-count');
    const r = readResult(dir);
    const s = r.scopes[0]!;
    const words = s.words.map((w, i) => (i === 0 ? w + 1n : w));
    const contests = contestCounts(ctx, s.scopeId, words);
    expect(contests[0]!.counts[0]).toBe(s.contests[0]!.counts[0]! + 1);
    writeResult(dir, resignResult(r, { scopes: [{ ...s, words, contests }, ...r.scopes.slice(1)] }));
    const v = await verifyDir(dir);
    expectChecks(v, [9], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(detailsOf(v, 9)).toMatch(/another plaintext/);
  });

  it('fails for a result re-signed with a changed count but the original words', async () => {
    const dir = fx.copy('result-count-only');
    const r = readResult(dir);
    const scopes = r.scopes.map((s, k) => (k === 0 ? { ...s, contests: s.contests.map((c, i) => (i === 1 ? { ...c, counts: c.counts.map((x, j) => (j === 0 ? x + 1 : x)) } : c)) } : s));
    writeResult(dir, resignResult(r, { scopes }));
    const v = await verifyDir(dir);
    expectChecks(v, [9], [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('fails for a result listing a partial hash that is not in the record', async () => {
    const dir = fx.copy('result-partial-hash');
    const r = readResult(dir);
    writeResult(dir, resignResult(r, { partials: r.partials.map((h, i) => (i === 0 ? new Uint8Array(randomBytes(32)) : h)) }));
    const v = await verifyDir(dir);
    expectChecks(v, [9], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(detailsOf(v, 9)).toMatch(/not a valid partial decryption of the national tally/);
  });

  it('fails for a result with a changed ballotCount', async () => {
    const dir = fx.copy('result-ballot-count');
    const r = readResult(dir);
    writeResult(dir, resignResult(r, { ballotCount: r.ballotCount + 1 }));
    const v = await verifyDir(dir);
    expectChecks(v, [9], [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('fails when there is no result.bin', async () => {
    const dir = fx.copy('no-result');
    fs.rmSync(recordPaths.result(dir));
    fs.rmSync(path.join(dir, 'result.json'));
    const v = await verifyDir(dir);
    expectChecks(v, [9], [1, 3, 4, 5, 6, 7, 8]);
    expect(detailsOf(v, 9)).toMatch(/no result/);
  });

  it('fails when result.json, the view a person opens, shows other counts than result.bin', async () => {
    const dir = fx.copy('result-view');
    const file = path.join(dir, 'result.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { scopes: { contests: { counts: number[] }[] }[] };
    json.scopes[0]!.contests[0]!.counts[0]! += 1000;
    fs.writeFileSync(file, JSON.stringify(json));
    const v = await verifyDir(dir);
    expectChecks(v, [9], others(9));
    expect(detailsOf(v, 9)).toMatch(/result\.json.*says something else than result\.bin/);
  });

  it('passes for a result that combines another set of five valid partials (trustees 2..6)', async () => {
    const dir = fx.copy('result-other-five');
    const r = readResult(dir);
    const other = resignResult(r, { partials: ['trustee-02', 'trustee-03', 'trustee-04', 'trustee-05', 'trustee-06'].map((id) => PartialDecryption.hash(readPartial(dir, id))) });
    writeResult(dir, other);
    fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(Result.toJSON(other)));
    const v = await verifyDir(dir);
    expect(v.checks.filter((c) => c.status !== 'pass').map((c) => `${c.number}: ${c.details.join('; ')}`)).toEqual([]);
    expect(v.verdict).toBe('pass');
  });
});

describe('a hostile record folder', () => {
  it('a FIFO where a tally should be is a named failure, and verification does not hang', async () => {
    const dir = fx.copy('fifo');
    fs.rmSync(recordPaths.precinctTally(dir, P1));
    execFileSync('mkfifo', [recordPaths.precinctTally(dir, P1)]);
    const v = await verifyDir(dir);
    expectChecks(v, [2], [1, 3, 4]);
    expect(detailsOf(v, 2)).toContain(`tallies/${P1}.precinct-tally.bin: is a FIFO, not a regular file`);
  });

  it('a symbolic link, a folder or a file over its size limit is a named failure', async () => {
    const dir = fx.copy('links');
    fs.rmSync(recordPaths.partial(dir, 'trustee-01'));
    fs.symlinkSync(recordPaths.partial(dir, 'trustee-02'), recordPaths.partial(dir, 'trustee-01'));
    fs.rmSync(recordPaths.precinctTally(dir, P2));
    fs.mkdirSync(recordPaths.precinctTally(dir, P2));
    fs.truncateSync(recordPaths.precinctTally(dir, P3), 17 * 1024 * 1024);
    const v = await verifyDir(dir);
    expect(statusOf(v, 2)).toBe('fail');
    expect(detailsOf(v, 2)).toContain('partials/trustee-01.bin: is a symbolic link, not a regular file');
    expect(detailsOf(v, 2)).toContain(`tallies/${P2}.precinct-tally.bin: is a folder, not a regular file`);
    expect(detailsOf(v, 2)).toMatch(new RegExp(`tallies/${P3}\\.precinct-tally\\.bin: is 17825792 bytes, more than the 16777216`));
  });

  it('a file that does not decode fails the check that reads it, naming it, and what depends on it is skipped', async () => {
    const dir = fx.copy('garbage');
    fs.writeFileSync(recordPaths.ballots(dir, P1), Buffer.from([0, 0, 0, 9, 1, 2]));
    const v = await verifyDir(dir);
    expectChecks(v, [3], [1, 2, 7, 8, 9], [4, 5, 6]);
    expect(detailsOf(v, 3)).toMatch(/ballots\/precinct-01-001-001\.bin: does not decode: .*cut short/);
  });

  it('a manifest that does not decode fails check 1, and every other check is skipped', async () => {
    const dir = fx.copy('manifest-garbage');
    fs.writeFileSync(path.join(dir, 'manifest.bin'), Buffer.from('not a manifest'));
    const v = await verifyDir(dir);
    expect(statusOf(v, 1)).toBe('fail');
    expect(detailsOf(v, 1)).toMatch(/manifest\.bin: does not decode/);
    for (const n of others(1)) expect(statusOf(v, n)).toBe('skip');
  });

  it('a file that belongs to no artifact of the layout is a named failure', async () => {
    const dir = fx.copy('strays');
    fs.writeFileSync(path.join(dir, 'result-fixed.bin'), 'x');
    fs.writeFileSync(path.join(dir, 'ballots', 'notes.txt'), 'x');
    const v = await verifyDir(dir);
    expect(detailsOf(v, 1)).toContain('result-fixed.bin: is not part of an election record');
    expect(detailsOf(v, 3)).toContain('ballots/notes.txt: is not the ballots file of a precinct of the roster');
    expect(v.verdict).toBe('fail');
  });
});

describe('one subtree', () => {
  it('--subtree COUNTY checks its precincts, ballots and the path to the result, and says the verification is partial', async () => {
    const v = await verifyDir(fx.recordDir, { subtree: COUNTY1 });
    expect(failing(v)).toEqual([]);
    expect(v.verdict).toBe('partial');
    expect(v.coverage).toMatchObject({ scope: COUNTY1, path: [STATE1, NATIONAL], precincts: 2, precinctsInScope: 2, ballots: 2 * BALLOTS });
    expect(v.partialBecause.join()).toMatch(/only the subtree of "county-01-001"/);
  });

  it('catches what is wrong inside the subtree or on its path, and does not look outside', async () => {
    const dir = fx.copy('subtree');
    // Outside: another state's precinct's ballot broken.
    const ballots = readBallots(dir, P3);
    ballots.pop();
    writeBallots(dir, P3, ballots);
    expect((await verifyDir(dir, { subtree: COUNTY1 })).verdict).toBe('partial');
    expect((await verifyDir(dir)).verdict).toBe('fail');
    // On the path: the state's count.
    const t = readAggregateTally(dir, STATE1);
    writeAggregateTally(dir, resignAggregate(t, { ballotCount: t.ballotCount + 1 }));
    const v = await verifyDir(dir, { subtree: P1 });
    expect(failing(v)).toEqual([7]);
    expect(v.coverage).toMatchObject({ precincts: 1, precinctsInScope: 1, ballots: BALLOTS });
  });

  it('refuses a subtree that is not a node of the hierarchy', async () => {
    const v = await verifyDir(fx.recordDir, { subtree: 'trustee-01' });
    expect(v.verdict).toBe('fail');
    expect(detailsOf(v, 2)).toMatch(/--subtree "trustee-01" is not a precinct, county, state or the national node/);
  });
});

describe('receipts', () => {
  const R = RECEIPT_CHECKS.map((c) => c.number);

  function castIn(precinctId: string, i = 0) {
    const entry = fx.outcome.cast.get(precinctId)?.[i];
    if (!entry) throw new Error(`no ballot ${i} cast in ${precinctId}`);
    return entry;
  }

  it('every receipt of the election passes R1-R3, all checked with one verification of the record', async () => {
    const receipts = [...fx.outcome.cast.values()].flat().map((c) => receiptOf(c.receipt));
    const v = await verifyDir(fx.recordDir, { receipts });
    expect(v.receipts.map((c) => c.number)).toEqual(R);
    for (const c of [...v.checks, ...v.receipts]) expect(c.status, `check ${c.number}: ${c.details.join('; ')}`).toBe('pass');
    expect(v.receipts.every((c) => c.covered === 4 * BALLOTS)).toBe(true);
    expect(v.verdict).toBe('pass');
  });

  it('a receipt with a tampered signature fails R1', async () => {
    const { receipt } = castIn(P1);
    const signature = new Uint8Array(receipt.signature);
    signature[0] = signature[0]! ^ 0x80;
    const v = await verifyDir(fx.recordDir, { receipts: [receiptOf({ ...receipt, signature })] });
    expectChecks(v, ['R1'], others());
  });

  it('a receipt for a ballot that is not in the log (re-signed by the precinct) fails R2', async () => {
    const { receipt } = castIn(P1);
    const forged = Receipt.sign({ ...receipt, ballotHash: new Uint8Array(randomBytes(32)) }, fx.key(P1));
    const v = await verifyDir(fx.recordDir, { receipts: [receiptOf(forged)] });
    expectChecks(v, ['R2'], [...others(), 'R1']);
  });

  it('a receipt whose log position points at another ballot fails R2', async () => {
    const { receipt } = castIn(P1, 0);
    const v = await verifyDir(fx.recordDir, { receipts: [receiptOf(Receipt.sign({ ...receipt, logPosition: 2 }, fx.key(P1)))] });
    expectChecks(v, ['R2'], [...others(), 'R1']);
  });

  describe('against a subtree that holds no ballots of the receipt\'s precinct (tallies only)', () => {
    let dir: string;
    beforeAll(() => {
      dir = fx.copy('unpublished');
      fs.rmSync(recordPaths.ballots(dir, P3));
    });
    const hashes = (): Uint8Array[] => fx.outcome.cast.get(P3)!.map((c) => Ballot.hash(c.ballot));

    it('R2 fails without an inclusion proof', async () => {
      const { receipt } = castIn(P3, 2);
      const v = await verifyDir(dir, { talliesOnly: true, receipts: [receiptOf(receipt)] });
      expect(failing(v)).toEqual(['R2']);
      expect(detailsOf(v, 'R2')).toMatch(/inclusion proof/);
    });

    it('R1-R3 pass with the inclusion proof over the ballot hashes in log order', async () => {
      const { receipt } = castIn(P3, 2);
      const v = await verifyDir(dir, { talliesOnly: true, receipts: [receiptOf(receipt, { size: BALLOTS, path: inclusionProof(hashes(), receipt.logPosition - 1) })] });
      expect(failing(v)).toEqual([]);
      for (const n of R) expect(statusOf(v, n)).toBe('pass');
      expect(v.verdict).toBe('partial');
    });

    it('R2 fails with the inclusion proof of another leaf or for a tree of another size', async () => {
      const { receipt } = castIn(P3, 2);
      const wrongLeaf = await verifyDir(dir, { talliesOnly: true, receipts: [receiptOf(receipt, { size: BALLOTS, path: inclusionProof(hashes(), 0) })] });
      expect(failing(wrongLeaf)).toEqual(['R2']);
      const wrongSize = await verifyDir(dir, { talliesOnly: true, receipts: [receiptOf(receipt, { size: BALLOTS + 1, path: inclusionProof(hashes(), 2) })] });
      expect(failing(wrongSize)).toEqual(['R2']);
    });
  });

  it('R3 fails when the receipt\'s precinct tally is not part of a consistent hierarchy', async () => {
    const dir = fx.copy('receipt-uncounted');
    const t = readAggregateTally(dir, COUNTY1);
    writeAggregateTally(dir, resignAggregate(t, { groups: firstWord(t.groups, (w) => (w * encOne()) % ctx.publicKey.n2) }));
    const v = await verifyDir(dir, { receipts: [receiptOf(castIn(P1).receipt)] });
    expectChecks(v, [7, 'R3'], [1, 2, 3, 4, 5, 6, 'R1', 'R2']);
  });

  it('a receipt outside the verified subtree fails, saying so', async () => {
    const v = await verifyDir(fx.recordDir, { subtree: COUNTY1, receipts: [receiptOf(castIn(P3).receipt)] });
    expect(detailsOf(v, 'R1')).toMatch(/outside the verified subtree/);
  });
});
