// Packed ballot layout. Every (contest, option) gets a slot of w bits inside a tally word (one
// Paillier plaintext); a contest lies inside one word. A contest's ciphertext encrypts the sum of
// M^slot over the options it selects (M = 2^w), or 0 to abstain, so multiplying ciphertexts
// adds the counts slot by slot. w = 32 leaves room for 4 billion votes per option, more than any
// count a U.S. contest can reach, so slots never overflow into each other.
import { ProtocolError } from './errors.ts';

/** The validity proof has one branch per allowed value; this caps its size and cost. */
export const MAX_ALLOWED_VALUES = 256;

interface ContestShape {
  id: string;
  kind: 'plurality' | 'approval';
  options: string[];
  selectionLimit: number;
  allowAbstain: boolean;
}

export interface ContestLayout {
  contestId: string;
  /** Index of the tally word holding this contest. */
  word: number;
  /** Slot of the contest's first option inside its word. */
  firstSlot: number;
  optionCount: number;
  /** The plaintexts a valid ballot may encrypt for this contest, in proof-branch order. */
  allowed: bigint[];
  /** For each allowed value, the option indexes it selects. */
  selections: number[][];
}

export interface BallotLayout {
  slotBits: number;
  slotsPerWord: number;
  wordCount: number;
  contests: ContestLayout[];
}

export function slotsPerWord(keyBits: number, slotBits: number): number {
  // A plaintext must stay below n, which has keyBits bits: use at most keyBits - 1 bits.
  return Math.floor((keyBits - 1) / slotBits);
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

export function allowedValueCount(c: ContestShape): number {
  const limit = c.kind === 'plurality' ? 1 : c.selectionLimit;
  let count = c.allowAbstain ? 1 : 0;
  for (let k = 1; k <= limit; k++) count += binomial(c.options.length, k);
  return count;
}

/** Every selection a voter may make: abstention first, then by size, lexicographically. */
export function allowedSelections(c: ContestShape): number[][] {
  const limit = c.kind === 'plurality' ? 1 : c.selectionLimit;
  const out: number[][] = c.allowAbstain ? [[]] : [];
  const extend = (prefix: number[], start: number, size: number): void => {
    if (prefix.length === size) {
      out.push(prefix);
      return;
    }
    for (let i = start; i < c.options.length; i++) extend([...prefix, i], i + 1, size);
  };
  for (let size = 1; size <= limit; size++) extend([], 0, size);
  return out;
}

export function ballotLayout(m: { keyBits: number; slotBits: number; contests: ContestShape[] }): BallotLayout {
  const perWord = slotsPerWord(m.keyBits, m.slotBits);
  const M = 1n << BigInt(m.slotBits);
  const contests: ContestLayout[] = [];
  let word = 0;
  let next = 0;
  for (const c of m.contests) {
    if (c.options.length > perWord) throw new ProtocolError('inconsistent', `contest ${c.id}`, 'more options than slots in a word');
    if (next + c.options.length > perWord) {
      word++;
      next = 0;
    }
    const firstSlot = next;
    const selections = allowedSelections(c);
    const allowed = selections.map((sel) => sel.reduce((acc, o) => acc + M ** BigInt(firstSlot + o), 0n));
    contests.push({ contestId: c.id, word, firstSlot, optionCount: c.options.length, allowed, selections });
    next += c.options.length;
  }
  return { slotBits: m.slotBits, slotsPerWord: perWord, wordCount: word + 1, contests };
}

/** Index of a selection (sorted option indexes) among the contest's allowed values, or -1. */
export function selectionIndex(contest: ContestLayout, options: number[]): number {
  const key = [...options].sort((a, b) => a - b).join(',');
  return contest.selections.findIndex((s) => s.join(',') === key);
}

/** Reads every contest's counts out of the decrypted tally words. */
export function unpackCounts(layout: BallotLayout, words: bigint[]): Map<string, bigint[]> {
  if (words.length !== layout.wordCount) throw new ProtocolError('inconsistent', 'words', `expected ${layout.wordCount} tally words, got ${words.length}`);
  const w = BigInt(layout.slotBits);
  const mask = (1n << w) - 1n;
  const counts = new Map<string, bigint[]>();
  for (const c of layout.contests) {
    const value = words[c.word]!;
    const perOption: bigint[] = [];
    for (let o = 0; o < c.optionCount; o++) perOption.push((value >> (w * BigInt(c.firstSlot + o))) & mask);
    counts.set(c.contestId, perOption);
  }
  return counts;
}

/** The plaintext tally words for given per-contest counts (the inverse of unpackCounts). */
export function packCounts(layout: BallotLayout, counts: Map<string, bigint[]>): bigint[] {
  const words: bigint[] = new Array(layout.wordCount).fill(0n);
  const w = BigInt(layout.slotBits);
  for (const c of layout.contests) {
    const perOption = counts.get(c.contestId) ?? [];
    perOption.forEach((count, o) => {
      if (count < 0n || count >= 1n << w) throw new ProtocolError('out-of-range', c.contestId, 'count does not fit its slot');
      words[c.word] = words[c.word]! + (count << (w * BigInt(c.firstSlot + o)));
    });
  }
  return words;
}
