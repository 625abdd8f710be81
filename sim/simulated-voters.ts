// Seeded simulated voters: reproducible choices drawn from a fixed distribution, so a simulation
// can compare the announced counts with the counts it chose.
import type { Choices } from '../protocol/ballot.ts';
import type { ElectionContext } from '../protocol/election.ts';
import type { ContestLayout } from '../protocol/layout.ts';
import { SeededRandom } from './seeded-random.ts';

export { SeededRandom };

/**
 * How likely each of a contest's allowed selections is: earlier options more popular and about
 * 5% abstain, which keeps every count distinct and every slot exercised.
 */
export function selectionWeights(c: ContestLayout): number[] {
  return c.selections.map((sel, i) => (sel.length === 0 ? 0.05 * c.selections.length : 1 / (i + 1)));
}

/** One voter's choices in the given contests (a ballot style's), drawn with selectionWeights. */
export function drawChoices(contests: readonly ContestLayout[], rng: SeededRandom): Choices {
  const choices: Choices = {};
  for (const c of contests) {
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

/** The contest layouts of a ballot style, in ballot order. */
export function styleLayouts(ctx: ElectionContext, ballotStyleId: string): ContestLayout[] {
  return ctx.scopes.contestsOfStyle(ballotStyleId).map((p) => p.layout);
}

/** One voter of a precinct: a ballot style (one of the precinct's, uniformly) and choices on it. */
export function drawBallot(ctx: ElectionContext, precinctId: string, rng: SeededRandom): { ballotStyleId: string; choices: Choices; contests: ContestLayout[] } {
  const styles = ctx.index.node(precinctId).ballotStyles;
  const ballotStyleId = styles.length === 1 ? styles[0]! : styles[Math.floor(rng.next() * styles.length)]!;
  const contests = styleLayouts(ctx, ballotStyleId);
  return { ballotStyleId, choices: drawChoices(contests, rng), contests };
}

/** Adds one voter's choices to plaintext counts per contest. */
export function addToCounts(counts: Map<string, bigint[]>, contests: readonly ContestLayout[], choices: Choices): void {
  for (const c of contests) {
    const row = counts.get(c.contestId) ?? new Array<bigint>(c.optionCount).fill(0n);
    for (const o of choices[c.contestId] ?? []) row[o] = row[o]! + 1n;
    counts.set(c.contestId, row);
  }
}
