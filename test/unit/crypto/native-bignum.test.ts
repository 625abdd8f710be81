import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bitLength } from '../../../crypto/bytes.ts';
import { FixedBaseTable } from '../../../crypto/fixed-base.ts';
import { ModExp } from '../../../crypto/modexp.ts';
import { modPowBigint } from '../../../crypto/modular.ts';
import { nativeBignum, nativeStatus, nativeSupports, type NativeBignum } from '../../../crypto/native-bignum.ts';
import { PaillierPublicKey } from '../../../crypto/paillier.ts';
import { randomBelow, randomBits } from '../../../crypto/random.ts';
import { REPO_ROOT } from '../../support/paths.ts';

const ROOT = REPO_ROOT;
/** Set TALLYMESH_NATIVE_BIGNUM=0 to run the suite on the fallback on purpose (no compiler). */
const DISABLED = process.env.TALLYMESH_NATIVE_BIGNUM === '0';

function randomOddModulus(bits: number): bigint {
  return randomBits(bits) | (1n << BigInt(bits - 1)) | 1n;
}

/** The addon, which this suite requires unless it was disabled explicitly. */
function addon(): NativeBignum {
  if (!nativeBignum) throw new Error(`native addon not loaded: ${nativeStatus().reason}`);
  return nativeBignum;
}

describe('native addon loading', () => {
  it.skipIf(DISABLED)('loads (build it with npm ci / npm install, or node native/bignum/build.mjs)', () => {
    const status = nativeStatus();
    expect(status.reason).toBeUndefined();
    expect(status.loaded).toBe(true);
    expect(['mulx-adx', 'portable-c']).toContain(status.kernel);
  });
});

describe.skipIf(DISABLED)('native Montgomery context against BigInt', () => {
  // Sizes cover one limb, limb boundaries, the row kernel's 4- and 8-limb blocks and their remainders,
  // and the moduli in use: 1024 (keys in tests), 4096 (n^2 at 2048 bits), 6144 (n^2 at 3072 bits).
  const sizes: [bits: number, rounds: number][] = [
    [2, 20],
    [61, 20],
    [64, 20],
    [65, 20],
    [127, 12],
    [192, 12],
    [257, 8],
    [511, 6],
    [512, 6],
    [1024, 4],
    [2049, 2],
    [4096, 2],
    [6144, 1],
  ];
  for (const [bits, rounds] of sizes) {
    it(`${bits}-bit moduli: mul, pow, powSecret and powSecretPair on random inputs and edge cases`, () => {
      for (let r = 0; r < rounds; r++) {
        const m = bits === 2 ? 3n : randomOddModulus(bits);
        const ctx = new (addon().Montgomery)(m);
        const expBits = Math.min(bits, 1100) + 7;
        const bases = [0n, 1n, 2n, m - 1n, randomBelow(m), randomBelow(m)];
        const exps = [0n, 1n, 2n, 3n, randomBits(Math.min(20, expBits)), randomBits(expBits), (1n << BigInt(expBits)) - 1n, 1n << BigInt(expBits - 1)];
        for (const b of bases) {
          for (const e of exps) {
            const want = modPowBigint(b, e, m);
            expect(ctx.pow(b, e), `pow, ${bits} bits, exponent of ${bitLength(e)} bits`).toBe(want);
            expect(ctx.powSecret(b, e, expBits), `powSecret, ${bits} bits`).toBe(want);
          }
          const a = randomBelow(m);
          expect(ctx.mul(a, b)).toBe((a * b) % m);
          expect(ctx.mul(b, b)).toBe((b * b) % m);
        }
        const base = randomBelow(m);
        const e1 = randomBits(expBits);
        const e2 = randomBits(Math.max(1, expBits - 40));
        expect(ctx.powSecretPair(base, e1, e2, expBits)).toEqual([modPowBigint(base, e1, m), modPowBigint(base, e2, m)]);
        expect(ctx.powSecretPair(base, 0n, 1n, 5)).toEqual([1n, base]);
        const many = [e1, 0n, 1n, e2, randomBits(128), randomBits(7), (1n << 128n) - 1n, e1];
        expect(ctx.powManyPublic(base, many)).toEqual(many.map((e) => modPowBigint(base, e, m)));
        expect(ctx.powManyPublic(0n, [0n, 5n])).toEqual([1n, 0n]);
      }
    });
  }

  it('the exponent bound of powSecret may exceed the exponent by any amount, including many words', () => {
    const m = randomOddModulus(1024);
    const ctx = new (addon().Montgomery)(m);
    const b = randomBelow(m);
    for (const [e, bits] of [
      [5n, 3],
      [5n, 64],
      [5n, 700],
      [randomBits(100), 100],
      [randomBits(64), 64],
      [randomBits(65), 65],
    ] as const) {
      expect(ctx.powSecret(b, e, bits)).toBe(modPowBigint(b, e, m));
    }
  });

  it('exponents far above the modulus (no reduction of the exponent is assumed)', () => {
    const m = randomOddModulus(512);
    const ctx = new (addon().Montgomery)(m);
    const b = randomBelow(m);
    const e = randomBits(3000);
    expect(ctx.pow(b, e)).toBe(modPowBigint(b, e, m));
    expect(ctx.powSecret(b, e, 3000)).toBe(modPowBigint(b, e, m));
  });

  it('results of 1 and 0 from bases other than 1 and 0: (n+1)^n mod n^2, n^2 mod n^2', () => {
    const n = randomOddModulus(1024);
    const ctx = new (addon().Montgomery)(n * n);
    expect(ctx.pow(n + 1n, n)).toBe(1n);
    expect(ctx.powSecret(n + 1n, n, 1024)).toBe(1n);
    expect(ctx.pow(n, 2n)).toBe(0n);
    expect(ctx.powSecret(n, 3n, 2)).toBe(0n);
  });

  it('rejects an even modulus, a modulus below 3, negative values, operands >= m and oversize exponents, with clear errors', () => {
    const { Montgomery } = addon();
    expect(() => new Montgomery(1024n)).toThrow(/odd modulus/);
    expect(() => new Montgomery(randomOddModulus(4096) + 1n)).toThrow(RangeError);
    expect(() => new Montgomery(1n)).toThrow(/at least 3/);
    expect(() => new Montgomery(0n)).toThrow(RangeError);
    expect(() => new Montgomery(-7n)).toThrow(RangeError);
    expect(() => new Montgomery(1n << 16400n | 1n)).toThrow(/16384 bits/);
    expect(() => new Montgomery(7 as unknown as bigint)).toThrow(TypeError);
    const m = randomOddModulus(512);
    const ctx = new Montgomery(m);
    expect(() => ctx.mul(m, 1n)).toThrow(/\[0, modulus\)/);
    expect(() => ctx.mul(-1n, 1n)).toThrow(RangeError);
    expect(() => ctx.pow(m + 5n, 3n)).toThrow(RangeError);
    expect(() => ctx.pow(2n, -3n)).toThrow(/negative exponent/);
    expect(() => ctx.powSecret(2n, 1n << 64n, 64)).toThrow(/bit bound/);
    expect(() => ctx.powSecret(2n, 3n, 0)).toThrow(RangeError);
    expect(() => ctx.powSecret(2n, 3n, 1.5)).toThrow(RangeError);
    expect(() => ctx.powSecretPair(2n, 3n, 1n << 70n, 64)).toThrow(/bit bound/);
    expect(ctx.powManyPublic(2n, [])).toEqual([]);
    expect(() => ctx.powManyPublic(2n, [3n, -1n])).toThrow(/negative exponent/);
    expect(() => ctx.powManyPublic(2n, [3n, 4 as unknown as bigint])).toThrow(TypeError);
    expect(() => ctx.powManyPublic(2n, 3n as unknown as bigint[])).toThrow(TypeError);
  });

  it('error messages never contain the exponent', () => {
    const ctx = new (addon().Montgomery)(randomOddModulus(512));
    const secret = randomBits(200) | (1n << 199n);
    for (const f of [() => ctx.powSecret(2n, secret, 100), () => ctx.powSecretPair(2n, secret, 1n, 100)]) {
      let message = '';
      try {
        f();
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/bit bound/);
      expect(message).not.toContain(secret.toString());
      expect(message).not.toContain(secret.toString(16));
    }
  });
});

describe.skipIf(DISABLED)('native fixed-base tables against BigInt', () => {
  const cases: [modBits: number, maxBits: number, window: number][] = [
    [64, 1, 1],
    [127, 70, 3],
    [512, 100, 8],
    [1024, 300, 1],
    [1024, 300, 5],
    [1024, 301, 6],
    [1024, 129, 12],
    [4096, 1281, 8],
    [6144, 200, 7],
  ];
  for (const [modBits, maxBits, window] of cases) {
    it(`${modBits}-bit modulus, ${maxBits}-bit exponents, window ${window}: pow and powSecret`, () => {
      const m = randomOddModulus(modBits);
      const ctx = new (addon().Montgomery)(m);
      for (const base of [randomBelow(m), 0n, 1n, m - 1n]) {
        const table = new (addon().FixedBase)(ctx, base, maxBits, window);
        const max = (1n << BigInt(maxBits)) - 1n;
        const exps = [0n, 1n, max, 1n << BigInt(maxBits - 1), randomBits(maxBits), randomBits(maxBits), randomBits(Math.max(1, maxBits >> 1))];
        for (const e of exps) {
          const want = modPowBigint(base, e, m);
          expect(table.pow(e)).toBe(want);
          expect(table.powSecret(e, maxBits)).toBe(want);
          const bits = Math.max(1, bitLength(e));
          expect(table.powSecret(e, bits)).toBe(want);
        }
        expect(() => table.pow(1n << BigInt(maxBits))).toThrow(RangeError);
        expect(() => table.powSecret(max, maxBits + 1)).toThrow(RangeError);
        if (maxBits > 1) expect(() => table.powSecret(max, maxBits - 1)).toThrow(/bit bound/);
        expect(() => table.pow(-1n)).toThrow(/negative/);
      }
    });
  }

  it('rejects a base outside [0, m), a window outside 1..12 and a Montgomery argument of another kind', () => {
    const { Montgomery, FixedBase } = addon();
    const m = randomOddModulus(256);
    const ctx = new Montgomery(m);
    expect(() => new FixedBase(ctx, m, 10, 4)).toThrow(RangeError);
    expect(() => new FixedBase(ctx, 3n, 10, 13)).toThrow(RangeError);
    expect(() => new FixedBase(ctx, 3n, 10, 0)).toThrow(RangeError);
    expect(() => new FixedBase({} as never, 3n, 10, 4)).toThrow(TypeError);
  });

  it('a table keeps its Montgomery context alive after the caller drops it', () => {
    const m = randomOddModulus(1024);
    const base = randomBelow(m);
    const table = new (addon().FixedBase)(new (addon().Montgomery)(m), base, 64, 4);
    (globalThis as { gc?: () => void }).gc?.();
    expect(table.pow(12345n)).toBe(modPowBigint(base, 12345n, m));
  });
});

describe('FixedBaseTable and ModExp: native and fallback give the same answers', () => {
  it('FixedBaseTable: native (when loaded) and BigInt tables agree, public and secret paths', () => {
    const m = randomOddModulus(2048);
    const base = randomBelow(m) + m; // reduced by the constructor
    const native = new FixedBaseTable(base, m, 513, 8);
    const bigint = new FixedBaseTable(base, m, 513, 8, { native: false });
    expect(native.isNative).toBe(!DISABLED);
    expect(bigint.isNative).toBe(false);
    expect(native.base).toBe(bigint.base);
    for (const e of [0n, 1n, randomBits(513), randomBits(300), (1n << 513n) - 1n]) {
      const want = modPowBigint(base, e, m);
      expect(native.pow(e)).toBe(want);
      expect(bigint.pow(e)).toBe(want);
      expect(native.powSecret(e)).toBe(want);
      expect(bigint.powSecret(e)).toBe(want);
    }
    expect(native.powSecret(5n, 3)).toBe(modPowBigint(base, 5n, m));
    expect(() => native.powSecret(9n, 3)).toThrow(RangeError);
    expect(() => bigint.powSecret(9n, 3)).toThrow(RangeError);
    expect(() => native.powSecret(1n, 514)).toThrow(RangeError);
  });

  it('FixedBaseTable falls back to BigInt for an even modulus and for windows above 12', () => {
    const even = randomBits(300) << 1n;
    const t = new FixedBaseTable(12345n, even, 64, 4);
    expect(t.isNative).toBe(false);
    expect(t.pow(999n)).toBe(modPowBigint(12345n, 999n, even));
    const wide = new FixedBaseTable(7n, randomOddModulus(128), 14, 14);
    expect(wide.isNative).toBe(false);
    expect(wide.pow(12000n)).toBe(modPowBigint(7n, 12000n, wide.modulus));
  });

  it('ModExp: pow, powPublic, powPair and mul agree with and without the addon, for any base', () => {
    for (const bits of [100, 511, 512, 1024, 4096]) {
      const m = randomOddModulus(bits);
      const fast = new ModExp(m);
      const plain = new ModExp(m, { native: false });
      expect(fast.isNative).toBe(!DISABLED);
      expect(plain.isNative).toBe(false);
      for (const b of [0n, 1n, m - 1n, randomBelow(m), m + 3n, -randomBelow(m), 2n * m]) {
        for (const e of [0n, 1n, 2n, randomBits(128), randomBits(Math.min(bits, 1024))]) {
          const want = modPowBigint(b, e, m);
          expect(fast.pow(b, e)).toBe(want);
          expect(plain.pow(b, e)).toBe(want);
          expect(fast.powPublic(b, e)).toBe(want);
          expect(plain.powPublic(b, e)).toBe(want);
        }
        const a = randomBelow(m) - m / 2n;
        expect(fast.mul(a, b)).toBe((((a * b) % m) + m) % m);
        expect(plain.mul(a, b)).toBe((((a * b) % m) + m) % m);
        const exps = [randomBits(128), 0n, randomBits(128), 1n, randomBits(300)];
        const want = exps.map((e) => modPowBigint(b, e, m));
        expect(fast.powManyPublic(b, exps)).toEqual(want);
        expect(plain.powManyPublic(b, exps)).toEqual(want);
        expect(fast.powManyPublic(b, [exps[0]!])).toEqual([want[0]]);
        const [e1, e2] = [randomBits(200), randomBits(150)];
        const pair = [modPowBigint(b, e1, m), modPowBigint(b, e2, m)];
        expect(fast.powPair(b, e1, e2, 200)).toEqual(pair);
        expect(plain.powPair(b, e1, e2, 200)).toEqual(pair);
      }
      expect(() => fast.powPublic(2n, -1n)).toThrow(RangeError);
      expect(() => fast.powPair(2n, -1n, 1n, 8)).toThrow(RangeError);
    }
  });

  it('nativeSupports says which moduli the kernel takes', () => {
    expect(nativeSupports(randomOddModulus(4096))).toBe(!DISABLED);
    expect(nativeSupports(1024n)).toBe(false);
    expect(nativeSupports(1n)).toBe(false);
    expect(nativeSupports(1n << 16384n | 1n)).toBe(false);
  });
});

describe('the fallback, in a process with the addon disabled', () => {
  it('computes the same hs powers, ciphertext products and exponentiations, and reports why', () => {
    const n = randomOddModulus(1024);
    const pk = new PaillierPublicKey(n);
    const e = randomBits(pk.hsExponentBits);
    const a = pk.randomExponent();
    const c1 = randomBelow(pk.n2);
    const c2 = randomBelow(pk.n2);
    const script = `
      import './polyfill.ts';
      import { nativeStatus } from './crypto/native-bignum.ts';
      import { PaillierPublicKey } from './crypto/paillier.ts';
      import { modPow, modPowPublic } from './crypto/modexp.ts';
      const [n, e, a, c1, c2] = process.argv.slice(1).map(BigInt);
      const pk = new PaillierPublicKey(n);
      console.log(JSON.stringify({
        status: nativeStatus(),
        hs: pk.hs.toString(),
        hsPow: pk.hsPow(e).toString(),
        hsPowSecret: pk.hsPowSecret(e).toString(),
        enc: pk.encrypt(7n, a).toString(),
        add: pk.add(c1, c2).toString(),
        pow: modPow(c1, e, pk.n2).toString(),
        powPublic: modPowPublic(c1, e, pk.n2).toString(),
      }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', ...[n, e, a, c1, c2].map(String)], {
      cwd: ROOT,
      env: { ...process.env, TALLYMESH_NATIVE_BIGNUM: '0' },
      encoding: 'utf8',
    });
    const got = JSON.parse(out.trim().split('\n').pop()!) as { status: ReturnType<typeof nativeStatus> } & Record<'hs' | 'hsPow' | 'hsPowSecret' | 'enc' | 'add' | 'pow' | 'powPublic', string>;
    expect(got.status).toEqual({ loaded: false, reason: 'disabled by TALLYMESH_NATIVE_BIGNUM=0' });
    expect(BigInt(got.hs)).toBe(pk.hs);
    expect(BigInt(got.hsPow)).toBe(pk.hsPow(e));
    expect(BigInt(got.hsPowSecret)).toBe(pk.hsPowSecret(e));
    expect(BigInt(got.hsPow)).toBe(modPowBigint(pk.hs, e, pk.n2));
    expect(BigInt(got.enc)).toBe(pk.encrypt(7n, a));
    expect(BigInt(got.add)).toBe((c1 * c2) % pk.n2);
    expect(BigInt(got.pow)).toBe(modPowBigint(c1, e, pk.n2));
    expect(BigInt(got.powPublic)).toBe(BigInt(got.pow));
  });
});
