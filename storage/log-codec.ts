// On-disk encoding of ballot log entries and of the log head. One format byte, then fixed-width
// integers and u32-length-prefixed fields; decoding is strict (see binary-codec.ts).
import { ByteWriter, CodecError, decodeStrict } from './binary-codec.ts';
import type { LogEntry, LogHead } from './log-entry.ts';
import { StorageError } from './storage-error.ts';

const ENTRY_FORMAT = 2;
const HEAD_FORMAT = 1;
const HASH_BYTES = 32;

/** Bytes stored under an entry's seq key. */
export function encodeEntry(entry: LogEntry): Uint8Array {
  return new ByteWriter()
    .u8(ENTRY_FORMAT)
    .u64(entry.seq)
    .bytes(entry.voter)
    .string(entry.ballotId)
    .bytes(entry.ballotBytes)
    .bytes(entry.ballotHash)
    .bytes(entry.prevHash)
    .bytes(entry.entryHash)
    .finish();
}

/** Parses the bytes stored under key `keySeq`; throws 'undecodable-entry' or 'misplaced-entry'. */
export function decodeEntry(bytes: Uint8Array, keySeq: number): LogEntry {
  let entry: LogEntry;
  try {
    entry = decodeStrict(bytes, (r) => {
      if (r.u8() !== ENTRY_FORMAT) throw new CodecError('unknown entry format');
      const seq = r.u64();
      const voter = r.fixedBytes(HASH_BYTES);
      const ballotId = r.string();
      if (seq < 1 || ballotId.length === 0) throw new CodecError('seq 0 or empty ballot id');
      const ballotBytes = r.bytes();
      const ballotHash = r.fixedBytes(HASH_BYTES);
      const prevHash = r.fixedBytes(HASH_BYTES);
      const entryHash = r.fixedBytes(HASH_BYTES);
      return { seq, voter, ballotId, ballotBytes, ballotHash, prevHash, entryHash };
    });
  } catch (cause) {
    if (!(cause instanceof CodecError)) throw cause;
    throw new StorageError('undecodable-entry', `log entry seq ${keySeq} is undecodable: ${cause.message}`, {
      seq: keySeq,
      cause,
    });
  }
  if (entry.seq !== keySeq) {
    throw new StorageError('misplaced-entry', `log entry stored at seq ${keySeq} claims seq ${entry.seq}`, { seq: keySeq });
  }
  return entry;
}

/** Bytes of the stored head record. */
export function encodeHead(head: LogHead): Uint8Array {
  return new ByteWriter().u8(HEAD_FORMAT).u64(head.seq).bytes(head.entryHash).finish();
}

/** Parses the stored head record; throws 'undecodable-record'. */
export function decodeHead(bytes: Uint8Array): LogHead {
  try {
    return decodeStrict(bytes, (r) => {
      if (r.u8() !== HEAD_FORMAT) throw new CodecError('unknown head format');
      return { seq: r.u64(), entryHash: r.fixedBytes(HASH_BYTES) };
    });
  } catch (cause) {
    if (!(cause instanceof CodecError)) throw cause;
    throw new StorageError('undecodable-record', `log head record is undecodable: ${cause.message}`, { cause });
  }
}
