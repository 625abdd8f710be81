// Binary key layouts. Sequence numbers are big-endian u64 so that LevelDB's byte order is numeric
// order; string-prefixed keys frame the string with its length so no prefix is another's prefix.
import { concatBytes, toHex, u32be, u64be } from '../crypto/bytes.ts';
import { CodecError, strictUtf8 } from './binary-codec.ts';
import { StorageError } from './storage-error.ts';

/** Big-endian u64 key of a sequence number or position. */
export function seqKey(seq: number): Uint8Array {
  return u64be(seq);
}

/** The number in a big-endian u64 key or value; throws CodecError if it is not 8 bytes. */
export function readSeq(bytes: Uint8Array): number {
  if (bytes.length !== 8) throw new CodecError(`sequence number is ${bytes.length} bytes, expected 8`);
  const value = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError('sequence number exceeds the safe integer range');
  return Number(value);
}

/** UTF-8 key bytes of a caller-supplied string; rejects empty and non-round-tripping strings. */
export function textKey(text: string, what: string): Uint8Array {
  const bytes = text.length > 0 ? strictUtf8(text) : undefined;
  if (bytes === undefined) throw new StorageError('invalid-argument', `${what} must be a non-empty, well-formed string`);
  return bytes;
}

/** u32 length || UTF-8 bytes: the prefix of every key in a string-grouped index. */
export function framedPrefix(text: string, what: string): Uint8Array {
  const bytes = textKey(text, what);
  return concatBytes(u32be(bytes.length), bytes);
}

/** Key `prefix || u64be(seq)`: groups by prefix, orders by seq inside the group. */
export function groupedSeqKey(prefix: Uint8Array, seq: number): Uint8Array {
  return concatBytes(prefix, u64be(seq));
}

/** The seq at the end of a grouped key. */
export function groupedSeq(key: Uint8Array): number {
  return readSeq(key.subarray(key.length - 8));
}

/** "seq N" for the u64 at the end of a key, for error messages; the hex if it is unreadable. */
export function describeSeqKey(key: Uint8Array): string {
  try {
    return `seq ${groupedSeq(key)}`;
  } catch {
    return `key ${toHex(key)}`;
  }
}

/** Checks that `value` is a non-negative (or, with min 1, positive) safe integer. */
export function assertSeq(value: number, what: string, min = 1): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new StorageError('invalid-argument', `${what} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/** Checks that `hash` is a 32-byte SHA-256 digest. */
export function assertHash(hash: Uint8Array, what: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) {
    throw new StorageError('invalid-argument', `${what} must be 32 bytes`);
  }
}
