// A small schema language from which every artifact gets, in one place: its TypeScript type,
// its canonical binary encoding, strict decoding, a JSON view, and structural validation.
//
// Canonical encoding: fields in schema order; integers big-endian of fixed width; strings,
// byte strings and lists prefixed with their length; big integers as minimal big-endian bytes
// with a 2-byte length (no leading zero byte), so every value has exactly one encoding and
// decode(encode(x)) re-encodes to the same bytes. Decoding rejects truncation, trailing bytes,
// non-minimal integers and anything over a field's size limit.
import { bigintToBytes, bytesToBigint, fromHex, toHex, utf8Into, utf8Length } from '../crypto/bytes.ts';
import { ProtocolError } from './errors.ts';

/**
 * What a schema encodes, as data: the field tables of docs/protocol.md are generated from it
 * (scripts/protocol-tables.ts), so the spec cannot drift from the code.
 */
export type SchemaSpec = (
  | { kind: 'uint'; bytes: 1 | 2 | 4 | 8; max: number }
  | { kind: 'bool' }
  | { kind: 'text'; maxBytes: number; pattern?: string }
  | { kind: 'bytes'; length: number }
  | { kind: 'biguint'; maxBits: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; item: SchemaSpec; maxLength: number }
  | { kind: 'struct'; fields: readonly (readonly [string, SchemaSpec])[] }
) & { readonly note?: string };

export interface Schema<T> {
  readonly spec: SchemaSpec;
  encode(value: T, out: Writer): void;
  decode(input: Reader, path: string): T;
  /** Structural check of an in-memory value (as a constructor would get it from code). */
  check(value: unknown, path: string): T;
  toJSON(value: T): unknown;
  fromJSON(json: unknown, path: string): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** Appends into one growing buffer (a manifest has millions of fields: no chunk per field). */
export class Writer {
  private buffer = new Uint8Array(1024);
  private length = 0;
  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
  push(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }
  /** An unsigned integer of 1, 2, 4 or 8 bytes, big-endian (8: value ≤ 2^53 - 1). */
  uint(bytes: 1 | 2 | 4 | 8, value: number): void {
    if (bytes === 8) {
      this.uint(4, Math.floor(value / 2 ** 32));
      this.uint(4, value >>> 0);
      return;
    }
    this.reserve(bytes);
    const b = this.buffer;
    let at = this.length;
    for (let shift = 8 * (bytes - 1); shift >= 0; shift -= 8) b[at++] = (value / 2 ** shift) & 0xff;
    this.length = at;
  }
  /** UTF-8 text after its length as a u16 (the caller checked that it fits). */
  text(value: string): void {
    this.reserve(2 + 3 * value.length);
    const written = utf8Into(value, this.buffer.subarray(this.length + 2));
    this.buffer[this.length] = written >> 8;
    this.buffer[this.length + 1] = written & 0xff;
    this.length += 2 + written;
  }
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

export class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  /** How many bytes have been read. */
  get offset(): number {
    return this.at;
  }
  take(n: number, path: string): Uint8Array {
    if (this.at + n > this.bytes.length) throw new ProtocolError('truncated', path, 'input ends early');
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  uint(bytes: 1 | 2 | 4 | 8, path: string): number {
    if (this.at + bytes > this.bytes.length) throw new ProtocolError('truncated', path, 'input ends early');
    const b = this.bytes;
    let value = 0;
    for (let i = 0; i < bytes; i++) value = value * 256 + b[this.at + i]!;
    this.at += bytes;
    if (value > Number.MAX_SAFE_INTEGER) throw new ProtocolError('out-of-range', path, 'integer exceeds 2^53');
    return value;
  }
  end(path: string): void {
    if (this.at !== this.bytes.length) {
      throw new ProtocolError('trailing-bytes', path, `${this.bytes.length - this.at} unexpected bytes after the value`);
    }
  }
}

// One strict decoder for the process (a new one per string is the slowest part of decoding).
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function wrongType(path: string, expected: string, value: unknown): ProtocolError {
  return new ProtocolError('wrong-type', path, `expected ${expected}, got ${typeName(value)}`);
}

function writeUint(out: Writer, bytes: 1 | 2 | 4 | 8, value: number): void {
  out.uint(bytes, value);
}

/** Unsigned integer of a fixed width; u64 values stay within JavaScript's safe integers. */
export function uint(bytes: 1 | 2 | 4 | 8, max = bytes === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * bytes) - 1): Schema<number> {
  const check = (value: unknown, path: string): number => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(path, 'an integer', value);
    if (value < 0 || value > max) throw new ProtocolError('out-of-range', path, `integer ${value} outside [0, ${max}]`);
    return value;
  };
  return {
    spec: { kind: 'uint', bytes, max },
    encode: (value, out) => writeUint(out, bytes, value),
    decode: (input, path) => check(input.uint(bytes, path), path),
    check,
    toJSON: (value) => value,
    fromJSON: check,
  };
}

export function bool(): Schema<boolean> {
  const check = (value: unknown, path: string): boolean => {
    if (typeof value !== 'boolean') throw wrongType(path, 'a boolean', value);
    return value;
  };
  return {
    spec: { kind: 'bool' },
    encode: (value, out) => writeUint(out, 1, value ? 1 : 0),
    decode: (input, path) => {
      const b = input.uint(1, path);
      if (b > 1) throw new ProtocolError('non-canonical', path, 'boolean byte must be 0 or 1');
      return b === 1;
    },
    check,
    toJSON: (value) => value,
    fromJSON: check,
  };
}

/** UTF-8 text of at most maxBytes bytes, optionally restricted by a pattern. */
export function text(maxBytes: number, pattern?: RegExp): Schema<string> {
  const check = (value: unknown, path: string): string => {
    if (typeof value !== 'string') throw wrongType(path, 'a string', value);
    const size = utf8Length(value);
    if (size > maxBytes) throw new ProtocolError('oversize', path, `string of ${size} bytes exceeds ${maxBytes}`);
    if (pattern && !pattern.test(value)) throw new ProtocolError('out-of-range', path, `"${value.slice(0, 64)}" does not match ${pattern}`);
    return value;
  };
  return {
    spec: pattern ? { kind: 'text', maxBytes, pattern: pattern.source } : { kind: 'text', maxBytes },
    encode: (value, out) => out.text(value),
    decode: (input, path) => {
      const length = input.uint(2, path);
      if (length > maxBytes) throw new ProtocolError('oversize', path, `string of ${length} bytes exceeds ${maxBytes}`);
      const b = input.take(length, path);
      let s: string;
      try {
        s = UTF8_STRICT.decode(b);
      } catch {
        throw new ProtocolError('wrong-type', path, 'string is not valid UTF-8');
      }
      return check(s, path);
    },
    check,
    toJSON: (value) => value,
    fromJSON: check,
  };
}

/** A byte string of exactly `length` bytes (hashes, keys, signatures); hex in JSON. */
export function fixedBytes(length: number): Schema<Uint8Array> {
  const check = (value: unknown, path: string): Uint8Array => {
    if (!(value instanceof Uint8Array)) throw wrongType(path, 'bytes', value);
    if (value.length !== length) throw new ProtocolError('out-of-range', path, `expected ${length} bytes, got ${value.length}`);
    return value;
  };
  return {
    spec: { kind: 'bytes', length },
    encode: (value, out) => out.push(value),
    decode: (input, path) => new Uint8Array(input.take(length, path)),
    check,
    toJSON: (value) => toHex(value),
    fromJSON: (json, path) => {
      if (typeof json !== 'string') throw wrongType(path, 'a hex string', json);
      let b: Uint8Array;
      try {
        b = fromHex(json);
      } catch {
        throw new ProtocolError('wrong-type', path, 'not lowercase hex');
      }
      return check(b, path);
    },
  };
}

/** A non-negative integer of at most maxBits bits; minimal big-endian bytes; hex in JSON. */
export function bigUint(maxBits: number): Schema<bigint> {
  const maxBytes = Math.ceil(maxBits / 8);
  const limit = 1n << BigInt(maxBits);
  const check = (value: unknown, path: string): bigint => {
    if (typeof value !== 'bigint') throw wrongType(path, 'a big integer', value);
    if (value < 0n) throw new ProtocolError('out-of-range', path, 'negative integer');
    if (value >= limit) throw new ProtocolError('oversize', path, `integer exceeds ${maxBits} bits`);
    return value;
  };
  return {
    spec: { kind: 'biguint', maxBits },
    encode: (value, out) => {
      const b = bigintToBytes(value);
      writeUint(out, 2, b.length);
      out.push(b);
    },
    decode: (input, path) => {
      const length = input.uint(2, path);
      if (length > maxBytes) throw new ProtocolError('oversize', path, `integer of ${length} bytes exceeds ${maxBytes}`);
      const b = input.take(length, path);
      if (length > 0 && b[0] === 0) throw new ProtocolError('non-canonical', path, 'integer has a leading zero byte');
      return check(bytesToBigint(b), path);
    },
    check,
    toJSON: (value) => value.toString(16),
    fromJSON: (json, path) => {
      if (typeof json !== 'string' || !/^[0-9a-f]+$/.test(json)) throw wrongType(path, 'a lowercase hex integer', json);
      if (json.length > 1 && json.startsWith('0')) throw new ProtocolError('non-canonical', path, 'hex integer has a leading zero');
      return check(BigInt('0x' + json), path);
    },
  };
}

export function oneOf<const V extends readonly string[]>(values: V): Schema<V[number]> {
  const check = (value: unknown, path: string): V[number] => {
    if (typeof value !== 'string') throw wrongType(path, 'a string', value);
    if (!values.includes(value)) throw new ProtocolError('out-of-range', path, `"${value}" is not one of ${values.join(', ')}`);
    return value as V[number];
  };
  return {
    spec: { kind: 'enum', values },
    encode: (value, out) => writeUint(out, 1, values.indexOf(value)),
    decode: (input, path) => {
      const i = input.uint(1, path);
      const v = values[i];
      if (v === undefined) throw new ProtocolError('out-of-range', path, `enum index ${i} is unknown`);
      return v;
    },
    check,
    toJSON: (value) => value,
    fromJSON: check,
  };
}

export function list<T>(item: Schema<T>, maxLength: number): Schema<T[]> {
  const sized = (length: number, path: string): void => {
    if (length > maxLength) throw new ProtocolError('oversize', path, `list of ${length} items exceeds ${maxLength}`);
  };
  return {
    spec: { kind: 'list', item: item.spec, maxLength },
    encode: (value, out) => {
      writeUint(out, 4, value.length);
      for (const v of value) item.encode(v, out);
    },
    decode: (input, path) => {
      const length = input.uint(4, path);
      sized(length, path);
      const out: T[] = [];
      for (let i = 0; i < length; i++) out.push(item.decode(input, `${path}[${i}]`));
      return out;
    },
    check: (value, path) => {
      if (!Array.isArray(value)) throw wrongType(path, 'a list', value);
      sized(value.length, path);
      return value.map((v, i) => item.check(v, `${path}[${i}]`));
    },
    toJSON: (value) => value.map((v) => item.toJSON(v)),
    fromJSON: (json, path) => {
      if (!Array.isArray(json)) throw wrongType(path, 'a list', json);
      sized(json.length, path);
      return json.map((v, i) => item.fromJSON(v, `${path}[${i}]`));
    },
  };
}

type Fields = Record<string, Schema<any>>;
export type StructOf<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

export function struct<F extends Fields>(fields: F): Schema<StructOf<F>> & { fields: F } {
  const names = Object.keys(fields);
  const join = (path: string, name: string): string => (path ? `${path}.${name}` : name);
  const visit = (value: unknown, path: string, each: (schema: Schema<unknown>, v: unknown, p: string) => unknown): StructOf<F> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      throw wrongType(path, 'an object', value);
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(fields, key)) throw new ProtocolError('unknown-field', join(path, key), 'unknown field');
    }
    const out: Record<string, unknown> = {};
    for (const name of names) {
      if (!(name in record) || record[name] === undefined) throw new ProtocolError('missing-field', join(path, name), 'missing field');
      out[name] = each(fields[name]!, record[name], join(path, name));
    }
    return out as StructOf<F>;
  };
  return {
    spec: { kind: 'struct', fields: names.map((name) => [name, fields[name]!.spec] as const) },
    fields,
    encode: (value, out) => {
      for (const name of names) fields[name]!.encode(value[name], out);
    },
    decode: (input, path) => {
      const out: Record<string, unknown> = {};
      for (const name of names) out[name] = fields[name]!.decode(input, join(path, name));
      return out as StructOf<F>;
    },
    check: (value, path) => visit(value, path, (s, v, p) => s.check(v, p)),
    toJSON: (value) => Object.fromEntries(names.map((name) => [name, fields[name]!.toJSON(value[name])])),
    fromJSON: (json, path) => visit(json, path, (s, v, p) => s.fromJSON(v, p)),
  };
}

/** The same schema with a note on what the field means, printed in docs/protocol.md's field tables. */
export function note<T>(schema: Schema<T>, text: string): Schema<T> {
  return { ...schema, spec: { ...schema.spec, note: text } };
}

/** Canonical bytes of a value (checked first, so malformed values never get encoded). */
export function encode<T>(schema: Schema<T>, value: T, path = ''): Uint8Array {
  const checked = schema.check(value, path);
  const out = new Writer();
  schema.encode(checked, out);
  return out.finish();
}

/** Strict decode of exactly one value; rejects trailing bytes. */
export function decode<T>(schema: Schema<T>, bytes: Uint8Array, path = ''): T {
  if (!(bytes instanceof Uint8Array)) throw wrongType(path, 'bytes', bytes);
  const input = new Reader(bytes);
  const value = schema.decode(input, path);
  input.end(path);
  return value;
}

/** A list of fixed-size byte strings (hash lists). */
export function bytesList(length: number, maxLength: number): Schema<Uint8Array[]> {
  return list(fixedBytes(length), maxLength);
}
