import { generatePrimeSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bitLength } from '../../../crypto/bytes.ts';
import { FixedBaseTable, sharedFixedBaseTable } from '../../../crypto/fixed-base.ts';
import { ModExp, modExpFor, modPow } from '../../../crypto/modexp.ts';
import { modPowBigint } from '../../../crypto/modular.ts';
import { randomBelow, randomBits } from '../../../crypto/random.ts';

/** A random odd modulus of exactly `bits` bits. */
function randomOddModulus(bits: number): bigint {
  return randomBits(bits) | (1n << BigInt(bits - 1)) | 1n;
}

function agree(engine: ModExp, base: bigint, exponent: bigint): void {
  const expected = modPowBigint(base, exponent, engine.modulus);
  expect(engine.pow(base, exponent), `base ${base.toString(16).slice(0, 16)}… exponent bits ${bitLength(exponent)}`).toBe(expected);
}

describe('ModExp agrees with modPowBigint on random inputs', () => {
  const cases: [bits: number, rounds: number][] = [
    [512, 12],
    [1024, 8],
    [2048, 4],
    [4096, 2],
  ];
  for (const [bits, rounds] of cases) {
    it(`${bits}-bit moduli`, () => {
      for (let r = 0; r < rounds; r++) {
        const m = randomOddModulus(bits);
        const engine = new ModExp(m);
        expect(bitLength(engine.modulus)).toBe(bits);
        agree(engine, randomBelow(m), randomBits(bits)); // full-size exponent
        agree(engine, randomBelow(m), randomBits(64)); // short exponent (challenges)
        agree(engine, randomBelow(m), 1n + randomBits(7));
        if (bits <= 1024) agree(engine, randomBelow(m), randomBits(2 * bits + 13)); // exponent above the modulus
        agree(engine, m + randomBelow(m), randomBits(100)); // base above the modulus
        agree(engine, -randomBelow(m), randomBits(100)); // negative base
      }
    });
  }

  it('on the square of a 1024-bit modulus (the Paillier n^2 case)', () => {
    const n = randomOddModulus(1024);
    const engine = new ModExp(n * n);
    for (let r = 0; r < 4; r++) agree(engine, randomBelow(n * n), randomBits(1024 + 300));
  });

  it('modPow and modExpFor give the same answers and share one engine per modulus', () => {
    const m = randomOddModulus(768);
    expect(modExpFor(m)).toBe(modExpFor(m));
    const b = randomBelow(m);
    const e = randomBits(500);
    expect(modPow(b, e, m)).toBe(modPowBigint(b, e, m));
  });
});

describe('ModExp edge cases', () => {
  const m1024 = randomOddModulus(1024);
  const engine = new ModExp(m1024);

  it('exponent 0 gives 1, for any base including 0', () => {
    for (const b of [0n, 1n, 2n, m1024 - 1n, randomBelow(m1024)]) expect(engine.pow(b, 0n)).toBe(1n);
    expect(modPowBigint(0n, 0n, m1024)).toBe(1n);
  });

  it('base 0 gives 0 for a positive exponent', () => {
    for (const e of [1n, 2n, 65537n, randomBits(1024)]) agree(engine, 0n, e);
    expect(engine.pow(0n, 5n)).toBe(0n);
    expect(engine.pow(m1024, 5n)).toBe(0n); // base = m reduces to 0
  });

  it('base 1 gives 1', () => {
    for (const e of [1n, 2n, randomBits(1024)]) expect(engine.pow(1n, e)).toBe(1n);
    expect(engine.pow(m1024 + 1n, 7n)).toBe(1n);
  });

  it('base m-1 gives 1 for even and m-1 for odd exponents', () => {
    expect(engine.pow(m1024 - 1n, 2n)).toBe(1n);
    expect(engine.pow(m1024 - 1n, 3n)).toBe(m1024 - 1n);
    expect(engine.pow(-1n, (randomBits(1000) << 1n) | 1n)).toBe(m1024 - 1n);
    agree(engine, m1024 - 1n, randomBits(1024));
  });

  it('exponent 1 gives the base back, including small bases (results with leading zero bytes)', () => {
    for (const b of [2n, 3n, 255n, 65536n, m1024 - 2n]) expect(engine.pow(b, 1n)).toBe(b);
    expect(engine.pow(2n, 10n)).toBe(1024n);
    expect(engine.pow(2n, 1000n)).toBe(1n << 1000n);
  });

  it('results equal to 1 from bases other than 1: (n+1)^n mod n^2 and Fermat', () => {
    const n = randomOddModulus(1024);
    const n2 = n * n;
    expect(new ModExp(n2).pow(n + 1n, n)).toBe(1n);
    expect(new ModExp(n2).pow(n + 1n, 3n * n)).toBe(1n);
    const p = generatePrimeSync(600, { bigint: true });
    const e = new ModExp(p);
    expect(e.pow(2n, p - 1n)).toBe(1n);
    expect(e.pow(randomBelow(p - 3n) + 2n, p - 1n)).toBe(1n);
  });

  it('results equal to m-1 from bases other than m-1: (-(n+1))^n mod n^2 and Euler', () => {
    const n = randomOddModulus(1024);
    const n2 = n * n;
    expect(new ModExp(n2).pow(n2 - n - 1n, n)).toBe(n2 - 1n);
    const p = generatePrimeSync(600, { bigint: true });
    const half = (p - 1n) / 2n;
    // A quadratic non-residue x has x^((p-1)/2) = -1 mod p (Euler's criterion).
    let x = 2n;
    while (modPowBigint(x, half, p) !== p - 1n) x++;
    expect(new ModExp(p).pow(x, half)).toBe(p - 1n);
  });

  it('results equal to 1 or m-1 reached from an inverse pair (b^-1 * b)', () => {
    const p = generatePrimeSync(520, { bigint: true });
    const e = new ModExp(p);
    const b = randomBelow(p - 3n) + 2n;
    const order = p - 1n;
    expect(e.pow(b, order)).toBe(1n);
    expect(e.pow(b, 2n * order)).toBe(1n);
    agree(e, b, order - 1n); // b^-1
  });

  it('powers of a zero divisor that vanish mod m (n^3 mod n^2 = 0)', () => {
    const n = randomOddModulus(1024);
    const e = new ModExp(n * n);
    expect(e.pow(n, 2n)).toBe(0n);
    expect(e.pow(n, 3n)).toBe(0n);
    expect(e.pow(5n * n, 4n)).toBe(0n);
  });

  it('moduli under 512 bits (BigInt path) agree, including the edge cases', () => {
    for (const m of [5n, 7n, 9n, 15n, 2n ** 61n - 1n, randomOddModulus(100), randomOddModulus(256), randomOddModulus(511)]) {
      const small = new ModExp(m);
      for (const b of [0n, 1n, 2n, m - 1n, m - 2n, randomBelow(m), -3n, m + 4n]) {
        for (const exp of [0n, 1n, 2n, 3n, randomBits(20), randomBits(600)]) agree(small, b, exp);
      }
    }
  });

  it('the 512-bit boundary: a 511-bit and a 512-bit modulus both agree', () => {
    for (const bits of [511, 512, 513]) {
      const m = randomOddModulus(bits);
      const e = new ModExp(m);
      for (let i = 0; i < 4; i++) agree(e, randomBelow(m), randomBits(bits));
      agree(e, m - 1n, 3n);
      agree(e, 1n, 3n);
    }
  });

  it('refuses an even modulus, a modulus below 5 and a negative exponent', () => {
    expect(() => new ModExp(1024n)).toThrow(RangeError);
    expect(() => new ModExp(randomOddModulus(1024) + 1n)).toThrow(RangeError);
    expect(() => new ModExp(3n)).toThrow(RangeError);
    expect(() => new ModExp(1n)).toThrow(RangeError);
    expect(() => engine.pow(2n, -1n)).toThrow(RangeError);
    expect(() => new ModExp(7n).pow(2n, -1n)).toThrow(RangeError);
  });
});

describe('FixedBaseTable', () => {
  it('agrees with modPowBigint on random exponents (1024-bit modulus, several windows)', () => {
    const m = randomOddModulus(1024);
    const base = randomBelow(m);
    for (const window of [1, 3, 6, 8]) {
      const table = new FixedBaseTable(base, m, 300, window);
      for (let i = 0; i < 6; i++) {
        const e = randomBits(1 + (i * 59) % 300);
        expect(table.pow(e)).toBe(modPowBigint(base, e, m));
      }
    }
  });

  it('agrees on a 2048-bit modulus at the full exponent size', () => {
    const m = randomOddModulus(2048);
    const base = randomBelow(m);
    const table = new FixedBaseTable(base, m, 769);
    for (let i = 0; i < 3; i++) {
      const e = randomBits(769);
      expect(table.pow(e)).toBe(modPowBigint(base, e, m));
    }
  });

  it('handles exponent 0, 1 and the largest exponent 2^maxBits - 1 (maxBits not a multiple of the window)', () => {
    const m = randomOddModulus(512);
    const base = randomBelow(m);
    const table = new FixedBaseTable(base, m, 100, 8);
    expect(table.pow(0n)).toBe(1n);
    expect(table.pow(1n)).toBe(base);
    const max = (1n << 100n) - 1n;
    expect(table.pow(max)).toBe(modPowBigint(base, max, m));
    expect(table.pow(1n << 99n)).toBe(modPowBigint(base, 1n << 99n, m));
  });

  it('sharedFixedBaseTable: one table per (base, modulus, bits, window) in a thread, with the same powers', () => {
    const m = randomOddModulus(512);
    const base = randomBelow(m);
    const a = sharedFixedBaseTable(base, m, 200, 6);
    expect(sharedFixedBaseTable(base, m, 200, 6)).toBe(a);
    expect(sharedFixedBaseTable(base, m, 200, 5)).not.toBe(a);
    expect(sharedFixedBaseTable(base, m, 201, 6)).not.toBe(a);
    expect(sharedFixedBaseTable(base + 1n, m, 200, 6)).not.toBe(a);
    const e = randomBits(200);
    expect(a.pow(e)).toBe(modPowBigint(base, e, m));
  });

  it('reduces a base above the modulus', () => {
    const m = randomOddModulus(512);
    const base = randomBelow(m);
    const table = new FixedBaseTable(base + 3n * m, m, 64);
    expect(table.base).toBe(base);
    expect(table.pow(12345n)).toBe(modPowBigint(base, 12345n, m));
  });

  it('rejects an oversize exponent', () => {
    const m = randomOddModulus(512);
    const table = new FixedBaseTable(3n, m, 100, 8);
    expect(() => table.pow(1n << 100n)).toThrow(RangeError);
    expect(() => table.pow((1n << 100n) + 1n)).toThrow(RangeError);
    expect(() => table.pow(1n << 200n)).toThrow(RangeError);
  });

  it('rejects a negative exponent', () => {
    const m = randomOddModulus(512);
    const table = new FixedBaseTable(3n, m, 100, 8);
    expect(() => table.pow(-1n)).toThrow(RangeError);
    expect(() => table.pow(-(1n << 50n))).toThrow(RangeError);
  });
});
