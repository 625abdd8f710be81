// A node's check of its own election record (for the dashboard): the offline verifier,
// protocol/verify.ts, run in a worker thread. At national scale the record holds hundreds of
// thousands of signed tallies and the check takes minutes of CPU; on the node's own thread it
// would stall gossip, pulls and REST for all that time.
import { Worker } from 'node:worker_threads';
import type { CheckResult } from '../protocol/verify.ts';
import type { RecordExport } from './node-api.ts';

const WORKER_ENTRY = new URL('../threads/worker-entry.mjs', import.meta.url);
const CHECK_WORKER = new URL('./record-check-worker.ts', import.meta.url).href;

export interface RecordCheckOutcome {
  checks: CheckResult[];
  /** Ballots in the checked record. */
  ballots: number;
}

/** What the worker posts back: an outcome, or why the record could not be checked. */
export type RecordCheckMessage = { ok: true; outcome: RecordCheckOutcome } | { ok: false; message: string };

export interface RecordCheckTask {
  promise: Promise<RecordCheckOutcome>;
  /** Stops the worker (the node is stopping); the promise then rejects. */
  cancel(): Promise<void>;
}

/** Merges the export (as `tallymesh record` would) and verifies it, off the node's thread. */
export function checkRecordInWorker(source: string, data: RecordExport): RecordCheckTask {
  const worker = new Worker(WORKER_ENTRY, { workerData: { module: CHECK_WORKER, source, data } });
  worker.unref(); // a check in progress never keeps a stopped node's process alive
  const promise = new Promise<RecordCheckOutcome>((resolve, reject) => {
    worker.once('message', (m: RecordCheckMessage) => (m.ok ? resolve(m.outcome) : reject(new Error(m.message))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the record check stopped (worker exit code ${code})`)));
  });
  return { promise, cancel: async () => void (await worker.terminate()) };
}
