// SHA-256 with domain separation. Every hash in TallyMesh goes through here, so that two
// different purposes can never produce colliding inputs: the domain tag and every part are
// length-prefixed before hashing.
import { createHash, createHmac } from 'node:crypto';
import { bigintToBytes, bytesToBigint, u32be, utf8 } from './bytes.ts';

export type HashPart = Uint8Array | string | bigint | number;

function partBytes(part: HashPart): Uint8Array {
  if (typeof part === 'string') return utf8(part);
  if (typeof part === 'bigint') {
    if (part < 0n) throw new RangeError('hash parts must be non-negative integers');
    return bigintToBytes(part);
  }
  if (typeof part === 'number') {
    if (!Number.isSafeInteger(part) || part < 0) throw new RangeError('hash parts must be non-negative integers');
    return bigintToBytes(BigInt(part));
  }
  return part;
}

/** SHA-256 of plain bytes, no framing. For content hashes whose framing is the domain prefix. */
export function sha256(...chunks: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return new Uint8Array(h.digest());
}

/** HMAC-SHA-256 (RFC 2104) of the message under the key: a keyed commitment nobody without the key can recompute. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(message).digest());
}

/** SHA-256(len(domain) || domain || len(p1) || p1 || ...): unambiguous framing of every part. */
export function hashParts(domain: string, ...parts: HashPart[]): Uint8Array {
  const h = createHash('sha256');
  const d = utf8(domain);
  h.update(u32be(d.length)).update(d);
  for (const part of parts) {
    const b = partBytes(part);
    h.update(u32be(b.length)).update(b);
  }
  return new Uint8Array(h.digest());
}

/**
 * An integer of `bits` bits derived from the parts (counter-mode SHA-256 expansion), used for
 * Fiat–Shamir challenges and for nothing-up-my-sleeve constants.
 */
export function hashToInt(bits: number, domain: string, ...parts: HashPart[]): bigint {
  const blocks = Math.ceil(bits / 256);
  const seed = hashParts(domain, ...parts);
  const out: Uint8Array[] = [];
  for (let i = 0; i < blocks; i++) out.push(hashParts('tallymesh/expand', seed, i));
  const value = bytesToBigint(new Uint8Array(Buffer.concat(out)));
  return value >> BigInt(blocks * 256 - bits);
}
