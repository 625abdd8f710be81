// Every artifact a node has seen (signed tallies, receipts, partial decryptions, ...), kept as
// opaque bytes under the content hash the caller computed, with indexes by type, sender and
// equivocation slot, and in arrival order. Storage never interprets an artifact.
//
// The caller decides the equivocation slot: a string naming "the one artifact this sender may
// publish here", e.g. `${type}/${sender}/${electionId}`. Two different hashes in one slot are an
// equivocation: both are kept (the slot's first hash is never overwritten) and an evidence record
// is written, so a verifier can later fetch both signed artifacts.
import { concatBytes, equalBytes, toHex } from '../crypto/bytes.ts';
import { ByteWriter, CodecError, decodeStrict } from './binary-codec.ts';
import type { Keyspace, NodeDatabase, WriteOp } from './database.ts';
import { assertHash, assertSeq, describeSeqKey, framedPrefix, groupedSeqKey, readSeq, seqKey, textKey } from './keys.ts';
import { normalizePage } from './page.ts';
import type { Page } from './page.ts';
import { StorageError } from './storage-error.ts';

/** An artifact to store. */
export interface ArtifactInput {
  /** The caller's 32-byte content hash of `bytes`. */
  readonly hash: Uint8Array;
  readonly type: string;
  /** Node id of the artifact's author. */
  readonly sender: string;
  /** Equivocation slot chosen by the caller (see the file comment). */
  readonly slot: string;
  readonly bytes: Uint8Array;
}

/** A stored artifact; `seq` is its arrival order in this store, the cursor for pagination. */
export interface StoredArtifact extends ArtifactInput {
  readonly seq: number;
}

/** Two different artifacts in one slot. */
export interface Equivocation {
  readonly slot: string;
  /** Hash of the artifact that holds the slot. */
  readonly first: Uint8Array;
  /** Hash of the later, conflicting artifact. */
  readonly second: Uint8Array;
}

/** Stored evidence of an equivocation; `seq` is the pagination cursor, `at` ms since the epoch. */
export interface EquivocationRecord extends Equivocation {
  readonly seq: number;
  readonly at: number;
}

/** The outcome of put: stored is false when the hash was already there. */
export interface PutResult {
  readonly stored: boolean;
  readonly equivocation?: Equivocation;
}

/** Options of ArtifactStore.open. */
export interface ArtifactStoreOptions {
  /** Clock for evidence timestamps, ms since the epoch; defaults to Date.now. */
  readonly now?: () => number;
}

const LANE = 'artifacts';
const ARTIFACT_FORMAT = 1;
const EVIDENCE_FORMAT = 1;
const MAX_U64 = new Uint8Array(8).fill(0xff);

/** Content-addressed artifact store with equivocation detection. */
export class ArtifactStore {
  private readonly artifacts: Keyspace;
  private readonly order: Keyspace;
  private readonly byTypeIndex: Keyspace;
  private readonly bySenderIndex: Keyspace;
  private readonly bySlotIndex: Keyspace;
  private readonly slotFirst: Keyspace;
  private readonly evidence: Keyspace;

  private constructor(
    private readonly db: NodeDatabase,
    private readonly now: () => number,
  ) {
    this.artifacts = db.keyspace('artifact');
    this.order = db.keyspace('artifact-order');
    this.byTypeIndex = db.keyspace('artifact-type');
    this.bySenderIndex = db.keyspace('artifact-sender');
    this.bySlotIndex = db.keyspace('artifact-slot');
    this.slotFirst = db.keyspace('artifact-slot-first');
    this.evidence = db.keyspace('equivocation');
  }

  /** The artifact store in `db`. */
  static open(db: NodeDatabase, options: ArtifactStoreOptions = {}): ArtifactStore {
    return new ArtifactStore(db, options.now ?? Date.now);
  }

  /**
   * Stores an artifact and its indexes in one synced batch. The same hash again is a no-op
   * (stored: false; 'artifact-conflict' if its bytes differ). A second hash in a taken slot is
   * stored too and reported as an equivocation.
   */
  async put(input: ArtifactInput): Promise<PutResult> {
    assertHash(input.hash, 'artifact hash');
    const keys = {
      type: framedPrefix(input.type, 'artifact type'),
      sender: framedPrefix(input.sender, 'artifact sender'),
      slot: framedPrefix(input.slot, 'artifact slot'),
      slotFirst: textKey(input.slot, 'artifact slot'),
    };
    const artifact = { ...input, hash: new Uint8Array(input.hash), bytes: new Uint8Array(input.bytes) };
    return this.db.serialize(LANE, async () => {
      const existing = await this.get(artifact.hash);
      if (existing !== undefined) {
        if (equalBytes(existing.bytes, artifact.bytes)) return { stored: false };
        throw new StorageError('artifact-conflict', `artifact ${toHex(artifact.hash)} is already stored with different bytes`);
      }
      const seq = await nextSeq(this.order);
      const ops: WriteOp[] = [
        { type: 'put', keyspace: this.artifacts, key: artifact.hash, value: encodeArtifact({ ...artifact, seq }) },
        { type: 'put', keyspace: this.order, key: seqKey(seq), value: artifact.hash },
        { type: 'put', keyspace: this.byTypeIndex, key: groupedSeqKey(keys.type, seq), value: artifact.hash },
        { type: 'put', keyspace: this.bySenderIndex, key: groupedSeqKey(keys.sender, seq), value: artifact.hash },
        { type: 'put', keyspace: this.bySlotIndex, key: groupedSeqKey(keys.slot, seq), value: artifact.hash },
      ];
      const first = await this.slotFirst.get(keys.slotFirst);
      let equivocation: Equivocation | undefined;
      if (first === undefined) {
        ops.push({ type: 'put', keyspace: this.slotFirst, key: keys.slotFirst, value: artifact.hash });
      } else {
        equivocation = { slot: artifact.slot, first: new Uint8Array(first), second: artifact.hash };
        const record = { ...equivocation, seq: await nextSeq(this.evidence), at: this.timestamp() };
        ops.push({ type: 'put', keyspace: this.evidence, key: seqKey(record.seq), value: encodeEvidence(record) });
      }
      await this.db.write(ops);
      return equivocation === undefined ? { stored: true } : { stored: true, equivocation };
    });
  }

  /** The artifact with this hash, or undefined. */
  async get(hash: Uint8Array): Promise<StoredArtifact | undefined> {
    assertHash(hash, 'artifact hash');
    const value = await this.artifacts.get(hash);
    return value === undefined ? undefined : decodeArtifact(value, hash);
  }

  /** Streams artifacts in arrival order, one page (cursor: StoredArtifact.seq). */
  async *list(page: Page = {}): AsyncGenerator<StoredArtifact> {
    const { from, limit } = normalizePage(page, 1);
    for await (const [key, hash] of this.order.iterator({ gte: seqKey(from), limit })) {
      yield await this.indexed(hash, `arrival index at ${describeSeqKey(key)}`);
    }
  }

  /** Streams artifacts of one type in arrival order, one page. */
  byType(type: string, page: Page = {}): AsyncGenerator<StoredArtifact> {
    return this.group(this.byTypeIndex, framedPrefix(type, 'artifact type'), 'type', page);
  }

  /** Streams artifacts of one sender in arrival order, one page. */
  bySender(sender: string, page: Page = {}): AsyncGenerator<StoredArtifact> {
    return this.group(this.bySenderIndex, framedPrefix(sender, 'artifact sender'), 'sender', page);
  }

  /** Streams every artifact in one slot in arrival order (the first holds the slot), one page. */
  bySlot(slot: string, page: Page = {}): AsyncGenerator<StoredArtifact> {
    return this.group(this.bySlotIndex, framedPrefix(slot, 'artifact slot'), 'slot', page);
  }

  /** Streams equivocation evidence in the order it was found, one page. */
  async *equivocations(page: Page = {}): AsyncGenerator<EquivocationRecord> {
    const { from, limit } = normalizePage(page, 1);
    for await (const [key, value] of this.evidence.iterator({ gte: seqKey(from), limit })) {
      yield decodeEvidence(value, key);
    }
  }

  private async *group(index: Keyspace, prefix: Uint8Array, name: string, page: Page): AsyncGenerator<StoredArtifact> {
    const { from, limit } = normalizePage(page, 1);
    const range = { gte: groupedSeqKey(prefix, from), lte: concatBytes(prefix, MAX_U64), limit };
    for await (const [key, hash] of index.iterator(range)) {
      yield await this.indexed(hash, `${name} index at ${describeSeqKey(key)}`);
    }
  }

  /** The artifact an index value names; 'bad-index' if there is none. */
  private async indexed(hash: Uint8Array, what: string): Promise<StoredArtifact> {
    const artifact = hash.length === 32 ? await this.get(hash) : undefined;
    if (artifact === undefined) throw new StorageError('bad-index', `artifact ${what} names no stored artifact`);
    return artifact;
  }

  private timestamp(): number {
    const at = Math.floor(this.now());
    assertSeq(at, 'clock value', 0);
    return at;
  }
}

/** 1 + the highest u64 key in `keyspace`, or 1 if it is empty. */
async function nextSeq(keyspace: Keyspace): Promise<number> {
  for await (const key of keyspace.keys({ reverse: true, limit: 1 })) {
    try {
      return readSeq(key) + 1;
    } catch (cause) {
      if (!(cause instanceof CodecError)) throw cause;
      throw new StorageError('undecodable-record', `artifact ${describeSeqKey(key)} is not a sequence key`, { cause });
    }
  }
  return 1;
}

function encodeArtifact(artifact: StoredArtifact): Uint8Array {
  return new ByteWriter()
    .u8(ARTIFACT_FORMAT)
    .u64(artifact.seq)
    .string(artifact.type)
    .string(artifact.sender)
    .string(artifact.slot)
    .bytes(artifact.bytes)
    .finish();
}

function decodeArtifact(value: Uint8Array, hash: Uint8Array): StoredArtifact {
  try {
    return decodeStrict(value, (r) => {
      if (r.u8() !== ARTIFACT_FORMAT) throw new CodecError('unknown artifact format');
      return { hash, seq: r.u64(), type: r.string(), sender: r.string(), slot: r.string(), bytes: r.bytes() };
    });
  } catch (cause) {
    if (!(cause instanceof CodecError)) throw cause;
    throw new StorageError('undecodable-record', `artifact ${toHex(hash)} is undecodable: ${cause.message}`, { cause });
  }
}

function encodeEvidence(record: EquivocationRecord): Uint8Array {
  return new ByteWriter()
    .u8(EVIDENCE_FORMAT)
    .u64(record.seq)
    .string(record.slot)
    .bytes(record.first)
    .bytes(record.second)
    .u64(record.at)
    .finish();
}

function decodeEvidence(value: Uint8Array, key: Uint8Array): EquivocationRecord {
  const where = `equivocation record at ${describeSeqKey(key)}`;
  try {
    const keySeq = readSeq(key);
    const record = decodeStrict(value, (r) => {
      if (r.u8() !== EVIDENCE_FORMAT) throw new CodecError('unknown evidence format');
      return { seq: r.u64(), slot: r.string(), first: r.fixedBytes(32), second: r.fixedBytes(32), at: r.u64() };
    });
    if (record.seq !== keySeq) throw new CodecError(`stored under seq ${keySeq}`);
    return record;
  } catch (cause) {
    if (!(cause instanceof CodecError)) throw cause;
    throw new StorageError('undecodable-record', `${where} is undecodable: ${cause.message}`, { cause });
  }
}
