// Fixed-base exponentiation with a precomputed table (one window of `window` bits per row):
// table[i][d] = base^(d * 2^(window*i)), so base^e costs one multiplication per window and
// no squarings. Worth it for the bases used thousands of times: the encryption base hs and the
// threshold verification base v.
//
// The table lives in the native Montgomery kernel when it is loaded (crypto/native-bignum.ts),
// otherwise in BigInt rows as before. pow() is for public exponents (variable time). powSecret()
// is for secret ones (encryption randomness, proof nonces): natively it reads every candidate
// entry of each row with masks (constant time); the BigInt fallback indexes the table by the
// secret digits exactly as this class always did, which is not constant-time.
import { mod } from './modular.ts';
import { NATIVE_MAX_WINDOW, montgomeryFor, nativeBignum, type NativeFixedBase } from './native-bignum.ts';

export interface FixedBaseOptions {
  /** false forces the BigInt table even when the addon is loaded (tests, comparisons). */
  native?: boolean;
}

export class FixedBaseTable {
  readonly base: bigint;
  readonly modulus: bigint;
  readonly maxBits: number;
  private readonly window: number;
  private readonly rows: bigint[][] | undefined;
  private readonly native: NativeFixedBase | undefined;

  constructor(base: bigint, modulus: bigint, maxBits: number, window = 8, options: FixedBaseOptions = {}) {
    if (!Number.isSafeInteger(maxBits) || maxBits < 1) throw new RangeError('maxBits must be a positive integer');
    if (!Number.isSafeInteger(window) || window < 1 || window > 24) throw new RangeError('window must be an integer in 1..24');
    this.base = mod(base, modulus);
    this.modulus = modulus;
    this.maxBits = maxBits;
    this.window = window;
    const ctx = options.native === false || window > NATIVE_MAX_WINDOW ? undefined : montgomeryFor(modulus);
    if (ctx) {
      this.native = new nativeBignum!.FixedBase(ctx, this.base, maxBits, window);
      this.rows = undefined;
      return;
    }
    this.native = undefined;
    const rowCount = Math.ceil(maxBits / window);
    const size = 1 << window;
    this.rows = [];
    let rowBase = this.base;
    for (let i = 0; i < rowCount; i++) {
      const row: bigint[] = new Array(size);
      row[0] = 1n % modulus;
      for (let d = 1; d < size; d++) row[d] = (row[d - 1]! * rowBase) % modulus;
      this.rows.push(row);
      rowBase = (row[size - 1]! * rowBase) % modulus; // base^(2^(window*(i+1)))
    }
  }

  /** Whether the table is held by the native kernel. */
  get isNative(): boolean {
    return this.native !== undefined;
  }

  /** base^exponent mod modulus for 0 <= exponent < 2^maxBits. Variable time: public exponents. */
  pow(exponent: bigint): bigint {
    this.check(exponent, this.maxBits);
    if (this.native) return this.native.pow(exponent);
    return this.bigintPow(exponent);
  }

  /**
   * base^exponent for a secret 0 <= exponent < 2^bits, where bits (default maxBits) is public.
   * Constant time in the native kernel; the BigInt fallback is the variable-time pow.
   */
  powSecret(exponent: bigint, bits: number = this.maxBits): bigint {
    if (!Number.isSafeInteger(bits) || bits < 1 || bits > this.maxBits) throw new RangeError(`bits must be an integer in 1..${this.maxBits}`);
    this.check(exponent, bits);
    if (this.native) return this.native.powSecret(exponent, bits);
    return this.bigintPow(exponent);
  }

  private check(exponent: bigint, bits: number): void {
    if (exponent < 0n) throw new RangeError('negative exponent');
    // Compared with a bound, not measured: the exponent may be secret, and the message must not describe it.
    if (exponent >> BigInt(bits) !== 0n) throw new RangeError(`exponent exceeds ${bits === this.maxBits ? "the table's" : 'the stated'} ${bits} bits`);
  }

  private bigintPow(exponent: bigint): bigint {
    const mask = BigInt((1 << this.window) - 1);
    const w = BigInt(this.window);
    let result = 1n % this.modulus;
    let e = exponent;
    for (let i = 0; e > 0n; i++, e >>= w) {
      const digit = Number(e & mask);
      if (digit !== 0) result = (result * this.rows![i]![digit]!) % this.modulus;
    }
    return result;
  }
}

/**
 * One table per (base, modulus, maxBits, window) in this thread, built on first use. Tables are
 * immutable, so every user of an election's key shares them: a process running many nodes of one
 * election (a simulation's shard) holds one hs table (~21 MB at 2048 bits, 8-bit window) instead
 * of one per node. Bounded: past a few keys the cache starts over (holders keep theirs).
 */
const shared = new Map<string, FixedBaseTable>();
const SHARED_TABLES = 8;

export function sharedFixedBaseTable(base: bigint, modulus: bigint, maxBits: number, window = 8): FixedBaseTable {
  const key = `${modulus.toString(16)}:${base.toString(16)}:${maxBits}:${window}`;
  let table = shared.get(key);
  if (!table) {
    if (shared.size >= SHARED_TABLES) shared.clear();
    table = new FixedBaseTable(base, modulus, maxBits, window);
    shared.set(key, table);
  }
  return table;
}
