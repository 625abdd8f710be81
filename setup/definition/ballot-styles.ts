// Ballot styles: which contests make one ballot. A style is a set of districts and, in a primary,
// a party; its contests are the contests of those districts that are nonpartisan or of that party,
// in definition order. A precinct's styles must cover exactly its districts.
import type { DefinitionBallotStyle, DefinitionContest, DefinitionPrecinct, DefinitionReader, ElectionDefinition } from './election-definition.ts';

/** A definition's contests by district, each with its position in definition order. */
export type ContestIndex = Map<string, { contest: DefinitionContest; order: number }[]>;

export function contestIndex(def: Pick<ElectionDefinition, 'contests'>): ContestIndex {
  const index: ContestIndex = new Map();
  def.contests.forEach((contest, order) => {
    const list = index.get(contest.district) ?? [];
    list.push({ contest, order });
    index.set(contest.district, list);
  });
  return index;
}

/**
 * The contests on a style's ballot, in definition order. Pass `index` when asking for many
 * styles: a U.S.-scale definition has tens of thousands of styles and contests.
 */
export function contestsOfStyle(
  def: Pick<ElectionDefinition, 'contests'>,
  style: Pick<DefinitionBallotStyle, 'districts' | 'party'>,
  index: ContestIndex = contestIndex(def),
): DefinitionContest[] {
  return [...new Set(style.districts)]
    .flatMap((d) => index.get(d) ?? [])
    .filter(({ contest: c }) => c.type !== 'candidate' || c.party === undefined || c.party === style.party)
    .sort((a, b) => a.order - b.order)
    .map(({ contest }) => contest);
}

/**
 * Styles derived from the precincts' districts: one per distinct district set in a general
 * election; in a primary, one per party with a contest there plus a nonpartisan one if the set
 * has nonpartisan contests. Ids are "bs-1", "bs-2", ... in the order precincts first need them.
 */
export function deriveBallotStyles(def: ElectionDefinition): DefinitionBallotStyle[] {
  const styles: DefinitionBallotStyle[] = [];
  const index = contestIndex(def);
  const byKey = new Map<string, DefinitionBallotStyle>();
  const add = (districts: string[], party: string | undefined, precinct: string): void => {
    const key = `${districts.join(' ')}|${party ?? ''}`;
    let style = byKey.get(key);
    if (!style) {
      style = { id: `bs-${styles.length + 1}`, districts, precincts: [], ...(party === undefined ? {} : { party }) };
      byKey.set(key, style);
      styles.push(style);
    }
    style.precincts.push(precinct);
  };
  for (const p of def.states.flatMap((s) => s.counties.flatMap((c) => c.precincts))) {
    const districts = [...p.districts].sort();
    if (def.type === 'general') {
      add(districts, undefined, p.id);
      continue;
    }
    const here = contestsOfStyle(def, { districts, party: undefined }, index);
    if (here.length > 0) add(districts, undefined, p.id);
    for (const party of def.parties) {
      if (districts.some((d) => index.get(d)?.some(({ contest: c }) => c.type === 'candidate' && c.party === party.id))) add(districts, party.id, p.id);
    }
  }
  return styles;
}

/**
 * The rules every definition's styles meet, given or derived: ids unique, districts and parties
 * defined, a party only in a primary, at least one contest per style, every precinct on at least
 * one style, each style's districts exactly its precincts' districts, and one style per precinct
 * and party.
 */
export function checkBallotStyles(r: DefinitionReader, def: ElectionDefinition, precincts: DefinitionPrecinct[]): void {
  const byPrecinct = new Map(precincts.map((p) => [p.id, p]));
  const districtIds = new Set(def.districts.map((d) => d.id));
  const partyIds = new Set(def.parties.map((p) => p.id));
  const ids = new Map<string, string>();
  const used = new Map<string, Set<string>>();
  const index = contestIndex(def);
  (def.ballotStyles ?? []).forEach((style, i) => {
    const path = `$.ballotStyles[${i}]`;
    r.unique(ids, style.id, `${path}.id`);
    style.districts.forEach((d, k) => {
      if (!districtIds.has(d)) r.fail(`${path}.districts[${k}]`, `district "${d}" is not defined`);
    });
    if (style.party !== undefined) {
      if (def.type !== 'primary') r.fail(`${path}.party`, 'only a primary has party ballot styles');
      if (!partyIds.has(style.party)) r.fail(`${path}.party`, `party "${style.party}" is not defined`);
    }
    if (contestsOfStyle(def, style, index).length === 0) r.fail(path, `ballot style "${style.id}" has no contest`);
    if (style.precincts.length === 0) r.fail(`${path}.precincts`, `ballot style "${style.id}" is used by no precinct`);
    const districts = [...style.districts].sort().join(' ');
    style.precincts.forEach((pid, k) => {
      const at = `${path}.precincts[${k}]`;
      const p = byPrecinct.get(pid);
      if (!p) r.fail(at, `precinct "${pid}" is not defined`);
      if ([...p.districts].sort().join(' ') !== districts) r.fail(at, `precinct "${pid}" lies in districts [${p.districts.join(', ')}], the style lists [${style.districts.join(', ')}]`);
      const parties = used.get(pid) ?? new Set<string>();
      const party = style.party ?? '';
      if (parties.has(party)) r.fail(at, `precinct "${pid}" has two ballot styles for ${party ? `party "${party}"` : 'nonpartisan voters'}`);
      parties.add(party);
      used.set(pid, parties);
    });
  });
  for (const p of precincts) if (!used.has(p.id)) r.fail('$.ballotStyles', `precinct "${p.id}" has no ballot style`);
}
