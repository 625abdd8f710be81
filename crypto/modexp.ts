// Fast modular exponentiation for a fixed modulus through Node's bundled OpenSSL.
//
// BigInt square-and-multiply is 5-7x slower than GMP at 2048-4096 bits. OpenSSL's
// Diffie–Hellman API computes b^e mod p for any odd modulus p (setPrivateKey(e),
// computeSecret(b)), with Montgomery arithmetic in assembly and a constant-time ladder for the
// "private" exponent, which is what secret exponents (key shares, randomness) want. No native
// addon is needed. OpenSSL refuses bases outside [2, p-2] and results of 1 or p-1, and gives
// wrong answers below 512-bit moduli; all of those are handled here exactly.
import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { bigintToBytes, bitLength, byteLength, bytesToBigint } from './bytes.ts';
import { mod, modPowBigint } from './modular.ts';

/** OpenSSL's DH code is unreliable below this size; smaller moduli (tests) use BigInt. */
const MIN_OPENSSL_BITS = 512;

export class ModExp {
  readonly modulus: bigint;
  private readonly dh: DiffieHellman | undefined;
  private readonly size: number;

  constructor(modulus: bigint) {
    if (modulus < 5n || (modulus & 1n) === 0n) throw new RangeError('modulus must be odd and at least 5');
    this.modulus = modulus;
    this.size = byteLength(modulus);
    this.dh = bitLength(modulus) >= MIN_OPENSSL_BITS ? createDiffieHellman(Buffer.from(bigintToBytes(modulus))) : undefined;
  }

  /** base^exponent mod modulus, exponent >= 0. */
  pow(base: bigint, exponent: bigint): bigint {
    if (exponent < 0n) throw new RangeError('negative exponent');
    const m = this.modulus;
    const b = mod(base, m);
    if (exponent === 0n) return 1n;
    if (!this.dh || b < 2n || b === m - 1n) return modPowBigint(b, exponent, m); // small, or 0, 1, -1
    try {
      return this.openssl(b, exponent);
    } catch {
      // OpenSSL refuses a "shared secret" of 0, 1 or m-1. For 1 or m-1, b^(e-1) = ±b^-1 is none
      // of those (b is not 0, 1 or -1), so one more step gives the exact answer; a result of 0
      // (b a zero divisor) is rare enough for plain BigInt.
      try {
        return (this.openssl(b, exponent - 1n) * b) % m;
      } catch {
        return modPowBigint(b, exponent, m);
      }
    }
  }

  private openssl(base: bigint, exponent: bigint): bigint {
    if (exponent === 0n || !this.dh) return modPowBigint(base, exponent, this.modulus);
    this.dh.setPrivateKey(Buffer.from(bigintToBytes(exponent)));
    return bytesToBigint(this.dh.computeSecret(Buffer.from(bigintToBytes(base, this.size))));
  }
}

const cache = new Map<bigint, ModExp>();

/** A shared ModExp per modulus (creating the OpenSSL context costs more than one exponentiation). */
export function modExpFor(modulus: bigint): ModExp {
  let engine = cache.get(modulus);
  if (!engine) {
    if (cache.size > 64) cache.clear();
    engine = new ModExp(modulus);
    cache.set(modulus, engine);
  }
  return engine;
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  return modExpFor(modulus).pow(base, exponent);
}
