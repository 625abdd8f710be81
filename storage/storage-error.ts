// The one error type storage throws. Callers branch on `code`; messages name the entry (seq),
// position or key that is wrong, and never carry voter ids, ballot bytes or other payloads.
import { TallyMeshError } from '../errors/tallymesh-error.ts';

/** Every way a storage operation can fail. */
export type StorageErrorCode =
  // database lifecycle
  | 'already-open' // this data directory is already open in this process
  | 'open-failed' // LevelDB refused to open (locked by another process, unreadable, ...)
  | 'schema-mismatch' // the database was written by an incompatible storage version
  // caller mistakes
  | 'invalid-argument'
  // ballot log admission
  | 'voter-already-voted' // the voter has a different ballot in the log
  | 'ballot-already-logged' // the same ballot hash is logged under another voter
  | 'ballot-id-taken' // another ballot with the same ballot id is logged
  // stored data that cannot be read
  | 'undecodable-entry' // a log entry's bytes do not parse
  | 'misplaced-entry' // a log entry parses but is stored under another seq
  | 'undecodable-record' // any other stored record (head, index, checkpoint, artifact) does not parse
  | 'bad-index' // an index points at no entry, or at the wrong one
  // replay verification
  | 'gap' // a seq is missing from the log
  | 'broken-chain' // prevHash is not the previous entry's entryHash
  | 'bad-ballot-hash' // ballotHash is not hashBallot(ballotBytes)
  | 'bad-entry-hash' // entryHash does not recompute
  | 'head-mismatch' // the stored head is not the last entry
  | 'checkpoint-mismatch' // the checkpoint's chain head is not the log's entry at its position
  | 'corrupt-checkpoint' // the caller's restore() rejected the checkpoint state
  | 'corrupt-entry' // the caller's apply() rejected an entry
  // checkpoint and artifact writes
  | 'checkpoint-conflict' // a different checkpoint already exists at this position
  | 'artifact-conflict'; // the same content hash arrived with different bytes

/** Where the error is, when it concerns one log entry or checkpoint position. */
export interface StorageErrorOptions {
  readonly seq?: number;
  readonly cause?: unknown;
}

/** A storage failure with a machine-readable code and, when relevant, the seq it concerns. */
export class StorageError extends TallyMeshError {
  override readonly name = 'StorageError';
  declare readonly code: StorageErrorCode;
  readonly seq: number | undefined;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.seq = options.seq;
  }
}
