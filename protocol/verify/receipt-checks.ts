// The receipt checks R1-R3, for receipts checked against a record that is verified once for all
// of them (not once per receipt). R1: the receipt is its precinct's, for this election, with a
// valid signature. R2: the ballot it names is in that precinct's tally at its log position: by the
// record's ballots when it holds them (check 3 and 6 passed), else by the inclusion proof the
// receipt file carries, against the tally's ballotsRoot. R3: that precinct tally is the one
// counted: it and every tally on the path up to the national tally passed, and so did the result.
import { equalBytes } from '../../crypto/bytes.ts';
import { verifyInclusion } from '../../crypto/merkle.ts';
import type { ElectionContext } from '../election.ts';
import { ProtocolError } from '../errors.ts';
import { validateReceipt, type Receipt } from '../receipt.ts';
import type { PrecinctTally } from '../tally.ts';
import { checkItem, type CheckTally } from './checks.ts';

export interface ReceiptInput {
  /** How reports name the receipt (its file). */
  label: string;
  receipt: Receipt;
  /** The precinct's inclusion proof (index = logPosition - 1), needed when the record holds no ballots. */
  inclusion?: { size: number; path: Uint8Array[] };
}

export function checkReceiptSignature(ctx: ElectionContext, input: ReceiptInput, tally: CheckTally): boolean {
  return checkItem(tally, input.label, () => validateReceipt(ctx, input.receipt));
}

/**
 * R2, given the precinct's tally when it passed checks 2 and 7 (else undefined) and its ballots'
 * hashes in log order when the record holds them and they passed checks 3 and 6.
 */
export function checkReceiptInclusion(input: ReceiptInput, precinctTally: PrecinctTally | undefined, ballotHashes: Uint8Array[] | undefined, tally: CheckTally): boolean {
  return checkItem(tally, input.label, () => {
    const r = input.receipt;
    if (!precinctTally) throw new ProtocolError('inconsistent', 'receipt', `the tally of "${r.precinctId}" is missing or failed its checks`);
    const index = r.logPosition - 1;
    if (r.logPosition > precinctTally.ballotCount) throw new ProtocolError('inconsistent', 'receipt.logPosition', `position ${r.logPosition} is beyond the ${precinctTally.ballotCount} ballots the tally counts`);
    if (ballotHashes) {
      if (!equalBytes(ballotHashes[index]!, r.ballotHash)) throw new ProtocolError('inconsistent', 'receipt.logPosition', `ballot ${r.logPosition} of the precinct's published ballots is not the receipt's ballot`);
      return;
    }
    if (!input.inclusion) throw new ProtocolError('missing-field', 'inclusion', 'the record holds no ballots of this precinct and the receipt file carries no inclusion proof');
    if (input.inclusion.size !== precinctTally.ballotCount) throw new ProtocolError('inconsistent', 'inclusion.size', `the proof is for a tree of ${input.inclusion.size} ballots, the tally counts ${precinctTally.ballotCount}`);
    if (!verifyInclusion(r.ballotHash, index, precinctTally.ballotCount, input.inclusion.path, precinctTally.ballotsRoot)) {
      throw new ProtocolError('inconsistent', 'inclusion', 'the inclusion proof does not lead to the tally\'s Merkle root');
    }
  });
}

/** R3: `counted` says whether the precinct's tally and its whole path to the result verified. */
export function checkReceiptCounted(input: ReceiptInput, counted: { ok: true } | { ok: false; why: string }, tally: CheckTally): boolean {
  return checkItem(tally, input.label, () => {
    if (!counted.ok) throw new ProtocolError('inconsistent', 'tally', counted.why);
  });
}
