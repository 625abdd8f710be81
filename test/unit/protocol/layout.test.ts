import { beforeAll, describe, expect, it } from 'vitest';
import { randomBits } from '../../../crypto/random.ts';
import { STANDARD_CONTESTS } from '../../../protocol/contests.ts';
import {
  MAX_ALLOWED_VALUES,
  allowedSelections,
  allowedValueCount,
  ballotLayout,
  packCounts,
  selectionIndex,
  slotsPerWord,
  unpackCounts,
  type BallotLayout,
} from '../../../protocol/layout.ts';
import { validateManifest, type Contest, type Manifest } from '../../../protocol/manifest.ts';
import { expectProtocolError, protocolError, smallElection } from '../../support/fixtures.ts';

const W = 32;
const M = 1n << BigInt(W);

function contest(id: string, options: number, kind: Contest['kind'] = 'plurality', selectionLimit = 1, allowAbstain = true): Contest {
  return { id, title: id, districtId: 'all', partyId: '', kind, options: Array.from({ length: options }, (_, i) => `${id}-${i}`), selectionLimit, allowAbstain, writeIn: false };
}

const layoutOf = (contests: Contest[], keyBits = 2048, slotBits = W): BallotLayout => ballotLayout({ keyBits, slotBits, contests });

/** Every subset of {0..n-1} of size 1..k (and the empty one), by brute force over bit masks. */
function subsetsUpTo(n: number, k: number, withEmpty: boolean): number[][] {
  const out: number[][] = [];
  for (let mask = 0; mask < 1 << n; mask++) {
    const set = [...Array(n).keys()].filter((i) => mask & (1 << i));
    if (set.length <= k && (set.length > 0 || withEmpty)) out.push(set);
  }
  return out;
}

function randomCounts(layout: BallotLayout): Map<string, bigint[]> {
  const counts = new Map<string, bigint[]>();
  for (const c of layout.contests) counts.set(c.contestId, Array.from({ length: c.optionCount }, () => randomBits(W)));
  return counts;
}

describe('slots per word', () => {
  it('is 63 at 2048 bits with w = 32', () => {
    expect(slotsPerWord(2048, 32)).toBe(63);
  });

  it('keeps every word below n: (slots * w) < key bits at every supported size', () => {
    expect(slotsPerWord(1024, 32)).toBe(31);
    expect(slotsPerWord(3072, 32)).toBe(95);
    expect(slotsPerWord(2048, 64)).toBe(31);
    expect(slotsPerWord(2048, 16)).toBe(127);
    for (const bits of [1024, 2048, 3072]) for (const w of [8, 16, 32, 64]) expect(slotsPerWord(bits, w) * w).toBeLessThanOrEqual(bits - 1);
  });

  it('the standard ballot fits in one 2048-bit word, contests side by side', () => {
    const layout = layoutOf(STANDARD_CONTESTS);
    expect(layout.slotsPerWord).toBe(63);
    expect(layout.wordCount).toBe(1);
    expect(layout.contests.map((c) => [c.contestId, c.word, c.firstSlot, c.optionCount])).toEqual([
      ['president', 0, 0, 4],
      ['senate', 0, 4, 3],
      ['measure-1', 0, 7, 2],
    ]);
  });
});

describe('packing contests into words', () => {
  it('a contest that does not fit in the current word goes to the next word', () => {
    const layout = layoutOf([contest('a', 40), contest('b', 30), contest('c', 20), contest('d', 14)]);
    expect(layout.contests.map((c) => [c.contestId, c.word, c.firstSlot])).toEqual([
      ['a', 0, 0],
      ['b', 1, 0], // 40 + 30 > 63
      ['c', 1, 30], // 30 + 20 <= 63
      ['d', 2, 0], // 50 + 14 > 63
    ]);
    expect(layout.wordCount).toBe(3);
  });

  it('a contest that exactly fills the word stays in it', () => {
    const layout = layoutOf([contest('a', 60), contest('b', 3), contest('c', 1)]);
    expect(layout.contests.map((c) => [c.word, c.firstSlot])).toEqual([
      [0, 0],
      [0, 60],
      [1, 0],
    ]);
  });

  it('a contest with more options than slots in a word is refused', () => {
    expectProtocolError(() => layoutOf([contest('big', 64)]), 'inconsistent', 'contest big');
    expectProtocolError(() => layoutOf([contest('big', 32)], 1024), 'inconsistent', 'contest big');
    expect(layoutOf([contest('ok', 63)]).wordCount).toBe(1);
  });

  it('packCounts / unpackCounts round trip, several words, counts up to 2^32 - 1', () => {
    const layout = layoutOf([contest('a', 40), contest('b', 30), contest('c', 20, 'approval', 2), contest('d', 14)]);
    for (let r = 0; r < 5; r++) {
      const counts = randomCounts(layout);
      counts.get('a')![0] = M - 1n;
      counts.get('d')![13] = M - 1n;
      counts.get('b')![5] = 0n;
      const words = packCounts(layout, counts);
      expect(words).toHaveLength(3);
      for (const w of words) expect(w).toBeLessThan(1n << 2047n); // below any 2048-bit n
      expect(unpackCounts(layout, words)).toEqual(counts);
    }
  });

  it('packCounts puts count x of option o at bit w * (firstSlot + o)', () => {
    const layout = layoutOf(STANDARD_CONTESTS);
    const counts = new Map([
      ['president', [1n, 2n, 3n, 4n]],
      ['senate', [5n, 6n, 7n]],
      ['measure-1', [8n, 9n]],
    ]);
    const expected = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n].reduce((acc, x, slot) => acc + x * M ** BigInt(slot), 0n);
    expect(packCounts(layout, counts)).toEqual([expected]);
  });

  it('packCounts refuses a count that does not fit its slot; unpackCounts a wrong number of words', () => {
    const layout = layoutOf(STANDARD_CONTESTS);
    expectProtocolError(() => packCounts(layout, new Map([['senate', [M, 0n, 0n]]])), 'out-of-range', 'senate');
    expectProtocolError(() => packCounts(layout, new Map([['senate', [-1n, 0n, 0n]]])), 'out-of-range', 'senate');
    expectProtocolError(() => unpackCounts(layout, [0n, 0n]), 'inconsistent', 'words');
    expectProtocolError(() => unpackCounts(layout, []), 'inconsistent', 'words');
  });

  it('the sum of allowed values of many ballots unpacks to the per-option vote counts', () => {
    const contests = [contest('p', 4), contest('ap', 5, 'approval', 3)];
    const layout = layoutOf(contests);
    const expected = new Map([
      ['p', [0n, 0n, 0n, 0n]],
      ['ap', [0n, 0n, 0n, 0n, 0n]],
    ]);
    let word = 0n;
    for (let v = 0; v < 200; v++) {
      for (const c of layout.contests) {
        const pick = (v * 7 + c.firstSlot) % c.allowed.length;
        word += c.allowed[pick]!;
        for (const o of c.selections[pick]!) expected.get(c.contestId)![o]! += 1n;
      }
    }
    expect(unpackCounts(layout, [word])).toEqual(expected);
  });
});

describe('allowed values', () => {
  it('a plurality contest allows abstention and exactly one option', () => {
    const layout = layoutOf([contest('x', 3), contest('p', 4)]);
    const p = layout.contests[1]!;
    expect(p.allowed).toEqual([0n, M ** 3n, M ** 4n, M ** 5n, M ** 6n]);
    expect(p.selections).toEqual([[], [0], [1], [2], [3]]);
    const noAbstain = layoutOf([contest('p', 4, 'plurality', 1, false)]).contests[0]!;
    expect(noAbstain.allowed).toEqual([1n, M, M ** 2n, M ** 3n]);
  });

  it("an approval contest's allowed values are exactly the subsets of size <= k (2-of-4)", () => {
    const layout = layoutOf([contest('before', 5), contest('council', 4, 'approval', 2)]);
    const c = layout.contests[1]!;
    expect(c.firstSlot).toBe(5);
    const expected = subsetsUpTo(4, 2, true).map((set) => set.reduce((acc, o) => acc + M ** BigInt(5 + o), 0n));
    expect(expected).toHaveLength(11); // 1 + 4 + 6
    expect([...c.allowed].sort()).toEqual([...expected].sort());
    expect(new Set(c.allowed).size).toBe(c.allowed.length);
    // Each allowed value encodes exactly its selection.
    c.selections.forEach((sel, i) => expect(c.allowed[i]).toBe(sel.reduce((acc, o) => acc + M ** BigInt(5 + o), 0n)));
    // Nothing of size 3 or 4 is allowed.
    for (const set of subsetsUpTo(4, 4, false).filter((s) => s.length > 2)) {
      expect(c.allowed).not.toContain(set.reduce((acc, o) => acc + M ** BigInt(5 + o), 0n));
      expect(selectionIndex(c, set)).toBe(-1);
    }
  });

  it('approval contests of other shapes: 3-of-5 without abstention, k = number of options', () => {
    const a = layoutOf([contest('a', 5, 'approval', 3, false)]).contests[0]!;
    expect(a.selections.map((s) => s.join(',')).sort()).toEqual(subsetsUpTo(5, 3, false).map((s) => s.join(',')).sort());
    expect(a.allowed).toHaveLength(5 + 10 + 10);
    const all = layoutOf([contest('all', 4, 'approval', 4)]).contests[0]!;
    expect(all.allowed).toHaveLength(16);
  });

  it('allowedValueCount matches allowedSelections', () => {
    const shapes = [contest('a', 4), contest('b', 4, 'approval', 2), contest('c', 9, 'approval', 4), contest('d', 63), contest('e', 6, 'approval', 6, false)];
    for (const s of shapes) expect(allowedValueCount(s), s.id).toBe(allowedSelections(s).length);
    expect(allowedValueCount(contest('c', 9, 'approval', 4))).toBe(256);
  });

  it('selectionIndex finds a selection in any order and refuses what is not allowed', () => {
    const c = layoutOf([contest('council', 4, 'approval', 2)]).contests[0]!;
    expect(c.selections[selectionIndex(c, [2, 0])]).toEqual([0, 2]);
    expect(c.selections[selectionIndex(c, [])]).toEqual([]);
    expect(selectionIndex(c, [4])).toBe(-1);
    expect(selectionIndex(c, [0, 1, 2])).toBe(-1);
    expect(selectionIndex(c, [1, 1])).toBe(-1);
  });
});

describe('validateManifest limits on contests', () => {
  let base: Manifest;
  beforeAll(() => {
    base = smallElection().manifest; // 1024-bit key: 31 slots per word
  });

  it('accepts the generated manifest', () => {
    expect(validateManifest(base)).toBe(base);
  });

  it('rejects a contest with too many options, with a clear message', () => {
    const err = expectProtocolError(() => validateManifest({ ...base, contests: [contest('huge', 32)] }), 'inconsistent', 'manifest.contests[0].options');
    expect(err.message).toMatch(/32 options exceed the 31 slots of a tally word/);
    expect(validateManifest({ ...base, contests: [contest('fits', 31)] }).contests[0]!.options).toHaveLength(31);
  });

  it('rejects a contest with too many allowed values (proof branches), with a clear message', () => {
    const err = expectProtocolError(
      () => validateManifest({ ...base, contests: [contest('ok', 2), contest('wide', 9, 'approval', 5)] }),
      'inconsistent',
      'manifest.contests[1].selectionLimit',
    );
    expect(err.message).toMatch(/382 possible selections exceed the proof limit of 256/);
    expect(MAX_ALLOWED_VALUES).toBe(256);
    // 1 + 9 + 36 + 84 + 126 = 256 is exactly the limit.
    expect(() => validateManifest({ ...base, contests: [contest('edge', 9, 'approval', 4)] })).not.toThrow();
  });

  it('rejects a selection limit the contest kind does not allow', () => {
    expectProtocolError(() => validateManifest({ ...base, contests: [contest('p', 4, 'plurality', 2)] }), 'inconsistent', 'manifest.contests[0].selectionLimit');
    expectProtocolError(() => validateManifest({ ...base, contests: [contest('a', 4, 'approval', 5)] }), 'inconsistent', 'manifest.contests[0].selectionLimit');
    expectProtocolError(() => validateManifest({ ...base, contests: [contest('a', 4, 'approval', 0)] }), 'inconsistent', 'manifest.contests[0].selectionLimit');
  });

  it('rejects duplicate contests and options, empty contests and an empty ballot', () => {
    expectProtocolError(() => validateManifest({ ...base, contests: [contest('x', 2), contest('x', 3)] }), 'inconsistent', 'manifest.contests[1].id');
    expectProtocolError(() => validateManifest({ ...base, contests: [{ ...contest('x', 2), options: ['A', 'A'] }] }), 'inconsistent', 'manifest.contests[0].options');
    expectProtocolError(() => validateManifest({ ...base, contests: [contest('x', 0)] }), 'inconsistent', 'manifest.contests[0].options');
    expectProtocolError(() => validateManifest({ ...base, contests: [] }), 'inconsistent', 'manifest.contests');
  });

  it('an options list longer than the schema allows (63) is refused before layout', () => {
    const err = protocolError(() => validateManifest({ ...base, contests: [contest('x', 64)] }));
    expect(err.code).toBe('oversize');
    expect(err.path).toBe('manifest.contests[0].options');
  });
});
