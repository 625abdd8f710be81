// The verifier (protocol/verify.ts) on a record written to disk: the untampered record passes all
// nine numbered checks, and every way of tampering the checks cover is caught by the check of the
// right number. Modified artifacts are re-signed with the right node's key so that check 2 still
// passes and the targeted check is the one that fails.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inclusionProof, merkleRoot } from '../../../crypto/merkle.ts';
import { Ballot, ballotWords, encryptBallot } from '../../../protocol/ballot.ts';
import type { ElectionContext } from '../../../protocol/election.ts';
import type { Manifest } from '../../../protocol/manifest.ts';
import { PartialDecryption } from '../../../protocol/partial-decryption.ts';
import { Receipt } from '../../../protocol/receipt.ts';
import { Result, contestCounts } from '../../../protocol/result.ts';
import { AggregateTally, PrecinctTally, multiplyWords, type AnyTally } from '../../../protocol/tally.ts';
import { CHECKS, RECEIPT_CHECKS, verifyRecord, type CheckStatus, type ReceiptInput, type Verification } from '../../../protocol/verify.ts';
import { readRecord } from '../../../record/record-files.ts';
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

function verifyDir(dir: string, receipt?: ReceiptInput): Verification {
  return verifyRecord(readRecord(dir), receipt);
}

function statusOf(v: Verification, number: number | string): CheckStatus {
  const c = v.checks.find((r) => r.number === number);
  if (!c) throw new Error(`no check ${number} in the verification`);
  return c.status;
}

function detailsOf(v: Verification, number: number | string): string {
  return v.checks.find((r) => r.number === number)?.details.join('\n') ?? '';
}

function failing(v: Verification): (number | string)[] {
  return v.checks.filter((c) => c.status === 'fail').map((c) => c.number);
}

/** Asserts the record did not verify, `fails` failed and `passes` passed. */
function expectChecks(v: Verification, fails: (number | string)[], passes: (number | string)[]): void {
  expect(v.ok).toBe(false);
  const summary = v.checks.map((c) => `${c.number}:${c.status}`).join(' ');
  for (const n of fails) expect(statusOf(v, n), `check ${n} should fail (${summary})`).toBe('fail');
  for (const n of passes) expect(statusOf(v, n), `check ${n} should pass (${summary})\n${detailsOf(v, n)}`).toBe('pass');
}

const others = (...except: number[]): number[] => CHECKS.map((c) => c.number).filter((n) => !except.includes(n));

/** An encryption of 1 in the first slot: multiplying a word by it adds one vote. */
function encOne(): bigint {
  return ctx.publicKey.encrypt(1n);
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
    words: multiplyWords(ctx, ballots.map((b) => ballotWords(ctx, b))),
    ballotCount: ballots.length,
    ballotsRoot: merkleRoot(ballots.map((b) => Ballot.hash(b))),
  });
}

function cloneManifest(m: Manifest): Manifest {
  return { ...m, roster: m.roster.map((e) => ({ ...e })), contests: m.contests.map((c) => ({ ...c, options: [...c.options] })), threshold: { ...m.threshold, verificationKeys: [...m.threshold.verificationKeys] } };
}

describe('the untampered record', () => {
  it('passes all nine numbered checks after writeRecord and readRecord', () => {
    const v = verifyDir(fx.copy('clean'));
    expect(v.checks.map((c) => c.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const c of v.checks) expect(c.status, `check ${c.number}: ${c.details.join('; ')}`).toBe('pass');
    expect(v.ok).toBe(true);
    expect(v.electionHash).toBe(ctx.hashHex);
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

  it('reports progress through onCheck, once per check, in order', () => {
    const seen: (number | string)[] = [];
    verifyRecord(readRecord(fx.recordDir), undefined, { onCheck: (r) => seen.push(r.number) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('check 1: manifest', () => {
  it('fails for a roster whose county has a precinct as its parent, and every other check is skipped', () => {
    const record = readRecord(fx.recordDir);
    const manifest = cloneManifest(record.manifest);
    manifest.roster.find((e) => e.id === COUNTY1)!.parent = P3;
    const v = verifyRecord({ ...record, manifest });
    expect(statusOf(v, 1)).toBe('fail');
    expect(detailsOf(v, 1)).toMatch(/parent/);
    for (const n of others(1)) expect(statusOf(v, n)).toBe('skip');
    expect(v.ok).toBe(false);
    expect(v.electionHash).toBeUndefined();
  });

  it('fails for a roster entry whose peerId is not derived from its key', () => {
    const record = readRecord(fx.recordDir);
    const manifest = cloneManifest(record.manifest);
    const a = manifest.roster.find((e) => e.id === P1)!;
    const b = manifest.roster.find((e) => e.id === P2)!;
    [a.peerId, b.peerId] = [b.peerId, a.peerId];
    const v = verifyRecord({ ...record, manifest });
    expect(statusOf(v, 1)).toBe('fail');
    expect(detailsOf(v, 1)).toMatch(/PeerId/);
    for (const n of others(1)) expect(statusOf(v, n)).toBe('skip');
  });

  // BUG: readRecord (record/record-files.ts) parses manifest.json with manifestFromJSON, which runs
  // validateManifest, so a semantically inconsistent manifest on disk throws before verifyRecord
  // runs: check 1 can never be reported as FAIL for a record folder (`tallymesh verify` exits 2
  // with "tallymesh: manifest.json: ..." instead of printing check 1 FAIL and skipping the rest).
  it('reports an inconsistent manifest.json on disk as check 1 failing (not as a read error)', () => {
    const dir = fx.copy('manifest-on-disk');
    const json = JSON.parse(fs.readFileSync(recordPaths.manifest(dir), 'utf8')) as { roster: { id: string; parent: string }[] };
    json.roster.find((e) => e.id === COUNTY1)!.parent = P3;
    fs.writeFileSync(recordPaths.manifest(dir), JSON.stringify(json, null, 2));
    let v: Verification | undefined;
    expect(() => {
      v = verifyDir(dir);
    }).not.toThrow();
    expect(statusOf(v!, 1)).toBe('fail');
    for (const n of others(1)) expect(statusOf(v!, n)).toBe('skip');
  });
});

describe('check 2: signatures', () => {
  it('fails for a precinct tally with one byte of its signature flipped', () => {
    const dir = fx.copy('sig-flip');
    const t = readPrecinctTally(dir, P1);
    const signature = new Uint8Array(t.signature);
    signature[10] = signature[10]! ^ 0x01;
    writePrecinctTally(dir, { ...t, signature });
    const v = verifyDir(dir);
    // Check 7 fails too: an invalid tally cannot be counted (its signature is verified once).
    expectChecks(v, [2, 7], [1, 3, 4, 5, 6]);
    expect(detailsOf(v, 2)).toContain(P1);
    expect(detailsOf(v, 2)).toMatch(/signature does not verify/);
    expect(detailsOf(v, 7)).toMatch(/signature does not verify/);
  });

  it('fails for a partial decryption signed with another trustee\'s key', () => {
    const dir = fx.copy('partial-wrong-key');
    const p = readPartial(dir, 'trustee-09');
    writePartial(dir, resignPartial(p, {}, fx.key('trustee-08')));
    const v = verifyDir(dir);
    expectChecks(v, [2], [1, 3, 4, 5, 6, 7]);
    expect(detailsOf(v, 2)).toContain('trustee-09');
  });

  it('fails for a result signed by a key that is not the combiner\'s', () => {
    const dir = fx.copy('result-wrong-key');
    const r = readResult(dir);
    expect(r.combinerId).toBe(NATIONAL);
    writeResult(dir, resignResult(r, {}, fx.key(STATE1)));
    const v = verifyDir(dir);
    expectChecks(v, [2], [1, 3, 4, 5, 6, 7, 8]);
    expect(detailsOf(v, 2)).toMatch(/result/);
  });

  it('fails for an aggregate tally re-signed by a node of another level', () => {
    const dir = fx.copy('aggregate-wrong-signer');
    const t = readAggregateTally(dir, COUNTY1);
    writeAggregateTally(dir, AggregateTally.sign({ ...t }, fx.key(STATE1)));
    const v = verifyDir(dir);
    expectChecks(v, [2], [1, 3, 4, 5, 6]);
    expect(detailsOf(v, 2)).toContain(COUNTY1);
  });
});

describe('check 3: ballot proofs', () => {
  it('fails for a ballot whose proof response was tampered with (and nothing else fails)', () => {
    const dir = fx.copy('proof-response');
    const ballots = readBallots(dir, P1);
    const b = ballots[1]!;
    const contest = b.contests[0]!;
    const responses = [...contest.proof.responses];
    responses[0] = responses[0]! + 1n;
    ballots[1] = { ...b, contests: [{ ...contest, proof: { ...contest.proof, responses } }, ...b.contests.slice(1)] };
    writeBallots(dir, P1, ballots);
    const v = verifyDir(dir);
    expectChecks(v, [3], [1, 2, 4]);
    expect(failing(v)).toEqual([3]);
    expect(detailsOf(v, 3)).toContain(`ballot 2 of "${P1}"`);
  });

  it('fails for a ballot of another precinct placed in this precinct\'s file', () => {
    const dir = fx.copy('foreign-ballot');
    const mine = readBallots(dir, P1);
    const theirs = readBallots(dir, P2);
    mine[0] = theirs[0]!;
    writeBallots(dir, P1, mine);
    const v = verifyDir(dir);
    expectChecks(v, [3], [1, 2]);
    expect(detailsOf(v, 3)).toContain(`not "${P1}"`);
  });

  it('fails for a ballot whose ciphertext was replaced by n (outside Z*_{n^2})', () => {
    const dir = fx.copy('ciphertext-n');
    const ballots = readBallots(dir, P2);
    const b = ballots[0]!;
    ballots[0] = { ...b, contests: b.contests.map((c, i) => (i === 1 ? { ...c, ciphertext: ctx.manifest.n } : c)) };
    writeBallots(dir, P2, ballots);
    const v = verifyDir(dir);
    expectChecks(v, [3], [1, 2, 4]);
    expect(failing(v)).toEqual([3]);
    expect(detailsOf(v, 3)).toMatch(/Z\*_\{n\^2\}/);
  });
});

describe('check 4: ballot uniqueness', () => {
  it('fails for a ballot duplicated in its precinct\'s file, with a tally re-signed to match it', () => {
    const dir = fx.copy('duplicate-ballot');
    const ballots = readBallots(dir, P1);
    ballots.push(ballots[0]!);
    writeBallots(dir, P1, ballots);
    writePrecinctTally(dir, tallyMatching(readPrecinctTally(dir, P1), ballots));
    const v = verifyDir(dir);
    expectChecks(v, [4], [1, 2, 3, 5, 6]);
    expect(detailsOf(v, 4)).toMatch(/same ballot hash/);
  });

  it('fails for a second, different ballot that reuses a ballot id', () => {
    const dir = fx.copy('duplicate-ballot-id');
    const ballots = readBallots(dir, P3);
    ballots.push(encryptBallot(ctx, P3, {}, ballots[0]!.ballotId));
    writeBallots(dir, P3, ballots);
    writePrecinctTally(dir, tallyMatching(readPrecinctTally(dir, P3), ballots));
    const v = verifyDir(dir);
    expectChecks(v, [4], [1, 2, 3, 5, 6]);
    expect(detailsOf(v, 4)).toMatch(/ballot id/);
  });
});

describe('check 5: precinct tallies', () => {
  it('fails for a tally re-signed with one word multiplied by an encryption of 1', () => {
    const dir = fx.copy('precinct-word');
    const t = readPrecinctTally(dir, P1);
    const words = [...t.words];
    words[0] = (words[0]! * encOne()) % ctx.publicKey.n2;
    writePrecinctTally(dir, resignPrecinct(t, { words }));
    const v = verifyDir(dir);
    expectChecks(v, [5], [1, 2, 3, 4, 6]);
    expect(detailsOf(v, 5)).toMatch(/product of the ballots/);
  });

  it('fails for a tally re-signed with ballotCount + 1', () => {
    const dir = fx.copy('precinct-count');
    const t = readPrecinctTally(dir, P2);
    writePrecinctTally(dir, resignPrecinct(t, { ballotCount: t.ballotCount + 1 }));
    const v = verifyDir(dir);
    expectChecks(v, [5], [1, 2, 3, 4, 6]);
    expect(detailsOf(v, 5)).toMatch(/tally counts 4 ballots, 3 are published/);
  });
});

describe('check 6: Merkle roots', () => {
  it('fails for a tally re-signed with another ballotsRoot', () => {
    const dir = fx.copy('precinct-root');
    const t = readPrecinctTally(dir, P1);
    writePrecinctTally(dir, resignPrecinct(t, { ballotsRoot: new Uint8Array(randomBytes(32)) }));
    const v = verifyDir(dir);
    expectChecks(v, [6], [1, 2, 3, 4, 5]);
  });

  it('fails when a precinct\'s ballots are reordered, while check 5 (order-independent product) passes', () => {
    const dir = fx.copy('reordered');
    const ballots = readBallots(dir, P3);
    [ballots[0], ballots[1]] = [ballots[1]!, ballots[0]!];
    writeBallots(dir, P3, ballots);
    const v = verifyDir(dir);
    expectChecks(v, [6], [1, 2, 3, 4, 5, 7, 8, 9]);
    expect(failing(v)).toEqual([6]);
    expect(detailsOf(v, 6)).toContain(P3);
  });
});

describe('check 7: aggregates', () => {
  it('fails for a county tally re-signed with a word multiplied by an encryption of 1 (parents not re-signed)', () => {
    const dir = fx.copy('county-word');
    const t = readAggregateTally(dir, COUNTY1);
    const words = [...t.words];
    words[0] = (words[0]! * encOne()) % ctx.publicKey.n2;
    writeAggregateTally(dir, resignAggregate(t, { words }));
    const v = verifyDir(dir);
    expectChecks(v, [7], [1, 2, 3, 4, 5, 6]);
    expect(detailsOf(v, 7)).toMatch(/product of the children/);
  });

  it('fails for a county tally whose ballotCount is off', () => {
    const dir = fx.copy('county-count');
    const t = readAggregateTally(dir, COUNTY1);
    writeAggregateTally(dir, resignAggregate(t, { ballotCount: t.ballotCount + 1 }));
    const v = verifyDir(dir);
    expectChecks(v, [7], [1, 2, 3, 4, 5, 6]);
    expect(detailsOf(v, 7)).toMatch(/children count 6 ballots, tally says 7/);
  });

  it('fails when one precinct\'s tally file is missing (its ballots unpublished too)', () => {
    const dir = fx.copy('missing-tally');
    fs.rmSync(recordPaths.precinctTally(dir, P2));
    fs.rmSync(recordPaths.ballots(dir, P2));
    const v = verifyDir(dir);
    expectChecks(v, [7], [1, 2, 3, 4, 5, 6]);
    expect(detailsOf(v, 7)).toContain(`"${P2}" has no tally`);
  });

  it('fails for a missing precinct tally whose ballots are published (checks 5 and 6 say so too)', () => {
    const dir = fx.copy('missing-tally-ballots');
    fs.rmSync(recordPaths.precinctTally(dir, P2));
    const v = verifyDir(dir);
    expectChecks(v, [5, 6, 7], [1, 2, 3, 4]);
  });

  it('fails for a precinct tally re-signed with a word outside Z*_{n^2} (n), naming it, while check 2 passes', () => {
    const dir = fx.copy('word-not-unit');
    fs.rmSync(recordPaths.ballots(dir, P2)); // so that checks 5 and 6 have nothing to compare
    writePrecinctTally(dir, resignPrecinct(readPrecinctTally(dir, P2), { words: [ctx.publicKey.n] }));
    const v = verifyDir(dir);
    expectChecks(v, [7], [1, 2, 3, 4, 5, 6]);
    expect(detailsOf(v, 7)).toMatch(/precinct-tally\.words\[0\]: ciphertext is not in Z\*_\{n\^2\}/);
    expect(detailsOf(v, 7)).toContain(`"${COUNTY1}" aggregates a child whose tally is missing or invalid`);
  });

  it('fails for two tallies of one node', () => {
    const dir = fx.copy('two-tallies');
    fs.copyFileSync(recordPaths.precinctTally(dir, P1), recordPaths.precinctTally(dir, `${P1}-again`));
    const v = verifyDir(dir);
    expectChecks(v, [7], [1, 2, 3, 4, 5, 6]);
    expect(detailsOf(v, 7)).toContain(`"${P1}" has more than one tally`);
  });
});

describe('check 8: partial decryptions', () => {
  it('fails for a partial whose share value was replaced (re-signed); 8 valid partials remain', () => {
    const dir = fx.copy('partial-value');
    const p = readPartial(dir, 'trustee-09');
    const shares = p.shares.map((s, w) => (w === 0 ? { ...s, value: (s.value * 4n) % ctx.publicKey.n2 } : s));
    writePartial(dir, resignPartial(p, { shares }));
    const v = verifyDir(dir);
    // trustee 9 is not among the five the result combines, so check 9 still passes.
    expectChecks(v, [8], [1, 2, 3, 4, 5, 6, 7, 9]);
    expect(failing(v)).toEqual([8]);
    expect(detailsOf(v, 8)).toMatch(/trustee 9 for word 0/);
    expect(detailsOf(v, 8)).not.toMatch(/valid partial decryptions/);
  });

  it('notes when fewer than t valid partials remain (five replaced shares)', () => {
    const dir = fx.copy('partial-too-few');
    for (const id of ['trustee-05', 'trustee-06', 'trustee-07', 'trustee-08', 'trustee-09']) {
      const p = readPartial(dir, id);
      writePartial(dir, resignPartial(p, { shares: p.shares.map((s) => ({ ...s, value: (s.value * 4n) % ctx.publicKey.n2 })) }));
    }
    const v = verifyDir(dir);
    expectChecks(v, [8, 9], [1, 2, 3, 4, 5, 6, 7]);
    expect(detailsOf(v, 8)).toContain('only 4 trustees have valid partial decryptions, 5 are needed');
  });

  it('fails for a partial of another tally hash', () => {
    const dir = fx.copy('partial-tally-hash');
    const p = readPartial(dir, 'trustee-09');
    const state = readAggregateTally(dir, STATE1);
    writePartial(dir, resignPartial(p, { tallyHash: AggregateTally.hash(state) }));
    const v = verifyDir(dir);
    expectChecks(v, [8], [1, 2, 3, 4, 5, 6, 7, 9]);
    expect(detailsOf(v, 8)).toMatch(/tally other than the national tally/);
  });
});

describe('check 9: result', () => {
  it('fails for a result re-signed with a changed count (words changed to match)', () => {
    const dir = fx.copy('result-count');
    const r = readResult(dir);
    const words = r.words.map((w, i) => (i === 0 ? w + 1n : w));
    const contests = contestCounts(ctx, words);
    expect(contests[0]!.counts[0]).toBe(r.contests[0]!.counts[0]! + 1);
    writeResult(dir, resignResult(r, { words, contests }));
    const v = verifyDir(dir);
    expectChecks(v, [9], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(detailsOf(v, 9)).toMatch(/another plaintext/);
  });

  it('fails for a result re-signed with a changed count but the original words', () => {
    const dir = fx.copy('result-count-only');
    const r = readResult(dir);
    const contests = r.contests.map((c, i) => (i === 1 ? { ...c, counts: c.counts.map((x, j) => (j === 0 ? x + 1 : x)) } : c));
    writeResult(dir, resignResult(r, { contests }));
    const v = verifyDir(dir);
    expectChecks(v, [9], [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('fails for a result listing a partial hash that is not in the record', () => {
    const dir = fx.copy('result-partial-hash');
    const r = readResult(dir);
    const partials = r.partials.map((h, i) => (i === 0 ? new Uint8Array(randomBytes(32)) : h));
    writeResult(dir, resignResult(r, { partials }));
    const v = verifyDir(dir);
    expectChecks(v, [9], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(detailsOf(v, 9)).toMatch(/not a valid partial in the record/);
  });

  it('fails for a result with a changed ballotCount', () => {
    const dir = fx.copy('result-ballot-count');
    const r = readResult(dir);
    writeResult(dir, resignResult(r, { ballotCount: r.ballotCount + 1 }));
    const v = verifyDir(dir);
    expectChecks(v, [9], [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('fails when there is no result.bin', () => {
    const dir = fx.copy('no-result');
    fs.rmSync(recordPaths.result(dir));
    const v = verifyDir(dir);
    expectChecks(v, [9], [1, 3, 4, 5, 6, 7, 8]);
    expect(detailsOf(v, 9)).toMatch(/no result/);
  });

  it('passes for a result that combines another set of five valid partials (trustees 2..6)', () => {
    const dir = fx.copy('result-other-five');
    const r = readResult(dir);
    const partials = ['trustee-02', 'trustee-03', 'trustee-04', 'trustee-05', 'trustee-06'].map((id) => PartialDecryption.hash(readPartial(dir, id)));
    writeResult(dir, resignResult(r, { partials }));
    const v = verifyDir(dir);
    expect(v.checks.filter((c) => c.status !== 'pass').map((c) => `${c.number}: ${c.details.join('; ')}`)).toEqual([]);
    expect(v.ok).toBe(true);
  });

  // BUG: check 8 keeps one valid partial per trustee index (the last one in the record), and check 9
  // looks the result's partial hashes up among those only. Partial proofs are randomised, so a
  // trustee that published twice (the combiner explicitly allows this: 'duplicate') leaves two
  // valid partials; when the result lists the first one, check 9 rejects a correct result with
  // "partial … is not a valid partial in the record" although that partial is in the record and valid.
  it('accepts a correct result when a trustee published a second, equally valid partial', () => {
    const record = readRecord(fx.recordDir);
    const national = record.aggregateTallies.find((t) => t.nodeId === NATIONAL)!;
    const tallyOf = new Map<string, AnyTally>([
      ...record.precinctTallies.map((t) => [t.precinctId, { kind: 'precinct', tally: t }] as const),
      ...record.aggregateTallies.map((t) => [t.nodeId, { kind: 'aggregate', tally: t }] as const),
    ]);
    const again = new TrusteeRole(ctx, 'trustee-01', fx.key('trustee-01'), fx.election.shares.get('trustee-01')!).decrypt(national, (id) => tallyOf.get(id));
    const first = record.partials.find((p) => p.trusteeId === 'trustee-01')!;
    expect(PartialDecryption.hash(again)).not.toEqual(PartialDecryption.hash(first));
    const v = verifyRecord({ ...record, partials: [...record.partials, again] });
    expect(v.checks.filter((c) => c.status !== 'pass').map((c) => `${c.number}: ${c.details.join('; ')}`)).toEqual([]);
  });
});

describe('receipts', () => {
  const R = RECEIPT_CHECKS.map((c) => c.number);

  function castIn(precinctId: string, i = 0) {
    const entry = fx.outcome.cast.get(precinctId)?.[i];
    if (!entry) throw new Error(`no ballot ${i} cast in ${precinctId}`);
    return entry;
  }

  it('a receipt from the election passes R1-R3 along with the nine checks', () => {
    const { receipt } = castIn(P2, 1);
    const v = verifyDir(fx.recordDir, { receipt });
    expect(v.checks.map((c) => c.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, ...R]);
    for (const c of v.checks) expect(c.status, `check ${c.number}: ${c.details.join('; ')}`).toBe('pass');
    expect(v.ok).toBe(true);
  });

  it('a receipt with a tampered signature fails R1', () => {
    const { receipt } = castIn(P1);
    const signature = new Uint8Array(receipt.signature);
    signature[0] = signature[0]! ^ 0x80;
    const v = verifyDir(fx.recordDir, { receipt: { ...receipt, signature } });
    expectChecks(v, ['R1'], others());
  });

  it('a receipt for a ballot that is not in the log (re-signed by the precinct) fails R2', () => {
    const { receipt } = castIn(P1);
    const forged = Receipt.sign({ ...receipt, ballotHash: new Uint8Array(randomBytes(32)) }, fx.key(P1));
    const v = verifyDir(fx.recordDir, { receipt: forged });
    expectChecks(v, ['R2'], [...others(), 'R1']);
  });

  it('a receipt whose log position points at another ballot fails R2', () => {
    const { receipt } = castIn(P1, 0);
    const forged = Receipt.sign({ ...receipt, logPosition: 2 }, fx.key(P1));
    const v = verifyDir(fx.recordDir, { receipt: forged });
    expectChecks(v, ['R2'], [...others(), 'R1']);
  });

  describe('for a precinct that published no ballots', () => {
    let dir: string;
    beforeAll(() => {
      dir = fx.copy('unpublished');
      fs.rmSync(recordPaths.ballots(dir, P3));
    });
    const hashes = (): Uint8Array[] => fx.outcome.cast.get(P3)!.map((c) => Ballot.hash(c.ballot));

    it('the record without those ballots still passes the nine checks', () => {
      const v = verifyDir(dir);
      expect(failing(v)).toEqual([]);
      expect(v.ok).toBe(true);
    });

    it('R2 fails without an inclusion proof', () => {
      const { receipt } = castIn(P3, 2);
      const v = verifyDir(dir, { receipt });
      expectChecks(v, ['R2'], [...others(), 'R1']);
      expect(detailsOf(v, 'R2')).toMatch(/inclusion proof/);
    });

    it('R1-R3 pass with the inclusion proof over the ballot hashes in log order', () => {
      const { receipt } = castIn(P3, 2);
      const path = inclusionProof(hashes(), receipt.logPosition - 1);
      const v = verifyDir(dir, { receipt, inclusion: { size: BALLOTS, path } });
      for (const c of v.checks) expect(c.status, `check ${c.number}: ${c.details.join('; ')}`).toBe('pass');
      expect(v.ok).toBe(true);
    });

    it('R2 fails with the inclusion proof of another leaf or for a tree of another size', () => {
      const { receipt } = castIn(P3, 2);
      const wrongLeaf = verifyDir(dir, { receipt, inclusion: { size: BALLOTS, path: inclusionProof(hashes(), 0) } });
      expectChecks(wrongLeaf, ['R2'], [...others(), 'R1']);
      const wrongSize = verifyDir(dir, { receipt, inclusion: { size: BALLOTS + 1, path: inclusionProof(hashes(), 2) } });
      expectChecks(wrongSize, ['R2'], [...others(), 'R1']);
    });
  });

  it('R3 fails when the receipt\'s precinct tally is not part of a consistent hierarchy', () => {
    const dir = fx.copy('receipt-uncounted');
    const t = readAggregateTally(dir, COUNTY1);
    const words = [...t.words];
    words[0] = (words[0]! * encOne()) % ctx.publicKey.n2;
    writeAggregateTally(dir, resignAggregate(t, { words }));
    const { receipt } = castIn(P1);
    const v = verifyDir(dir, { receipt });
    expectChecks(v, [7, 'R3'], [1, 2, 3, 4, 5, 6, 'R1', 'R2']);
  });
});
