// The plain count of cast records, with no cryptography: per contest of the definition (in
// definition order), one count per option in counting order (contest-options.ts). It is the
// yardstick for TallyMesh's announced counts: the same records must give the same numbers.
import type { ElectionDefinition } from '../../setup/definition/election-definition.ts';
import { checkCastRecords, type CastRecord } from './cast-record.ts';
import { optionCount } from './contest-options.ts';

export function tabulate(def: ElectionDefinition, records: readonly CastRecord[]): Map<string, number[]> {
  checkCastRecords(def, records);
  const counts = new Map(def.contests.map((c) => [c.id, new Array<number>(optionCount(c)).fill(0)]));
  for (const r of records) {
    for (const [contestId, picks] of Object.entries(r.choices)) {
      const row = counts.get(contestId)!;
      for (const p of picks) row[p]! += 1;
    }
  }
  return counts;
}
