// Worker side of node/record-check.ts: merge the node's record export, verify it, reply with the checks.
import { memorySource, verifyRecord } from '../protocol/verify/index.ts';
import { mergeRecordExports } from '../record/record-merge.ts';
import { serveRequests } from '../threads/worker-rpc.ts';
import type { RecordExport } from './api/node-api.ts';
import type { RecordCheckOutcome } from './record-check.ts';

serveRequests(async ({ source, data }: { source: string; data: RecordExport }): Promise<RecordCheckOutcome> => {
  const { record } = mergeRecordExports([{ source, data }], () => undefined);
  const ballots = [...record.ballots.values()].reduce((n, list) => n + list.length, 0);
  // Every precinct's ballots are only at that precinct: a node's own export holds its tallies,
  // so its check covers them and reports the ballots as not covered (a partial verification).
  const v = await verifyRecord(memorySource(record), { talliesOnly: true });
  return { checks: v.checks, ballots, verdict: v.verdict };
});
