// crypto/batch-membership.ts: one gcd for a whole batch must reach exactly the verdicts of one
// gcd per value, on moduli whose factors the test knows, and name every value outside Z*_{n^2}.
import { describe, expect, it } from 'vitest';
import { nonMembers } from '../../../crypto/batch-membership.ts';
import { gcd } from '../../../crypto/modular.ts';
import { PaillierPublicKey, generateSafePrimes } from '../../../crypto/paillier.ts';

/** The definition, one value at a time. */
const isMember = (n: bigint, c: bigint): boolean => c > 0n && c < n * n && gcd(c, n) === 1n;

describe('nonMembers', () => {
  it('agrees with the per-value definition on every value around Z*_{n^2} of a small modulus', () => {
    const p = 11n; // safe primes: 11 = 2*5+1, 23 = 2*11+1
    const q = 23n;
    const n = p * q;
    const key = { n, n2: n * n };
    const all: bigint[] = [];
    for (let c = -2n; c <= n * n + 2n; c++) all.push(c);
    const expected = all.flatMap((c, i) => (isMember(n, c) ? [] : [i]));
    expect(nonMembers(key, all)).toEqual(expected);
    // Each value on its own, too.
    for (const c of all) expect(nonMembers(key, [c])).toEqual(isMember(n, c) ? [] : [0]);
    expect(nonMembers(key, [])).toEqual([]);
  });

  describe('on a 1024-bit key with known factors', () => {
    const { p, q } = generateSafePrimes(1024);
    const key = new PaillierPublicKey(p * q);
    const { n, n2 } = key;
    const valid = Array.from({ length: 200 }, (_, i) => key.encrypt(BigInt(i)));

    it('passes a batch of valid ciphertexts', () => {
      expect(valid.every((c) => isMember(n, c))).toBe(true);
      expect(nonMembers(key, valid)).toEqual([]);
    });

    const culprits: [string, bigint][] = [
      ['0', 0n],
      ['a negative value', -valid[0]!],
      ['p', p],
      ['a multiple of p', (p * valid[1]!) % n2],
      ['a multiple of q', (q * 12345n) % n2],
      ['n', n],
      ['a multiple of n', (n * valid[2]!) % n2],
      ['n^2', n2],
      ['n^2 + 1', n2 + 1n],
      ['a valid ciphertext plus n^2', valid[3]! + n2],
    ];
    for (const [what, bad] of culprits) {
      it(`names ${what} hidden among 200 valid ciphertexts`, () => {
        for (const at of [0, 117, 200]) {
          const batch = [...valid.slice(0, at), bad, ...valid.slice(at)];
          expect(nonMembers(key, batch)).toEqual([at]);
        }
      });
    }

    it('names every culprit when there are several', () => {
      const batch = [...valid];
      batch[5] = p * 3n;
      batch[50] = n2;
      batch[150] = q;
      batch[199] = 0n;
      expect(nonMembers(key, batch)).toEqual([5, 50, 150, 199]);
    });
  });
});
