// Read-only routes every node serves: health, status, peers, tallies, board, log, receipts,
// result, record and metrics.
import type { FastifyInstance } from 'fastify';
import { ID_PATTERN } from '../../protocol/manifest.ts';
import { ApiError, type NodeApi } from '../api/node-api.ts';
import {
  HEX_HASH_PATTERN,
  artifactViewSchema,
  errors,
  healthSchema,
  logEntrySchema,
  peerSchema,
  receiptProofSchema,
  receiptViewSchema,
  recordSchema,
  statusSchema,
} from './schemas.ts';

export const PAGE_DEFAULT_LIMIT = 100;
export const PAGE_MAX_LIMIT = 1000;

interface PageQuery {
  from?: number;
  limit?: number;
}

function pageQuery(minFrom: number, fromDescription: string) {
  return {
    type: 'object',
    properties: {
      from: { type: 'integer', minimum: minFrom, default: minFrom, description: fromDescription },
      limit: { type: 'integer', minimum: 1, maximum: PAGE_MAX_LIMIT, default: PAGE_DEFAULT_LIMIT, description: `page size (max ${PAGE_MAX_LIMIT})` },
    },
  } as const;
}

/**
 * Query strings arrive as text and the server does not coerce types (so that a JSON body's
 * `"voterId": 123` is a 400, not "123"): integer query parameters are converted here, before
 * validation, when they are plain decimal numbers; anything else reaches the validator as text
 * and fails with a message naming the parameter.
 */
export function integerQuery(names: string[]) {
  return async (request: { query: unknown }): Promise<void> => {
    const query = request.query as Record<string, unknown> | undefined;
    if (!query) return;
    for (const name of names) {
      const value = query[name];
      if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) query[name] = Number(value);
    }
  };
}

export function registerPublicRoutes(app: FastifyInstance, api: NodeApi): void {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs'));

  app.get(
    '/health',
    { schema: { tags: ['node'], summary: 'Health: 200 when the node can do its work, 503 with the faults when it cannot', response: { 200: healthSchema, 503: healthSchema } } },
    async (_request, reply) => {
      const health = await api.health();
      return reply.code(health.ok ? 200 : 503).send(health);
    },
  );

  app.get(
    '/status',
    { schema: { tags: ['node'], summary: "The node's phase, children, partial decryptions and peers count", response: { 200: statusSchema, ...errors(500) } } },
    async () => api.status(),
  );

  app.get(
    '/peers',
    { schema: { tags: ['node'], summary: 'Connected peers with roster id, role, latency and score', response: { 200: { type: 'array', items: peerSchema }, ...errors(500) } } },
    async () => api.peers(),
  );

  app.get(
    '/tallies',
    { schema: { tags: ['artifacts'], summary: 'Tallies this node holds (its own and its children\'s)', response: { 200: { type: 'array', items: artifactViewSchema }, ...errors(500) } } },
    async () => api.tallies(),
  );

  app.get<{ Querystring: PageQuery }>(
    '/board',
    {
      preValidation: integerQuery(['from', 'limit']),
      schema: {
        tags: ['artifacts'],
        summary: 'The public board: every artifact seen, in arrival order',
        querystring: pageQuery(1, 'board position of the first item (1-based; pass `next` of the previous page)'),
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: artifactViewSchema }, next: { type: 'integer', description: 'from of the next page, absent on the last' } },
          },
          ...errors(400, 500),
        },
      },
    },
    async (request) => api.board({ from: request.query.from ?? 1, limit: request.query.limit ?? PAGE_DEFAULT_LIMIT }),
  );

  app.get<{ Querystring: PageQuery }>(
    '/log',
    {
      preValidation: integerQuery(['from', 'limit']),
      schema: {
        tags: ['artifacts'],
        summary: "Precincts: a range of the ballot log's hash chain",
        querystring: pageQuery(1, 'first log position (1-based)'),
        response: { 200: { type: 'array', items: logEntrySchema }, ...errors(400, 404, 500) },
      },
    },
    async (request) => api.log({ from: request.query.from ?? 1, limit: request.query.limit ?? PAGE_DEFAULT_LIMIT }),
  );

  app.get<{ Params: { ballotHash: string } }>(
    '/receipts/:ballotHash',
    {
      schema: {
        tags: ['ballots'],
        summary: 'A receipt by ballot hash, with its Merkle inclusion proof once the precinct tally exists',
        params: {
          type: 'object',
          required: ['ballotHash'],
          properties: { ballotHash: { type: 'string', pattern: HEX_HASH_PATTERN, description: 'the ballot hash, 64 lowercase hex characters' } },
        },
        response: { 200: receiptViewSchema, ...errors(400, 404, 500) },
      },
    },
    async (request, reply) => {
      const view = await api.receipt(request.params.ballotHash);
      if (view === undefined) throw new ApiError('unknown-ballot', `no ballot with hash ${request.params.ballotHash} in this node's log`);
      return view;
    },
  );

  app.get<{ Params: { precinctId: string } }>(
    '/proof/:precinctId',
    {
      schema: {
        tags: ['ballots'],
        summary: "What a voter needs to check a receipt without the record: the precinct's counted tally, the tallies up to the national one, the result and its partials (canonical bytes, base64)",
        params: { type: 'object', required: ['precinctId'], properties: { precinctId: { type: 'string', pattern: ID_PATTERN.source } } },
        response: { 200: receiptProofSchema, ...errors(400, 404, 500) },
      },
    },
    async (request) => {
      const proof = await api.receiptProof(request.params.precinctId);
      if (!proof) throw new ApiError('not-held', `this node does not hold the tallies from "${request.params.precinctId}" up to the national tally (yet)`);
      return proof;
    },
  );

  app.get(
    '/manifest',
    {
      schema: {
        tags: ['artifacts'],
        summary: 'The manifest in its canonical bytes (base64): the election hash is the framed SHA-256 of these bytes',
        response: { 200: { type: 'object', required: ['manifest', 'electionHash'], properties: { manifest: { type: 'string' }, electionHash: { type: 'string' } } }, ...errors(500) },
      },
    },
    async () => api.manifest(),
  );

  app.get(
    '/result',
    {
      schema: {
        tags: ['artifacts'],
        summary: "The signed result (JSON view of protocol/result.ts); 404 no-result until there is one",
        response: { 200: { description: 'the signed result', type: 'object', additionalProperties: true }, ...errors(404, 500) },
      },
    },
    async (_request, reply) => {
      const result = await api.result();
      if (result === undefined || result === null) throw new ApiError('no-result', 'there is no result yet');
      return result;
    },
  );

  app.get(
    '/record',
    { schema: { tags: ['artifacts'], summary: 'The election record as this node knows it, for `tallymesh record`', response: { 200: recordSchema, ...errors(500) } } },
    async () => api.record(),
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['node'],
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        produces: ['text/plain'],
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => {
      const text = await api.metrics();
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
    },
  );
}
