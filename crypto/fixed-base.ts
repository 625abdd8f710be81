// Fixed-base exponentiation with a precomputed table (one window of `window` bits per row):
// table[i][d] = base^(d * 2^(window*i)), so base^e costs one multiplication per window and
// no squarings. Worth it for the bases used thousands of times: the encryption base hs and the
// threshold verification base v.
import { bitLength } from './bytes.ts';

export class FixedBaseTable {
  readonly base: bigint;
  readonly modulus: bigint;
  readonly maxBits: number;
  private readonly window: number;
  private readonly rows: bigint[][];

  constructor(base: bigint, modulus: bigint, maxBits: number, window = 8) {
    this.base = base % modulus;
    this.modulus = modulus;
    this.maxBits = maxBits;
    this.window = window;
    const rowCount = Math.ceil(maxBits / window);
    const size = 1 << window;
    this.rows = [];
    let rowBase = this.base;
    for (let i = 0; i < rowCount; i++) {
      const row: bigint[] = new Array(size);
      row[0] = 1n;
      for (let d = 1; d < size; d++) row[d] = (row[d - 1]! * rowBase) % modulus;
      this.rows.push(row);
      rowBase = (row[size - 1]! * rowBase) % modulus; // base^(2^(window*(i+1)))
    }
  }

  /** base^exponent mod modulus for 0 <= exponent < 2^maxBits. */
  pow(exponent: bigint): bigint {
    if (exponent < 0n) throw new RangeError('negative exponent');
    if (bitLength(exponent) > this.maxBits) {
      throw new RangeError(`exponent of ${bitLength(exponent)} bits exceeds the table's ${this.maxBits}`);
    }
    const mask = BigInt((1 << this.window) - 1);
    const w = BigInt(this.window);
    let result = 1n;
    let e = exponent;
    for (let i = 0; e > 0n; i++, e >>= w) {
      const digit = Number(e & mask);
      if (digit !== 0) result = (result * this.rows[i]![digit]!) % this.modulus;
    }
    return result;
  }
}
