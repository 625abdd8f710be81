// The standard ballot: two plurality contests and a yes/no referendum in district "all" (every
// precinct), which uniform shapes use by default.
import type { Contest } from './manifest.ts';

/** The default ballot: two plurality contests and a yes/no referendum, each allowing abstention. */
export const STANDARD_CONTESTS: Contest[] = [
  { id: 'president', title: 'President', districtId: 'all', partyId: '', kind: 'plurality', options: ['Adams', 'Baker', 'Chen', 'Diaz'], selectionLimit: 1, allowAbstain: true, writeIn: false },
  { id: 'senate', title: 'Senator', districtId: 'all', partyId: '', kind: 'plurality', options: ['Evans', 'Fischer', 'Garcia'], selectionLimit: 1, allowAbstain: true, writeIn: false },
  { id: 'measure-1', title: 'Measure 1: Library bond', districtId: 'all', partyId: '', kind: 'plurality', options: ['Yes', 'No'], selectionLimit: 1, allowAbstain: true, writeIn: false },
];
