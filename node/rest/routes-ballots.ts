// POST /ballots (precincts): a voter client submits an encrypted ballot and gets the signed
// receipt. The body's structure is checked here; the facade validates the ballot itself (proofs,
// election, precinct) and answers with ApiErrors: 400 malformed or invalid proof, 409 the voter
// already voted, 503 after the polls closed, 404 on a node that is not a precinct.
import type { FastifyInstance } from 'fastify';
import type { NodeApi } from '../api/node-api.ts';
import { errors, submitBallotBodySchema, submitBallotResponseSchema } from './schemas.ts';

interface SubmitBody {
  voterId: string;
  ballot: unknown;
}

export function registerBallotRoutes(app: FastifyInstance, api: NodeApi): void {
  app.post<{ Body: SubmitBody }>(
    '/ballots',
    {
      schema: {
        tags: ['ballots'],
        summary: 'Submit an encrypted ballot (precincts); 201 with the signed receipt, 200 when the same ballot was already accepted',
        body: submitBallotBodySchema,
        response: {
          200: submitBallotResponseSchema,
          201: submitBallotResponseSchema,
          ...errors(400, 404, 409, 413, 415, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { receipt, duplicate } = await api.submitBallot(request.body.voterId, request.body.ballot);
      return reply.code(duplicate ? 200 : 201).send({ receipt, duplicate });
    },
  );
}
