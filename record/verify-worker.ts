// Worker side of record/verify-record-dir.ts: opens the record folder once, then verifies the
// county units it is sent (protocol/verify/verify-county.ts).
import { ElectionContext } from '../protocol/election.ts';
import { verifyCounty, type CountyReport, type CountyUnit, type RecordSource } from '../protocol/verify/index.ts';
import { serveRequests } from '../threads/worker-rpc.ts';
import { dirSource } from './record-dir.ts';

export interface VerifyUnitsRequest {
  dir: string;
  units: CountyUnit[];
  talliesOnly: boolean;
}

let opened: { dir: string; source: RecordSource; ctx: ElectionContext } | undefined;

serveRequests(({ dir, units, talliesOnly }: VerifyUnitsRequest): CountyReport[] => {
  if (opened?.dir !== dir) {
    const source = dirSource(dir);
    const manifest = source.manifest();
    // The main thread passed check 1 on this folder before it sent any unit.
    if (!manifest.ok) throw new Error(`${manifest.file}: ${manifest.reason}`);
    opened = { dir, source, ctx: new ElectionContext(manifest.value) };
  }
  return units.map((u) => verifyCounty(opened!.ctx, opened!.source, u, { talliesOnly }));
});
