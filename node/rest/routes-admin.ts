// Admin actions, behind `Authorization: Bearer <admin token>` (DIR/admin-token of the setup):
// POST /admin/close closes the polls (precincts); POST /admin/decrypt makes a trustee publish its
// partial decryption. Both are idempotent. The token is checked before the body is read.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, type NodeApi } from '../api/node-api.ts';
import { errors, phaseSchema } from './schemas.ts';

export const ADMIN_SECURITY_SCHEME = 'adminToken';

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

export function requireAdmin(api: NodeApi) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    let ok = false;
    if (token !== undefined) {
      try {
        ok = api.checkAdminToken(token);
      } catch (err) {
        request.log.error({ err }, 'admin token check failed');
        ok = false;
      }
    }
    if (!ok) throw new ApiError('unauthorized', token === undefined ? 'admin action: send Authorization: Bearer <admin token>' : 'admin token rejected');
  };
}

export function registerAdminRoutes(app: FastifyInstance, api: NodeApi): void {
  const onRequest = requireAdmin(api);
  const security = [{ [ADMIN_SECURITY_SCHEME]: [] }];
  app.post(
    '/admin/close',
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'Close the polls (precincts); idempotent',
        security,
        response: { 200: phaseSchema, ...errors(401, 404, 500) },
      },
    },
    async () => api.close(),
  );
  app.post(
    '/admin/decrypt',
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: "Trustees: publish this trustee's partial decryption of the national tally; idempotent",
        security,
        response: { 200: phaseSchema, ...errors(401, 404, 409, 500, 503) },
      },
    },
    async () => api.decrypt(),
  );
}
