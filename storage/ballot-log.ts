// The precinct's append-only, hash-chained ballot log. An append is acknowledged only after one
// synced LevelDB batch has stored the entry, both indexes and the new head, so a crash at any
// instant leaves either all of them or none. Appends run one at a time on the database's
// 'ballot-log' lane, so concurrent callers (and several BallotLog objects) never share a seq.
import { equalBytes, toHex } from '../crypto/bytes.ts';
import { CodecError } from './binary-codec.ts';
import type { Keyspace, NodeDatabase } from './database.ts';
import { assertHash, assertSeq, readSeq, seqKey, textKey } from './keys.ts';
import { decodeEntry, decodeHead, encodeEntry, encodeHead } from './log-codec.ts';
import { genesisHead, nextEntry, verifyEntry } from './log-entry.ts';
import type { HashBallot, LogEntry, LogHead } from './log-entry.ts';
import { StorageError } from './storage-error.ts';

/** What the log needs from the caller. */
export interface BallotLogOptions {
  /** SHA-256-based hash of a ballot's bytes (32 bytes), e.g. the protocol's ballot hash. */
  readonly hashBallot: HashBallot;
}

/** The outcome of an append: the logged entry, and whether it was already there. */
export interface AppendResult {
  readonly entry: LogEntry;
  /** True when the same voter resubmitted the byte-identical ballot; nothing was written. */
  readonly duplicate: boolean;
}

const LANE = 'ballot-log';
const HEAD_KEY = new TextEncoder().encode('head');

/** The hash-chained ballot log of one node. */
export class BallotLog {
  private readonly entryStore: Keyspace;
  private readonly voterIndex: Keyspace;
  private readonly ballotIndex: Keyspace;
  private readonly ballotIdIndex: Keyspace;
  private readonly headStore: Keyspace;

  private constructor(
    private readonly db: NodeDatabase,
    private readonly hashBallot: HashBallot,
  ) {
    this.entryStore = db.keyspace('log-entry');
    this.voterIndex = db.keyspace('log-voter');
    this.ballotIndex = db.keyspace('log-ballot');
    this.ballotIdIndex = db.keyspace('log-ballot-id');
    this.headStore = db.keyspace('log-head');
  }

  /** The log stored in `db`. Does no I/O; run replayLog at startup to verify it. */
  static open(db: NodeDatabase, options: BallotLogOptions): BallotLog {
    return new BallotLog(db, options.hashBallot);
  }

  /**
   * Durably appends a ballot, resolving after the synced write. `voter` is the voter's 32-byte
   * commitment (the log never holds voter ids) and `ballotId` the ballot's own id. Resubmitting
   * the identical ballot returns the existing entry with duplicate: true. Throws
   * 'voter-already-voted', 'ballot-already-logged' or 'ballot-id-taken' without writing
   * anything: the three checks and the write are one step of the log's lane.
   */
  async append(voter: Uint8Array, ballotId: string, ballotBytes: Uint8Array): Promise<AppendResult> {
    assertHash(voter, 'voter commitment');
    const voterKey = new Uint8Array(voter);
    const idKey = textKey(ballotId, 'ballot id');
    const ballot = new Uint8Array(ballotBytes); // our copy: the caller may reuse its buffer
    const ballotHash = this.ballotHashOf(ballot); // outside the lane: pure and possibly slow
    return this.db.serialize(LANE, () => this.appendInLane(voterKey, ballotId, idKey, ballot, ballotHash));
  }

  /** The last entry's seq and hash; seq 0 and the zero hash for an empty log. */
  async head(): Promise<LogHead> {
    const bytes = await this.headStore.get(HEAD_KEY);
    return bytes === undefined ? genesisHead() : decodeHead(bytes);
  }

  /** The entry at `seq`, or undefined if there is none. */
  async get(seq: number): Promise<LogEntry | undefined> {
    assertSeq(seq, 'seq');
    const bytes = await this.entryStore.get(seqKey(seq));
    return bytes === undefined ? undefined : decodeEntry(bytes, seq);
  }

  /** The entry holding the ballot with this hash, or undefined. */
  async getByBallotHash(ballotHash: Uint8Array): Promise<LogEntry | undefined> {
    assertHash(ballotHash, 'ballot hash');
    const seq = await this.indexedSeq(this.ballotIndex, ballotHash, `ballot index entry ${toHex(ballotHash)}`);
    return seq === undefined ? undefined : this.indexedEntry(seq, `ballot index entry ${toHex(ballotHash)}`);
  }

  /** The entry of this voter's ballot (by commitment), or undefined. */
  async getByVoter(voter: Uint8Array): Promise<LogEntry | undefined> {
    assertHash(voter, 'voter commitment');
    const seq = await this.indexedSeq(this.voterIndex, voter, 'voter index entry');
    return seq === undefined ? undefined : this.indexedEntry(seq, 'voter index entry');
  }

  /**
   * Streams the stored entries with from <= seq < from + limit (all from `from` if no limit),
   * in seq order, reading only that key range. Decodes strictly but checks no chain links.
   */
  async *entries(from = 1, limit?: number): AsyncGenerator<LogEntry> {
    assertSeq(from, 'from');
    const range: { gte: Uint8Array; lt?: Uint8Array } = { gte: seqKey(from) };
    if (limit !== undefined) {
      assertSeq(limit, 'limit', 0);
      assertSeq(from + limit, 'from + limit');
      range.lt = seqKey(from + limit);
    }
    for await (const [key, value] of this.entryStore.iterator(range)) {
      yield decodeEntry(value, entryKeySeq(key));
    }
  }

  /** Throws a StorageError naming the seq unless `entry` validly follows `prev` (see log-entry.ts). */
  verifyEntry(prev: LogHead, entry: LogEntry): void {
    verifyEntry(prev, entry, this.hashBallot);
  }

  /** Throws 'bad-index' unless the voter, ballot-hash and ballot-id indexes all point at `entry`. */
  async verifyIndexes(entry: LogEntry): Promise<void> {
    const what = `log entry seq ${entry.seq}`;
    const byVoter = await this.indexedSeq(this.voterIndex, entry.voter, `voter index of ${what}`);
    const byBallot = await this.indexedSeq(this.ballotIndex, entry.ballotHash, `ballot index of ${what}`);
    const byId = await this.indexedSeq(this.ballotIdIndex, textKey(entry.ballotId, 'ballot id'), `ballot id index of ${what}`);
    for (const [name, seq] of [['voter', byVoter], ['ballot', byBallot], ['ballot id', byId]] as const) {
      if (seq !== entry.seq) {
        throw new StorageError('bad-index', `${name} index of log entry seq ${entry.seq} points at ${seq === undefined ? 'nothing' : `seq ${seq}`}`, {
          seq: entry.seq,
        });
      }
    }
  }

  private async appendInLane(voterKey: Uint8Array, ballotId: string, idKey: Uint8Array, ballot: Uint8Array, ballotHash: Uint8Array): Promise<AppendResult> {
    const voterSeq = await this.indexedSeq(this.voterIndex, voterKey, 'voter index entry');
    if (voterSeq !== undefined) {
      const existing = await this.indexedEntry(voterSeq, 'voter index entry');
      if (equalBytes(existing.ballotBytes, ballot)) return { entry: existing, duplicate: true };
      throw new StorageError('voter-already-voted', `voter already has a different ballot at log seq ${voterSeq}`, { seq: voterSeq });
    }
    const ballotSeq = await this.indexedSeq(this.ballotIndex, ballotHash, `ballot index entry ${toHex(ballotHash)}`);
    if (ballotSeq !== undefined) {
      throw new StorageError('ballot-already-logged', `ballot ${toHex(ballotHash)} is already logged at seq ${ballotSeq} under another voter`, {
        seq: ballotSeq,
      });
    }
    const idSeq = await this.indexedSeq(this.ballotIdIndex, idKey, 'ballot id index entry');
    if (idSeq !== undefined) {
      throw new StorageError('ballot-id-taken', `another ballot with this ballot id is already logged at seq ${idSeq}`, { seq: idSeq });
    }
    const entry = nextEntry(await this.head(), voterKey, ballotId, ballot, ballotHash);
    const position = seqKey(entry.seq);
    await this.db.write([
      { type: 'put', keyspace: this.entryStore, key: position, value: encodeEntry(entry) },
      { type: 'put', keyspace: this.voterIndex, key: voterKey, value: position },
      { type: 'put', keyspace: this.ballotIndex, key: ballotHash, value: position },
      { type: 'put', keyspace: this.ballotIdIndex, key: idKey, value: position },
      { type: 'put', keyspace: this.headStore, key: HEAD_KEY, value: encodeHead(entry) },
    ]);
    return { entry, duplicate: false };
  }

  private ballotHashOf(ballot: Uint8Array): Uint8Array {
    const hash = this.hashBallot(ballot);
    if (!(hash instanceof Uint8Array) || hash.length !== 32) {
      throw new StorageError('invalid-argument', 'hashBallot must return 32 bytes');
    }
    return new Uint8Array(hash);
  }

  /** The seq an index maps `key` to, or undefined; 'bad-index' if the value is not a seq. */
  private async indexedSeq(index: Keyspace, key: Uint8Array, what: string): Promise<number | undefined> {
    const value = await index.get(key);
    if (value === undefined) return undefined;
    try {
      return readSeq(value);
    } catch (cause) {
      if (!(cause instanceof CodecError)) throw cause;
      throw new StorageError('bad-index', `${what} holds ${value.length} bytes, not a seq`, { cause });
    }
  }

  /** The entry an index points at; 'bad-index' if it is missing. */
  private async indexedEntry(seq: number, what: string): Promise<LogEntry> {
    const entry = await this.get(seq);
    if (entry === undefined) throw new StorageError('bad-index', `${what} points at seq ${seq}, which is not in the log`, { seq });
    return entry;
  }
}

/** The seq of an entry key; 'undecodable-entry' if the key is not 8 bytes. */
function entryKeySeq(key: Uint8Array): number {
  try {
    return readSeq(key);
  } catch (cause) {
    if (!(cause instanceof CodecError)) throw cause;
    throw new StorageError('undecodable-entry', `log entry key of ${key.length} bytes is not a seq`, { cause });
  }
}
