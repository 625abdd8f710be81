// Worker side of the voter pool: encrypts and proves ballots (the voters' clients' work).
import { parentPort, workerData } from 'node:worker_threads';
import { Ballot, encryptBallot, type Choices } from '../protocol/ballot.ts';
import { ElectionContext } from '../protocol/election.ts';
import { manifestFromJSON } from '../protocol/manifest.ts';
import { errorMessage } from '../errors/tallymesh-error.ts';

const ctx = new ElectionContext(manifestFromJSON((workerData as { manifest: unknown }).manifest));
ctx.publicKey.hsPow(1n); // build the fixed-base table before the first request

parentPort!.on('message', (task: { id: number; precinctId: string; choices: Choices }) => {
  try {
    const ballot = encryptBallot(ctx, task.precinctId, task.choices);
    parentPort!.postMessage({ id: task.id, ballot: Ballot.toJSON(ballot) });
  } catch (err) {
    parentPort!.postMessage({ id: task.id, error: errorMessage(err) });
  }
});
