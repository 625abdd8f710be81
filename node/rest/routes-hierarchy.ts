// Read-only routes of the dashboard's data: GET /hierarchy (the count as this node sees it),
// GET /hierarchy/:nodeId (a node and its children, e.g. a county's precincts with their tally
// hashes) and GET /events (server-sent events: the /hierarchy view each time it changes).
import type { FastifyInstance } from 'fastify';
import { ApiError, type NodeApi, type ObserverApi } from '../api/node-api.ts';
import { ID_PATTERN } from '../../protocol/manifest.ts';
import { EventFeed } from './event-stream.ts';
import { buildHierarchy, buildNodeDetail, gatherInput } from './hierarchy-model.ts';
import type { HierarchyView } from '../../dashboard/hierarchy-view.ts';
import { errors, hierarchySchema, nodeDetailSchema } from './schemas.ts';

export interface HierarchyRouteOptions {
  /** Milliseconds between change checks of the event stream. */
  eventIntervalMs?: number;
  /** Concurrent event-stream listeners allowed (each is one open connection). */
  maxEventStreams?: number;
}

export function registerHierarchyRoutes(app: FastifyInstance, api: NodeApi & ObserverApi, options: HierarchyRouteOptions = {}): void {
  const view = async (): Promise<HierarchyView> => buildHierarchy(await gatherInput(api));
  const feed = new EventFeed<HierarchyView>({
    event: 'hierarchy',
    snapshot: view,
    // generatedAt changes every time; latencies jitter by fractions of a millisecond.
    changeKey: ({ generatedAt: _t, ...rest }) => JSON.stringify(rest),
    ...(options.eventIntervalMs ? { intervalMs: options.eventIntervalMs } : {}),
    ...(options.maxEventStreams ? { maxSubscribers: options.maxEventStreams } : {}),
    onError: (err) => app.log.warn({ err }, 'hierarchy snapshot for /events failed'),
  });
  app.addHook('onClose', async () => feed.close());

  app.get(
    '/hierarchy',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'The count as this node sees it: states and counties with reporting status, trustees, result, verification',
        response: { 200: hierarchySchema, ...errors(500) },
      },
    },
    async () => view(),
  );

  app.get<{ Params: { nodeId: string } }>(
    '/hierarchy/:nodeId',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'One node of the hierarchy and its children (a county: its precincts with ballot counts and tally hashes)',
        params: {
          type: 'object',
          required: ['nodeId'],
          properties: { nodeId: { type: 'string', pattern: ID_PATTERN.source, description: 'a roster node id (national, state, county or precinct)' } },
        },
        response: { 200: nodeDetailSchema, ...errors(400, 404, 500) },
      },
    },
    async (request) => buildNodeDetail(await gatherInput(api), request.params.nodeId),
  );

  app.get(
    '/events',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Server-sent events: a `hierarchy` event carrying the GET /hierarchy view, sent at once and whenever it changes',
        produces: ['text/event-stream'],
        response: {
          200: { description: 'an endless text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errors(503),
        },
      },
    },
    async (request, reply) => {
      if (feed.full) {
        throw new ApiError('too-many-listeners', 'too many open event streams on this node; try again later or poll GET /hierarchy');
      }
      reply.hijack();
      feed.subscribe(reply.raw);
      request.log.debug({ listeners: feed.size }, 'event stream opened');
      return reply;
    },
  );
}
