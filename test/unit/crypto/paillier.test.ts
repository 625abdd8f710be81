import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { isProbablyPrime } from 'bigint-crypto-utils';
import * as paillierBigint from 'paillier-bigint';
import { beforeAll, describe, expect, it, vi, type Mock } from 'vitest';
import { bitLength } from '../../../crypto/bytes.ts';
import {
  PaillierPrivateKey,
  PaillierPublicKey,
  SUPPORTED_KEY_BITS,
  generateKeyPair,
  generateSafePrimes,
  type SafePrimePair,
} from '../../../crypto/paillier.ts';

// generatePrimeSync passes through to Node's, except where one test stubs it to check the size
// logic of generateSafePrimes for 3072 bits without paying for 1536-bit safe primes.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, generatePrimeSync: vi.fn(actual.generatePrimeSync) };
});

const prime = (x: bigint): Promise<boolean> => isProbablyPrime(x, 24, true);

/** Square-and-multiply written here, independent of crypto/modular.ts and crypto/modexp.ts. */
function powMod(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = ((base % m) + m) % m;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

function minimalBytes(x: bigint): Buffer {
  if (x === 0n) return Buffer.alloc(0);
  const hex = x.toString(16);
  return Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex');
}

/** SHA-256 over u32be-length-prefixed domain and parts: the framing DESIGN.md describes. */
function framedSha256(domain: string, parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  const u32 = (x: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(x);
    return b;
  };
  const d = Buffer.from(domain, 'utf8');
  h.update(u32(d.length)).update(d);
  for (const p of parts) h.update(u32(p.length)).update(p);
  return h.digest();
}

/** h = x^2 mod n with x the (bits(n)+128)-bit counter-mode SHA-256 expansion of n, recomputed here. */
function expectedH(n: bigint): bigint {
  const bits = bitLength(n) + 128;
  const seed = framedSha256('tallymesh/paillier/h', [minimalBytes(n)]);
  const blocks = Math.ceil(bits / 256);
  const out: Buffer[] = [];
  for (let i = 0; i < blocks; i++) out.push(framedSha256('tallymesh/expand', [seed, minimalBytes(BigInt(i))]));
  const x = BigInt('0x' + Buffer.concat(out).toString('hex')) >> BigInt(blocks * 256 - bits);
  return powMod(x % n, 2n, n);
}

function referenceKeys(priv: PaillierPrivateKey): { pub: paillierBigint.PublicKey; sec: paillierBigint.PrivateKey } {
  const n = priv.publicKey.n;
  const pub = new paillierBigint.PublicKey(n, n + 1n);
  const sec = new paillierBigint.PrivateKey(priv.lambda, priv.mu, pub, priv.p, priv.q);
  return { pub, sec };
}

describe('Paillier, 1024-bit key from two safe primes', () => {
  let primes: SafePrimePair;
  let priv: PaillierPrivateKey;
  let pk: PaillierPublicKey;
  let n: bigint;

  beforeAll(() => {
    primes = generateSafePrimes(1024);
    priv = new PaillierPrivateKey(primes.p, primes.q);
    pk = priv.publicKey;
    n = pk.n;
  });

  it('encryptVariableTime (wide-window table, for synthetic tallies) gives ordinary ciphertexts that decrypt and add', () => {
    const fast = new PaillierPublicKey(n, { variableTimeWindow: 11 });
    expect(fast.prepareVariableTime()).toBeGreaterThanOrEqual(0);
    const m = 123_456_789_000_000_000_000n;
    const c1 = fast.encryptVariableTime(m);
    const c2 = fast.encryptVariableTime(m);
    expect(c1).not.toBe(c2);
    expect(pk.isCiphertext(c1)).toBe(true);
    expect(priv.decrypt(c1)).toBe(m);
    expect(priv.decrypt(pk.add(c1, c2, pk.encrypt(5n)))).toBe(2n * m + 5n);
    expect(() => fast.encryptVariableTime(n)).toThrow(RangeError);
  });

  it('p and q are distinct primes and (p-1)/2, (q-1)/2 are prime (safe primes)', async () => {
    const { p, q } = primes;
    expect(p).not.toBe(q);
    expect(await prime(p)).toBe(true);
    expect(await prime(q)).toBe(true);
    expect(await prime((p - 1n) / 2n)).toBe(true);
    expect(await prime((q - 1n) / 2n)).toBe(true);
    expect(bitLength(p)).toBe(512);
    expect(bitLength(q)).toBe(512);
  });

  it('n = pq has exactly 1024 bits and n^2 is cached', () => {
    expect(n).toBe(primes.p * primes.q);
    expect(bitLength(n)).toBe(1024);
    expect(pk.bits).toBe(1024);
    expect(pk.n2).toBe(n * n);
  });

  it('g = n+1: encrypting m with zero randomness gives (n+1)^m mod n^2', () => {
    expect(pk.encrypt(1n, 0n)).toBe(n + 1n);
    for (const m of [0n, 1n, 2n, 12345n, n - 1n]) {
      expect(pk.gPow(m)).toBe(powMod(n + 1n, m, pk.n2));
      expect(pk.encrypt(m, 0n)).toBe(powMod(n + 1n, m, pk.n2));
    }
  });

  it('the private key is lambda = lcm(p-1, q-1) and mu = lambda^-1 mod n', () => {
    const { p, q } = primes;
    expect(priv.lambda).toBe(((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n));
    expect((priv.lambda * priv.mu) % n).toBe(1n);
  });

  it('h is the square of the SHA-256 expansion of n, recomputed independently', () => {
    expect(pk.h).toBe(expectedH(n));
    // A square mod n is a quadratic residue mod p and mod q (Euler's criterion).
    expect(powMod(pk.h, (primes.p - 1n) / 2n, primes.p)).toBe(1n);
    expect(powMod(pk.h, (primes.q - 1n) / 2n, primes.q)).toBe(1n);
    // Derived from n alone: another key with the same n has the same h.
    expect(new PaillierPublicKey(n).h).toBe(pk.h);
  });

  it('hs = h^n mod n^2, an n-th residue (hs^lambda = 1 mod n^2)', () => {
    expect(pk.hs).toBe(powMod(pk.h, n, pk.n2));
    expect(powMod(pk.hs, priv.lambda, pk.n2)).toBe(1n);
    expect(pk.hsPow(12345n)).toBe(powMod(pk.hs, 12345n, pk.n2));
  });

  it('a DJN encryption is the ordinary Paillier encryption with r = h^a mod n (paillier-bigint agrees)', () => {
    const { pub } = referenceKeys(priv);
    for (const m of [0n, 1n, 424242n, n - 1n]) {
      const a = pk.randomExponent();
      expect(bitLength(a)).toBeLessThanOrEqual(512);
      expect(pk.encrypt(m, a)).toBe(pub.encrypt(m, powMod(pk.h, a, n)));
    }
  });

  it('paillier-bigint decrypts our ciphertexts, including m = 0 and m = n-1', () => {
    const { sec } = referenceKeys(priv);
    for (const m of [0n, 1n, 2n, 987654321987654321n, n / 3n, n - 2n, n - 1n]) {
      const c = pk.encrypt(m);
      expect(pk.isCiphertext(c)).toBe(true);
      expect(sec.decrypt(c)).toBe(m);
      expect(priv.decrypt(c)).toBe(m);
    }
  });

  it("our private key decrypts paillier-bigint's encryptions", () => {
    const { pub } = referenceKeys(priv);
    for (const m of [0n, 1n, 31337n, n / 7n, n - 1n]) expect(priv.decrypt(pub.encrypt(m))).toBe(m);
  });

  it('encryption is randomised: two encryptions of the same plaintext differ', () => {
    const c1 = pk.encrypt(5n);
    const c2 = pk.encrypt(5n);
    expect(c1).not.toBe(c2);
    expect(priv.decrypt(c1)).toBe(5n);
    expect(priv.decrypt(c2)).toBe(5n);
  });

  it('adds homomorphically, modulo n, and agrees with paillier-bigint addition', () => {
    const { pub, sec } = referenceKeys(priv);
    const a = 123456789n;
    const b = 987654321n;
    const ca = pk.encrypt(a);
    const cb = pk.encrypt(b);
    expect(priv.decrypt(pk.add(ca, cb))).toBe(a + b);
    expect(sec.decrypt(pub.addition(ca, cb))).toBe(a + b);
    expect(priv.decrypt(pk.add(ca, cb, pk.encrypt(7n)))).toBe(a + b + 7n);
    expect(priv.decrypt(pk.add(pk.encrypt(n - 1n), pk.encrypt(2n)))).toBe(1n); // wraps mod n
    expect(pk.add()).toBe(1n); // the empty sum is the encryption of 0 with r = 1
    expect(priv.decrypt(pk.add())).toBe(0n);
  });

  it('encrypt rejects plaintexts outside [0, n)', () => {
    expect(() => pk.encrypt(-1n)).toThrow(RangeError);
    expect(() => pk.encrypt(n)).toThrow(RangeError);
    expect(() => pk.encrypt(n + 5n)).toThrow(RangeError);
  });

  it('isCiphertext accepts valid ciphertexts', () => {
    expect(pk.isCiphertext(pk.encrypt(3n))).toBe(true);
    expect(pk.isCiphertext(1n)).toBe(true);
    expect(pk.isCiphertext(pk.n2 - 1n)).toBe(true);
  });

  it('isCiphertext rejects 0', () => {
    expect(pk.isCiphertext(0n)).toBe(false);
  });

  it('isCiphertext rejects n', () => {
    expect(pk.isCiphertext(n)).toBe(false);
  });

  it('isCiphertext rejects multiples of p and of q', () => {
    expect(pk.isCiphertext(primes.p)).toBe(false);
    expect(pk.isCiphertext(primes.p * 12345n)).toBe(false);
    expect(pk.isCiphertext(primes.q * (n + 2n))).toBe(false);
    expect(pk.isCiphertext(primes.p * primes.p)).toBe(false);
  });

  it('isCiphertext rejects n^2 and above, and negative values', () => {
    expect(pk.isCiphertext(pk.n2)).toBe(false);
    expect(pk.isCiphertext(pk.n2 + 1n)).toBe(false);
    expect(pk.isCiphertext(pk.n2 + pk.encrypt(1n))).toBe(false);
    expect(pk.isCiphertext(-pk.encrypt(1n))).toBe(false);
  });

  it('decrypt refuses a value outside Z*_{n^2}', () => {
    expect(() => priv.decrypt(0n)).toThrow(RangeError);
    expect(() => priv.decrypt(primes.p)).toThrow(RangeError);
    expect(() => priv.decrypt(pk.n2)).toThrow(RangeError);
  });

  it('a private key refuses factors that do not match its public key', () => {
    expect(() => new PaillierPrivateKey(primes.p, primes.q + 2n, pk)).toThrow(RangeError);
    expect(new PaillierPrivateKey(primes.q, primes.p, pk).decrypt(pk.encrypt(9n))).toBe(9n);
  });
});

describe('key sizes', () => {
  it('supports exactly 1024, 2048 and 3072 bits', () => {
    expect([...SUPPORTED_KEY_BITS]).toEqual([1024, 2048, 3072]);
  });

  it('generateSafePrimes rejects unsupported sizes', () => {
    for (const bits of [0, 512, 1000, 1023, 2047, 4096]) expect(() => generateSafePrimes(bits)).toThrow(RangeError);
  });

  it('generateSafePrimes accepts 3072: asks for 1536-bit safe primes until the product has 3072 bits', () => {
    const gen = vi.mocked(nodeCrypto.generatePrimeSync) as unknown as Mock;
    gen.mockClear();
    // Stand-ins for 1536-bit safe primes (the size logic does not test primality): the first pair's
    // product has 3071 bits and must be refused, the second pair's has 3072 bits.
    const small = 1n << 1535n;
    const big = 3n << 1534n;
    const queue = [small + 1n, small + 3n, big + 1n, big + 3n];
    gen.mockImplementation(() => queue.shift());
    try {
      const { p, q } = generateSafePrimes(3072);
      expect(p).toBe(big + 1n);
      expect(q).toBe(big + 3n);
      expect(bitLength(p * q)).toBe(3072);
      expect(gen.mock.calls).toHaveLength(4);
      for (const call of gen.mock.calls) expect(call).toEqual([1536, { safe: true, bigint: true }]);
    } finally {
      gen.mockReset(); // back to Node's generatePrimeSync
    }
  });
});

describe('Paillier, 2048-bit key (end-to-end cross-test with paillier-bigint)', () => {
  let priv: PaillierPrivateKey;

  beforeAll(() => {
    priv = generateKeyPair(); // the default size
  });

  it('is the default size and is made of two 1024-bit safe primes', async () => {
    const { p, q } = priv;
    expect(bitLength(priv.publicKey.n)).toBe(2048);
    expect(priv.publicKey.n).toBe(p * q);
    expect(bitLength(p)).toBe(1024);
    expect(bitLength(q)).toBe(1024);
    expect(p).not.toBe(q);
    expect(await prime(p)).toBe(true);
    expect(await prime(q)).toBe(true);
    expect(await prime((p - 1n) / 2n)).toBe(true);
    expect(await prime((q - 1n) / 2n)).toBe(true);
  });

  it('encrypts with g = n+1 and paillier-bigint decrypts it; we decrypt paillier-bigint', () => {
    const pk = priv.publicKey;
    const n = pk.n;
    expect(pk.encrypt(1n, 0n)).toBe(n + 1n);
    const { pub, sec } = referenceKeys(priv);
    const m = (1n << 2000n) + 123456789n;
    const c = pk.encrypt(m);
    expect(sec.decrypt(c)).toBe(m);
    expect(sec.decrypt(pk.encrypt(n - 1n))).toBe(n - 1n);
    expect(priv.decrypt(pub.encrypt(m))).toBe(m);
    expect(priv.decrypt(pk.add(c, pk.encrypt(1n)))).toBe(m + 1n);
  });
});
