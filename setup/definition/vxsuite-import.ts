// Importing a VotingWorks VxSuite election definition (its `election.json`, "VXF") as a native
// definition. A VxSuite file describes one county; the caller names the state and the national
// node it lies under. The importer reads the VxSuite structure itself (every refusal names a JSON
// path into the VxSuite file), then runs the native rules (parseDefinition) over the result and
// translates their paths back, so an imported election meets exactly the rules a native one does.
// docs/definition.md lists which VxSuite field becomes which native field, what is refused and
// what is ignored, and why.
import { contestsOfStyle } from './ballot-styles.ts';
import {
  DEFINITION_FORMAT,
  DefinitionError,
  DefinitionReader,
  type DefinitionBallotStyle,
  type DefinitionCandidate,
  type DefinitionContest,
  type DefinitionParty,
  type DefinitionPrecinct,
  type ElectionDefinition,
} from './election-definition.ts';
import { parseDefinition } from './parse-definition.ts';

export type DefinitionFormat = 'tallymesh' | 'vxsuite';

/** Where the one county of a VxSuite file lies: VxSuite names neither its state node nor a national node. */
export interface VxSuitePlace {
  stateId: string;
  /** Default: the file's `state`. */
  stateName?: string;
  stateFips?: string;
  /** Default: "national". */
  nationalId?: string;
  /** Default: "National". */
  nationalName?: string;
  /** Default: the file's `id`; required when the file has none. */
  electionId?: string;
  countyFips?: string;
}

export interface LoadDefinitionOptions {
  /** Default: detected (detectDefinitionFormat). */
  format?: DefinitionFormat;
  /** Required for a VxSuite file (at least stateId). */
  place?: Partial<VxSuitePlace>;
}

export const DEFAULT_NATIONAL = { id: 'national', name: 'National' } as const;

/**
 * The format of a definition's JSON: native when `format` says so; VxSuite when it has the four
 * parts every VxSuite election has (ballotStyles, contests, precincts, county) and no `format`.
 */
export function detectDefinitionFormat(json: unknown): DefinitionFormat | undefined {
  if (!isRecord(json)) return undefined;
  if (json.format === DEFINITION_FORMAT) return 'tallymesh';
  if ('format' in json) return undefined;
  return ['ballotStyles', 'contests', 'precincts', 'county'].every((k) => k in json) ? 'vxsuite' : undefined;
}

/** A parsed, validated native definition from either format; `file` names it in errors. */
export function loadDefinition(json: unknown, file: string, options: LoadDefinitionOptions = {}): ElectionDefinition {
  const format = options.format ?? detectDefinitionFormat(json);
  if (format === 'vxsuite') {
    const place = options.place ?? {};
    if (typeof place.stateId !== 'string' || place.stateId === '') throw missingState(file);
    return importVxSuite(json, file, { ...place, stateId: place.stateId });
  }
  // A `format` other than the native one: parseDefinition names it at $.format.
  if (format === 'tallymesh' || (isRecord(json) && 'format' in json)) return parseDefinition(json, file);
  throw new DefinitionError(file, '$', `neither a native definition (format "${DEFINITION_FORMAT}") nor a VxSuite election.json (ballotStyles, contests, precincts and county, no format)`);
}

/**
 * A VxSuite election.json as a parsed, validated native definition: its county under
 * `place.stateId` under the national node. Refusals name paths into the VxSuite file ("place.…"
 * for what the caller gave).
 */
export function importVxSuite(json: unknown, file: string, place: VxSuitePlace): ElectionDefinition {
  if (typeof place.stateId !== 'string' || place.stateId === '') throw missingState(file);
  const { definition, paths } = convertVxSuite(json, file, place);
  try {
    return parseDefinition(definition, file);
  } catch (e) {
    if (!(e instanceof DefinitionError)) throw e;
    throw new DefinitionError(file, paths.translate(e.path), paths.translateText(e.reason));
  }
}

function missingState(file: string): DefinitionError {
  return new DefinitionError(file, 'place.stateId', 'missing: a VxSuite election.json defines one county and not the state it lies in; name the state node (--state-id)');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// The fields of each VxSuite object. `required` and `optional` fields are imported (or refused
// when they cannot be); `ignored` fields only print, translate, scan, order or hash ballots and
// change no count; keys
// starting with "_" are annotations (older files' `_lang` translations). Any other field is
// refused: it may be a newer VxSuite field that changes what is counted.

interface Fields {
  required: string[];
  optional?: string[];
  ignored?: string[];
}

const ELECTION: Fields = {
  required: ['title', 'county', 'parties', 'districts', 'precincts', 'ballotStyles', 'contests'],
  optional: ['id', 'type', 'state'],
  ignored: ['ballotLayout', 'ballotStrings', 'date', 'seal', 'sealUrl', 'sealURL', 'gridLayouts', 'additionalHashInput', 'markThresholds', 'adjudicationReasons', 'centralScanAdjudicationReasons', 'precinctScanAdjudicationReasons', 'quickResultsReportingUrl'],
};
const COUNTY: Fields = { required: ['id', 'name'] };
const PARTY: Fields = { required: ['id', 'name', 'abbrev'], ignored: ['fullName'] };
const DISTRICT: Fields = { required: ['id', 'name'] };
const PRECINCT: Fields = { required: ['id', 'name'], optional: ['districtIds', 'splits'] };
const SPLIT: Fields = { required: ['id', 'name', 'districtIds'], ignored: ['electionTitleOverride', 'electionSealOverride', 'clerkSignatureImage', 'clerkSignatureCaption'] };
// languages: language variants share a groupId and count as one style. The orderings rotate
// candidates and contests on paper; VxSuite's own getContests ignores them.
const BALLOT_STYLE: Fields = { required: ['id', 'precincts', 'districts'], optional: ['groupId', 'partyId'], ignored: ['languages', 'orderedCandidatesByContest', 'orderedContests'] };
const CANDIDATE_CONTEST: Fields = { required: ['type', 'id', 'districtId', 'title', 'seats', 'candidates', 'allowWriteIns'], optional: ['partyId'], ignored: ['section', 'termDescription', 'shortTitle'] };
const YESNO_CONTEST: Fields = { required: ['type', 'id', 'districtId', 'title'], optional: ['yesOption', 'noOption', 'partyId'], ignored: ['description', 'section', 'shortTitle'] };
const CANDIDATE: Fields = { required: ['id', 'name'], optional: ['partyIds', 'partyId', 'isWriteIn'], ignored: ['writeInIndex', 'firstName', 'middleName', 'lastName'] };
const YESNO_OPTION: Fields = { required: ['id', 'label'] };

/** Older files' yes/no questions have no options; VxSuite then recorded "yes" and "no". */
const DEFAULT_YES = { id: 'yes', label: 'Yes' };
const DEFAULT_NO = { id: 'no', label: 'No' };

/** A VxSuite object: required fields present, unknown ones refused with their own reason. */
function vxObject(r: DefinitionReader, v: unknown, path: string, f: Fields): Record<string, unknown> {
  const notes = isRecord(v) ? Object.keys(v).filter((k) => k.startsWith('_')) : [];
  const optional = [...(f.optional ?? []), ...(f.ignored ?? []), ...notes];
  const known = new Set([...f.required, ...optional]);
  for (const key of isRecord(v) ? Object.keys(v) : []) {
    if (!known.has(key)) r.fail(`${path}.${key}`, 'unknown field: not a VxSuite field this importer knows, and it could change what is counted');
  }
  return r.object(v, path, { required: f.required, optional });
}

// ---------------------------------------------------------------------------------------------
// Paths: where each part of the native definition came from, so that a native refusal names the
// VxSuite field it is about.

/** A field of the VxSuite object, an absolute path ("$…" or "place.…"), or null: the object itself. */
type FieldOrigin = string | null;

class PathMap {
  private readonly entries = new Map<string, { vx: string; fields: Record<string, FieldOrigin> }>();

  add(native: string, vx: string, fields: Record<string, FieldOrigin> = {}): void {
    this.entries.set(native, { vx, fields });
  }

  /** The VxSuite path of a native path: its longest registered prefix, then the rest renamed. */
  translate(path: string): string {
    for (let prefix = path; ; prefix = parentPath(prefix)) {
      const entry = this.entries.get(prefix);
      if (!entry) {
        if (parentPath(prefix) === prefix) return path;
        continue;
      }
      const tail = path.slice(prefix.length);
      const m = /^\.([^.[\]]+)(.*)$/.exec(tail);
      if (!m || !(m[1]! in entry.fields)) return entry.vx + tail;
      const field = entry.fields[m[1]!]!;
      if (field === null) return entry.vx;
      return field.startsWith('$') || field.startsWith('place') ? field + m[2]! : `${entry.vx}.${field}${m[2]!}`;
    }
  }

  /** A native reason with the paths it quotes translated ("already used at $.states[0]…"). */
  translateText(reason: string): string {
    return reason.replace(/\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+/g, (p) => this.translate(p));
  }
}

function parentPath(path: string): string {
  return path.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
}

// ---------------------------------------------------------------------------------------------
// The conversion.

/** A native precinct and where it came from: a VxSuite precinct or one split of it. */
interface ImportedPrecinct {
  precinct: DefinitionPrecinct;
  /** The VxSuite precinct id (a split's precinct). */
  source: string;
  path: string;
  /** Whether the file gave its districts (districtIds); otherwise they are its styles' union. */
  explicit: boolean;
  split: boolean;
}

/** A native style and, per precinct entry, the VxSuite path it came from. */
interface ImportedStyle {
  style: DefinitionBallotStyle;
  path: string;
  /** The VxSuite field the native id comes from: the group's id, or the style's own. */
  idField: 'groupId' | 'id';
  entries: string[];
  /** The VxSuite precinct entries the style lists, before splits are resolved. */
  vxPrecincts: { id: string; path: string }[];
}

interface Conversion {
  definition: ElectionDefinition;
  paths: PathMap;
}

function convertVxSuite(json: unknown, file: string, place: VxSuitePlace): Conversion {
  const r = new DefinitionReader(file);
  const paths = new PathMap();
  const o = vxObject(r, json, '$', ELECTION);

  const county = vxObject(r, o.county, '$.county', COUNTY);
  const countyId = r.id(county.id, '$.county.id');
  const countyName = r.string(county.name, '$.county.name', 128);
  const stateName = place.stateName ?? (o.state === undefined ? r.fail('$.state', 'missing: name the state (place.stateName, --state-name)') : r.string(o.state, '$.state', 128));
  const electionId = place.electionId ?? (o.id === undefined ? r.fail('$.id', 'missing: the file has no election id; give one (place.electionId, --election-id)') : r.id(o.id, '$.id'));

  const parties = r.array(o.parties, '$.parties').map((p, i) => readParty(r, p, `$.parties[${i}]`));
  const partyIds = new Set(parties.map((p) => p.id));
  const districts = r.array(o.districts, '$.districts').map((d, i) => {
    const x = vxObject(r, d, `$.districts[${i}]`, DISTRICT);
    return { id: r.id(x.id, `$.districts[${i}].id`), name: r.string(x.name, `$.districts[${i}].name`, 128) };
  });
  const districtIds = new Set(districts.map((d) => d.id));
  const contests = r.array(o.contests, '$.contests').map((c, i) => readContest(r, c, `$.contests[${i}]`, { partyIds, paths, native: `$.contests[${i}]` }));
  const precinctIds = new Map<string, string>();
  const precincts = r.array(o.precincts, '$.precincts').flatMap((p, i) => readPrecinct(r, p, `$.precincts[${i}]`, { districtIds, precinctIds }));
  const styles = readStyles(r, o.ballotStyles, districtIds);
  const type = readType(r, o.type, styles);

  resolveStylePrecincts(r, styles, precincts);
  assignDerivedDistricts(r, precincts, styles);
  fitStyleDistricts(r, styles, precincts, contests);

  const countyPath = '$.states[0].counties[0]';
  precincts.forEach((p, k) => paths.add(`${countyPath}.precincts[${k}]`, p.path, { districts: p.explicit ? 'districtIds' : null }));
  styles.forEach((s, n) => {
    paths.add(`$.ballotStyles[${n}]`, s.path, { party: 'partyId', id: s.idField });
    s.entries.forEach((entry, k) => paths.add(`$.ballotStyles[${n}].precincts[${k}]`, entry));
  });
  paths.add(countyPath, '$.county', { fips: 'place.countyFips', precincts: '$.precincts' });
  paths.add('$.states[0]', 'place', { id: 'place.stateId', name: place.stateName === undefined ? '$.state' : 'place.stateName', fips: 'place.stateFips', counties: '$.county' });
  paths.add('$.national', 'place', { id: 'place.nationalId', name: 'place.nationalName' });
  paths.add('$', '$', { electionId: place.electionId === undefined ? '$.id' : 'place.electionId', national: 'place', states: 'place', format: null });

  const definition: ElectionDefinition = {
    format: DEFINITION_FORMAT,
    electionId,
    title: r.string(o.title, '$.title'),
    type,
    national: { id: place.nationalId ?? DEFAULT_NATIONAL.id, name: place.nationalName ?? DEFAULT_NATIONAL.name },
    states: [
      {
        id: place.stateId,
        name: stateName,
        ...(place.stateFips === undefined ? {} : { fips: place.stateFips }),
        counties: [{ id: countyId, name: countyName, ...(place.countyFips === undefined ? {} : { fips: place.countyFips }), precincts: precincts.map((p) => p.precinct) }],
      },
    ],
    parties,
    districts,
    contests,
    ballotStyles: styles.map((s) => s.style),
  };
  return { definition, paths };
}

function readParty(r: DefinitionReader, v: unknown, path: string): DefinitionParty {
  const x = vxObject(r, v, path, PARTY);
  return { id: r.id(x.id, `${path}.id`), name: r.string(x.name, `${path}.name`, 128), abbrev: r.string(x.abbrev, `${path}.abbrev`, 16) };
}

/** Older files have no `type`: party ballot styles made a primary. */
function readType(r: DefinitionReader, v: unknown, styles: ImportedStyle[]): ElectionDefinition['type'] {
  if (v === undefined) return styles.some((s) => s.style.party !== undefined) ? 'primary' : 'general';
  if (v !== 'general' && v !== 'primary') r.fail('$.type', 'must be "general" or "primary"');
  return v;
}

interface ContestScope {
  partyIds: Set<string>;
  paths: PathMap;
  /** The contest's native path (the same index: every contest is imported or refused). */
  native: string;
}

function readContest(r: DefinitionReader, v: unknown, path: string, scope: ContestScope): DefinitionContest {
  const kind = isRecord(v) ? v.type : undefined;
  if (kind === 'candidate') return readCandidateContest(r, v, path, scope);
  if (kind === 'yesno') return readYesNoContest(r, v, path, scope);
  if (!isRecord(v)) r.fail(path, 'must be an object');
  if (kind === undefined) r.fail(`${path}.type`, 'missing');
  // e.g. "ms-either-neither" (older Mississippi files) or "straight-party" (newer files).
  return r.fail(`${path}.type`, `contest type ${JSON.stringify(kind)} is not imported: only "candidate" and "yesno" contests are`);
}

function readCandidateContest(r: DefinitionReader, v: unknown, path: string, scope: ContestScope): DefinitionContest {
  const c = vxObject(r, v, path, CANDIDATE_CONTEST);
  const writeIn = r.boolean(c.allowWriteIns, `${path}.allowWriteIns`);
  const candidates: DefinitionCandidate[] = [];
  r.array(c.candidates, `${path}.candidates`).forEach((x, j) => {
    const at = `${path}.candidates[${j}]`;
    const o = vxObject(r, x, at, CANDIDATE);
    // A listed write-in candidate is a write-in line: with allowWriteIns, the one write-in option counts it.
    if (o.isWriteIn !== undefined && r.boolean(o.isWriteIn, `${at}.isWriteIn`)) {
      if (!writeIn) r.fail(`${at}.isWriteIn`, 'a write-in candidate in a contest without allowWriteIns');
      return;
    }
    const candidate: DefinitionCandidate = { id: r.id(o.id, `${at}.id`), name: r.string(o.name, `${at}.name`, 128) };
    const party = readCandidateParty(r, o, at, scope.partyIds);
    if (party !== undefined) candidate.party = party.id;
    scope.paths.add(`${scope.native}.candidates[${candidates.length}]`, at, { party: party?.field ?? null });
    candidates.push(candidate);
  });
  const contest: DefinitionContest = {
    type: 'candidate',
    id: r.id(c.id, `${path}.id`),
    title: r.string(c.title, `${path}.title`),
    district: r.id(c.districtId, `${path}.districtId`),
    seats: r.integer(c.seats, `${path}.seats`, 1, Number.MAX_SAFE_INTEGER),
    candidates,
    writeIn,
  };
  if (c.partyId !== undefined) contest.party = r.id(c.partyId, `${path}.partyId`);
  scope.paths.add(scope.native, path, { district: 'districtId', writeIn: 'allowWriteIns', party: 'partyId' });
  return contest;
}

/**
 * The native candidate's party is informational and single: the first of `partyIds` (a
 * candidate endorsed by several parties keeps the first), or an older file's `partyId`. Every
 * party named must be defined.
 */
function readCandidateParty(r: DefinitionReader, o: Record<string, unknown>, at: string, partyIds: Set<string>): { id: string; field: string } | undefined {
  if (o.partyIds !== undefined && o.partyId !== undefined) r.fail(`${at}.partyId`, 'give partyIds or (older files) partyId, not both');
  const defined = (id: string, p: string): string => (partyIds.has(id) ? id : r.fail(p, `party "${id}" is not defined`));
  if (o.partyId !== undefined) return { id: defined(r.id(o.partyId, `${at}.partyId`), `${at}.partyId`), field: 'partyId' };
  if (o.partyIds === undefined) return undefined;
  const ids = r.array(o.partyIds, `${at}.partyIds`, 64).map((p, k) => defined(r.id(p, `${at}.partyIds[${k}]`), `${at}.partyIds[${k}]`));
  return ids.length === 0 ? undefined : { id: ids[0]!, field: 'partyIds[0]' };
}

function readYesNoContest(r: DefinitionReader, v: unknown, path: string, scope: ContestScope): DefinitionContest {
  const c = vxObject(r, v, path, YESNO_CONTEST);
  // Older VxSuite put such a question on that party's ballots only, newer VxSuite drops the field:
  // the file does not say which count it means, and native questions have no party.
  if (c.partyId !== undefined) r.fail(`${path}.partyId`, 'a yes/no question with a party: VxSuite versions disagree on which ballots carry it, so it is not imported');
  if ((c.yesOption === undefined) !== (c.noOption === undefined)) r.fail(c.yesOption === undefined ? `${path}.yesOption` : `${path}.noOption`, 'missing: give both yesOption and noOption, or neither (older files: "yes" and "no")');
  const option = (x: unknown, at: string): { id: string; label: string } => {
    const o = vxObject(r, x, at, YESNO_OPTION);
    return { id: r.id(o.id, `${at}.id`), label: r.string(o.label, `${at}.label`, 128) };
  };
  const given = c.yesOption !== undefined;
  scope.paths.add(scope.native, path, { district: 'districtId', yes: given ? 'yesOption' : null, no: given ? 'noOption' : null });
  return {
    type: 'yesno',
    id: r.id(c.id, `${path}.id`),
    title: r.string(c.title, `${path}.title`),
    district: r.id(c.districtId, `${path}.districtId`),
    yes: given ? option(c.yesOption, `${path}.yesOption`) : { ...DEFAULT_YES },
    no: given ? option(c.noOption, `${path}.noOption`) : { ...DEFAULT_NO },
  };
}

/** One native precinct per VxSuite precinct, or one per split when it has splits (each split is one ballot). */
function readPrecinct(r: DefinitionReader, v: unknown, path: string, ids: { districtIds: Set<string>; precinctIds: Map<string, string> }): ImportedPrecinct[] {
  const { districtIds } = ids;
  const p = vxObject(r, v, path, PRECINCT);
  const id = r.id(p.id, `${path}.id`);
  // Style entries name precincts by id (also split ones), so VxSuite precinct ids must be unique.
  r.unique(ids.precinctIds, id, `${path}.id`);
  const name = r.string(p.name, `${path}.name`, 128);
  if (p.splits === undefined) {
    const explicit = p.districtIds !== undefined;
    const districts = explicit ? readDistrictIds(r, p.districtIds, `${path}.districtIds`, districtIds) : [];
    return [{ precinct: { id, name, districts }, source: id, path, explicit, split: false }];
  }
  if (p.districtIds !== undefined) r.fail(`${path}.districtIds`, 'a precinct with splits has its districts on the splits');
  const splits = r.array(p.splits, `${path}.splits`);
  if (splits.length === 0) r.fail(`${path}.splits`, 'a precinct with splits needs at least one');
  return splits.map((s, j) => {
    const at = `${path}.splits[${j}]`;
    const x = vxObject(r, s, at, SPLIT);
    const split = { id: r.id(x.id, `${at}.id`), name: `${name} – ${r.string(x.name, `${at}.name`, 128)}`, districts: readDistrictIds(r, x.districtIds, `${at}.districtIds`, districtIds) };
    return { precinct: split, source: id, path: at, explicit: true, split: true };
  });
}

function readDistrictIds(r: DefinitionReader, v: unknown, path: string, districtIds: Set<string>): string[] {
  return r.array(v, path, 64).map((d, k) => {
    const id = r.id(d, `${path}[${k}]`);
    if (!districtIds.has(id)) r.fail(`${path}[${k}]`, `district "${id}" is not defined`);
    return id;
  });
}

/**
 * The file's ballot styles, language variants (one groupId) merged into one native style named
 * by the group: they are one ballot in several languages, so they must list the same precincts,
 * districts and party.
 */
function readStyles(r: DefinitionReader, v: unknown, districtIds: Set<string>): ImportedStyle[] {
  const groups = new Map<string, { style: ImportedStyle; key: string }>();
  const styles: ImportedStyle[] = [];
  r.array(v, '$.ballotStyles').forEach((x, i) => {
    const path = `$.ballotStyles[${i}]`;
    const b = vxObject(r, x, path, BALLOT_STYLE);
    const id = r.id(b.id, `${path}.id`);
    const group = b.groupId === undefined ? id : r.id(b.groupId, `${path}.groupId`);
    const districts = readDistrictIds(r, b.districts, `${path}.districts`, districtIds);
    const vxPrecincts = r.array(b.precincts, `${path}.precincts`).map((p, q) => ({ id: r.id(p, `${path}.precincts[${q}]`), path: `${path}.precincts[${q}]` }));
    const party = b.partyId === undefined ? undefined : r.id(b.partyId, `${path}.partyId`);
    const key = JSON.stringify([[...new Set(vxPrecincts.map((p) => p.id))].sort(), [...new Set(districts)].sort(), party ?? null]);
    const seen = groups.get(group);
    if (seen) {
      if (seen.key !== key) r.fail(`${path}.groupId`, `ballot style "${id}" is in group "${group}" with ${seen.style.path} but lists other precincts, districts or party: the language variants of one ballot must be the same ballot`);
      return;
    }
    const style: ImportedStyle = { style: { id: group, districts, precincts: [], ...(party === undefined ? {} : { party }) }, path, idField: b.groupId === undefined ? 'id' : 'groupId', entries: [], vxPrecincts };
    groups.set(group, { style, key });
    styles.push(style);
  });
  return styles;
}

/**
 * Each style's precinct entries as native precincts. VxSuite styles list precinct ids, also for
 * split precincts (VxDesign writes the split's precinct): such an entry means the splits whose
 * districts are the style's.
 */
function resolveStylePrecincts(r: DefinitionReader, styles: ImportedStyle[], precincts: ImportedPrecinct[]): void {
  const bySource = new Map<string, ImportedPrecinct[]>();
  for (const p of precincts) bySource.set(p.source, [...(bySource.get(p.source) ?? []), p]);
  for (const s of styles) {
    const key = setKey(s.style.districts);
    for (const entry of s.vxPrecincts) {
      const parts = bySource.get(entry.id);
      if (!parts) r.fail(entry.path, `precinct "${entry.id}" is not defined`);
      const matching = parts[0]!.split ? parts.filter((p) => setKey(p.precinct.districts) === key) : parts;
      if (matching.length === 0) {
        r.fail(entry.path, `precinct "${entry.id}" has no split in the districts of ballot style "${s.style.id}" [${s.style.districts.join(', ')}]: its splits lie in ${parts.map((p) => `"${p.precinct.id}" [${p.precinct.districts.join(', ')}]`).join(', ')}`);
      }
      for (const p of matching) {
        s.style.precincts.push(p.precinct.id);
        s.entries.push(entry.path);
      }
    }
  }
}

/**
 * Precincts without districtIds (older files) lie in the union of the districts of the ballot
 * styles they are on, in the order the styles name them.
 */
function assignDerivedDistricts(r: DefinitionReader, precincts: ImportedPrecinct[], styles: ImportedStyle[]): void {
  for (const p of precincts) {
    if (p.explicit) continue;
    const union = new Set<string>();
    for (const s of styles) if (s.style.precincts.includes(p.precinct.id)) s.style.districts.forEach((d) => union.add(d));
    if (union.size === 0) r.fail(p.path, `precinct "${p.precinct.id}" is on no ballot style, and the file gives no districtIds, so it lies in no district`);
    p.precinct.districts = [...union];
  }
}

/**
 * A native style lists exactly its precincts' districts. A VxSuite style may list fewer (older
 * primaries list only the districts with that party's contests): it is widened to its precincts'
 * districts when the missing ones bring it no contest, so its ballot, and the count, is the same.
 * Any other difference is a ballot the native format cannot express, refused.
 */
function fitStyleDistricts(r: DefinitionReader, styles: ImportedStyle[], precincts: ImportedPrecinct[], contests: DefinitionContest[]): void {
  const byId = new Map(precincts.map((p) => [p.precinct.id, p]));
  for (const s of styles) {
    const users = s.style.precincts.map((pid, k) => ({ p: byId.get(pid)!, entry: s.entries[k]! }));
    const first = users[0];
    if (first === undefined || users.every(({ p }) => setKey(p.precinct.districts) === setKey(s.style.districts))) continue;
    const target = first.p.precinct.districts;
    const other = users.find(({ p }) => setKey(p.precinct.districts) !== setKey(target));
    if (other) {
      r.fail(other.entry, `ballot style "${s.style.id}" is used by precincts in different districts: "${first.p.precinct.id}" [${target.join(', ')}] and "${other.p.precinct.id}" [${other.p.precinct.districts.join(', ')}]`);
    }
    if (!s.style.districts.every((d) => target.includes(d)) || !sameContests(contests, s.style, target)) {
      const where = first.p.explicit ? `lies in districts [${target.join(', ')}]` : `lies in districts [${target.join(', ')}] (the districts of all its ballot styles)`;
      const hint = first.p.explicit ? '' : '; a precinct split between different ballots needs its splits in the file (precincts[].splits)';
      r.fail(first.entry, `precinct "${first.p.precinct.id}" ${where}, but ballot style "${s.style.id}" lists [${s.style.districts.join(', ')}], which is a different ballot${hint}`);
    }
    s.style.districts = [...target];
  }
}

function sameContests(contests: DefinitionContest[], style: DefinitionBallotStyle, districts: string[]): boolean {
  const ids = (ds: string[]): string => contestsOfStyle({ contests }, { districts: ds, party: style.party }).map((c) => c.id).join(' ');
  return ids(style.districts) === ids(districts);
}

function setKey(ids: string[]): string {
  return [...new Set(ids)].sort().join(' ');
}
