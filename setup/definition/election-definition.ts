// The native election definition (format "tallymesh-election/1"): what an election office writes
// to describe an election, before any key exists. It holds the jurisdiction tree, districts,
// parties, contests and ballot styles; setup turns it into a manifest (definition-plan.ts).
// docs/definition.md documents every field. This file is the format's types and its validation:
// every refusal is a DefinitionError naming the file, the JSON path and the reason.
import { TallyMeshError } from '../../errors/tallymesh-error.ts';
import { ID_PATTERN } from '../../protocol/manifest.ts';

export const DEFINITION_FORMAT = 'tallymesh-election/1';

export interface DefinitionPrecinct {
  id: string;
  name: string;
  /** Every district the precinct lies in; its ballot styles follow from these. */
  districts: string[];
}

export interface DefinitionCounty {
  id: string;
  name: string;
  /** 5-digit census FIPS code, or absent. */
  fips?: string;
  precincts: DefinitionPrecinct[];
}

export interface DefinitionState {
  id: string;
  name: string;
  /** 2-digit census FIPS code, or absent. */
  fips?: string;
  counties: DefinitionCounty[];
}

export interface DefinitionParty {
  id: string;
  name: string;
  abbrev: string;
}

/** A set of precincts (those listing it) that may cross county and state lines. */
export interface DefinitionDistrict {
  id: string;
  name: string;
}

export interface DefinitionCandidate {
  id: string;
  name: string;
  /** The candidate's party, informational. */
  party?: string;
}

/**
 * A candidate contest: vote for up to `seats` candidates (1 for a single-seat office). With
 * `writeIn`, one more option, "Write-in", is counted; the names written are out of scope.
 * `party` makes it a primary contest, on that party's ballot styles only.
 */
export interface DefinitionCandidateContest {
  type: 'candidate';
  id: string;
  title: string;
  district: string;
  seats: number;
  candidates: DefinitionCandidate[];
  writeIn: boolean;
  party?: string;
}

/** A yes/no question (a ballot measure). */
export interface DefinitionYesNoContest {
  type: 'yesno';
  id: string;
  title: string;
  district: string;
  yes: { id: string; label: string };
  no: { id: string; label: string };
}

export type DefinitionContest = DefinitionCandidateContest | DefinitionYesNoContest;

/**
 * A ballot style: the districts (and, in a primary, the party) whose contests make one ballot,
 * and the precincts that use it. Optional in a definition: absent, styles are derived from the
 * precincts' districts (deriveBallotStyles).
 */
export interface DefinitionBallotStyle {
  id: string;
  districts: string[];
  party?: string;
  precincts: string[];
}

export interface ElectionDefinition {
  format: typeof DEFINITION_FORMAT;
  electionId: string;
  title: string;
  /** 'primary': partisan contests are on their party's ballot styles only. */
  type: 'general' | 'primary';
  national: { id: string; name: string };
  states: DefinitionState[];
  parties: DefinitionParty[];
  districts: DefinitionDistrict[];
  contests: DefinitionContest[];
  ballotStyles?: DefinitionBallotStyle[];
}

/** A definition that does not hold: names the file, the JSON path and what is wrong. */
export class DefinitionError extends TallyMeshError {
  override readonly name = 'DefinitionError';

  constructor(
    readonly file: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super('invalid-definition', `${file}: ${path}: ${reason}`);
  }
}

/** The write-in option's name in the manifest. */
export const WRITE_IN_OPTION = 'Write-in';

/** Reads JSON values with paths, throwing DefinitionError; the one way this format is parsed. */
export class DefinitionReader {
  constructor(readonly file: string) {}

  fail(path: string, reason: string): never {
    throw new DefinitionError(this.file, path, reason);
  }

  object(v: unknown, path: string, fields: { required: string[]; optional?: string[] }): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'must be an object');
    const o = v as Record<string, unknown>;
    const known = new Set([...fields.required, ...(fields.optional ?? [])]);
    for (const key of Object.keys(o)) if (!known.has(key)) this.fail(`${path}.${key}`, 'unknown field');
    for (const key of fields.required) if (!(key in o)) this.fail(`${path}.${key}`, 'missing');
    return o;
  }

  array(v: unknown, path: string, max = 1_000_000): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'must be an array');
    if (v.length > max) this.fail(path, `more than ${max} entries`);
    return v;
  }

  string(v: unknown, path: string, maxBytes = 256): string {
    if (typeof v !== 'string') this.fail(path, 'must be a string');
    if (v.length === 0) this.fail(path, 'must not be empty');
    if (Buffer.byteLength(v, 'utf8') > maxBytes) this.fail(path, `longer than ${maxBytes} bytes of UTF-8`);
    if (v.isWellFormed && !v.isWellFormed()) this.fail(path, 'is not well-formed Unicode');
    return v;
  }

  id(v: unknown, path: string): string {
    const s = this.string(v, path, 64);
    if (!ID_PATTERN.test(s)) this.fail(path, `"${s}" is not an id: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit`);
    return s;
  }

  integer(v: unknown, path: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(path, 'must be an integer');
    if (v < min || v > max) this.fail(path, `must be ${min}..${max}`);
    return v;
  }

  boolean(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'must be true or false');
    return v;
  }

  fips(v: unknown, path: string, digits: 2 | 5): string {
    const s = this.string(v, path, 5);
    if (!new RegExp(`^\\d{${digits}}$`).test(s)) this.fail(path, `must be ${digits} digits`);
    return s;
  }

  /** Ids of a list, each unique across `seen` (one id space per definition). */
  unique(seen: Map<string, string>, id: string, path: string): void {
    const other = seen.get(id);
    if (other !== undefined) this.fail(path, `id "${id}" is already used at ${other}`);
    seen.set(id, path);
  }
}
