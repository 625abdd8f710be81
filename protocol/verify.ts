// The verifier: re-checks an election record step by step. Each check has the number and name
// given in docs/verification.md. A check that cannot run because an earlier one failed (nothing
// can be checked against an invalid manifest) is skipped; a precinct whose ballots failed check 3
// is left out of checks 5 and 6. Needs only crypto/ and protocol/.
import { equalBytes, toHex } from '../crypto/bytes.ts';
import { merkleRootOfLeaves, verifyInclusion } from '../crypto/merkle.ts';
import { combineVerifiedPartials } from '../crypto/threshold.ts';
import { Ballot, ballotWords, validateBallot } from './ballot.ts';
import { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { checkHierarchy } from './hierarchy.ts';
import { leafHash } from '../crypto/merkle.ts';
import { PartialDecryption, shareAsPartial, validatePartialDecryption } from './partial-decryption.ts';
import { Receipt, validateReceipt } from './receipt.ts';
import { contestCounts, Result, validateResult } from './result.ts';
import type { ElectionRecord } from './record.ts';
import { AggregateTally, PrecinctTally, multiplyWords, type AnyTally } from './tally.ts';
import { errorMessage } from '../errors/tallymesh-error.ts';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  number: number | string;
  name: string;
  title: string;
  status: CheckStatus;
  details: string[];
}

export const CHECKS = [
  { number: 1, name: 'manifest', title: 'Manifest is well formed and consistent' },
  { number: 2, name: 'signatures', title: 'Every signed artifact carries its roster signer\'s valid signature' },
  { number: 3, name: 'ballot-proofs', title: 'Every published ballot is valid: election, precinct, ciphertexts, proofs' },
  { number: 4, name: 'ballot-uniqueness', title: 'No ballot appears twice' },
  { number: 5, name: 'precinct-tallies', title: 'Each precinct tally is the product of its ballots' },
  { number: 6, name: 'merkle-roots', title: 'Each precinct tally\'s Merkle root covers exactly its ballots' },
  { number: 7, name: 'aggregates', title: 'Each aggregate is the product of its children, with counts that add up' },
  { number: 8, name: 'partial-decryptions', title: 'Partial decryptions are of the national tally, with valid proofs' },
  { number: 9, name: 'result', title: 'Combining the partials gives the published result' },
] as const;

export const RECEIPT_CHECKS = [
  { number: 'R1', name: 'receipt-signature', title: 'Receipt is signed by its precinct for this election' },
  { number: 'R2', name: 'receipt-inclusion', title: 'The ballot is in the precinct\'s Merkle root at its log position' },
  { number: 'R3', name: 'receipt-counted', title: 'That precinct tally is the one counted in the hierarchy' },
] as const;

class Check {
  details: string[] = [];
  skipped = false;
  constructor(readonly spec: { number: number | string; name: string; title: string }) {}
  fail(detail: string): void {
    this.details.push(detail);
  }
  guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(`${what}: ${errorMessage(err)}`);
    }
  }
  result(): CheckResult {
    const status: CheckStatus = this.skipped ? 'skip' : this.details.length ? 'fail' : 'pass';
    return { ...this.spec, status, details: this.details };
  }
}

export interface VerifyOptions {
  /** Called after each check, for progress output. */
  onCheck?: (result: CheckResult) => void;
}

export interface ReceiptInput {
  receipt: Receipt;
  /** Inclusion proof from the precinct (index = logPosition - 1), for unpublished ballots. */
  inclusion?: { size: number; path: Uint8Array[] };
}

export interface Verification {
  electionHash: string | undefined;
  checks: CheckResult[];
  ok: boolean;
}

/** Runs every numbered check (and the receipt checks when a receipt is given). */
export function verifyRecord(record: ElectionRecord, receipt?: ReceiptInput, options: VerifyOptions = {}): Verification {
  const results: CheckResult[] = [];
  const done = (c: Check): void => {
    const r = c.result();
    results.push(r);
    options.onCheck?.(r);
  };
  const checks = CHECKS.map((spec) => new Check(spec));
  const [c1, c2, c3, c4, c5, c6, c7, c8, c9] = checks as [Check, Check, Check, Check, Check, Check, Check, Check, Check];

  // 1. manifest
  let ctx: ElectionContext | undefined;
  c1.guard('manifest', () => {
    ctx = new ElectionContext(record.manifest);
  });
  done(c1);
  if (!ctx) {
    for (const c of checks.slice(1)) {
      c.skipped = true;
      done(c);
    }
    return { electionHash: undefined, checks: results, ok: false };
  }
  const election = ctx;

  // The hierarchy (check 7) is checked first: validating a tally verifies its signature, so
  // check 2 below verifies again only the tallies that validation did not get to.
  const tallies = new Map<string, AnyTally>();
  const duplicateTallies: string[] = [];
  const addTally = (id: string, t: AnyTally): void => {
    if (tallies.has(id)) duplicateTallies.push(id);
    else tallies.set(id, t);
  };
  for (const t of record.precinctTallies) addTally(t.precinctId, { kind: 'precinct', tally: t });
  for (const t of record.aggregateTallies) addTally(t.nodeId, { kind: 'aggregate', tally: t });
  const hierarchy = checkHierarchy(election, (id) => tallies.get(id));

  // 2. signatures (and signers): tallies, partials, result
  for (const t of record.precinctTallies) {
    if (hierarchy.signed.has(t)) continue;
    c2.guard(`precinct tally of "${t.precinctId}"`, () => {
      const signer = election.index.node(t.precinctId);
      if (signer.role !== 'precinct') throw new ProtocolError('unknown-signer', 'precinctId', `"${t.precinctId}" is not a precinct`);
      PrecinctTally.verifySignature(t, signer.publicKey);
    });
  }
  for (const t of record.aggregateTallies) {
    if (hierarchy.signed.has(t)) continue;
    c2.guard(`aggregate tally of "${t.nodeId}"`, () => {
      const signer = election.index.node(t.nodeId);
      if (signer.role !== t.level) throw new ProtocolError('unknown-signer', 'nodeId', `"${t.nodeId}" is a ${signer.role}, not a ${t.level}`);
      AggregateTally.verifySignature(t, signer.publicKey);
    });
  }
  for (const p of record.partials) {
    c2.guard(`partial decryption of "${p.trusteeId}"`, () => {
      const signer = election.index.node(p.trusteeId);
      if (signer.role !== 'trustee') throw new ProtocolError('unknown-signer', 'trusteeId', `"${p.trusteeId}" is not a trustee`);
      PartialDecryption.verifySignature(p, signer.publicKey);
    });
  }
  if (record.result) {
    const r = record.result;
    c2.guard('result', () => Result.verifySignature(r, election.index.node(r.combinerId).publicKey));
  } else c2.fail('the record has no result');
  done(c2);

  // 3. ballot proofs
  const ballotHashes = new Map<string, Uint8Array[]>();
  const validPrecincts = new Set<string>();
  for (const [precinctId, ballots] of record.ballots) {
    const hashes: Uint8Array[] = [];
    let ok = true;
    ballots.forEach((b, i) => {
      try {
        validateBallot(election, b, precinctId);
      } catch (err) {
        ok = false;
        c3.fail(`ballot ${i + 1} of "${precinctId}": ${errorMessage(err)}`);
      }
      hashes.push(Ballot.hash(b));
    });
    ballotHashes.set(precinctId, hashes);
    if (ok) validPrecincts.add(precinctId);
  }
  done(c3);

  // 4. uniqueness
  const seenHash = new Map<string, string>();
  const seenId = new Map<string, string>();
  for (const [precinctId, ballots] of record.ballots) {
    ballots.forEach((b, i) => {
      const where = `ballot ${i + 1} of "${precinctId}"`;
      const h = toHex(ballotHashes.get(precinctId)![i]!);
      const idKey = `${b.precinctId}/${b.ballotId}`;
      if (seenHash.has(h)) c4.fail(`${where} repeats ${seenHash.get(h)} (same ballot hash)`);
      else seenHash.set(h, where);
      if (seenId.has(idKey)) c4.fail(`${where} repeats the ballot id of ${seenId.get(idKey)}`);
      else seenId.set(idKey, where);
    });
  }
  done(c4);

  // 5 and 6: each precinct tally against its published ballots
  const byPrecinct = new Map(record.precinctTallies.map((t) => [t.precinctId, t]));
  for (const [precinctId, ballots] of record.ballots) {
    const t = byPrecinct.get(precinctId);
    if (!t) {
      c5.fail(`ballots of "${precinctId}" are published but it has no tally`);
      c6.fail(`ballots of "${precinctId}" are published but it has no tally`);
      continue;
    }
    if (!validPrecincts.has(precinctId)) continue; // reported by check 3
    c5.guard(`precinct "${precinctId}"`, () => {
      if (t.ballotCount !== ballots.length) throw new ProtocolError('inconsistent', 'ballotCount', `tally counts ${t.ballotCount} ballots, ${ballots.length} are published`);
      const product = multiplyWords(election, ballots.map((b) => ballotWords(election, b)));
      product.forEach((w, i) => {
        if (w !== t.words[i]) throw new ProtocolError('inconsistent', `words[${i}]`, 'word is not the product of the ballots');
      });
    });
    c6.guard(`precinct "${precinctId}"`, () => {
      const root = merkleRootOfLeaves(ballotHashes.get(precinctId)!.map(leafHash));
      if (!equalBytes(root, t.ballotsRoot)) throw new ProtocolError('inconsistent', 'ballotsRoot', 'Merkle root does not match the published ballots');
    });
  }
  done(c5);
  done(c6);

  // 7. the hierarchy
  for (const id of duplicateTallies) c7.fail(`"${id}" has more than one tally in the record`);
  for (const p of hierarchy.problems) c7.fail(p.message);
  for (const id of tallies.keys()) if (!election.index.byId.has(id)) c7.fail(`tally from "${id}", who is not in the roster`);
  done(c7);

  // 8. partial decryptions
  const national = hierarchy.national;
  // By content hash: proofs are randomised, so one trustee may publish two valid partials.
  const validPartials = new Map<string, PartialDecryption>();
  if (!national || !hierarchy.nationalHash) {
    c8.skipped = true;
  } else {
    for (const p of record.partials) {
      c8.guard(`partial decryption of "${p.trusteeId}"`, () => {
        validatePartialDecryption(election, p, hierarchy.nationalHash!, national.words);
        validPartials.set(toHex(PartialDecryption.hash(p)), p);
      });
    }
    const t = election.manifest.threshold.threshold;
    const trustees = new Set([...validPartials.values()].map((p) => p.trusteeIndex)).size;
    if (trustees < t) c8.fail(`only ${trustees} trustees have valid partial decryptions, ${t} are needed`);
  }
  done(c8);

  // 9. the result
  const result = record.result;
  if (!result) {
    c9.fail('the record has no result');
  } else if (!national || !hierarchy.nationalHash) {
    c9.skipped = true; // nothing to check it against: check 7 failed
  } else {
    c9.guard('result', () => checkResult(election, result, national, hierarchy.nationalHash!, validPartials));
  }
  done(c9);

  if (receipt) results.push(...verifyReceipt(election, record, receipt, hierarchy.problems.length === 0 ? tallies : new Map(), options));
  return { electionHash: election.hashHex, checks: results, ok: results.every((r) => r.status === 'pass') };
}

/**
 * Check 9 on its own: the result names the national tally and its count, lists t valid partials of
 * distinct trustees (by content hash, from `validPartials`), combining them gives its words, and
 * its counts are what the words unpack to. Throws a ProtocolError naming the first mismatch.
 */
export function checkResult(
  election: ElectionContext,
  result: Result,
  national: AggregateTally,
  nationalHash: Uint8Array,
  validPartials: Map<string, PartialDecryption>,
): void {
  validateResult(election, result);
  if (!equalBytes(result.tallyHash, nationalHash)) throw new ProtocolError('inconsistent', 'tallyHash', 'result is not of the national tally');
  if (result.ballotCount !== national.ballotCount) throw new ProtocolError('inconsistent', 'ballotCount', 'ballot count differs from the national tally');
  const t = election.manifest.threshold.threshold;
  if (result.partials.length !== t) throw new ProtocolError('inconsistent', 'partials', `result must list ${t} partials, lists ${result.partials.length}`);
  const used = result.partials.map((h) => {
    const p = validPartials.get(toHex(h));
    if (!p) throw new ProtocolError('inconsistent', 'partials', `partial ${toHex(h).slice(0, 16)}… is not a valid partial in the record`);
    return p;
  });
  if (new Set(used.map((p) => p.trusteeIndex)).size !== used.length) throw new ProtocolError('inconsistent', 'partials', 'a trustee is listed twice');
  national.words.forEach((c, w) => {
    const { plaintext } = combineVerifiedPartials(election.threshold, c, used.map((p) => shareAsPartial(p.trusteeIndex, p.shares[w]!)));
    if (plaintext !== result.words[w]) throw new ProtocolError('inconsistent', `words[${w}]`, 'combining the partials gives another plaintext');
  });
  const counts = contestCounts(election, result.words);
  if (JSON.stringify(counts) !== JSON.stringify(result.contests)) throw new ProtocolError('inconsistent', 'contests', 'counts differ from the decrypted words');
}

function verifyReceipt(ctx: ElectionContext, record: ElectionRecord, input: ReceiptInput, counted: Map<string, AnyTally>, options: VerifyOptions): CheckResult[] {
  const [r1, r2, r3] = RECEIPT_CHECKS.map((spec) => new Check(spec)) as [Check, Check, Check];
  const out: CheckResult[] = [];
  const done = (c: Check): void => {
    const r = c.result();
    out.push(r);
    options.onCheck?.(r);
  };
  const receipt = input.receipt;
  r1.guard('receipt', () => validateReceipt(ctx, receipt));
  done(r1);
  const tally = record.precinctTallies.find((t) => t.precinctId === receipt.precinctId);
  if (!tally) {
    r2.fail(`precinct "${receipt.precinctId}" has no tally in the record`);
    done(r2);
    r3.skipped = true;
    done(r3);
    return out;
  }
  r2.guard('inclusion', () => {
    const index = receipt.logPosition - 1;
    const published = record.ballots.get(receipt.precinctId);
    if (published) {
      const hashes = published.map((b) => Ballot.hash(b));
      const at = hashes[index];
      if (!at || !equalBytes(at, receipt.ballotHash)) throw new ProtocolError('inconsistent', 'logPosition', `ballot ${receipt.logPosition} of the published log is not the receipt's ballot`);
      if (!equalBytes(merkleRootOfLeaves(hashes.map(leafHash)), tally.ballotsRoot)) throw new ProtocolError('inconsistent', 'ballotsRoot', 'published ballots do not match the tally\'s root');
    } else {
      if (!input.inclusion) throw new ProtocolError('missing-field', 'inclusion', 'the precinct published no ballots and the receipt carries no inclusion proof');
      if (input.inclusion.size !== tally.ballotCount) throw new ProtocolError('inconsistent', 'inclusion.size', 'proof is for a tree of another size');
      if (!verifyInclusion(receipt.ballotHash, index, tally.ballotCount, input.inclusion.path, tally.ballotsRoot)) {
        throw new ProtocolError('inconsistent', 'inclusion', 'inclusion proof does not lead to the tally\'s Merkle root');
      }
    }
  });
  done(r2);
  r3.guard('counted', () => {
    const t = counted.get(receipt.precinctId);
    if (!t || t.kind !== 'precinct' || !equalBytes(PrecinctTally.hash(t.tally), PrecinctTally.hash(tally))) {
      throw new ProtocolError('inconsistent', 'tally', 'the precinct tally is not part of a consistent counted hierarchy (see check 7)');
    }
    if (receipt.logPosition > tally.ballotCount) throw new ProtocolError('inconsistent', 'logPosition', 'receipt is beyond the counted ballots');
  });
  done(r3);
  return out;
}
