// One proof for many partial decryptions (crypto/partial-batch.ts): an honest batch verifies and
// combines; any wrong, swapped, dropped, added or out-of-group value, another trustee's index,
// another context or a wrong share makes it fail; the values are those of partialDecrypt.
import { beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../../crypto/bytes.ts';
import { combineBatch, proveBatch, verifyBatch, type PartialPair } from '../../../crypto/partial-batch.ts';
import { generateSafePrimes } from '../../../crypto/paillier.ts';
import { ThresholdError, combineVerifiedPartials, dealThresholdKey, partialDecrypt, partialValue, type ThresholdKey } from '../../../crypto/threshold.ts';

const CONTEXT = utf8('election-test/batch/state-01');

describe('batched partial-decryption proofs, 5 of 9, 1024-bit key', () => {
  const plaintexts = [0n, 1n, 42n, 987654321012345n, 7n];
  let key: ThresholdKey;
  let n2: bigint;
  let cts: bigint[];
  /** Every trustee's pairs over the same ciphertexts. */
  let pairs: PartialPair[][];

  beforeAll(() => {
    key = dealThresholdKey({ bits: 1024, primes: generateSafePrimes(1024) });
    n2 = key.publicKey.n2;
    // 1 is the empty tally's word (c^2 = 1 takes no exponentiation).
    cts = [...plaintexts.map((m) => key.publicKey.encrypt(m)), 1n];
    pairs = key.shares.map((s) => cts.map((c) => ({ ciphertext: c, value: partialValue(key.params, s, c) })));
  });

  it('gives the values partialDecrypt gives, which combine into the plaintexts', () => {
    key.shares.forEach((s, i) => cts.forEach((c, j) => expect(pairs[i]![j]!.value).toBe(partialDecrypt(key.params, s, c, CONTEXT).value)));
    cts.forEach((c, j) => {
      const used = [1, 3, 4, 7, 9].map((i) => ({ index: i, value: pairs[i - 1]![j]!.value }));
      expect(combineVerifiedPartials(key.params, c, used).plaintext).toBe(j < plaintexts.length ? plaintexts[j] : 0n);
    });
  });

  it('verifies an honest batch of every trustee, and only under its index and context', () => {
    key.shares.forEach((s, i) => {
      const proof = proveBatch(key.params, s, pairs[i]!, CONTEXT);
      expect(verifyBatch(key.params, s.index, pairs[i]!, proof, CONTEXT)).toBe(true);
      expect(verifyBatch(key.params, (s.index % 9) + 1, pairs[i]!, proof, CONTEXT)).toBe(false);
      expect(verifyBatch(key.params, s.index, pairs[i]!, proof, utf8('another batch'))).toBe(false);
    });
  });

  it('fails when any value is wrong, swapped, dropped or added, or a word changed', () => {
    const share = key.shares[0]!;
    const honest = pairs[0]!;
    const proof = proveBatch(key.params, share, honest, CONTEXT);
    const fails = (ps: PartialPair[]): void => expect(verifyBatch(key.params, 1, ps, proof, CONTEXT)).toBe(false);
    honest.forEach((_, j) => {
      fails(honest.map((p, k) => (k === j ? { ...p, value: (p.value * 4n) % n2 } : p)));
      fails(honest.map((p, k) => (k === j ? { ...p, ciphertext: (p.ciphertext * 4n) % n2 } : p)));
      fails(honest.filter((_, k) => k !== j));
    });
    fails(honest.map((p, k) => (k === 1 ? { ...p, value: honest[2]!.value } : k === 2 ? { ...p, value: honest[1]!.value } : p)));
    fails([...honest, honest[0]!]);
    // Another trustee's values for one word.
    fails(honest.map((p, k) => (k === 3 ? pairs[1]![3]! : p)));
    // A value out of Z*_{n^2} (a multiple of p) is refused, not combined.
    fails(honest.map((p, k) => (k === 0 ? { ...p, value: key.params.n } : p)));
  });

  it('a proof made over wrong values with a wrong share does not verify; proving wrong values with the right share is refused', () => {
    const wrongShare = { index: 1, share: key.shares[0]!.share + 1n };
    const wrongPairs = cts.map((c) => ({ ciphertext: c, value: partialValue(key.params, wrongShare, c, { checkShare: false }) }));
    const proof = proveBatch(key.params, wrongShare, wrongPairs, CONTEXT, { checkShare: false });
    expect(verifyBatch(key.params, 1, wrongPairs, proof, CONTEXT)).toBe(false);
    const e = (() => {
      try {
        proveBatch(key.params, key.shares[0]!, wrongPairs, CONTEXT);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ThresholdError);
    expect((e as ThresholdError).code).toBe('share-mismatch');
  });

  it('combines deterministically and refuses an empty batch or a pair outside the group', () => {
    const a = combineBatch(key.params, 1, pairs[0]!, CONTEXT);
    const b = combineBatch(key.params, 1, pairs[0]!, CONTEXT);
    expect([a.ciphertext, a.value]).toEqual([b.ciphertext, b.value]);
    expect(() => combineBatch(key.params, 1, [], CONTEXT)).toThrow(/at least one/);
    expect(() => combineBatch(key.params, 1, [{ ciphertext: 0n, value: 1n }], CONTEXT)).toThrow(/ciphertext 0 of the batch/);
    expect(() => combineBatch(key.params, 10, pairs[0]!, CONTEXT)).toThrow(/trustee index/);
  });
});
