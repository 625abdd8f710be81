// A node's check of its own election record (for the dashboard), run in a worker thread. At
// national scale the record holds hundreds of thousands of signed tallies and the check takes
// minutes of CPU; on the node's own thread it would stall gossip, pulls and REST for all that time.
import type { CheckResult, Verdict } from '../protocol/verify/index.ts';
import { WorkerClient } from '../threads/worker-rpc.ts';
import type { RecordExport } from './api/node-api.ts';

const CHECK_WORKER = new URL('./record-check-worker.ts', import.meta.url);

export interface RecordCheckOutcome {
  checks: CheckResult[];
  /** Ballots in the checked record. */
  ballots: number;
  verdict: Verdict;
}

export interface RecordCheckTask {
  promise: Promise<RecordCheckOutcome>;
  /** Stops the worker (the node is stopping); the promise then rejects. */
  cancel(): Promise<void>;
}

/** Merges the export (as `tallymesh record` would) and verifies it, off the node's thread. */
export function checkRecordInWorker(source: string, data: RecordExport): RecordCheckTask {
  // unref: a check in progress never keeps a stopped node's process alive.
  const worker = new WorkerClient(CHECK_WORKER, { unref: true, name: `record-check-${source}` });
  const promise = worker.call<RecordCheckOutcome>({ source, data }).finally(() => void worker.close());
  return { promise, cancel: () => worker.close() };
}
