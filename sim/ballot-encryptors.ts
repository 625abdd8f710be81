// Simulated voters' clients: worker threads that encrypt and prove ballots, one per core, so that
// the voters do not compete with the nodes for the main thread.
import { availableParallelism } from 'node:os';
import type { Choices } from '../protocol/ballot.ts';
import { WorkerPool } from '../threads/worker-rpc.ts';

const ENCRYPTOR = new URL('./ballot-encryptor-worker.ts', import.meta.url);

export interface EncryptRequest {
  precinctId: string;
  ballotStyleId: string;
  choices: Choices;
}

export class BallotEncryptors {
  private readonly pool: WorkerPool;

  constructor(manifestJSON: unknown, size = availableParallelism()) {
    this.pool = new WorkerPool(ENCRYPTOR, Math.max(1, size), { data: { manifest: manifestJSON }, name: 'ballot-encryptor' });
  }

  /** The ballot's JSON view (what POST /ballots takes). */
  encrypt(precinctId: string, ballotStyleId: string, choices: Choices): Promise<unknown> {
    return this.pool.call({ precinctId, ballotStyleId, choices } satisfies EncryptRequest);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
