// Durable checkpoints of the caller's derived state, keyed by big-endian u64 log position so that
// the latest is simply the last key (never a name or a timestamp). The state is opaque bytes: the
// caller's encoding of tally words, count and Merkle frontier.
import { equalBytes } from '../crypto/bytes.ts';
import { ByteWriter, CodecError, decodeStrict } from './binary-codec.ts';
import type { Keyspace, NodeDatabase } from './database.ts';
import { assertHash, assertSeq, readSeq, seqKey } from './keys.ts';
import { normalizePage } from './page.ts';
import type { Page } from './page.ts';
import { StorageError } from './storage-error.ts';

/** The caller's state after applying log entries 1..position. */
export interface Checkpoint {
  /** Seq of the last log entry folded into `state` (>= 1). */
  readonly position: number;
  /** entryHash of the log entry at `position`; replay checks it against the log. */
  readonly chainHead: Uint8Array;
  /** Opaque state bytes. */
  readonly state: Uint8Array;
}

const LANE = 'checkpoints';
const CHECKPOINT_FORMAT = 1;

/** Stores and finds checkpoints. */
export class CheckpointStore {
  private readonly store: Keyspace;

  private constructor(private readonly db: NodeDatabase) {
    this.store = db.keyspace('checkpoint');
  }

  /** The checkpoints stored in `db`. */
  static open(db: NodeDatabase): CheckpointStore {
    return new CheckpointStore(db);
  }

  /**
   * Durably saves a checkpoint (synced). Saving the identical checkpoint again is a no-op; a
   * different one at an existing position throws 'checkpoint-conflict'.
   */
  async save(checkpoint: Checkpoint): Promise<void> {
    assertSeq(checkpoint.position, 'checkpoint position');
    assertHash(checkpoint.chainHead, 'checkpoint chain head');
    const value = encodeCheckpoint(checkpoint);
    const key = seqKey(checkpoint.position);
    await this.db.serialize(LANE, async () => {
      const existing = await this.store.get(key);
      if (existing !== undefined) {
        if (equalBytes(existing, value)) return;
        throw new StorageError('checkpoint-conflict', `a different checkpoint is already stored at position ${checkpoint.position}`, {
          seq: checkpoint.position,
        });
      }
      await this.db.write([{ type: 'put', keyspace: this.store, key, value }]);
    });
  }

  /** The checkpoint with the highest position, or undefined if there is none. */
  async latest(): Promise<Checkpoint | undefined> {
    for await (const [key, value] of this.store.iterator({ reverse: true, limit: 1 })) {
      return decodeCheckpoint(value, key);
    }
    return undefined;
  }

  /** Streams checkpoints in increasing position order, one page. */
  async *list(page: Page = {}): AsyncGenerator<Checkpoint> {
    const { from, limit } = normalizePage(page, 1);
    for await (const [key, value] of this.store.iterator({ gte: seqKey(from), limit })) {
      yield decodeCheckpoint(value, key);
    }
  }

  /** Deletes all but the `keep` (>= 1) latest checkpoints in one synced batch; returns how many. */
  async prune(keep: number): Promise<number> {
    assertSeq(keep, 'keep');
    return this.db.serialize(LANE, async () => {
      const doomed: Uint8Array[] = [];
      let seen = 0;
      for await (const key of this.store.keys({ reverse: true })) {
        if (++seen > keep) doomed.push(key);
      }
      if (doomed.length > 0) await this.db.write(doomed.map((key) => ({ type: 'del', keyspace: this.store, key })));
      return doomed.length;
    });
  }
}

function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  return new ByteWriter()
    .u8(CHECKPOINT_FORMAT)
    .u64(checkpoint.position)
    .bytes(checkpoint.chainHead)
    .bytes(checkpoint.state)
    .finish();
}

/** Parses a stored checkpoint; 'undecodable-record' if it does not parse or sits under another key. */
function decodeCheckpoint(value: Uint8Array, key: Uint8Array): Checkpoint {
  let where = `checkpoint under a ${key.length}-byte key`;
  try {
    const keyPosition = readSeq(key);
    where = `checkpoint at position ${keyPosition}`;
    const checkpoint = decodeStrict(value, (r) => {
      if (r.u8() !== CHECKPOINT_FORMAT) throw new CodecError('unknown checkpoint format');
      return { position: r.u64(), chainHead: r.fixedBytes(32), state: r.bytes() };
    });
    if (checkpoint.position !== keyPosition) throw new CodecError(`it claims position ${checkpoint.position}`);
    return checkpoint;
  } catch (cause) {
    if (!(cause instanceof CodecError)) throw cause;
    throw new StorageError('undecodable-record', `${where} is undecodable: ${cause.message}`, { cause });
  }
}
