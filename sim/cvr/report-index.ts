// What a CVR report declares once for all its CVRs and TallyMesh needs to read them: its GpUnits
// (the names a BallotStyleUnitId goes by) and, per contest of its Election section, the
// declared contest selections (which are write-ins, which candidate each stands for).
import { CvrJson, type JsonObject } from './cvr-json.ts';

/** GpUnit @id → the names it goes by: its Code values in order, then its Name. */
export type GpUnitNames = Map<string, string[]>;

export interface DeclaredSelection {
  /** CandidateSelection.IsWriteIn. */
  isWriteIn: boolean;
  /** CandidateSelection.CandidateIds. */
  candidateIds: string[];
}

/** Contest @id → selection @id → what the report's Election section says of it. */
export type DeclaredSelections = Map<string, Map<string, DeclaredSelection>>;

export function readGpUnits(j: CvrJson, report: JsonObject): GpUnitNames {
  const units: GpUnitNames = new Map();
  for (const { value, path } of j.items(report, '$', 'GpUnit')) {
    const u = j.object(value, path, 'CVR.GpUnit');
    const codes = j.items(u, path, 'Code').map((c) => j.string(j.object(c.value, c.path, 'CVR.Code'), c.path, 'Value'));
    const name = j.optionalString(u, path, 'Name');
    units.set(j.string(u, path, '@id'), [...codes, ...(name === undefined ? [] : [name])]);
  }
  return units;
}

/**
 * The selections of every contest of every Election of the report, merged by contest @id (a
 * report holds one election in practice; TallyMesh counts one definition).
 */
export function readDeclaredSelections(j: CvrJson, report: JsonObject): DeclaredSelections {
  const out: DeclaredSelections = new Map();
  for (const e of j.items(report, '$', 'Election')) {
    const election = j.object(e.value, e.path, 'CVR.Election');
    for (const c of j.items(election, e.path, 'Contest')) {
      const contest = j.object(c.value, c.path);
      const id = j.string(contest, c.path, '@id');
      const selections = out.get(id) ?? new Map<string, DeclaredSelection>();
      for (const s of j.items(contest, c.path, 'ContestSelection')) {
        const sel = j.object(s.value, s.path);
        const candidateIds = j.items(sel, s.path, 'CandidateIds').map((x) => (typeof x.value === 'string' ? x.value : j.fail(x.path, 'must be a string')));
        selections.set(j.string(sel, s.path, '@id'), { isWriteIn: j.optionalBoolean(sel, s.path, 'IsWriteIn') ?? false, candidateIds });
      }
      out.set(id, selections);
    }
  }
  return out;
}

/**
 * The definition precinct a BallotStyleUnitId stands for: the id itself when it is a precinct id
 * (VxSuite writes the precinct id there), else the first name of the report's GpUnit of that @id
 * (a Code value, then its Name) that is a precinct id; undefined when neither.
 */
export function precinctOfUnit(unitId: string, precincts: { has(id: string): boolean }, units: GpUnitNames): string | undefined {
  if (precincts.has(unitId)) return unitId;
  return units.get(unitId)?.find((name) => precincts.has(name));
}
