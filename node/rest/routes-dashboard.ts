// The dashboard page and its files: GET /dashboard (HTML), /dashboard/app.js (the client bundled
// by dashboard/build.ts on first request), /dashboard/app.css and /dashboard/atlas.json (us-atlas's
// counties-10m.json, unchanged). The page reads only this node's read-only routes (/hierarchy,
// /hierarchy/:nodeId, /events, /record) and loads nothing from anywhere else: the Content
// Security Policy says so to the browser too.
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { bundleDashboard } from '../../dashboard/build.ts';

const CSP = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"].join('; ');

let atlasBytes: Promise<Buffer> | undefined;

function asset(reply: FastifyReply, type: string, body: string | Buffer, maxAge: number): FastifyReply {
  return reply
    .type(type)
    .header('cache-control', maxAge ? `public, max-age=${maxAge}` : 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .send(body);
}

export function registerDashboardRoutes(app: FastifyInstance): void {
  const hide = { schema: { hide: true } };
  app.get('/dashboard', { schema: { tags: ['dashboard'], summary: 'The dashboard page (HTML): map, hierarchy, trustees, result', produces: ['text/html'] } }, async (_request, reply) => {
    const { html } = await bundleDashboard();
    void reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
    return asset(reply, 'text/html; charset=utf-8', html, 0);
  });
  // Relative links in the page need the address without the trailing slash.
  app.get('/dashboard/', hide, async (_request, reply) => reply.redirect('../dashboard'));
  // The bundle changes only with the code, which a restart reloads; a short cache keeps edits visible.
  app.get('/dashboard/app.js', hide, async (_request, reply) => asset(reply, 'text/javascript; charset=utf-8', (await bundleDashboard()).js, 60));
  app.get('/dashboard/receipt', { schema: { tags: ['dashboard'], summary: '"Check my receipt": the voter\'s browser checks a receipt against this node\'s published data', produces: ['text/html'] } }, async (_request, reply) => {
    const { receiptHtml } = await bundleDashboard();
    void reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
    return asset(reply, 'text/html; charset=utf-8', receiptHtml, 0);
  });
  app.get('/dashboard/receipt.js', hide, async (_request, reply) => asset(reply, 'text/javascript; charset=utf-8', (await bundleDashboard()).receiptJs, 60));
  app.get('/dashboard/app.css', hide, async (_request, reply) => asset(reply, 'text/css; charset=utf-8', (await bundleDashboard()).css, 60));
  app.get('/dashboard/atlas.json', hide, async (_request, reply) => {
    atlasBytes ??= bundleDashboard().then((a) => readFile(a.atlasPath));
    return asset(reply, 'application/json', await atlasBytes, 86_400);
  });
}
