// Byte and big-integer conversions shared by every layer. Big-endian, minimal encodings.

export function bigintToBytes(value: bigint, length?: number): Uint8Array {
  if (value < 0n) throw new RangeError('cannot encode a negative integer');
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (value === 0n) hex = '';
  const size = length ?? hex.length / 2;
  if (hex.length / 2 > size) throw new RangeError(`integer needs ${hex.length / 2} bytes, more than ${size}`);
  const out = new Uint8Array(size);
  out.set(Buffer.from(hex, 'hex'), size - hex.length / 2);
  return out;
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
}

export function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

export function byteLength(value: bigint): number {
  return Math.ceil(bitLength(value) / 8);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new TypeError('not lowercase hex of whole bytes');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

// One encoder for the process: constructing one per call costs more than encoding a short string.
const UTF8 = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return UTF8.encode(text);
}

/** Writes text's UTF-8 into `into` (which must have room for 3 bytes per UTF-16 unit); returns the bytes written. */
export function utf8Into(text: string, into: Uint8Array): number {
  return UTF8.encodeInto(text, into).written;
}

/** The length of text's UTF-8 encoding (a lone surrogate counts as U+FFFD, as TextEncoder writes it), without encoding it. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function u32be(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

export function u64be(value: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}
