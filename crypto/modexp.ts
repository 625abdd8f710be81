// Fast modular exponentiation for a fixed modulus: Node's bundled OpenSSL for secret exponents,
// the native Montgomery kernel (crypto/native-bignum.ts) for public ones.
//
// BigInt square-and-multiply is 5-7x slower than GMP at 2048-4096 bits. OpenSSL's
// Diffie–Hellman API computes b^e mod p for any odd modulus p (setPrivateKey(e),
// computeSecret(b)), with Montgomery arithmetic in assembly and a constant-time ladder for the
// "private" exponent, which is what secret exponents (key shares, randomness) want. No native
// addon is needed. OpenSSL refuses bases outside [2, p-2] and results of 1 or p-1, and gives
// wrong answers below 512-bit moduli; all of those are handled here exactly.
//
// pow() is for secret exponents (key shares, nonces, lambda) and stays constant-time: OpenSSL's
// ladder from 512 bits up (measured 1.3-1.6x faster than the native constant-time window at 4096
// bits; see PREFER_NATIVE_SECRET), the native constant-time window below 512 bits, where it used
// to be plain BigInt. powPublic() is for public exponents (responses, Lagrange coefficients, n):
// OpenSSL too where it works (also faster than the native sliding window), else native. Where the
// addon wins is in what OpenSSL's API cannot do: fixed-base tables (crypto/fixed-base.ts), two
// secret powers of one base sharing their squarings (powPair), many public powers of one base
// (powManyPublic) and cheap multiplications (mul). Without the addon all of these fall back to
// OpenSSL / BigInt as before, with the same results.
import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { bigintToBytes, bitLength, byteLength, bytesToBigint } from './bytes.ts';
import { mod, modPowBigint } from './modular.ts';
import { montgomeryFor, type NativeMontgomery } from './native-bignum.ts';

/** OpenSSL's DH code is unreliable below this size; smaller moduli (tests) use BigInt or the addon. */
const MIN_OPENSSL_BITS = 512;
/** Use the native constant-time exponentiation for secret exponents even where OpenSSL works. */
const PREFER_NATIVE_SECRET = false;

export interface ModExpOptions {
  /** false forces OpenSSL / BigInt even when the addon is loaded (tests, comparisons). */
  native?: boolean;
}

export class ModExp {
  readonly modulus: bigint;
  private readonly dh: DiffieHellman | undefined;
  private readonly size: number;
  private readonly native: NativeMontgomery | undefined;

  constructor(modulus: bigint, options: ModExpOptions = {}) {
    if (modulus < 5n || (modulus & 1n) === 0n) throw new RangeError('modulus must be odd and at least 5');
    this.modulus = modulus;
    this.size = byteLength(modulus);
    this.dh = bitLength(modulus) >= MIN_OPENSSL_BITS ? createDiffieHellman(Buffer.from(bigintToBytes(modulus))) : undefined;
    this.native = options.native === false ? undefined : montgomeryFor(modulus);
  }

  /** Whether the native kernel serves this modulus. */
  get isNative(): boolean {
    return this.native !== undefined;
  }

  /**
   * base^exponent mod modulus for a secret exponent >= 0, in constant time (bits: a public bound
   * on the exponent's length for the native path; by default its length rounded up to 64 bits).
   */
  pow(base: bigint, exponent: bigint, bits?: number): bigint {
    if (exponent < 0n) throw new RangeError('negative exponent');
    const m = this.modulus;
    const b = reduce(base, m);
    if (exponent === 0n) return 1n;
    if (this.native && (PREFER_NATIVE_SECRET || !this.dh)) return this.native.powSecret(b, exponent, bits ?? wordBits(exponent));
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

  /**
   * [base^e1, base^e2] mod modulus for two secret exponents below 2^bits (bits public), in constant
   * time. Natively one chain of squarings serves both (measured ~0.8x the cost of two OpenSSL
   * calls at 4096 bits); otherwise two calls of pow.
   */
  powPair(base: bigint, e1: bigint, e2: bigint, bits: number): [bigint, bigint] {
    if (e1 < 0n || e2 < 0n) throw new RangeError('negative exponent');
    if (!this.native) return [this.pow(base, e1, bits), this.pow(base, e2, bits)];
    return this.native.powSecretPair(reduce(base, this.modulus), e1, e2, bits);
  }

  /**
   * [base^e mod modulus for each e] for public exponents >= 0. Natively one chain of squarings
   * serves them all (Yao's method): ~2x faster than one OpenSSL call each for 4 challenges.
   */
  powManyPublic(base: bigint, exponents: readonly bigint[]): bigint[] {
    for (const e of exponents) if (e < 0n) throw new RangeError('negative exponent');
    if (!this.native || exponents.length < 2) return exponents.map((e) => this.powPublic(base, e));
    return this.native.powManyPublic(reduce(base, this.modulus), exponents);
  }

  /** base^exponent mod modulus for a public exponent >= 0: the fastest available, possibly variable time. */
  powPublic(base: bigint, exponent: bigint): bigint {
    // OpenSSL's single exponentiation measured 7-15% faster than the native sliding window at
    // 4096 bits (128- to 4481-bit exponents), so the native one serves only where OpenSSL does not.
    if (!this.native || this.dh) return this.pow(base, exponent);
    if (exponent < 0n) throw new RangeError('negative exponent');
    return this.native.pow(reduce(base, this.modulus), exponent);
  }

  /** a * b mod modulus. */
  mul(a: bigint, b: bigint): bigint {
    const m = this.modulus;
    if (!this.native) return mod(a * b, m);
    return this.native.mul(reduce(a, m), reduce(b, m));
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

/** base^exponent mod modulus for a secret (or any) exponent: constant time. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint, bits?: number): bigint {
  return modExpFor(modulus).pow(base, exponent, bits);
}

/** base^exponent mod modulus for a public exponent: variable time, faster. */
export function modPowPublic(base: bigint, exponent: bigint, modulus: bigint): bigint {
  return modExpFor(modulus).powPublic(base, exponent);
}

/** x mod m, skipping the division (~15 µs at 4096 bits) when x is already reduced. */
function reduce(x: bigint, m: bigint): bigint {
  return x >= 0n && x < m ? x : mod(x, m);
}

/** The exponent's length rounded up to whole 64-bit words: all that a default bound reveals. */
function wordBits(exponent: bigint): number {
  return Math.max(64, Math.ceil((exponent.toString(16).length * 4) / 64) * 64);
}
