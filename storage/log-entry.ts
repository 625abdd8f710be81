// One link of the ballot log's hash chain, and the rules that make a link valid. Pure functions:
// the log uses them to build entries and replay uses them to check every stored one.
import { equalBytes } from '../crypto/bytes.ts';
import { logEntryHash } from '../protocol/log-chain.ts';
import { StorageError } from './storage-error.ts';

/** Hashes a ballot's bytes; injected by the caller, because storage does not know ballots. */
export type HashBallot = (ballotBytes: Uint8Array) => Uint8Array;

/** One accepted ballot, chained to the entry before it. */
export interface LogEntry {
  /** 1-based position in the log; contiguous. */
  readonly seq: number;
  /** The voter's 32-byte commitment (protocol/log-chain.ts voterCommitment), never the voter id. */
  readonly voter: Uint8Array;
  /** The ballot's id, unique in the log. */
  readonly ballotId: string;
  /** The ballot exactly as submitted (opaque to storage). */
  readonly ballotBytes: Uint8Array;
  /** hashBallot(ballotBytes). */
  readonly ballotHash: Uint8Array;
  /** entryHash of entry seq - 1, or 32 zero bytes for seq 1. */
  readonly prevHash: Uint8Array;
  /** logEntryHash(seq, voter, ballotHash, prevHash): the chain rule of protocol/log-chain.ts. */
  readonly entryHash: Uint8Array;
}

/** The last entry of the log: what a receipt or checkpoint commits to. */
export interface LogHead {
  readonly seq: number;
  readonly entryHash: Uint8Array;
}

/** The head of an empty log: seq 0 and the all-zero hash that entry 1 chains to (a fresh copy). */
export function genesisHead(): LogHead {
  return { seq: 0, entryHash: new Uint8Array(32) };
}

/** The chain hash of an entry's fields (one definition, shared with the precinct role). */
export const computeEntryHash = logEntryHash;

/** The entry that follows `prev`. */
export function nextEntry(prev: LogHead, voter: Uint8Array, ballotId: string, ballotBytes: Uint8Array, ballotHash: Uint8Array): LogEntry {
  const seq = prev.seq + 1;
  const prevHash = new Uint8Array(prev.entryHash);
  return { seq, voter, ballotId, ballotBytes, ballotHash, prevHash, entryHash: computeEntryHash(seq, voter, ballotHash, prevHash) };
}

/**
 * Checks that `entry` validly follows `prev`: next seq, chained prevHash, ballot hash and entry
 * hash both recompute. Throws StorageError ('gap', 'broken-chain', 'bad-ballot-hash',
 * 'corrupt-entry' if hashBallot throws, 'bad-entry-hash') naming the seq.
 */
export function verifyEntry(prev: LogHead, entry: LogEntry, hashBallot: HashBallot): void {
  const seq = entry.seq;
  if (seq !== prev.seq + 1) {
    throw new StorageError('gap', `log entry seq ${prev.seq + 1} is missing (next stored entry is seq ${seq})`, {
      seq: prev.seq + 1,
    });
  }
  if (!equalBytes(entry.prevHash, prev.entryHash)) {
    throw new StorageError('broken-chain', `log entry seq ${seq}: prevHash is not the entryHash of seq ${prev.seq}`, { seq });
  }
  let ballotHash: Uint8Array;
  try {
    ballotHash = hashBallot(entry.ballotBytes);
  } catch (cause) {
    throw new StorageError('corrupt-entry', `log entry seq ${seq}: its ballot cannot be hashed`, { seq, cause });
  }
  if (!equalBytes(entry.ballotHash, ballotHash)) {
    throw new StorageError('bad-ballot-hash', `log entry seq ${seq}: ballotHash does not match the ballot bytes`, { seq });
  }
  if (!equalBytes(entry.entryHash, computeEntryHash(seq, entry.voter, entry.ballotHash, entry.prevHash))) {
    throw new StorageError('bad-entry-hash', `log entry seq ${seq}: entryHash does not recompute`, { seq });
  }
}
