// A pool of worker threads that encrypt ballots, one per core, so that simulated voters'
// clients do not compete with the nodes for the main thread.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Choices } from '../protocol/ballot.ts';

const WORKER_ENTRY = new URL('../threads/worker-entry.mjs', import.meta.url);
const BALLOT_WORKER = new URL('./ballot-encryptor-worker.ts', import.meta.url).href;

interface Pending {
  resolve: (ballot: unknown) => void;
  reject: (err: Error) => void;
}

export class BallotPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private turn = 0;

  constructor(manifestJSON: unknown, size = availableParallelism()) {
    this.workers = Array.from({ length: Math.max(1, size) }, () => {
      const w = new Worker(WORKER_ENTRY, { workerData: { module: BALLOT_WORKER, manifest: manifestJSON } });
      w.on('message', (m: { id: number; ballot?: unknown; error?: string }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.ballot);
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      return w;
    });
  }

  /** The ballot's JSON view (what POST /ballots takes). */
  encrypt(precinctId: string, choices: Choices): Promise<unknown> {
    const id = this.next++;
    const worker = this.workers[this.turn++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, precinctId, choices });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
