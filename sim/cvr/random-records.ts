// Random cast records for tests and simulations, reproducible from a seed: records go round the
// ballot styles (so every style is used once count reaches their number), each in a random
// precinct of its style, with full ballots mostly and undervotes, blanks and write-ins mixed in.
import type { DefinitionContest, ElectionDefinition } from '../../setup/definition/election-definition.ts';
import { SeededRandom } from '../seeded-random.ts';
import type { CastRecord } from './cast-record.ts';
import { optionCount, seatsOf } from './contest-options.ts';
import { electionScope } from './election-scope.ts';

/** The share of contests voted with fewer options than seats (0 included). */
const UNDERVOTE_RATE = 0.2;

export function randomCastRecords(def: ElectionDefinition, count: number, seed: string | number): CastRecord[] {
  const rng = new SeededRandom('tallymesh/cvr-records', String(seed));
  const styles = [...electionScope(def).styles.values()];
  return Array.from({ length: count }, (_, i): CastRecord => {
    const { style, contests } = styles[i % styles.length]!;
    const precinctId = style.precincts[rng.below(style.precincts.length)]!;
    const choices = Object.fromEntries([...contests.values()].map((c) => [c.id, randomChoice(rng, c)]));
    return { recordId: `cvr-${String(i + 1).padStart(6, '0')}`, precinctId, ballotStyleId: style.id, choices };
  });
}

/** Distinct options, ascending: as many as seats, or fewer at UNDERVOTE_RATE. The write-in option is drawn like any other. */
function randomChoice(rng: SeededRandom, contest: DefinitionContest): number[] {
  const seats = seatsOf(contest);
  const k = rng.next() < UNDERVOTE_RATE ? rng.below(seats) : seats;
  const pool = Array.from({ length: optionCount(contest) }, (_, n) => n);
  for (let n = 0; n < k; n++) {
    const m = n + rng.below(pool.length - n);
    [pool[n], pool[m]] = [pool[m]!, pool[n]!];
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}
