// Strict binary records: fixed-width big-endian integers and u32-length-prefixed fields.
// Readers reject truncation, oversize lengths, invalid UTF-8 and trailing bytes, so every stored
// record has exactly one encoding and corruption surfaces as an error instead of a wrong value.
import { concatBytes, u32be, u64be } from '../crypto/bytes.ts';
import { TallyMeshError } from '../errors/tallymesh-error.ts';

/** A record that does not parse; callers turn it into a StorageError naming the key. */
export class CodecError extends TallyMeshError {
  override readonly name = 'CodecError';
  constructor(message: string) {
    super('undecodable', message);
  }
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * UTF-8 bytes of a string that must round-trip (no lone surrogates), so two different strings
 * can never share a key. Returns undefined for strings that would not round-trip.
 */
export function strictUtf8(text: string): Uint8Array | undefined {
  const bytes = new TextEncoder().encode(text);
  return strictDecoder.decode(bytes) === text ? bytes : undefined;
}

/** Builds one record; `finish()` returns the concatenated bytes. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];

  u8(value: number): this {
    this.parts.push(Uint8Array.of(value));
    return this;
  }

  u64(value: number): this {
    this.parts.push(u64be(value));
    return this;
  }

  bytes(value: Uint8Array): this {
    this.parts.push(u32be(value.length), value);
    return this;
  }

  string(value: string): this {
    const bytes = strictUtf8(value);
    if (bytes === undefined) throw new CodecError('string is not well-formed UTF-16');
    return this.bytes(bytes);
  }

  finish(): Uint8Array {
    return concatBytes(...this.parts);
  }
}

/** Reads one record front to back; `end()` asserts nothing is left over. */
export class ByteReader {
  private readonly view: Uint8Array;
  private offset = 0;

  constructor(bytes: Uint8Array) {
    // A plain Uint8Array view, so that slices are copies and never Buffers sharing memory.
    this.view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  u64(): number {
    const raw = this.take(8);
    const value = new DataView(raw.buffer, raw.byteOffset, 8).getBigUint64(0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError('u64 exceeds the safe integer range');
    return Number(value);
  }

  bytes(): Uint8Array {
    const lengthBytes = this.take(4);
    const length = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 4).getUint32(0);
    return this.take(length);
  }

  /** A length-prefixed field that must be exactly `length` bytes long (e.g. a SHA-256 hash). */
  fixedBytes(length: number): Uint8Array {
    const value = this.bytes();
    if (value.length !== length) throw new CodecError(`field is ${value.length} bytes, expected ${length}`);
    return value;
  }

  string(): string {
    try {
      return strictDecoder.decode(this.bytes());
    } catch (error) {
      if (error instanceof CodecError) throw error;
      throw new CodecError('string field is not valid UTF-8');
    }
  }

  end(): void {
    const left = this.view.length - this.offset;
    if (left !== 0) throw new CodecError(`${left} trailing bytes`);
  }

  private take(length: number): Uint8Array {
    if (length > this.view.length - this.offset) {
      throw new CodecError(`truncated: needs ${length} bytes at offset ${this.offset} of ${this.view.length}`);
    }
    const out = this.view.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
}

/** Parses `bytes` with `read`, which must consume the whole record. */
export function decodeStrict<T>(bytes: Uint8Array, read: (reader: ByteReader) => T): T {
  const reader = new ByteReader(bytes);
  const value = read(reader);
  reader.end();
  return value;
}
