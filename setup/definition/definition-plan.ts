// What setup makes of a definition: the jurisdiction tree in roster order, and the manifest's
// contests, districts, parties and ballot styles with each precinct's styles. A candidate contest
// becomes 'plurality' (one seat) or 'approval' (vote for up to `seats`), its write-in one more
// option; a yes/no question a plurality contest of its two labels. Every contest allows a blank.
import { clampName, type Jurisdiction } from '../jurisdictions.ts';
import type { BallotStyle, Contest, District, Party } from '../../protocol/manifest.ts';
import { WRITE_IN_OPTION, type DefinitionContest, type ElectionDefinition } from './election-definition.ts';

export interface ElectionPlan {
  electionId: string;
  title: string;
  jurisdictions: Jurisdiction[];
  contests: Contest[];
  districts: District[];
  parties: Party[];
  ballotStyles: BallotStyle[];
  /** Each precinct's ballot styles, by precinct id. */
  precinctStyles: Map<string, string[]>;
}

export function manifestContest(c: DefinitionContest): Contest {
  if (c.type === 'yesno') {
    return { id: c.id, title: c.title, districtId: c.district, partyId: '', kind: 'plurality', options: [c.yes.label, c.no.label], selectionLimit: 1, allowAbstain: true, writeIn: false };
  }
  return {
    id: c.id,
    title: c.title,
    districtId: c.district,
    partyId: c.party ?? '',
    kind: c.seats === 1 ? 'plurality' : 'approval',
    options: [...c.candidates.map((x) => x.name), ...(c.writeIn ? [WRITE_IN_OPTION] : [])],
    selectionLimit: c.seats,
    allowAbstain: true,
    writeIn: c.writeIn,
  };
}

/** The plan of a parsed definition (parseDefinition: its styles are filled in). */
export function planFromDefinition(def: ElectionDefinition): ElectionPlan {
  const jurisdictions: Jurisdiction[] = [{ id: def.national.id, role: 'national', parent: '', name: clampName(def.national.name), fips: '' }];
  for (const s of def.states) {
    jurisdictions.push({ id: s.id, role: 'state', parent: def.national.id, name: clampName(s.name), fips: s.fips ?? '' });
    for (const c of s.counties) {
      jurisdictions.push({ id: c.id, role: 'county', parent: s.id, name: clampName(c.name), fips: c.fips ?? '' });
      for (const p of c.precincts) jurisdictions.push({ id: p.id, role: 'precinct', parent: c.id, name: clampName(p.name), fips: '' });
    }
  }
  const styles = def.ballotStyles ?? [];
  const precinctStyles = new Map<string, string[]>();
  for (const style of styles) {
    for (const p of style.precincts) precinctStyles.set(p, [...(precinctStyles.get(p) ?? []), style.id]);
  }
  return {
    electionId: def.electionId,
    title: def.title,
    jurisdictions,
    contests: def.contests.map(manifestContest),
    districts: def.districts.map((d) => ({ id: d.id, name: d.name })),
    parties: def.parties.map((p) => ({ id: p.id, name: p.name, abbrev: p.abbrev })),
    ballotStyles: styles.map((s) => ({ id: s.id, districtIds: [...s.districts], partyId: s.party ?? '' })),
    precinctStyles,
  };
}
