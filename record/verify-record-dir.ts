// `tallymesh verify DIR`: the verifier (protocol/verify/) over a record folder, its county units
// spread over worker threads (--jobs, default every core; 1 runs them in this thread). Each worker
// reads the files of the units it is given, so no thread holds the whole record.
import { availableParallelism } from 'node:os';
import { runUnitsHere, verifyRecord, type CountyReport, type CountyUnit, type Verification, type VerifyOptions } from '../protocol/verify/index.ts';
import { WorkerPool } from '../threads/worker-rpc.ts';
import { dirSource } from './record-dir.ts';
import type { VerifyUnitsRequest } from './verify-worker.ts';

const VERIFY_WORKER = new URL('./verify-worker.ts', import.meta.url);

export interface VerifyDirOptions extends Omit<VerifyOptions, 'runUnits'> {
  /** Worker threads (default: available cores); 1 verifies in this thread. */
  jobs?: number;
}

/** Units per request: enough to keep each worker busy between replies, small enough to balance. */
function batches(units: CountyUnit[], jobs: number): CountyUnit[][] {
  const size = Math.max(1, Math.ceil(units.length / (jobs * 8)));
  const out: CountyUnit[][] = [];
  for (let i = 0; i < units.length; i += size) out.push(units.slice(i, i + size));
  return out;
}

export async function verifyRecordDir(dir: string, options: VerifyDirOptions = {}): Promise<Verification> {
  const jobs = options.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError('jobs must be a positive integer');
  const source = dirSource(dir);
  let pool: WorkerPool | undefined;
  try {
    return await verifyRecord(source, {
      ...options,
      runUnits: async (units, run) => {
        // One job, or one county: threads gain nothing.
        const threads = Math.min(jobs, units.length);
        if (threads <= 1) return runUnitsHere(source)(units, run);
        pool = new WorkerPool(VERIFY_WORKER, threads, { name: 'verify' });
        const replies = await Promise.all(batches(units, threads).map((b) => pool!.call<CountyReport[]>({ dir, units: b, talliesOnly: run.talliesOnly } satisfies VerifyUnitsRequest)));
        return replies.flat();
      },
    });
  } finally {
    await pool?.close();
  }
}
