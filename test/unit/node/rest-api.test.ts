// The REST API (node/rest/) against an in-memory, deterministic fake of the NodeApi facade:
// every route, every rejection (400 malformed JSON / missing or mistyped fields, 401, 404, 409,
// 413, 415, 503, 500 without leaks), the OpenAPI document and the Swagger UI served locally.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { TallyMeshError } from '../../../errors/tallymesh-error.ts';
import {
  type ArtifactView,
  type LogEntryView,
  type NodeApi,
  type NodeStatus,
  type PeerView,
  type ReceiptView,
  type RecordExport,
} from '../../../node/api/node-api.ts';
import type { Role } from '../../../protocol/manifest.ts';
import { DEFAULT_BODY_LIMIT, createRestServer, type RestServer } from '../../../node/rest/server.ts';

const ADMIN_TOKEN = 'admin-secret-token';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const hex = (n: number): string => sha(`item-${n}`);

class FakeNodeApi implements NodeApi {
  closed = false;
  resultValue: unknown = undefined;
  failStatus = false;
  calls: string[] = [];
  readonly voters = new Map<string, { ballot: string; receipt: Record<string, unknown> }>();
  readonly board_: ArtifactView[] = Array.from({ length: 250 }, (_, i) => ({ type: 'ballot' as const, hash: hex(i), sender: 'precinct-01', artifact: { n: i } }));
  readonly log_: LogEntryView[] = Array.from({ length: 150 }, (_, i) => ({ seq: i + 1, voter: hex(i + 5000), ballotHash: hex(i), prevHash: hex(i - 1), entryHash: hex(i + 1000) }));
  readonly receipts = new Map<string, ReceiptView>([
    [hex(7), { receipt: { version: 1, precinctId: 'precinct-01', ballotHash: hex(7), logPosition: 8 }, inclusion: { index: 7, size: 150, path: [hex(1), hex(2)], root: hex(3) } }],
  ]);

  faults: string[] = [];

  constructor(
    readonly id = 'precinct-01',
    readonly role: Role = 'precinct',
  ) {}

  async health() {
    return { ok: this.faults.length === 0, id: this.id, role: this.role, faults: this.faults };
  }

  async receiptProof(precinctId: string) {
    return precinctId === 'precinct-01' ? { precinctTally: 'AA==', path: ['AQ=='], partials: [] } : undefined;
  }

  async manifest() {
    return { manifest: 'AAE=', electionHash: hex(1) };
  }

  async status(): Promise<NodeStatus> {
    this.calls.push('status');
    if (this.failStatus) throw new Error('database at /var/secret/db exploded: token=hunter2');
    return {
      id: this.id,
      role: this.role,
      parent: 'county-01',
      phase: this.closed ? 'closed' : 'voting',
      electionId: 'test-election',
      electionHash: hex(99),
      ballots: this.voters.size,
      children: [],
      partials: [],
      threshold: { needed: 5, valid: 0 },
      hasResult: this.resultValue !== undefined,
      equivocations: 0,
      refusedResults: 0,
      peers: 1,
    };
  }
  async peers(): Promise<PeerView[]> {
    return [{ peerId: '12D3KooWfake', nodeId: 'county-01', role: 'county', admission: 'roster', addresses: ['/ip4/127.0.0.1/tcp/21000'], latencyMs: 3, score: 1.5 }];
  }
  async tallies(): Promise<ArtifactView[]> {
    return [{ type: 'precinct-tally', hash: hex(500), sender: this.id, artifact: { precinctId: this.id, ballotCount: 3 } }];
  }
  async board(page: { from: number; limit: number }): Promise<{ items: ArtifactView[]; next?: number }> {
    this.calls.push(`board ${page.from} ${page.limit}`);
    const items = this.board_.slice(page.from - 1, page.from - 1 + page.limit);
    const next = page.from + items.length;
    return next <= this.board_.length ? { items, next } : { items };
  }
  async log(page: { from: number; limit: number }): Promise<LogEntryView[]> {
    this.calls.push(`log ${page.from} ${page.limit}`);
    if (this.role !== 'precinct') throw new TallyMeshError('not-a-precinct', `${this.id} is a ${this.role}: only precincts keep a ballot log`);
    return this.log_.slice(page.from - 1, page.from - 1 + page.limit);
  }
  async receipt(ballotHashHex: string): Promise<ReceiptView | undefined> {
    return this.receipts.get(ballotHashHex);
  }
  async result(): Promise<unknown | undefined> {
    return this.resultValue;
  }
  async record(): Promise<RecordExport> {
    return {
      manifest: { electionId: 'test-election' },
      artifacts: [{ type: 'precinct-tally', data: Buffer.from('tally').toString('base64') }],
      ballots: { 'precinct-01': [Buffer.from('b1').toString('base64'), Buffer.from('b2').toString('base64')] },
    };
  }
  async metrics(): Promise<string> {
    return '# HELP tallymesh_ballots_total Ballots accepted\n# TYPE tallymesh_ballots_total counter\ntallymesh_ballots_total 3\n';
  }
  async submitBallot(voterId: string, ballot: unknown): Promise<{ receipt: unknown; duplicate: boolean }> {
    this.calls.push(`submit ${voterId}`);
    if (this.role !== 'precinct') throw new TallyMeshError('not-a-precinct', `${this.id} is a ${this.role}, not a precinct: it takes no ballots`);
    if (this.closed) throw new TallyMeshError('polls-closed', 'the polls are closed');
    const b = ballot as { ballotId?: string; precinctId?: string };
    if (b.ballotId === 'bad-proof') throw new TallyMeshError('bad-proof', 'ballot.contests[0].proof: validity proof of contest "president" does not verify');
    if (b.precinctId !== this.id) throw new TallyMeshError('inconsistent', `ballot.precinctId: ballot is for precinct "${b.precinctId}", not "${this.id}"`);
    const text = JSON.stringify(ballot);
    const previous = this.voters.get(voterId);
    if (previous) {
      if (previous.ballot === text) return { receipt: previous.receipt, duplicate: true };
      throw new TallyMeshError('voter-already-voted', `voter "${voterId}" already voted`);
    }
    const receipt = { version: 1, precinctId: this.id, ballotHash: sha(text), logPosition: this.voters.size + 1, chainHead: sha(`head-${this.voters.size + 1}`), signature: 'ab'.repeat(64) };
    this.voters.set(voterId, { ballot: text, receipt });
    return { receipt, duplicate: false };
  }
  async close(): Promise<{ phase: string }> {
    this.calls.push('close');
    if (this.role !== 'precinct') throw new TallyMeshError('not-a-precinct', 'only precincts close the polls');
    this.closed = true;
    return { phase: 'closed' };
  }
  async decrypt(): Promise<{ phase: string }> {
    this.calls.push('decrypt');
    if (this.role !== 'trustee') throw new TallyMeshError('not-a-trustee', 'only trustees decrypt');
    return { phase: 'decrypted' };
  }
  checkAdminToken(token: string): boolean {
    return token === ADMIN_TOKEN;
  }
}

function ballotFor(precinctId = 'precinct-01', ballotId = 'b-1'): Record<string, unknown> {
  return {
    version: 1,
    electionHash: hex(99),
    precinctId,
    ballotId,
    ballotStyleId: 'all',
    contests: [{ contestId: 'president', ciphertext: 'abcdef', proof: { challenges: ['01'], responses: ['02'] } }],
  };
}

const servers: RestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

function serve(api: NodeApi, options: { bodyLimit?: number; logger?: ReturnType<typeof pino> | false } = {}): RestServer {
  const server = createRestServer(api, { host: '127.0.0.1', port: 0, logger: options.logger ?? false, ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}) });
  servers.push(server);
  return server;
}

const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('read-only routes', () => {
  let api: FakeNodeApi;
  let server: RestServer;
  beforeEach(() => {
    api = new FakeNodeApi();
    server = serve(api);
  });

  it('GET /health answers ok with the id and role, and 503 with the faults of a faulted node', async () => {
    const r = await server.app.inject({ url: '/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ ok: true, id: 'precinct-01', role: 'precinct', faults: [] });
    api.faults = ['precinct precinct-01 stopped after a storage failure'];
    const bad = await server.app.inject({ url: '/health' });
    expect(bad.statusCode).toBe(503);
    expect(bad.json()).toEqual({ ok: false, id: 'precinct-01', role: 'precinct', faults: api.faults });
    api.faults = [];
  });

  it('GET /status, /peers and /tallies return the facade views', async () => {
    expect((await server.app.inject({ url: '/status' })).json()).toEqual(await api.status());
    expect((await server.app.inject({ url: '/peers' })).json()).toEqual(await api.peers());
    const tallies = await server.app.inject({ url: '/tallies' });
    expect(tallies.statusCode).toBe(200);
    expect(tallies.json()).toEqual(await api.tallies());
  });

  it('GET /board pages from position 1 with limit 100 by default and up to 1000', async () => {
    const first = (await server.app.inject({ url: '/board' })).json() as { items: ArtifactView[]; next?: number };
    expect(first.items).toHaveLength(100);
    expect(first.next).toBe(101);
    expect(first.items[0]).toEqual(api.board_[0]);
    const last = (await server.app.inject({ url: '/board?from=201&limit=1000' })).json() as { items: ArtifactView[]; next?: number };
    expect(last.items).toHaveLength(50);
    expect(last.next).toBeUndefined();
    expect(api.calls).toEqual(['board 1 100', 'board 201 1000']);
  });

  it('GET /board rejects a bad page with 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['limit=1001', 'limit'],
      ['limit=0', 'limit'],
      ['from=0', 'from'],
      ['from=-1', 'from'],
      ['limit=abc', 'limit'],
      ['from=1.5', 'from'],
    ] as const) {
      const r = await server.app.inject({ url: `/board?${query}` });
      expect(r.statusCode, query).toBe(400);
      expect(r.json().error).toBe('bad-request');
      expect(r.json().message).toContain(field);
    }
    expect(api.calls).toEqual([]);
  });

  it('GET /log starts at 1 by default and rejects from=0', async () => {
    const r = await server.app.inject({ url: '/log?limit=3' });
    expect(r.statusCode).toBe(200);
    expect((r.json() as LogEntryView[]).map((e) => e.seq)).toEqual([1, 2, 3]);
    const from = await server.app.inject({ url: '/log?from=149' });
    expect((from.json() as LogEntryView[]).map((e) => e.seq)).toEqual([149, 150]);
    expect(api.calls).toEqual(['log 1 3', 'log 149 100']);
    const zero = await server.app.inject({ url: '/log?from=0' });
    expect(zero.statusCode).toBe(400);
    expect(zero.json().message).toMatch(/from/);
    const big = await server.app.inject({ url: '/log?limit=5000' });
    expect(big.statusCode).toBe(400);
  });

  it('GET /receipts/:hash returns the receipt with its inclusion proof', async () => {
    const r = await server.app.inject({ url: `/receipts/${hex(7)}` });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual(api.receipts.get(hex(7)));
  });

  it('GET /receipts/:hash is 404 for an unknown ballot and 400 for a malformed hash', async () => {
    const unknown = await server.app.inject({ url: `/receipts/${hex(8)}` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'unknown-ballot' });
    for (const bad of ['abc', hex(7).toUpperCase(), hex(7) + '00', 'g'.repeat(64)]) {
      const r = await server.app.inject({ url: `/receipts/${bad}` });
      expect(r.statusCode, bad).toBe(400);
      expect(r.json()).toEqual({ error: 'bad-request', message: 'params.ballotHash must be 64 lowercase hex characters' });
    }
  });

  it('GET /result is 404 no-result until there is one', async () => {
    const before = await server.app.inject({ url: '/result' });
    expect(before.statusCode).toBe(404);
    expect(before.json()).toEqual({ error: 'no-result', message: 'there is no result yet' });
    api.resultValue = { version: 1, combinerId: 'national', contests: [{ contestId: 'president', counts: [1, 2] }] };
    const after = await server.app.inject({ url: '/result' });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual(api.resultValue);
  });

  it('GET /record returns the export unchanged', async () => {
    const r = await server.app.inject({ url: '/record' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual(await api.record());
  });

  it('GET /metrics is Prometheus text', async () => {
    const r = await server.app.inject({ url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.body).toBe(await api.metrics());
  });

  it('unknown routes are a JSON 404 and / redirects to /docs', async () => {
    const r = await server.app.inject({ url: '/nope' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: 'not-found', message: 'no route GET /nope' });
    const root = await server.app.inject({ url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/docs');
  });

  it('GET /log on a node that is not a precinct passes the facade 404 on', async () => {
    const county = serve(new FakeNodeApi('county-01', 'county'));
    const r = await county.app.inject({ url: '/log' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: 'not-a-precinct', message: 'county-01 is a county: only precincts keep a ballot log' });
  });
});

describe('POST /ballots', () => {
  let api: FakeNodeApi;
  let server: RestServer;
  beforeEach(() => {
    api = new FakeNodeApi();
    server = serve(api);
  });
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'POST', url: '/ballots', payload: payload as string, headers: { 'content-type': 'application/json', ...headers } });

  it('accepts a ballot with 201 and the receipt, a repeat with 200 duplicate', async () => {
    const first = await post({ voterId: 'voter-1', ballot: ballotFor() });
    expect(first.statusCode).toBe(201);
    const body = first.json() as { receipt: Record<string, unknown>; duplicate: boolean };
    expect(body.duplicate).toBe(false);
    expect(body.receipt).toEqual(api.voters.get('voter-1')!.receipt);
    const again = await post({ voterId: 'voter-1', ballot: ballotFor() });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ receipt: body.receipt, duplicate: true });
  });

  it('is 409 when the voter already voted another ballot', async () => {
    expect((await post({ voterId: 'voter-1', ballot: ballotFor() })).statusCode).toBe(201);
    const r = await post({ voterId: 'voter-1', ballot: ballotFor('precinct-01', 'b-2') });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toEqual({ error: 'voter-already-voted', message: 'voter "voter-1" already voted' });
  });

  it('passes the facade 400 on for an invalid proof or another precinct', async () => {
    const proof = await post({ voterId: 'v', ballot: ballotFor('precinct-01', 'bad-proof') });
    expect(proof.statusCode).toBe(400);
    expect(proof.json()).toMatchObject({ error: 'bad-proof', message: expect.stringContaining('does not verify') });
    const other = await post({ voterId: 'v', ballot: ballotFor('precinct-02') });
    expect(other.statusCode).toBe(400);
    expect(other.json().message).toContain('precinct-02');
  });

  it('is 400 for malformed JSON or an empty body', async () => {
    const bad = await post('{"voterId": "v", "ballot": ');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: 'bad-request', message: 'request body is not valid JSON' });
    const empty = await post('');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toBe('bad-request');
    expect(api.calls).toEqual([]);
  });

  it('is 400 naming the field when a field is missing or of the wrong type', async () => {
    const cases: [unknown, string][] = [
      [{ ballot: ballotFor() }, 'body.voterId is required'],
      [{ voterId: 'v' }, 'body.ballot is required'],
      [{ voterId: 123, ballot: ballotFor() }, 'body.voterId must be string'],
      [{ voterId: true, ballot: ballotFor() }, 'body.voterId must be string'],
      [{ voterId: '', ballot: ballotFor() }, 'body.voterId'],
      [{ voterId: 'x'.repeat(129), ballot: ballotFor() }, 'body.voterId'],
      [{ voterId: 'v', ballot: 'not a ballot' }, 'body.ballot must be object'],
      [{ voterId: 'v', ballot: { ...ballotFor(), contests: 'none' } }, 'body.ballot.contests must be array'],
      [{ voterId: 'v', ballot: { ...ballotFor(), ballotStyleId: undefined } }, 'body.ballot.ballotStyleId is required'],
      [{ voterId: 'v', ballot: { ...ballotFor(), contests: [{ contestId: 'c', ciphertext: 5, proof: { challenges: [], responses: [] } }] } }, 'body.ballot.contests[0].ciphertext must be string'],
      [{ voterId: 'v', ballot: ballotFor(), extra: 1 }, 'body.extra is not allowed'],
      [[1, 2], 'body must be object'],
    ];
    for (const [payload, message] of cases) {
      const r = await post(JSON.stringify(payload));
      expect(r.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(r.json().error).toBe('bad-request');
      expect(r.json().message).toContain(message);
    }
    expect(api.calls).toEqual([]);
  });

  it('accepts a voterId of exactly 128 characters', async () => {
    expect((await post({ voterId: 'x'.repeat(128), ballot: ballotFor() })).statusCode).toBe(201);
  });

  it('is 415 for a body that is not JSON', async () => {
    const r = await server.app.inject({ method: 'POST', url: '/ballots', payload: 'voterId=v', headers: { 'content-type': 'text/plain' } });
    expect(r.statusCode).toBe(415);
    expect(r.json().error).toBe('unsupported-media-type');
  });

  it('is 413 over the body limit (default 256 KiB)', async () => {
    expect(DEFAULT_BODY_LIMIT).toBe(256 * 1024);
    const big = { voterId: 'v', ballot: { ...ballotFor(), padding: 'x'.repeat(DEFAULT_BODY_LIMIT) } };
    const r = await post(big);
    expect(r.statusCode).toBe(413);
    expect(r.json()).toEqual({ error: 'payload-too-large', message: 'request body is too large' });
    const small = serve(new FakeNodeApi(), { bodyLimit: 1024 });
    const over = await small.app.inject({ method: 'POST', url: '/ballots', payload: { voterId: 'v', ballot: { ...ballotFor(), padding: 'x'.repeat(1100) } } });
    expect(over.statusCode).toBe(413);
    const under = await small.app.inject({ method: 'POST', url: '/ballots', payload: { voterId: 'v', ballot: ballotFor() } });
    expect(under.statusCode).toBe(201);
    expect(api.calls).toEqual([]);
  });

  it('is 503 after the polls close', async () => {
    api.closed = true;
    const r = await post({ voterId: 'v', ballot: ballotFor() });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ error: 'polls-closed', message: 'the polls are closed' });
  });

  it('is 404 on a node that is not a precinct', async () => {
    const county = serve(new FakeNodeApi('county-01', 'county'));
    const r = await county.app.inject({ method: 'POST', url: '/ballots', payload: { voterId: 'v', ballot: ballotFor() } });
    expect(r.statusCode).toBe(404);
    expect(r.json().error).toBe('not-a-precinct');
  });
});

describe('admin routes', () => {
  let api: FakeNodeApi;
  let server: RestServer;
  beforeEach(() => {
    api = new FakeNodeApi();
    server = serve(api);
  });

  it('are 401 without a token, with a wrong one or with another scheme', async () => {
    for (const url of ['/admin/close', '/admin/decrypt']) {
      for (const headers of [{}, auth('wrong-token'), auth(ADMIN_TOKEN + 'x'), { authorization: `Basic ${ADMIN_TOKEN}` }, { authorization: 'Bearer' }]) {
        const r = await server.app.inject({ method: 'POST', url, headers });
        expect(r.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.json().error).toBe('unauthorized');
        expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(r.body).not.toContain(ADMIN_TOKEN);
      }
    }
    expect(api.calls).toEqual([]);
    expect(api.closed).toBe(false);
  });

  it('POST /admin/close closes the polls with the token; ballots are then 503', async () => {
    const r = await server.app.inject({ method: 'POST', url: '/admin/close', headers: auth(ADMIN_TOKEN) });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ phase: 'closed' });
    // idempotent, and an empty JSON body is no body
    const again = await server.app.inject({ method: 'POST', url: '/admin/close', headers: { ...auth(ADMIN_TOKEN), 'content-type': 'application/json' }, payload: '' });
    expect(again.statusCode).toBe(200);
    const ballot = await server.app.inject({ method: 'POST', url: '/ballots', payload: { voterId: 'v', ballot: ballotFor() } });
    expect(ballot.statusCode).toBe(503);
  });

  it('POST /admin/decrypt calls decrypt on a trustee and passes a 404 on elsewhere', async () => {
    const trustee = serve(new FakeNodeApi('trustee-1', 'trustee'));
    const r = await trustee.app.inject({ method: 'POST', url: '/admin/decrypt', headers: auth(ADMIN_TOKEN) });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ phase: 'decrypted' });
    const precinct = await server.app.inject({ method: 'POST', url: '/admin/decrypt', headers: auth(ADMIN_TOKEN) });
    expect(precinct.statusCode).toBe(404);
    expect(precinct.json().error).toBe('not-a-trustee');
  });
});

describe('internal errors', () => {
  it('are a generic 500, logged but never echoed', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const api = new FakeNodeApi();
    api.failStatus = true;
    const server = serve(api, { logger: pino({ level: 'info' }, sink) });
    const r = await server.app.inject({ url: '/status' });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ error: 'internal-error', message: 'internal server error' });
    expect(r.body).not.toMatch(/secret|hunter2|at .*\.ts/);
    const logged = lines.join('');
    expect(logged).toContain('internal error');
    expect(logged).toContain('hunter2');
  });

  it('a facade answer that does not fit the schema is a 500, not a malformed response', async () => {
    const api = new FakeNodeApi();
    api.status = async () => ({ id: 'x' }) as unknown as NodeStatus;
    const server = serve(api);
    const r = await server.app.inject({ url: '/status' });
    expect(r.statusCode).toBe(500);
    expect(r.json().error).toBe('internal-error');
  });
});

describe('OpenAPI and Swagger UI', () => {
  const ROUTES: [string, string][] = [
    ['get', '/health'],
    ['get', '/status'],
    ['get', '/peers'],
    ['get', '/tallies'],
    ['get', '/board'],
    ['get', '/log'],
    ['get', '/receipts/{ballotHash}'],
    ['get', '/result'],
    ['get', '/record'],
    ['get', '/metrics'],
    ['get', '/manifest'],
    ['get', '/proof/{precinctId}'],
    ['post', '/ballots'],
    ['post', '/admin/close'],
    ['post', '/admin/decrypt'],
  ];

  it('/docs/json is an OpenAPI 3 document listing every route with its schemas', async () => {
    const server = serve(new FakeNodeApi());
    const r = await server.app.inject({ url: '/docs/json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json() as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, { schema: unknown }> }; security?: unknown[] }>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => [m, path] as [string, string]));
    expect(listed.sort()).toEqual([...ROUTES].sort());
    for (const [method, path] of ROUTES) {
      const op = doc.paths[path]![method]!;
      const ok = op.responses['200'] ?? op.responses['201'];
      expect(ok, `${method} ${path}`).toBeTruthy();
    }
    const params = (method: string, path: string): string[] => (doc.paths[path]![method]!.parameters ?? []).map((p) => `${p.in}:${p.name}`);
    expect(params('get', '/board').sort()).toEqual(['query:from', 'query:limit']);
    expect(params('get', '/log').sort()).toEqual(['query:from', 'query:limit']);
    expect(params('get', '/receipts/{ballotHash}')).toEqual(['path:ballotHash']);
    expect(params('get', '/proof/{precinctId}')).toEqual(['path:precinctId']);
    const ballots = doc.paths['/ballots']!.post!;
    expect(ballots.requestBody!.content['application/json']!.schema).toMatchObject({ required: ['voterId', 'ballot'] });
    expect(Object.keys(ballots.responses).sort()).toEqual(['200', '201', '400', '404', '409', '413', '415', '500', '503']);
    const metrics = doc.paths['/metrics']!.get!.responses['200'] as { content: Record<string, unknown> };
    expect(Object.keys(metrics.content)).toEqual(['text/plain']);
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const path of ['/admin/close', '/admin/decrypt']) {
      expect(doc.paths[path]!.post!.security).toEqual([{ adminToken: [] }]);
      expect(doc.paths[path]!.post!.responses['401']).toBeTruthy();
    }
    // Every $ref resolves inside the document.
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.slice('#/components/schemas/'.length)], ref).toBeTruthy();
    }
  });

  it('/docs serves the Swagger UI and its assets from the package, nothing from the internet', async () => {
    const server = serve(new FakeNodeApi());
    const page = await server.app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect(asset, asset).not.toMatch(/^(https?:)?\/\//);
    const bundle = await server.app.inject({ url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    const init = await server.app.inject({ url: '/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
    expect(init.body).toContain('validatorUrl: null');
  });
});

describe('listening', () => {
  it('binds to 127.0.0.1 by default, answers over HTTP and stops', async () => {
    const api = new FakeNodeApi();
    const server = createRestServer(api, { port: 0, logger: false });
    servers.push(server);
    const { url } = await server.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const address = server.app.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, id: 'precinct-01', role: 'precinct', faults: [] });
    const posted = await fetch(`${url}/ballots`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ voterId: 'v', ballot: ballotFor() }) });
    expect(posted.status).toBe(201);
    await server.stop();
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    await server.stop(); // idempotent
  });
});
