// Contest definitions: the standard ballot and the loader for a contests file.
import { list, type Infer } from './codec.ts';
import { ContestSchema, type Contest } from './manifest.ts';

/** The default ballot: two plurality contests and a yes/no referendum, each allowing abstention. */
export const STANDARD_CONTESTS: Contest[] = [
  { id: 'president', title: 'President', kind: 'plurality', options: ['Adams', 'Baker', 'Chen', 'Diaz'], selectionLimit: 1, allowAbstain: true },
  { id: 'senate', title: 'Senator', kind: 'plurality', options: ['Evans', 'Fischer', 'Garcia'], selectionLimit: 1, allowAbstain: true },
  { id: 'measure-1', title: 'Measure 1: Library bond', kind: 'plurality', options: ['Yes', 'No'], selectionLimit: 1, allowAbstain: true },
];

const ContestsFileSchema = list(ContestSchema, 64);

/** Parses a contests file: a JSON array of { id, title, kind, options, selectionLimit, allowAbstain }. */
export function contestsFromJSON(json: unknown): Infer<typeof ContestsFileSchema> {
  return ContestsFileSchema.fromJSON(json, 'contests');
}
