// The node's REST API (Fastify): node/rest/ depends on the NodeApi facade and nothing else.
// OpenAPI description at /docs/json, Swagger UI at /docs (assets served from the package).
// Binds to 127.0.0.1 unless configured otherwise.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { pino } from 'pino';
import { isObserverApi, type NodeApi } from '../api/node-api.ts';
import { handleError, handleNotFound } from './errors.ts';
import { ADMIN_SECURITY_SCHEME, registerAdminRoutes } from './routes-admin.ts';
import { registerBallotRoutes } from './routes-ballots.ts';
import { registerDashboardRoutes } from './routes-dashboard.ts';
import { registerHierarchyRoutes, type HierarchyRouteOptions } from './routes-hierarchy.ts';
import { registerPublicRoutes } from './routes-public.ts';
import { errorSchema } from './schemas.ts';

export const DEFAULT_REST_HOST = '127.0.0.1';
/** Largest request body accepted (a ballot with its proofs is the largest thing a client sends). */
export const DEFAULT_BODY_LIMIT = 256 * 1024;
export const API_VERSION = '1.0.0';

export interface RestServerOptions {
  host?: string;
  port: number;
  /** A pino logger (any pino Logger fits), or false for none; default: pino at level info on stdout. */
  logger?: FastifyBaseLogger | false;
  bodyLimit?: number;
  /** The dashboard's event stream (GET /events). */
  events?: HierarchyRouteOptions;
}

export interface RestServer {
  app: FastifyInstance;
  /** Listens; resolves with the base URL (e.g. http://127.0.0.1:21001). */
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
}

function baseUrl(address: string, port: number): string {
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function createRestServer(api: NodeApi, options: RestServerOptions): RestServer {
  const host = options.host || DEFAULT_REST_HOST;
  const logger = options.logger === undefined ? pino({ name: `tallymesh-rest-${api.id}`, level: 'info' }) : options.logger;
  const common = {
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // No type coercion: a JSON body's `"voterId": 123` is a 400. Integer query parameters are
    // converted by the routes that take them (routes-public.ts integerQuery).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false } },
    forceCloseConnections: true,
    // Plugins (the OpenAPI UI reads its assets) may take longer than Fastify's 10 s default when
    // hundreds of nodes start in one process on a busy machine; a slow start is not an error.
    pluginTimeout: 120_000,
  } as const;
  const app: FastifyInstance = logger === false ? Fastify({ ...common, logger: false }) : (Fastify({ ...common, loggerInstance: logger }) as unknown as FastifyInstance);

  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  // JSON as usual (with prototype-poisoning protection), but an empty body is no body, so that
  // `curl -X POST -H 'content-type: application/json' .../admin/close` works.
  // Only JSON is accepted: other content types (text/plain included) are a 415.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) {
      done(null, undefined);
      return;
    }
    json(request, body as string, done);
  });

  app.addSchema(errorSchema);

  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'TallyMesh node',
        description: `REST API of TallyMesh node "${api.id}" (${api.role}): inspection, ballot submission (precincts) and admin actions.`,
        version: API_VERSION,
      },
      tags: [
        { name: 'node', description: 'liveness, status, peers, metrics' },
        { name: 'artifacts', description: 'tallies, board, log, result, election record' },
        { name: 'ballots', description: 'ballot submission and receipts (precincts)' },
        { name: 'admin', description: 'admin actions, bearer token required' },
        { name: 'dashboard', description: 'the dashboard page and its read-only views of the count' },
      ],
      components: {
        securitySchemes: {
          [ADMIN_SECURITY_SCHEME]: { type: 'http', scheme: 'bearer', description: 'the admin token written by `tallymesh setup` (DIR/admin-token)' },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  void app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    uiConfig: { deepLinking: true },
  });
  void app.register(async (instance) => {
    registerPublicRoutes(instance, api);
    registerBallotRoutes(instance, api);
    registerAdminRoutes(instance, api);
    // The dashboard needs the node's observer accessors (TallyNode has them; a bare facade may not).
    if (isObserverApi(api)) {
      registerHierarchyRoutes(instance, api, options.events);
      registerDashboardRoutes(instance);
    }
  });

  let started = false;
  let stopped = false;
  return {
    app,
    async start() {
      if (started) throw new Error('REST server already started');
      started = true;
      await app.listen({ host, port: options.port });
      const address = app.server.address();
      if (address === null || typeof address === 'string') return { url: String(address) };
      return { url: baseUrl(address.address, address.port) };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
    },
  };
}
