// The election record: everything anyone needs to re-check the count offline. Ballots are
// optional per precinct (a precinct may publish only its tally); every tally, partial
// decryption and the result are required.
import type { Ballot } from './ballot.ts';
import type { Manifest } from './manifest.ts';
import type { PartialDecryption } from './partial-decryption.ts';
import type { Result } from './result.ts';
import type { AggregateTally, PrecinctTally } from './tally.ts';

export interface ElectionRecord {
  manifest: Manifest;
  /** Published ballots per precinct id, in log order. */
  ballots: Map<string, Ballot[]>;
  precinctTallies: PrecinctTally[];
  aggregateTallies: AggregateTally[];
  partials: PartialDecryption[];
  result: Result | undefined;
}
