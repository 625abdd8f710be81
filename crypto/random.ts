// Uniform random integers from the operating system's CSPRNG.
import { randomBytes } from 'node:crypto';
import { bitLength, bytesToBigint } from './bytes.ts';

/** Uniform in [0, 2^bits). */
export function randomBits(bits: number): bigint {
  if (!Number.isInteger(bits) || bits <= 0) throw new RangeError('bits must be a positive integer');
  const bytes = randomBytes(Math.ceil(bits / 8));
  return bytesToBigint(bytes) >> BigInt(bytes.length * 8 - bits);
}

/** Uniform in [0, bound), by rejection sampling (no modulo bias). */
export function randomBelow(bound: bigint): bigint {
  if (bound <= 0n) throw new RangeError('bound must be positive');
  const bits = bitLength(bound);
  for (;;) {
    const candidate = randomBits(bits);
    if (candidate < bound) return candidate;
  }
}
