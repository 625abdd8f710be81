// A voter's check of one receipt without the record: O(depth + log n) work (and two 128-bit
// powers per word of its state's batch of decryption proofs) on a small bundle
// any node serves (GET /proof/:precinctId, docs/protocol.md): the precinct's signed tally, the
// signed tallies from its county up to the national tally, the result and the partial
// decryptions it lists; plus the inclusion proof of the ballot in the precinct tally's Merkle
// root (GET /receipts/:ballotHash on the precinct, or the receipt file).
//
//   R1  the receipt is signed by its precinct, for this election;
//   R2  the ballot is the leaf at its log position under the precinct tally's ballotsRoot, and
//       that tally is signed by the precinct;
//   R3  each tally up the path is signed by its roster node and lists the content hash of the
//       one below it; the last is the national tally; the result is signed by the manifest's
//       combiner, names that national tally, and passes check 9 with the partials it lists.
import { equalBytes, toHex } from '../../crypto/bytes.ts';
import { verifyInclusion } from '../../crypto/merkle.ts';
import type { ElectionContext } from '../election.ts';
import { ProtocolError } from '../errors.ts';
import { PartialDecryption, validatePartialDecryption } from '../partial-decryption.ts';
import { validateReceipt, type Receipt } from '../receipt.ts';
import type { Result } from '../result.ts';
import { childTallyOf, AggregateTally, PrecinctTally, validateAggregateTally, validatePrecinctTally } from '../tally.ts';
import { checkResult } from './check-09-result.ts';
import { someCompletedGroups } from '../completed-groups.ts';
import { RECEIPT_CHECKS, checkItem, checkResult as resultOf, emptyTally, type CheckResult } from './checks.ts';

export interface ReceiptProof {
  receipt: Receipt;
  /** The audit path of the ballot's leaf (index logPosition - 1) in a tree of `size` leaves. */
  inclusion: { size: number; path: Uint8Array[] } | undefined;
  precinctTally: PrecinctTally | undefined;
  /** From the precinct's county up to the national tally, in that order. */
  path: AggregateTally[];
  result: Result | undefined;
  partials: PartialDecryption[];
}

const label = (p: ReceiptProof): string => `receipt ${p.receipt.precinctId}#${p.receipt.logPosition}`;

export function checkReceiptProof(ctx: ElectionContext, proof: ReceiptProof): CheckResult[] {
  const [r1, r2, r3] = [emptyTally(), emptyTally(), emptyTally()];
  const what = label(proof);
  const ok1 = checkItem(r1, what, () => validateReceipt(ctx, proof.receipt));
  const ok2 = checkItem(r2, what, () => {
    const t = proof.precinctTally;
    if (!t) throw new ProtocolError('missing-field', 'precinctTally', 'no precinct tally was served');
    validatePrecinctTally(ctx, t);
    if (t.precinctId !== proof.receipt.precinctId) throw new ProtocolError('inconsistent', 'precinctTally', `the tally served is of "${t.precinctId}"`);
    const { logPosition, ballotHash } = proof.receipt;
    if (logPosition > t.ballotCount) throw new ProtocolError('inconsistent', 'receipt.logPosition', `position ${logPosition} is beyond the ${t.ballotCount} ballots the tally counts`);
    if (!proof.inclusion) throw new ProtocolError('missing-field', 'inclusion', 'no inclusion proof: the precinct serves it once its polls are closed');
    if (proof.inclusion.size !== t.ballotCount) throw new ProtocolError('inconsistent', 'inclusion.size', `the proof is for ${proof.inclusion.size} ballots, the tally counts ${t.ballotCount}`);
    if (!verifyInclusion(ballotHash, logPosition - 1, t.ballotCount, proof.inclusion.path, t.ballotsRoot)) {
      throw new ProtocolError('inconsistent', 'inclusion', 'the inclusion proof does not lead to the tally\'s Merkle root');
    }
  });
  if (!ok1) r3.skips.push('R1 failed');
  else if (!ok2) r3.skips.push('R2 failed');
  else {
    checkItem(r3, what, () => {
      let child = { id: proof.precinctTally!.precinctId, hash: PrecinctTally.hash(proof.precinctTally!) };
      let expected = ctx.index.node(child.id).parent;
      for (const t of proof.path) {
        if (t.nodeId !== expected) throw new ProtocolError('inconsistent', 'path', `expected the tally of "${expected}", got "${t.nodeId}"`);
        validateAggregateTally(ctx, t);
        const ref = t.children.find((c) => c.id === child.id);
        if (!ref || !equalBytes(ref.tallyHash, child.hash)) throw new ProtocolError('inconsistent', 'path', `the tally of "${t.nodeId}" does not list the tally of "${child.id}" that was served`);
        child = { id: t.nodeId, hash: AggregateTally.hash(t) };
        expected = ctx.index.node(t.nodeId).parent;
      }
      const national = proof.path.at(-1);
      if (!national || national.nodeId !== ctx.index.national.id) throw new ProtocolError('inconsistent', 'path', 'the path does not reach the national tally');
      const r = proof.result;
      if (!r) throw new ProtocolError('missing-field', 'result', 'there is no result yet');
      // The ballot counts in the scopes on its precinct's path, whose tallies the path holds:
      // their groups are checked, the other scopes' are not the receipt's concern.
      const onPath = new Map(proof.path.map((a) => [a.nodeId, childTallyOf({ kind: 'aggregate', tally: a })]));
      const groups = someCompletedGroups(ctx, (id) => onPath.get(id));
      const valid = new Map<string, PartialDecryption>();
      for (const p of proof.partials) {
        validatePartialDecryption(ctx, p, child.hash, groups);
        valid.set(toHex(PartialDecryption.hash(p)), p);
      }
      checkResult(ctx, r, national, child.hash, groups, valid);
    });
  }
  return RECEIPT_CHECKS.map((spec, i) => resultOf(spec, [r1, r2, r3][i]!));
}
