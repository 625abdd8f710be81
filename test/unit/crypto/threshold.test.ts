import { generatePrimeSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { bitLength, utf8 } from '../../../crypto/bytes.ts';
import { modInverse } from '../../../crypto/modular.ts';
import {
  CHALLENGE_BITS,
  PaillierPrivateKey,
  STATISTICAL_BITS,
  generateSafePrimes,
  type SafePrimePair,
} from '../../../crypto/paillier.ts';
import {
  ThresholdError,
  combinePartials,
  combineVerifiedPartials,
  dealThresholdKey,
  factorial,
  lagrangeCoefficient,
  nonceBits,
  partialDecrypt,
  responseBits,
  verifyPartial,
  type PartialDecryption,
  type ThresholdKey,
} from '../../../crypto/threshold.ts';

const CONTEXT = utf8('election-test/tally-word/0');

/** All k-subsets of items, in lexicographic order. */
function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  const out: T[][] = [];
  items.forEach((x, i) => {
    for (const rest of subsets(items.slice(i + 1), k - 1)) out.push([x, ...rest]);
  });
  return out;
}

function thresholdError(fn: () => unknown): ThresholdError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ThresholdError);
    return err as ThresholdError;
  }
  throw new Error('expected a ThresholdError');
}

function pick(partials: readonly PartialDecryption[], indexes: readonly number[]): PartialDecryption[] {
  return indexes.map((i) => partials.find((p) => p.index === i)!);
}

describe('factorial and Lagrange coefficients', () => {
  it('computes l! exactly', () => {
    expect(factorial(0)).toBe(1n);
    expect(factorial(9)).toBe(362880n);
    expect(factorial(20)).toBe(2432902008176640000n);
  });

  it('interpolates Delta * f(0) from any t points over the integers', () => {
    const delta = factorial(9);
    const f = (x: bigint): bigint => 1234567n + 89n * x - 17n * x ** 2n + 5n * x ** 3n + 3n * x ** 4n;
    for (const S of subsets([1, 2, 3, 4, 5, 6, 7, 8, 9], 5)) {
      let sum = 0n;
      for (const i of S) sum += lagrangeCoefficient(S, i, delta) * f(BigInt(i));
      expect(sum).toBe(delta * f(0n));
    }
    expect(lagrangeCoefficient([1, 2], 1, 2n)).toBe(4n); // 2 * (-2)/(1-2)
    expect(lagrangeCoefficient([1, 2], 2, 2n)).toBe(-2n); // 2 * (-1)/(2-1)
    expect(() => lagrangeCoefficient([1, 2], 3, 2n)).toThrow();
    expect(() => lagrangeCoefficient([1, 1], 1, 2n)).toThrow();
  });
});

describe('threshold Paillier, 5 of 9, 1024-bit key', () => {
  const M = 987654321012345n;
  let primes: SafePrimePair;
  let key: ThresholdKey;
  let priv: PaillierPrivateKey;
  let c: bigint;
  let partials: PartialDecryption[];

  beforeAll(() => {
    primes = generateSafePrimes(1024);
    key = dealThresholdKey({ bits: 1024, primes });
    priv = new PaillierPrivateKey(primes.p, primes.q, key.publicKey);
    c = key.publicKey.encrypt(M);
    partials = key.shares.map((s) => partialDecrypt(key.params, s, c, CONTEXT));
  });

  it('deals 9 shares and verification keys and returns nothing secret besides the shares', () => {
    expect(Object.keys(key).sort()).toEqual(['params', 'publicKey', 'shares']);
    expect(Object.keys(key.params).sort()).toEqual(['n', 'threshold', 'trustees', 'v', 'verificationKeys']);
    expect(key.params.n).toBe(primes.p * primes.q);
    expect(key.publicKey.n).toBe(key.params.n);
    expect(key.params.threshold).toBe(5);
    expect(key.params.trustees).toBe(9);
    expect(key.params.verificationKeys).toHaveLength(9);
    expect(key.shares.map((s) => s.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const s of key.shares) {
      expect(Object.keys(s).sort()).toEqual(['index', 'share']);
      expect(s.share).toBeGreaterThanOrEqual(0n);
      expect(s.share).toBeLessThan(key.params.n * key.params.n);
    }
    expect(new Set(key.shares.map((s) => s.share)).size).toBe(9);
  });

  it('every partial proof verifies', () => {
    for (const p of partials) expect(verifyPartial(key.params, c, p, CONTEXT)).toBe(true);
  });

  it('every one of the 126 5-subsets decrypts to the plaintext', () => {
    // Proofs were verified once above; combine each subset without re-verifying.
    const all = subsets([1, 2, 3, 4, 5, 6, 7, 8, 9], 5);
    expect(all).toHaveLength(126);
    for (const S of all) {
      const { plaintext, used } = combineVerifiedPartials(key.params, c, pick(partials, S));
      expect(plaintext).toBe(M);
      expect(used).toEqual(S);
    }
  });

  it('combinePartials (verifying path) decrypts on several subsets and in any order', () => {
    for (const S of [[1, 2, 3, 4, 5], [5, 6, 7, 8, 9], [9, 1, 7, 3, 5], [2, 4, 6, 8, 9]]) {
      const result = combinePartials(key.params, c, pick(partials, S), CONTEXT);
      expect(result.plaintext).toBe(M);
      expect(result.used).toEqual([...S].sort((a, b) => a - b));
      expect(result.invalid).toEqual([]);
    }
    const fromAll = combinePartials(key.params, c, [...partials].reverse(), CONTEXT);
    expect(fromAll.plaintext).toBe(M);
    expect(fromAll.used).toEqual([5, 6, 7, 8, 9]);
  });

  it('agrees with PaillierPrivateKey holding the same p, q', () => {
    const pk = key.publicKey;
    // (m = 0 is left out of the cross-check: PaillierPrivateKey.decrypt hits modPow's failure on a
    // result of 1; the threshold path handles 0 below.)
    for (const m of [1n, 2n, M, pk.n - 1n]) {
      const ct = pk.encrypt(m);
      const S = [2, 3, 5, 7, 8];
      const ps = S.map((i) => partialDecrypt(key.params, key.shares[i - 1]!, ct, CONTEXT));
      const { plaintext } = combinePartials(key.params, ct, ps, CONTEXT);
      expect(plaintext).toBe(priv.decrypt(ct));
      expect(plaintext).toBe(m);
    }
  });

  it('decrypts 0, the empty tally (c = 1) and other square roots of 1 to 0', () => {
    const { n } = key.params;
    const n2 = n * n;
    const p2 = primes.p ** 2n;
    const q2 = primes.q ** 2n;
    // 1 mod p^2 and -1 mod q^2: a square root of 1 other than +-1.
    const root = (q2 * modInverse(q2, p2) + (q2 - 1n) * p2 * modInverse(p2, q2)) % n2;
    expect((root * root) % n2).toBe(1n);
    for (const ct of [key.publicKey.encrypt(0n), 1n, n2 - 1n, root, n2 - root]) {
      const ps = [1, 3, 5, 7, 9].map((i) => partialDecrypt(key.params, key.shares[i - 1]!, ct, CONTEXT));
      const result = combinePartials(key.params, ct, ps, CONTEXT);
      expect(result.plaintext).toBe(0n);
      expect(result.invalid).toEqual([]);
    }
  });

  it('decrypts a product of ciphertexts to the sum of the plaintexts', () => {
    const pk = key.publicKey;
    const values = [3n, 1n << 32n, 123456789n, 0n, 42n];
    const product = pk.add(...values.map((m) => pk.encrypt(m)));
    const ps = [1, 4, 6, 8, 9].map((i) => partialDecrypt(key.params, key.shares[i - 1]!, product, CONTEXT));
    expect(combinePartials(key.params, product, ps, CONTEXT).plaintext).toBe(values.reduce((a, b) => a + b, 0n));
  });

  it('a partial made with a wrong share fails verification and is excluded', () => {
    const honest = key.shares[2]!;
    expect(honest.index).toBe(3);
    const wrong = { index: 3, share: honest.share + 1n };
    const bad = partialDecrypt(key.params, wrong, c, CONTEXT, { checkShare: false });
    expect(verifyPartial(key.params, c, bad, CONTEXT)).toBe(false);

    const result = combinePartials(key.params, c, [bad, ...pick(partials, [1, 2, 4, 5, 6])], CONTEXT);
    expect(result.plaintext).toBe(M);
    expect(result.invalid).toEqual([3]);
    expect(result.used).toEqual([1, 2, 4, 5, 6]);

    // By default the trustee checks its share against its verification key first.
    const err = thresholdError(() => partialDecrypt(key.params, wrong, c, CONTEXT));
    expect(err.code).toBe('share-mismatch');
    expect(err.message).not.toContain(wrong.share.toString());
    expect(err.message).not.toContain(wrong.share.toString(16));
  });

  it('the response hides the share', () => {
    const delta = factorial(9);
    for (const p of partials) {
      const s = key.shares[p.index - 1]!.share;
      const { challenge: e, response: z } = p.proof;
      expect(e).toBeGreaterThan(0n);
      expect(z / e).not.toBe(delta * s);
      expect(z / e).not.toBe(s);
      expect(z).not.toBe(e * delta * s);
    }
    // Shares lie below nm < n^2; the nonce range exceeds challenge * Delta * share by 2^STATISTICAL_BITS.
    const n2 = key.params.n * key.params.n;
    const shareBits = bitLength(n2);
    expect(nonceBits(key.params)).toBeGreaterThanOrEqual(STATISTICAL_BITS + CHALLENGE_BITS + bitLength(delta) + shareBits);
    expect(responseBits(key.params)).toBe(nonceBits(key.params) + 1);
    // Two proofs of the same partial are different (fresh nonce), the value is the same.
    const again = partialDecrypt(key.params, key.shares[0]!, c, CONTEXT);
    expect(again.value).toBe(partials[0]!.value);
    expect(again.proof.response).not.toBe(partials[0]!.proof.response);
  });

  it('fewer than t valid partials is an error, never a number', () => {
    const four = thresholdError(() => combinePartials(key.params, c, pick(partials, [1, 2, 3, 4]), CONTEXT));
    expect(four.code).toBe('not-enough-partials');
    expect(four.invalid).toEqual([]);

    const tampered = { ...partials[4]!, proof: { ...partials[4]!.proof, challenge: partials[4]!.proof.challenge ^ 1n } };
    const oneBad = thresholdError(() => combinePartials(key.params, c, [...pick(partials, [1, 2, 3, 4]), tampered], CONTEXT));
    expect(oneBad.code).toBe('not-enough-partials');
    expect(oneBad.invalid).toEqual([5]);

    const duplicated = thresholdError(() => combinePartials(key.params, c, pick(partials, [1, 2, 3, 4, 4]), CONTEXT));
    expect(duplicated.code).toBe('not-enough-partials');

    const unverified = thresholdError(() => combineVerifiedPartials(key.params, c, pick(partials, [1, 2, 3, 4])));
    expect(unverified.code).toBe('not-enough-partials');
  });

  it('a proof does not carry over to another context or ciphertext', () => {
    const p = partials[0]!;
    expect(verifyPartial(key.params, c, p, utf8('election-test/tally-word/1'))).toBe(false);
    expect(verifyPartial(key.params, c, p, new Uint8Array())).toBe(false);
    const other = key.publicKey.encrypt(M);
    expect(verifyPartial(key.params, other, p, CONTEXT)).toBe(false);
    // Claimed for another trustee: checked against the wrong verification key.
    expect(verifyPartial(key.params, c, { ...p, index: 2 }, CONTEXT)).toBe(false);
  });

  it('a tampered challenge, response or value fails', () => {
    const p = partials[1]!;
    const { challenge: e, response: z } = p.proof;
    const n2 = key.params.n * key.params.n;
    const variants: PartialDecryption[] = [
      { ...p, proof: { challenge: e ^ 1n, response: z } },
      { ...p, proof: { challenge: (e + 1n) % (1n << 128n), response: z } },
      { ...p, proof: { challenge: e, response: z + 1n } },
      { ...p, proof: { challenge: e, response: z - 1n } },
      { ...p, proof: { challenge: 0n, response: 0n } },
      { ...p, value: (p.value * 2n) % n2 },
      { ...p, value: n2 - p.value }, // -c_i: same square, but the hash binds c_i itself
    ];
    for (const v of variants) expect(verifyPartial(key.params, c, v, CONTEXT)).toBe(false);
  });

  it('rejects out-of-range and malformed partials without throwing', () => {
    const p = partials[0]!;
    const { n } = key.params;
    const n2 = n * n;
    const bad: unknown[] = [
      { ...p, index: 0 },
      { ...p, index: 10 },
      { ...p, index: -1 },
      { ...p, index: 1.5 },
      { ...p, value: 0n },
      { ...p, value: n },
      { ...p, value: 3n * primes.p },
      { ...p, value: n2 },
      { ...p, value: n2 + p.value },
      { ...p, value: -p.value },
      { ...p, proof: { challenge: 1n << BigInt(CHALLENGE_BITS), response: p.proof.response } },
      { ...p, proof: { challenge: -1n, response: p.proof.response } },
      { ...p, proof: { challenge: p.proof.challenge, response: 1n << BigInt(responseBits(key.params)) } },
      { ...p, proof: { challenge: p.proof.challenge, response: -p.proof.response } },
      { ...p, value: p.value.toString() },
      { ...p, proof: undefined },
      { ...p, proof: { challenge: Number(1), response: p.proof.response } },
      { index: 1 },
      null,
    ];
    for (const b of bad) expect(verifyPartial(key.params, c, b as PartialDecryption, CONTEXT)).toBe(false);
    expect(verifyPartial(key.params, 0n, p, CONTEXT)).toBe(false);
    expect(verifyPartial(key.params, n, p, CONTEXT)).toBe(false);
    expect(verifyPartial(key.params, c, p, 'context' as unknown as Uint8Array)).toBe(false);
    // Malformed partials are reported, not fatal, in combinePartials.
    const result = combinePartials(key.params, c, [bad[0] as PartialDecryption, bad[4] as PartialDecryption, ...pick(partials, [2, 3, 4, 5, 6])], CONTEXT);
    expect(result.plaintext).toBe(M);
    expect(result.invalid).toEqual([0, 1]);
  });

  it('refuses ciphertexts outside Z*_{n^2}', () => {
    const { n } = key.params;
    for (const bad of [0n, n, 5n * primes.q, n * n, -1n]) {
      expect(thresholdError(() => partialDecrypt(key.params, key.shares[0]!, bad, CONTEXT)).code).toBe('invalid-ciphertext');
      expect(thresholdError(() => combinePartials(key.params, bad, partials, CONTEXT)).code).toBe('invalid-ciphertext');
    }
  });

  it('refuses shares with a bad index', () => {
    const share = key.shares[0]!;
    for (const index of [0, 10, 2.5]) {
      expect(thresholdError(() => partialDecrypt(key.params, { index, share: share.share }, c, CONTEXT)).code).toBe('invalid-share');
    }
  });

  it('deals other thresholds from the same primes (3 of 4)', () => {
    const small = dealThresholdKey({ bits: 1024, threshold: 3, trustees: 4, primes });
    expect(small.params.verificationKeys).toHaveLength(4);
    const ct = small.publicKey.encrypt(77n);
    const ps = small.shares.map((s) => partialDecrypt(small.params, s, ct, CONTEXT));
    for (const S of subsets([1, 2, 3, 4], 3)) {
      expect(combinePartials(small.params, ct, pick(ps, S), CONTEXT).plaintext).toBe(77n);
    }
    expect(thresholdError(() => combinePartials(small.params, ct, pick(ps, [1, 4]), CONTEXT)).code).toBe('not-enough-partials');
    // Partials of one key do not verify under another key's parameters.
    expect(verifyPartial(key.params, ct, ps[0]!, CONTEXT)).toBe(false);
  });

  it('rejects bad dealer inputs without revealing the primes', () => {
    expect(thresholdError(() => dealThresholdKey({ bits: 1024, threshold: 6, trustees: 5, primes })).code).toBe('invalid-params');
    expect(thresholdError(() => dealThresholdKey({ bits: 1024, threshold: 0, primes })).code).toBe('invalid-params');
    expect(thresholdError(() => dealThresholdKey({ bits: 1024, trustees: 40, primes })).code).toBe('invalid-params');
    expect(thresholdError(() => dealThresholdKey({ bits: 2048, primes })).code).toBe('invalid-primes');
    expect(thresholdError(() => dealThresholdKey({ bits: 1024, primes: { p: primes.p, q: primes.p } })).code).toBe('invalid-primes');
    // Ordinary (not safe) primes: a random 512-bit prime is safe with negligible probability.
    let p: bigint;
    let q: bigint;
    do {
      p = generatePrimeSync(512, { bigint: true });
      q = generatePrimeSync(512, { bigint: true });
    } while (bitLength(p * q) !== 1024);
    const err = thresholdError(() => dealThresholdKey({ bits: 1024, primes: { p, q } }));
    expect(err.code).toBe('invalid-primes');
    expect(err.message).not.toContain(p.toString());
    expect(err.message).not.toContain(q.toString());
  });
});

describe('threshold Paillier, 5 of 9, 2048-bit key end to end', () => {
  it('deals, partially decrypts, verifies and combines', () => {
    const primes = generateSafePrimes(2048);
    const key = dealThresholdKey({ bits: 2048, primes });
    expect(key.publicKey.bits).toBe(2048);
    const pk = key.publicKey;
    const votes = [1n, 1n << 32n, 1n << 64n, 1n, 1n << 32n];
    const tally = pk.add(...votes.map((m) => pk.encrypt(m)));
    const context = utf8('election-2048/word-0');
    const S = [2, 4, 5, 7, 9];
    const ps = S.map((i) => partialDecrypt(key.params, key.shares[i - 1]!, tally, context));
    const bad = partialDecrypt(key.params, { index: 1, share: key.shares[0]!.share + 1n }, tally, context, { checkShare: false });
    const result = combinePartials(key.params, tally, [bad, ...ps], context);
    const expected = 2n + 2n * (1n << 32n) + (1n << 64n);
    expect(result.plaintext).toBe(expected);
    expect(result.used).toEqual(S);
    expect(result.invalid).toEqual([1]);
    expect(result.plaintext).toBe(new PaillierPrivateKey(primes.p, primes.q, pk).decrypt(tally));
  });
});
