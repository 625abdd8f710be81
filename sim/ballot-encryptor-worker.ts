// Worker side of sim/ballot-encryptors.ts: encrypts and proves ballots (the voters' clients' work).
import { Ballot, encryptBallot } from '../protocol/ballot.ts';
import { ElectionContext } from '../protocol/election.ts';
import { manifestFromJSON } from '../protocol/manifest.ts';
import { serveRequests, workerInput } from '../threads/worker-rpc.ts';
import type { EncryptRequest } from './ballot-encryptors.ts';

const ctx = new ElectionContext(manifestFromJSON(workerInput<{ manifest: unknown }>().manifest));
ctx.publicKey.hsPow(1n); // build the fixed-base table before the first request

serveRequests((task: EncryptRequest) => Ballot.toJSON(encryptBallot(ctx, task.precinctId, task.choices, undefined, task.ballotStyleId)));
