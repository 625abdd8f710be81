// Seeded simulated voters: reproducible choices drawn from a fixed distribution, so a simulation
// can compare the announced counts with the counts it chose.
import type { Choices } from '../protocol/ballot.ts';
import type { BallotLayout, ContestLayout } from '../protocol/layout.ts';
import { SeededRandom } from './seeded-random.ts';

export { SeededRandom };

/**
 * How likely each of a contest's allowed selections is: earlier options more popular and about
 * 5% abstain, which keeps every count distinct and every slot exercised.
 */
export function selectionWeights(c: ContestLayout): number[] {
  return c.selections.map((sel, i) => (sel.length === 0 ? 0.05 * c.selections.length : 1 / (i + 1)));
}

/** One voter's choices, drawn with selectionWeights. */
export function drawChoices(layout: BallotLayout, rng: SeededRandom): Choices {
  const choices: Choices = {};
  for (const c of layout.contests) {
    const weights = selectionWeights(c);
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
