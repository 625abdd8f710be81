// The one I/O step of CVR input: every *.json file directly in a folder, in name order (so a run
// is reproducible), each a CVR.CastVoteRecordReport read by readCvrReport. Other files and
// subfolders are left alone; a .json file that is not such a report is refused, not skipped. A
// record's UniqueId may appear once in the whole folder: a report copied twice (or two exports
// overlapping) would otherwise cast the same ballots twice.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../errors/tallymesh-error.ts';
import type { ElectionDefinition } from '../../setup/definition/election-definition.ts';
import type { CastRecord } from './cast-record.ts';
import { CvrError } from './cvr-error.ts';
import { readCvrReport } from './nist-cvr.ts';

export function readCvrDirectory(dir: string, def: ElectionDefinition): CastRecord[] {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.json'))
    .map((e) => e.name)
    .sort();
  const seen = new Map<string, string>();
  return names.flatMap((name) => {
    const file = join(dir, name);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new CvrError(file, '$', `is not JSON: ${errorMessage(err)}`);
    }
    const records = readCvrReport(json, file, def);
    records.forEach((r, i) => {
      const before = seen.get(r.recordId);
      if (before !== undefined) throw new CvrError(file, `$.CVR[${i}].UniqueId`, `record "${r.recordId}" is already in ${before}: a ballot is cast once`);
      seen.set(r.recordId, file);
    });
    return records;
  });
}
