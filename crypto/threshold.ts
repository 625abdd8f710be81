// Threshold Paillier decryption, t-of-l (5 of 9 by default), with a trusted dealer.
//
// Damgård–Jurik, "A Generalisation, a Simplification and Some Applications of Paillier's
// Probabilistic Public-Key System", PKC 2001, section 4 with s = 1, which adapts Shoup's threshold
// RSA ("Practical Threshold Signatures", Eurocrypt 2000):
//   n = pq, p = 2p'+1, q = 2q'+1 safe primes, m = p'q', d = 0 mod m and d = 1 mod n (CRT).
//   f(X) = d + a_1 X + ... + a_{t-1} X^{t-1}, a_k uniform in [0, nm); share s_i = f(i) mod nm.
//   Delta = l!; verification keys v = r^2 mod n^2 (a random square), v_i = v^(Delta*s_i).
//   Partial decryption c_i = c^(2*Delta*s_i), proved with a Chaum–Pedersen-style proof that
//   log_{c^4}(c_i^2) = log_v(v_i) (Fiat–Shamir, SHA-256). The nonce r is drawn from a range 2^128
//   times wider than e*Delta*s_i, so the response z = r + e*Delta*s_i hides the share statistically.
//   Combination over a set S of t partials: lambda_i = Delta * prod_{j in S, j != i} (-j)/(i-j),
//   c' = prod c_i^(2*lambda_i) = c^(4*Delta^2*d) = 1 + 4*Delta^2*M*n mod n^2, so
//   M = L(c') * (4*Delta^2)^(-1) mod n.
// The ciphertexts are those of PaillierPublicKey (g = n+1). The dealer's p, q, m, d and the
// polynomial live only in local variables of dealThresholdKey: nothing stores or returns them, so
// they are erased as far as a garbage-collected runtime allows (BigInts are immutable and cannot be
// zeroed; their memory is reclaimed by the collector).
import { checkPrimeSync } from 'node:crypto';
import { bitLength } from './bytes.ts';
import { sharedFixedBaseTable, type FixedBaseTable } from './fixed-base.ts';
import { hashToInt } from './hash.ts';
import { gcd, mod, modInverse } from './modular.ts';
import { modExpFor, modPow, modPowPublic } from './modexp.ts';
import { nativeSupports } from './native-bignum.ts';
import {
  CHALLENGE_BITS,
  STATISTICAL_BITS,
  PaillierPublicKey,
  generateSafePrimes,
  paillierL,
  type SafePrimePair,
} from './paillier.ts';
import { randomBelow, randomBits } from './random.ts';
import { TallyMeshError } from '../errors/tallymesh-error.ts';

const DOMAIN = 'tallymesh/partial-decryption/v1';
const CHALLENGE_BOUND = 1n << BigInt(CHALLENGE_BITS);
/** Window of the fixed-base table for v: measured fastest per build cost at 2048 bits (~25 MB). */
const V_TABLE_WINDOW = 6;

export const DEFAULT_THRESHOLD = 5;
export const DEFAULT_TRUSTEES = 9;

/** Public threshold parameters: published in the manifest, enough to verify and combine. */
export interface ThresholdParams {
  readonly n: bigint;
  readonly threshold: number;
  readonly trustees: number;
  /** A random square in Z*_{n^2}. */
  readonly v: bigint;
  /** verificationKeys[i-1] = v^(Delta*s_i) mod n^2 for trustee i. */
  readonly verificationKeys: readonly bigint[];
}

/** One trustee's secret share s_i = f(i) mod nm. */
export interface TrusteeShare {
  readonly index: number;
  readonly share: bigint;
}

/** Fiat–Shamir proof of log_{c^4}(c_i^2) = log_v(v_i): challenge e and response z only. */
export interface PartialProof {
  challenge: bigint;
  response: bigint;
}

/** A trustee's partial decryption c_i = c^(2*Delta*s_i) mod n^2 with its proof. */
export interface PartialDecryption {
  index: number;
  value: bigint;
  proof: PartialProof;
}

/** What the dealer hands out: the public key, the public parameters and one share per trustee. */
export interface ThresholdKey {
  publicKey: PaillierPublicKey;
  params: ThresholdParams;
  shares: TrusteeShare[];
}

export interface DealOptions {
  bits: number;
  threshold?: number;
  trustees?: number;
  /** Pre-generated safe primes (tests); generated with generateSafePrimes(bits) when absent. */
  primes?: SafePrimePair;
}

export interface CombineResult {
  plaintext: bigint;
  /** Indexes of the t partials combined, ascending. */
  used: number[];
  /** Indexes of partials whose proof failed (in order of appearance, without repeats). */
  invalid: number[];
}

export type ThresholdErrorCode =
  | 'invalid-params'
  | 'invalid-primes'
  | 'invalid-share'
  | 'share-mismatch'
  | 'invalid-ciphertext'
  | 'invalid-partial'
  | 'not-enough-partials'
  | 'combination-failed';

/** Errors of this module; messages never contain secrets. `invalid` lists rejected partials. */
export class ThresholdError extends TallyMeshError {
  override readonly name = 'ThresholdError';
  declare readonly code: ThresholdErrorCode;
  constructor(
    code: ThresholdErrorCode,
    message: string,
    readonly invalid: number[] = [],
  ) {
    super(code, message);
  }
}

/** k! as a BigInt. */
export function factorial(k: number): bigint {
  if (!Number.isSafeInteger(k) || k < 0) throw new RangeError('factorial needs a non-negative integer');
  let acc = 1n;
  for (let i = 2n; i <= BigInt(k); i++) acc *= i;
  return acc;
}

/** Integer Lagrange coefficient at 0: delta * prod_{j in S, j != i} (-j)/(i-j), exact. */
export function lagrangeCoefficient(S: readonly number[], i: number, delta: bigint): bigint {
  if (new Set(S).size !== S.length) throw new RangeError('Lagrange set has repeated indexes');
  if (!S.includes(i)) throw new RangeError('index is not in the Lagrange set');
  let num = delta;
  let den = 1n;
  for (const j of S) {
    if (j === i) continue;
    num *= -BigInt(j);
    den *= BigInt(i - j);
  }
  if (num % den !== 0n) throw new RangeError('Lagrange coefficient is not an integer (delta too small)');
  return num / den;
}

/** Bits of the prover's nonce r: bits(n^2) + 2*CHALLENGE_BITS + STATISTICAL_BITS. */
export function nonceBits(params: Pick<ThresholdParams, 'n'>): number {
  return bitLength(params.n * params.n) + 2 * CHALLENGE_BITS + STATISTICAL_BITS;
}

/** Verifier's bound on responses: z = r + e*Delta*s_i < 2^nonceBits + 2^nonceBits = 2^(nonceBits+1). */
export function responseBits(params: Pick<ThresholdParams, 'n'>): number {
  return nonceBits(params) + 1;
}

// ---------------------------------------------------------------------------------------------
// Dealer

function isSafePrime(p: bigint): boolean {
  return p > 5n && (p & 1n) === 1n && checkPrimeSync(p) && checkPrimeSync((p - 1n) >> 1n);
}

function checkCounts(threshold: number, trustees: number): void {
  if (!Number.isSafeInteger(trustees) || trustees < 1) throw new ThresholdError('invalid-params', 'trustees must be a positive integer');
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > trustees) {
    throw new ThresholdError('invalid-params', `threshold must be an integer in 1..${trustees}`);
  }
  // The nonce range covers e*Delta*s_i with 2^STATISTICAL_BITS to spare only while Delta < 2^CHALLENGE_BITS.
  if (bitLength(factorial(trustees)) > CHALLENGE_BITS) throw new ThresholdError('invalid-params', 'too many trustees (at most 34)');
}

/** Trusted dealer: generates (or takes) safe primes, shares d over the trustees, publishes verification keys. */
export function dealThresholdKey(options: DealOptions): ThresholdKey {
  const { bits, threshold = DEFAULT_THRESHOLD, trustees = DEFAULT_TRUSTEES } = options;
  checkCounts(threshold, trustees);
  const { p, q } = options.primes ?? generateSafePrimes(bits);
  const n = p * q;
  if (p === q || bitLength(n) !== bits || !isSafePrime(p) || !isSafePrime(q)) {
    throw new ThresholdError('invalid-primes', `supplied primes are not two distinct safe primes making a ${bits}-bit modulus`);
  }
  const n2 = n * n;
  const m = ((p - 1n) >> 1n) * ((q - 1n) >> 1n);
  const nm = n * m;
  const d = m * modInverse(m, n); // d = 0 mod m, d = 1 mod n
  const coefficients = [d];
  for (let k = 1; k < threshold; k++) coefficients.push(randomBelow(nm));
  const delta = factorial(trustees);

  let r: bigint;
  do r = randomBelow(n2);
  while (r === 0n || gcd(r, n) !== 1n);
  const v = (r * r) % n2;

  const shares: TrusteeShare[] = [];
  const verificationKeys: bigint[] = [];
  for (let i = 1; i <= trustees; i++) {
    let s = 0n; // Horner: f(i) mod nm
    for (let k = coefficients.length - 1; k >= 0; k--) s = (s * BigInt(i) + coefficients[k]!) % nm;
    shares.push({ index: i, share: s });
    verificationKeys.push(modPow(v, delta * s, n2));
  }
  coefficients.fill(0n); // drop the references; p, q, m, d go out of scope with this frame
  const params: ThresholdParams = Object.freeze({ n, threshold, trustees, v, verificationKeys: Object.freeze(verificationKeys) });
  return { publicKey: new PaillierPublicKey(n), params, shares };
}

// ---------------------------------------------------------------------------------------------
// Per-params context: validated once, with a lazily built fixed-base table for v.

interface Context {
  n: bigint;
  n2: bigint;
  delta: bigint;
  nonceBits: number;
  responseBound: bigint;
  params: ThresholdParams;
  vTable: FixedBaseTable | undefined;
}

const contexts = new WeakMap<object, Context>();

function inGroup(x: unknown, n: bigint, n2: bigint): x is bigint {
  return typeof x === 'bigint' && x > 0n && x < n2 && gcd(x, n) === 1n;
}

function contextFor(params: ThresholdParams): Context {
  const cached = contexts.get(params);
  if (cached) return cached;
  const { n, threshold, trustees, v, verificationKeys } = params;
  if (typeof n !== 'bigint' || n < 3n || (n & 1n) === 0n) throw new ThresholdError('invalid-params', 'modulus must be an odd integer');
  checkCounts(threshold, trustees);
  const n2 = n * n;
  if (!Array.isArray(verificationKeys) || verificationKeys.length !== trustees) {
    throw new ThresholdError('invalid-params', 'one verification key per trustee is required');
  }
  if (!inGroup(v, n, n2)) throw new ThresholdError('invalid-params', 'verification base v is not in Z*_{n^2}');
  verificationKeys.forEach((vk, i) => {
    if (!inGroup(vk, n, n2)) throw new ThresholdError('invalid-params', `verification key of trustee ${i + 1} is not in Z*_{n^2}`);
  });
  const bits = nonceBits(params);
  const ctx: Context = {
    n,
    n2,
    delta: factorial(trustees),
    nonceBits: bits,
    responseBound: 1n << BigInt(bits + 1),
    params,
    vTable: undefined,
  };
  contexts.set(params, ctx);
  return ctx;
}

/** v^z mod n^2 for a public z, from the cached table (built on first use). */
function vPow(ctx: Context, z: bigint): bigint {
  return vTableOf(ctx).pow(z);
}

/**
 * v^r mod n^2 for a secret r < 2^bits: the native table reads every candidate entry with masks
 * (constant time, ~2x faster than OpenSSL); without the addon, OpenSSL's constant-time ladder,
 * never the BigInt table (indexed by the exponent's digits).
 */
function vPowSecret(ctx: Context, r: bigint, bits: number): bigint {
  if (!nativeSupports(ctx.n2)) return modPow(ctx.params.v, r, ctx.n2, bits);
  const table = vTableOf(ctx);
  return table.isNative ? table.powSecret(r, bits) : modPow(ctx.params.v, r, ctx.n2, bits);
}

/** Public bound on the bits of Delta * s_i (s_i < n^2 is checked by partialDecrypt). */
function shareExponentBits(ctx: Context): number {
  return bitLength(ctx.n2 - 1n) + bitLength(ctx.delta);
}

/** Shared by (n, v) (fixed-base.ts), so that re-created params objects (e.g. parsed from a manifest) share one. */
function vTableOf(ctx: Context): FixedBaseTable {
  ctx.vTable ??= sharedFixedBaseTable(ctx.params.v, ctx.n2, bitLength(ctx.responseBound - 1n), V_TABLE_WINDOW);
  return ctx.vTable;
}

function challengeOf(ctx: Context, context: Uint8Array, c: bigint, i: number, vk: bigint, ci: bigint, a: bigint, b: bigint): bigint {
  return hashToInt(CHALLENGE_BITS, DOMAIN, context, ctx.n, c, i, ctx.params.v, vk, ci, a, b);
}

function checkContext(context: unknown): asserts context is Uint8Array {
  if (!(context instanceof Uint8Array)) throw new TypeError('context must be a Uint8Array');
}

// ---------------------------------------------------------------------------------------------
// Trustee

/** Shares already checked against their verification key (the check costs one exponentiation). */
const checkedShares = new WeakMap<TrusteeShare, { params: ThresholdParams; share: bigint }>();

/** Checks a share's index and range and, once per share object, that it matches its verification key. */
function checkedShare(ctx: Context, params: ThresholdParams, share: TrusteeShare, checkKey: boolean): bigint {
  const { n2, delta } = ctx;
  const i = share.index;
  if (!Number.isSafeInteger(i) || i < 1 || i > params.trustees) throw new ThresholdError('invalid-share', `share index must be in 1..${params.trustees}`);
  const s = share.share;
  if (typeof s !== 'bigint' || s < 0n || s >= n2) throw new ThresholdError('invalid-share', `share of trustee ${i} is out of range`);
  if (checkKey) {
    const seen = checkedShares.get(share);
    if (!seen || seen.params !== params || seen.share !== s) {
      if (modPow(params.v, delta * s, n2, shareExponentBits(ctx)) !== params.verificationKeys[i - 1]!) {
        throw new ThresholdError('share-mismatch', `share of trustee ${i} does not match its verification key`);
      }
      checkedShares.set(share, { params, share: s });
    }
  }
  return s;
}

/**
 * Trustee i's partial value c^(2*Delta*s_i) mod n^2 alone, without a proof: the values of many
 * ciphertexts are proved together (crypto/partial-batch.ts). Constant-time in the share.
 */
export function partialValue(params: ThresholdParams, share: TrusteeShare, c: bigint, options: { checkShare?: boolean } = {}): bigint {
  const ctx = contextFor(params);
  const s = checkedShare(ctx, params, share, options.checkShare ?? true);
  if (!inGroup(c, ctx.n, ctx.n2)) throw new ThresholdError('invalid-ciphertext', 'ciphertext is not in Z*_{n^2}');
  const engine = modExpFor(ctx.n2);
  const c2 = engine.mul(c, c);
  return c2 === 1n ? 1n : engine.pow(c2, ctx.delta * s, shareExponentBits(ctx));
}

/** Trustee i's partial decryption c^(2*Delta*s_i) mod n^2 with its proof, bound to `context`. */
export function partialDecrypt(
  params: ThresholdParams,
  share: TrusteeShare,
  c: bigint,
  context: Uint8Array,
  options: { checkShare?: boolean } = {},
): PartialDecryption {
  const ctx = contextFor(params);
  checkContext(context);
  const { n, n2, delta } = ctx;
  const i = share.index;
  const s = checkedShare(ctx, params, share, options.checkShare ?? true);
  if (!inGroup(c, n, n2)) throw new ThresholdError('invalid-ciphertext', 'ciphertext is not in Z*_{n^2}');
  const vk = params.verificationKeys[i - 1]!;
  // Square first with a plain multiplication: if c^2 = 1 (c = 1 is the empty tally) the partial and
  // the commitment are 1 whatever the exponent, so no exponentiation by a secret is needed.
  // Every exponent below is secret (the share and the nonce): constant-time exponentiations only,
  // with public bounds on their lengths.
  const engine = modExpFor(n2);
  const c2 = engine.mul(c, c);
  const r = randomBits(ctx.nonceBits);
  // value = c2^(Delta s) and a = c4^r = c2^(2r) share one base: one paired exponentiation.
  const [value, a] = c2 === 1n ? [1n, 1n] : engine.powPair(c2, delta * s, 2n * r, Math.max(shareExponentBits(ctx), ctx.nonceBits + 1));
  const b = vPowSecret(ctx, r, ctx.nonceBits);
  const e = challengeOf(ctx, context, c, i, vk, value, a, b);
  return { index: i, value, proof: { challenge: e, response: r + e * delta * s } };
}

// ---------------------------------------------------------------------------------------------
// Verifier and combiner

/** Whether x is in Z*_{n^2} (as the proofs require of every ciphertext and partial). */
export function inCiphertextGroup(params: ThresholdParams, x: unknown): x is bigint {
  const ctx = contextFor(params);
  return inGroup(x, ctx.n, ctx.n2);
}

/** Checks a partial decryption's proof against trustee index's verification key; false (never throws) if malformed. */
export function verifyPartial(params: ThresholdParams, c: bigint, partial: PartialDecryption, context: Uint8Array): boolean {
  const ctx = contextFor(params); // throws only for malformed params, a configuration error
  try {
    if (!(context instanceof Uint8Array) || typeof partial !== 'object' || partial === null) return false;
    const { index: i, value: ci, proof } = partial;
    if (typeof proof !== 'object' || proof === null) return false;
    const { challenge: e, response: z } = proof;
    const { n, n2 } = ctx;
    if (!Number.isSafeInteger(i) || i < 1 || i > params.trustees) return false;
    if (typeof e !== 'bigint' || e < 0n || e >= CHALLENGE_BOUND) return false;
    if (typeof z !== 'bigint' || z < 0n || z >= ctx.responseBound) return false;
    if (!inGroup(c, n, n2) || !inGroup(ci, n, n2)) return false;
    const vk = params.verificationKeys[i - 1]!;
    // a = (c^4)^z * (c_i^2)^(-e), b = v^z * v_i^(-e); one inversion for both (Montgomery's trick).
    // Squares by multiplication, then modPow on them (base 1 is exact in modPow).
    // Public exponents only (challenge, response): variable-time arithmetic is fine here.
    const engine = modExpFor(n2);
    const c2 = engine.mul(c, c);
    const x = modPowPublic(engine.mul(ci, ci), e, n2);
    const y = modPowPublic(vk, e, n2);
    const inv = modInverse(engine.mul(x, y), n2);
    const a = engine.mul(modPowPublic(engine.mul(c2, c2), z, n2), engine.mul(y, inv));
    const b = engine.mul(vPow(ctx, z), engine.mul(x, inv));
    return challengeOf(ctx, context, c, i, vk, ci, a, b) === e;
  } catch {
    return false;
  }
}

/**
 * Combines partials whose proofs the caller has ALREADY verified with verifyPartial (no proof
 * check here): uses the first t distinct indexes. Prefer combinePartials.
 */
export function combineVerifiedPartials(params: ThresholdParams, c: bigint, partials: readonly Pick<PartialDecryption, 'index' | 'value'>[]): { plaintext: bigint; used: number[] } {
  const ctx = contextFor(params);
  const { n, n2, delta } = ctx;
  if (!inGroup(c, n, n2)) throw new ThresholdError('invalid-ciphertext', 'ciphertext is not in Z*_{n^2}');
  const chosen = new Map<number, bigint>();
  for (const p of partials) {
    if (chosen.size === params.threshold) break;
    if (!Number.isSafeInteger(p.index) || p.index < 1 || p.index > params.trustees) {
      throw new ThresholdError('invalid-partial', `partial index ${String(p.index)} is outside 1..${params.trustees}`, [p.index]);
    }
    if (!inGroup(p.value, n, n2)) throw new ThresholdError('invalid-partial', `partial of trustee ${p.index} is not in Z*_{n^2}`, [p.index]);
    if (!chosen.has(p.index)) chosen.set(p.index, p.value);
  }
  if (chosen.size < params.threshold) {
    throw new ThresholdError('not-enough-partials', `need ${params.threshold} partials from distinct trustees, have ${chosen.size}`);
  }
  const used = [...chosen.keys()].sort((x, y) => x - y);
  // c' = P / N with P the product over positive coefficients, N over negative ones: one inversion.
  let pos = 1n;
  let neg = 1n;
  for (const i of used) {
    const lambda = lagrangeCoefficient(used, i, delta);
    const ci2 = (chosen.get(i)! ** 2n) % n2; // c_i^(2*lambda) = (c_i^2)^lambda
    if (lambda >= 0n) pos = (pos * modPowPublic(ci2, lambda, n2)) % n2;
    else neg = (neg * modPowPublic(ci2, -lambda, n2)) % n2;
  }
  const combined = (pos * modInverse(neg, n2)) % n2;
  if (combined % n !== 1n) throw new ThresholdError('combination-failed', 'combined value is not 1 mod n: a partial is wrong');
  const plaintext = mod(paillierL(combined, n) * modInverse(4n * delta * delta, n), n);
  return { plaintext, used };
}

/** Verifies every partial, drops invalid ones, and decrypts c from t valid ones; throws ThresholdError if fewer than t remain. */
export function combinePartials(
  params: ThresholdParams,
  c: bigint,
  partials: readonly PartialDecryption[],
  context: Uint8Array,
): CombineResult {
  const ctx = contextFor(params);
  checkContext(context);
  if (!inGroup(c, ctx.n, ctx.n2)) throw new ThresholdError('invalid-ciphertext', 'ciphertext is not in Z*_{n^2}');
  const valid: PartialDecryption[] = [];
  const invalid: number[] = [];
  for (const p of partials) {
    if (verifyPartial(params, c, p, context)) valid.push(p);
    else if (!invalid.includes(p?.index)) invalid.push(p?.index);
  }
  const distinct = new Set(valid.map((p) => p.index)).size;
  if (distinct < params.threshold) {
    throw new ThresholdError(
      'not-enough-partials',
      `need ${params.threshold} valid partials from distinct trustees, have ${distinct}` +
        (invalid.length ? ` (invalid: trustees ${invalid.join(', ')})` : ''),
      invalid,
    );
  }
  return { ...combineVerifiedPartials(params, c, valid), invalid };
}
