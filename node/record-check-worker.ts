// Worker side of node/record-check.ts: merge the node's record export, verify it, reply with the checks.
import { verifyRecord } from '../protocol/verify.ts';
import { mergeRecordExports } from '../record/record-merge.ts';
import { serveRequests } from '../threads/worker-rpc.ts';
import type { RecordExport } from './api/node-api.ts';
import type { RecordCheckOutcome } from './record-check.ts';

serveRequests(({ source, data }: { source: string; data: RecordExport }): RecordCheckOutcome => {
  const { record } = mergeRecordExports([{ source, data }], () => undefined);
  const ballots = [...record.ballots.values()].reduce((n, list) => n + list.length, 0);
  return { checks: verifyRecord(record).checks, ballots };
});
