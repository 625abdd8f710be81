// Seeded simulated voters: reproducible choices drawn from a fixed distribution, so a simulation
// can compare the announced counts with the counts it chose.
import { createHash } from 'node:crypto';
import type { Choices } from '../protocol/ballot.ts';
import type { BallotLayout } from '../protocol/layout.ts';

/** A deterministic stream of uniform numbers in [0, 1) from SHA-256 in counter mode. */
export class SeededRandom {
  private counter = 0;
  private buffer = Buffer.alloc(0);
  constructor(private readonly seed: string) {}
  next(): number {
    if (this.buffer.length < 6) {
      this.buffer = createHash('sha256').update(`${this.seed}/${this.counter++}`).digest();
    }
    const value = this.buffer.readUIntBE(0, 6) / 2 ** 48;
    this.buffer = this.buffer.subarray(6);
    return value;
  }
}

/**
 * One voter's choices: each contest's allowed selections weighted so that earlier options are
 * more popular and about 5% abstain, which keeps every count distinct and every slot exercised.
 */
export function drawChoices(layout: BallotLayout, rng: SeededRandom): Choices {
  const choices: Choices = {};
  for (const c of layout.contests) {
    const weights = c.selections.map((sel, i) => (sel.length === 0 ? 0.05 * c.selections.length : 1 / (i + 1)));
    const total = weights.reduce((a, b) => a + b, 0);
    let x = rng.next() * total;
    let pick = c.selections.length - 1;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) {
        pick = i;
        break;
      }
    }
    choices[c.contestId] = c.selections[pick]!;
  }
  return choices;
}

/** Adds one voter's choices to plaintext counts per contest. */
export function addToCounts(counts: Map<string, bigint[]>, layout: BallotLayout, choices: Choices): void {
  for (const c of layout.contests) {
    const row = counts.get(c.contestId) ?? new Array<bigint>(c.optionCount).fill(0n);
    for (const o of choices[c.contestId] ?? []) row[o] = row[o]! + 1n;
    counts.set(c.contestId, row);
  }
}
