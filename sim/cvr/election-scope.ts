// The lookups every CVR step needs from a definition: ballot styles with their contests, precincts,
// contests by id. Styles are the definition's own or, when it gives none, the derived ones (what
// parseDefinition fills in), so a definition built by hand works too.
import { contestIndex, contestsOfStyle, deriveBallotStyles } from '../../setup/definition/ballot-styles.ts';
import type { DefinitionBallotStyle, DefinitionContest, DefinitionPrecinct, ElectionDefinition } from '../../setup/definition/election-definition.ts';

export interface StyleScope {
  style: DefinitionBallotStyle;
  /** The style's contests by id, in ballot (definition) order. */
  contests: Map<string, DefinitionContest>;
}

export interface ElectionScope {
  styles: Map<string, StyleScope>;
  precincts: Map<string, DefinitionPrecinct>;
  contests: Map<string, DefinitionContest>;
}

export function electionScope(def: ElectionDefinition): ElectionScope {
  const styles = new Map<string, StyleScope>();
  const index = contestIndex(def);
  for (const style of def.ballotStyles ?? deriveBallotStyles(def)) {
    styles.set(style.id, { style, contests: new Map(contestsOfStyle(def, style, index).map((c) => [c.id, c])) });
  }
  const precincts = new Map(def.states.flatMap((s) => s.counties.flatMap((c) => c.precincts)).map((p) => [p.id, p]));
  return { styles, precincts, contests: new Map(def.contests.map((c) => [c.id, c])) };
}
