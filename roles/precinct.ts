// The precinct role as a pure state machine: ballots in, receipts out; close, signed precinct
// tally out. Whoever runs it (the in-process pipeline, or the node with its LevelDB log) logs the
// ballot first and then calls accept() with the log position; the machine checks that the log
// entry follows its own chain, so state and log can never drift apart silently.
import { equalBytes } from '../crypto/bytes.ts';
import { emptyFrontier, frontierAppend, frontierRoot, type MerkleFrontier } from '../crypto/merkle.ts';
import { Ballot, ballotGroups, validateBallot } from '../protocol/ballot.ts';
import { bigUint, bytesList, decode, encode, fixedBytes, list, struct, uint } from '../protocol/codec.ts';
import type { ElectionContext } from '../protocol/election.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { LOG_GENESIS_HASH, logEntryHash, voterCommitment, voterCommitmentKey } from '../protocol/log-chain.ts';
import { MAX_KEY_BITS, PROTOCOL_VERSION } from '../protocol/manifest.ts';
import { Receipt } from '../protocol/receipt.ts';
import { PrecinctTally, flatWordCount, groupsFromFlat } from '../protocol/tally.ts';

export type PrecinctPhase = 'open' | 'closed';

export interface LoggedBallot {
  seq: number;
  /** The voter's commitment (protocol/log-chain.ts), never the voter id. */
  voter: Uint8Array;
  ballotHash: Uint8Array;
  prevHash: Uint8Array;
  entryHash: Uint8Array;
}

/** The state a checkpoint stores: constant size however many ballots were cast. */
export interface PrecinctState {
  /** The words of every group of the precinct's tally, group after group (tally.ts groupsFromFlat). */
  words: bigint[];
  count: number;
  chainHead: Uint8Array;
  frontier: MerkleFrontier;
}

const StateSchema = struct({
  words: list(bigUint(2 * MAX_KEY_BITS), 512),
  count: uint(4),
  chainHead: fixedBytes(32),
  frontierSize: uint(4),
  frontierPeaks: bytesList(32, 64),
});

export function encodePrecinctState(s: PrecinctState): Uint8Array {
  return encode(StateSchema, { words: s.words, count: s.count, chainHead: s.chainHead, frontierSize: s.frontier.size, frontierPeaks: s.frontier.peaks });
}

export function decodePrecinctState(bytes: Uint8Array): PrecinctState {
  const s = decode(StateSchema, bytes, 'precinct-state');
  return { words: s.words, count: s.count, chainHead: s.chainHead, frontier: { size: s.frontierSize, peaks: s.frontierPeaks } };
}

export class PrecinctRole {
  private readonly voterKey: Uint8Array;
  private state: PrecinctState;
  private phase: PrecinctPhase = 'open';
  private tally: PrecinctTally | undefined;

  constructor(
    private readonly ctx: ElectionContext,
    readonly precinctId: string,
    private readonly secretKey: Uint8Array,
  ) {
    const entry = ctx.index.node(precinctId);
    if (entry.role !== 'precinct') throw new ProtocolError('inconsistent', 'precinctId', `"${precinctId}" is a ${entry.role}, not a precinct`);
    this.state = PrecinctRole.initialState(ctx, precinctId);
    this.voterKey = voterCommitmentKey(secretKey);
  }

  static initialState(ctx: ElectionContext, precinctId: string): PrecinctState {
    return { words: new Array(flatWordCount(ctx, precinctId)).fill(1n), count: 0, chainHead: LOG_GENESIS_HASH, frontier: emptyFrontier() };
  }

  get currentPhase(): PrecinctPhase {
    return this.phase;
  }

  get snapshot(): PrecinctState {
    return { ...this.state, words: [...this.state.words], frontier: { ...this.state.frontier, peaks: [...this.state.frontier.peaks] } };
  }

  /** Replaces the state (recovery from a checkpoint). */
  restore(state: PrecinctState): void {
    if (state.words.length !== flatWordCount(this.ctx, this.precinctId)) throw new ProtocolError('inconsistent', 'precinct-state.words', 'wrong number of tally words');
    this.state = { ...state };
  }

  /** Checks a submitted ballot (proofs included) without changing state. */
  validate(ballot: Ballot): Ballot {
    if (this.phase !== 'open') throw new ProtocolError('inconsistent', 'ballot', 'the polls are closed');
    return validateBallot(this.ctx, ballot, this.precinctId);
  }

  /** The commitment the log holds for a voter id (normalised by protocol/voter-id.ts first). */
  commitVoter(voterId: string): Uint8Array {
    return voterCommitment(this.voterKey, voterId);
  }

  /** The log entry the next ballot will get, for logs that do not compute it themselves. */
  nextLogEntry(voter: Uint8Array, ballotHash: Uint8Array): LoggedBallot {
    const seq = this.state.count + 1;
    const prevHash = this.state.chainHead;
    return { seq, voter, ballotHash, prevHash, entryHash: logEntryHash(seq, voter, ballotHash, prevHash) };
  }

  /**
   * Counts a ballot that is durably logged as `entry` (validated before logging, or replayed
   * from a log it was validated into). Returns nothing: receipts come from receiptFor().
   */
  apply(ballot: Ballot, entry: LoggedBallot): void {
    if (this.phase !== 'open') throw new ProtocolError('inconsistent', 'ballot', 'the polls are closed');
    const expected = this.nextLogEntry(entry.voter, entry.ballotHash);
    if (entry.seq !== expected.seq || !equalBytes(entry.prevHash, expected.prevHash) || !equalBytes(entry.entryHash, expected.entryHash)) {
      throw new ProtocolError('inconsistent', 'log', `log entry ${entry.seq} does not follow the precinct's chain`);
    }
    if (!equalBytes(entry.ballotHash, Ballot.hash(ballot))) throw new ProtocolError('inconsistent', 'log', `log entry ${entry.seq} holds another ballot`);
    const add = ballotGroups(this.ctx, ballot).flat();
    const n2 = this.ctx.publicKey.n2;
    this.state = {
      words: this.state.words.map((w, i) => (w * add[i]!) % n2),
      count: entry.seq,
      chainHead: entry.entryHash,
      frontier: frontierAppend(this.state.frontier, entry.ballotHash),
    };
  }

  /** The signed receipt for a logged ballot. */
  receiptFor(entry: LoggedBallot): Receipt {
    return Receipt.sign(
      { version: PROTOCOL_VERSION, electionHash: this.ctx.hash, precinctId: this.precinctId, ballotHash: entry.ballotHash, logPosition: entry.seq, chainHead: entry.entryHash },
      this.secretKey,
    );
  }

  /** Closes the polls (idempotent) and returns the signed precinct tally. */
  close(): PrecinctTally {
    if (this.tally) return this.tally;
    this.phase = 'closed';
    this.tally = PrecinctTally.sign(
      {
        version: PROTOCOL_VERSION,
        electionHash: this.ctx.hash,
        precinctId: this.precinctId,
        groups: groupsFromFlat(this.ctx, this.precinctId, this.state.words),
        ballotCount: this.state.count,
        ballotsRoot: frontierRoot(this.state.frontier),
        logHead: this.state.chainHead,
      },
      this.secretKey,
    );
    return this.tally;
  }
}
