// Worker side of node/record-check.ts: merge the node's record export, verify it, post the checks.
import { parentPort, workerData } from 'node:worker_threads';
import { verifyRecord } from '../protocol/verify.ts';
import type { RecordExport } from './node-api.ts';
import type { RecordCheckMessage } from './record-check.ts';
import { mergeRecordExports } from '../record/record-merge.ts';
import { errorMessage } from '../errors/tallymesh-error.ts';

const { source, data } = workerData as { source: string; data: RecordExport };
let reply: RecordCheckMessage;
try {
  const { record } = mergeRecordExports([{ source, data }], () => undefined);
  const ballots = [...record.ballots.values()].reduce((n, list) => n + list.length, 0);
  reply = { ok: true, outcome: { checks: verifyRecord(record).checks, ballots } };
} catch (err) {
  reply = { ok: false, message: errorMessage(err) };
}
parentPort!.postMessage(reply);
