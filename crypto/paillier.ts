// Paillier encryption with g = n + 1, in the Damgård–Jurik–Nielsen (DJN) fast form.
//
// The public key is n alone. Everything else public is derived from n so that anyone can
// recompute it: h = x^2 mod n for a nothing-up-my-sleeve x = SHA-256-expand(n), and
// hs = h^n mod n^2. Because the verifier computes hs = h^n itself, hs is provably an n-th
// residue, which the ballot proofs' soundness relies on (docs/protocol.md).
//
// Encryption: c = (1 + n)^m * hs^a mod n^2 = (1 + m*n) * (h^a)^n, with a short random exponent a
// of ceil(bits/2) bits (DJN, "A generalization of Paillier's public-key system", 2010, §4).
// It is an ordinary Paillier ciphertext with randomness r = h^a mod n, so any Paillier
// implementation decrypts it. hs^a comes from a fixed-base table: hsPowSecret for the secret
// randomness (constant-time masked table reads with the native kernel; the BigInt fallback indexes
// the table by the secret digits, as it always did), hsPow for public exponents.
import { generatePrimeSync } from 'node:crypto';
import { bitLength } from './bytes.ts';
import { FixedBaseTable, sharedFixedBaseTable } from './fixed-base.ts';
import { hashToInt } from './hash.ts';
import { gcd, lcm, mod, modInverse } from './modular.ts';
import { modExpFor, modPow, modPowPublic } from './modexp.ts';
import { randomBits } from './random.ts';

export const DEFAULT_KEY_BITS = 2048;
export const SUPPORTED_KEY_BITS = [1024, 2048, 3072] as const;

/** Bits of the Fiat–Shamir challenges in every proof (soundness error 2^-128). */
export const CHALLENGE_BITS = 128;
/** Statistical hiding of proof responses: the response range exceeds challenge*secret by 2^128. */
export const STATISTICAL_BITS = 128;

export class PaillierPublicKey {
  readonly n: bigint;
  readonly n2: bigint;
  readonly bits: number;
  /** Bits of the DJN randomness exponent a. */
  readonly randomnessBits: number;
  readonly h: bigint;
  readonly hs: bigint;
  private table: FixedBaseTable | undefined;
  private variableTimeTable: FixedBaseTable | undefined;
  private readonly variableTimeWindow: number;

  /** variableTimeWindow: window bits of encryptVariableTime's table (default 8). */
  constructor(n: bigint, options: { variableTimeWindow?: number } = {}) {
    this.variableTimeWindow = options.variableTimeWindow ?? 8;
    if (n < 3n || (n & 1n) === 0n) throw new RangeError('Paillier modulus must be odd');
    this.n = n;
    this.n2 = n * n;
    this.bits = bitLength(n);
    this.randomnessBits = Math.ceil(this.bits / 2);
    const x = mod(hashToInt(this.bits + 128, 'tallymesh/paillier/h', n), n);
    this.h = (x * x) % n;
    this.hs = modPowPublic(this.h, n, this.n2);
  }

  /** Exponent bound covering the randomness and every proof response over hs. */
  get hsExponentBits(): number {
    return this.randomnessBits + CHALLENGE_BITS + STATISTICAL_BITS + 1;
  }

  /** hs^e mod n^2 from the precomputed table (built on first use), for a public e: variable time. */
  hsPow(e: bigint): bigint {
    return this.hsTable().pow(e);
  }

  /** hs^e mod n^2 for a secret e < 2^bits (bits public, default hsExponentBits): constant time natively. */
  hsPowSecret(e: bigint, bits: number = this.hsExponentBits): bigint {
    return this.hsTable().powSecret(e, bits);
  }

  private hsTable(): FixedBaseTable {
    this.table ??= sharedFixedBaseTable(this.hs, this.n2, this.hsExponentBits);
    return this.table;
  }

  /** (1 + n)^m mod n^2 = 1 + m*n (binomial theorem): no exponentiation needed. */
  gPow(m: bigint): bigint {
    return mod(1n + mod(m, this.n) * this.n, this.n2);
  }

  encrypt(m: bigint, randomness: bigint = this.randomExponent()): bigint {
    if (m < 0n || m >= this.n) throw new RangeError('plaintext must lie in [0, n)');
    // The usual randomness has randomnessBits bits; the public bound only widens for callers' larger values.
    const bits = randomness >> BigInt(this.randomnessBits) === 0n ? this.randomnessBits : this.hsExponentBits;
    return modExpFor(this.n2).mul(this.gPow(m), this.hsPowSecret(randomness, bits));
  }

  /**
   * encrypt() with fresh randomness whose hs^a runs in variable time, from its own table with
   * wider windows (12 bits: 86 multiplications instead of 128 for the 1024-bit exponent, ~180 MB
   * of table at 2048 bits). Only for plaintexts whose randomness nobody can observe the timing of
   * and nobody must learn: simulated precincts' synthetic tallies and benchmarks. A voter's ballot
   * and a real precinct use encrypt().
   */
  encryptVariableTime(m: bigint): bigint {
    if (m < 0n || m >= this.n) throw new RangeError('plaintext must lie in [0, n)');
    return modExpFor(this.n2).mul(this.gPow(m), this.variableTimeHsTable().pow(this.randomExponent()));
  }

  /** Builds encryptVariableTime's table now (it is built on first use otherwise); returns ms taken. */
  prepareVariableTime(): number {
    const start = performance.now();
    this.variableTimeHsTable();
    return performance.now() - start;
  }

  private variableTimeHsTable(): FixedBaseTable {
    // Its own (a bulk job's wide window, hundreds of MB): freed with this key, not shared.
    this.variableTimeTable ??= new FixedBaseTable(this.hs, this.n2, this.randomnessBits, this.variableTimeWindow);
    return this.variableTimeTable;
  }

  randomExponent(): bigint {
    return randomBits(this.randomnessBits);
  }

  /** Homomorphic addition: Enc(a) * Enc(b) = Enc(a + b). */
  add(...ciphertexts: bigint[]): bigint {
    const engine = modExpFor(this.n2);
    let acc = 1n;
    for (const c of ciphertexts) acc = engine.mul(acc, c);
    return acc;
  }

  /** Is c a valid ciphertext, i.e. in Z*_{n^2}: 0 < c < n^2 and gcd(c, n) = 1. */
  isCiphertext(c: bigint): boolean {
    return c > 0n && c < this.n2 && gcd(c, this.n) === 1n;
  }

  equals(other: PaillierPublicKey): boolean {
    return this.n === other.n;
  }
}

/** L(x) = (x - 1) / n, defined on x = 1 mod n. */
export function paillierL(x: bigint, n: bigint): bigint {
  return (x - 1n) / n;
}

export class PaillierPrivateKey {
  readonly publicKey: PaillierPublicKey;
  readonly lambda: bigint;
  readonly mu: bigint;

  constructor(readonly p: bigint, readonly q: bigint, publicKey?: PaillierPublicKey) {
    this.publicKey = publicKey ?? new PaillierPublicKey(p * q);
    if (this.publicKey.n !== p * q) throw new RangeError('factors do not match the public key');
    this.lambda = lcm(p - 1n, q - 1n);
    this.mu = modInverse(this.lambda, this.publicKey.n); // with g = n+1, L(g^lambda) = lambda mod n
  }

  decrypt(c: bigint): bigint {
    const { n, n2 } = this.publicKey;
    if (!this.publicKey.isCiphertext(c)) throw new RangeError('ciphertext is not in Z*_{n^2}');
    return mod(paillierL(modPow(c, this.lambda, n2), n) * this.mu, n);
  }
}

export interface SafePrimePair {
  p: bigint;
  q: bigint;
}

/** Two distinct safe primes p = 2p'+1, q = 2q'+1 of bits/2 bits each, with n = pq of `bits` bits. */
export function generateSafePrimes(bits: number): SafePrimePair {
  if (!SUPPORTED_KEY_BITS.includes(bits as (typeof SUPPORTED_KEY_BITS)[number])) {
    throw new RangeError(`key size must be one of ${SUPPORTED_KEY_BITS.join(', ')} bits`);
  }
  for (;;) {
    const p = generatePrimeSync(bits / 2, { safe: true, bigint: true });
    const q = generatePrimeSync(bits / 2, { safe: true, bigint: true });
    if (p !== q && bitLength(p * q) === bits) return { p, q };
  }
}

export function generateKeyPair(bits = DEFAULT_KEY_BITS): PaillierPrivateKey {
  const { p, q } = generateSafePrimes(bits);
  return new PaillierPrivateKey(p, q);
}
