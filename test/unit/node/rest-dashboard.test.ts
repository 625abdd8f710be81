// The dashboard's REST side (node/rest/routes-hierarchy.ts, routes-dashboard.ts, the status model
// and the event stream) against a deterministic fake node: statuses (waiting, verified, faulty by
// equivocation or contradiction), summaries, trustees, result, the node detail route and its
// 400/404s, server-sent events that follow changes, the listener limit, a failing facade (500
// without leaks), the page and its bundled assets, and the OpenAPI document.
import { createHash } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArtifactView, ElectionView, EvidenceView, HeldArtifact, LogEntryView, NodeApi, NodeStatus, ObserverApi, PeerHealthView, ReceiptView, RecordCheckView, RecordExport } from '../../../node/api/node-api.ts';
import { createRestServer, type RestServer } from '../../../node/rest/server.ts';
import type { HierarchyView, NodeDetailView } from '../../../dashboard/hierarchy-view.ts';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** national > state-01 (Ohio) > county-01-001 (p1, p2), county-01-002 (p3); trustees t1..t3, 2 needed. */
const ROSTER: ElectionView['roster'] = [
  { id: 'national', role: 'national', parent: '', name: 'United States', fips: '', trusteeIndex: 0 },
  { id: 'state-01', role: 'state', parent: 'national', name: 'Ohio', fips: '39', trusteeIndex: 0 },
  { id: 'county-01-001', role: 'county', parent: 'state-01', name: 'Adams, Ohio', fips: '39001', trusteeIndex: 0 },
  { id: 'county-01-002', role: 'county', parent: 'state-01', name: 'Allen, Ohio', fips: '39003', trusteeIndex: 0 },
  { id: 'p1', role: 'precinct', parent: 'county-01-001', name: 'Precinct 1', fips: '', trusteeIndex: 0 },
  { id: 'p2', role: 'precinct', parent: 'county-01-001', name: 'Precinct 2', fips: '', trusteeIndex: 0 },
  { id: 'p3', role: 'precinct', parent: 'county-01-002', name: 'Precinct 3', fips: '', trusteeIndex: 0 },
  { id: 't1', role: 'trustee', parent: '', name: 'Trustee 1', fips: '', trusteeIndex: 1 },
  { id: 't2', role: 'trustee', parent: '', name: 'Trustee 2', fips: '', trusteeIndex: 2 },
  { id: 't3', role: 'trustee', parent: '', name: 'Trustee 3', fips: '', trusteeIndex: 3 },
];

const tally = (id: string, ballots: number, children?: { id: string; tallyHash: string }[]): HeldArtifact => ({
  type: children ? 'aggregate-tally' : 'precinct-tally',
  sender: id,
  hash: sha(`tally-${id}`),
  ballotCount: ballots,
  ...(children ? { children } : {}),
});

class FakeObserverNode implements NodeApi, ObserverApi {
  readonly id = 'national';
  readonly role = 'national' as const;
  held: HeldArtifact[] = [tally('p1', 3), tally('p2', 4), tally('p3', 5), tally('county-01-001', 7, [{ id: 'p1', tallyHash: sha('tally-p1') }, { id: 'p2', tallyHash: sha('tally-p2') }])];
  evidenceList: EvidenceView[] = [{ sender: 'p3', slot: 'tally/p3', first: sha('tally-p3'), second: sha('other'), at: '2026-11-03T20:00:00.000Z' }];
  partials: NodeStatus['partials'] = [];
  resultJson: unknown = undefined;
  failEvidence = false;
  check: RecordCheckView = { state: 'waiting', checks: [], ballots: 0 };

  election(): ElectionView {
    return {
      electionId: 'e-1',
      title: 'Test election',
      electionHash: sha('manifest'),
      contests: [{ id: 'measure', title: 'Measure', options: ['Yes', 'No'], districtId: 'all', scopeId: 'national' }],
      threshold: { needed: 2, trustees: 3 },
      roster: ROSTER,
    };
  }
  heldArtifacts(): HeldArtifact[] {
    return this.held;
  }
  async evidence(): Promise<EvidenceView[]> {
    if (this.failEvidence) throw new Error('level db at /var/secret exploded: token=hunter2');
    return this.evidenceList;
  }
  peerHealth(): PeerHealthView[] {
    return [
      { nodeId: 'state-01', connected: true, latencyMs: 1.234, lastSeen: '2026-11-03T20:00:01.000Z' },
      { nodeId: 't1', connected: false, lastSeen: '2026-11-03T19:00:00.000Z' },
    ];
  }
  recordCheck(): RecordCheckView {
    return this.check;
  }
  async status(): Promise<NodeStatus> {
    return {
      id: this.id,
      role: this.role,
      parent: '',
      phase: 'collecting',
      electionId: 'e-1',
      electionHash: sha('manifest'),
      children: [{ id: 'state-01', role: 'state', reported: false }],
      partials: this.partials,
      threshold: { needed: 2, valid: this.partials.filter((p) => p.valid).length },
      hasResult: this.resultJson !== undefined,
      waitingFor: '0 of 1 children\'s tallies',
      equivocations: 1,
      refusedResults: 0,
      peers: 1,
    };
  }
  async peers() {
    return [];
  }
  async tallies(): Promise<ArtifactView[]> {
    return [];
  }
  async board() {
    return { items: [] };
  }
  async log(): Promise<LogEntryView[]> {
    return [];
  }
  async receipt(): Promise<ReceiptView | undefined> {
    return undefined;
  }
  async result(): Promise<unknown> {
    return this.resultJson;
  }
  async record(): Promise<RecordExport> {
    return { manifest: {}, artifacts: [], ballots: {} };
  }
  async metrics(): Promise<string> {
    return '';
  }
  async submitBallot(): Promise<{ receipt: unknown; duplicate: boolean }> {
    throw new Error('not a precinct');
  }
  async close(): Promise<{ phase: string }> {
    return { phase: 'collecting' };
  }
  async decrypt(): Promise<{ phase: string }> {
    return { phase: 'collecting' };
  }
  checkAdminToken(): boolean {
    return false;
  }
  async health() {
    return { ok: true, id: this.id, role: this.role, faults: [] };
  }
  async receiptProof() {
    return undefined;
  }
  async manifest() {
    return { manifest: '', electionHash: '' };
  }
}

const servers: RestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function serve(api: NodeApi, events?: { eventIntervalMs?: number; maxEventStreams?: number }): Promise<string> {
  const server = createRestServer(api, { host: '127.0.0.1', port: 0, logger: false, ...(events ? { events } : {}) });
  servers.push(server);
  return (await server.start()).url;
}

async function getJSON<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

/** Reads server-sent events from a stream until `until` accepts the list so far. */
function readEvents(url: string, until: (events: { event: string; data: string }[]) => boolean): Promise<{ res: IncomingMessage; events: { event: string; data: string }[] }> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      const events: { event: string; data: string }[] = [];
      let buffer = '';
      if (res.statusCode !== 200) {
        resolve({ res, events });
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data });
        }
        if (until(events)) {
          resolve({ res, events });
          req.destroy();
        }
      });
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
  });
}

describe('GET /hierarchy', () => {
  it('gives every state and county its status, with summaries, peer health and equivocation evidence', async () => {
    const api = new FakeObserverNode();
    const url = await serve(api);
    const { status, body } = await getJSON<HierarchyView>(`${url}/hierarchy`);
    expect(status).toBe(200);
    expect(body.hasMap).toBe(true);
    expect(body.election).toEqual({ id: 'e-1', title: 'Test election', hash: sha('manifest'), contests: [{ id: 'measure', title: 'Measure', options: ['Yes', 'No'], districtId: 'all', scopeId: 'national' }] });
    expect(body.node).toEqual({ id: 'national', role: 'national', phase: 'collecting', waitingFor: "0 of 1 children's tallies" });
    const [adams, allen] = body.counties;
    expect(adams).toMatchObject({ id: 'county-01-001', fips: '39001', status: 'verified', ballotCount: 7, tallyHash: sha('tally-county-01-001'), problems: [] });
    expect(adams!.precincts).toEqual({ total: 2, verified: 2, faulty: 0, waiting: 0, ballots: 7 });
    // p3 signed two tallies: faulty, and its county has not reported.
    expect(allen).toMatchObject({ id: 'county-01-002', status: 'waiting' });
    expect(allen!.precincts).toEqual({ total: 1, verified: 0, faulty: 1, waiting: 0, ballots: 0 });
    expect(body.states[0]).toMatchObject({ id: 'state-01', name: 'Ohio', status: 'waiting', health: { connected: true, latencyMs: 1.2, lastSeen: '2026-11-03T20:00:01.000Z' } });
    expect(body.states[0]!.counties).toEqual({ total: 2, verified: 1, faulty: 0, waiting: 1, ballots: 7 });
    expect(body.national.precincts).toEqual({ total: 3, verified: 2, faulty: 1, waiting: 0, ballots: 7 });
    expect(body.evidence).toEqual([{ sender: 'p3', slot: 'tally/p3', at: '2026-11-03T20:00:00.000Z' }]);
    expect(body.result).toBeUndefined();
    expect(body.verification).toEqual({ state: 'waiting', ok: false, checks: [], ballots: 0, threshold: { needed: 2, valid: 0 } });
  });

  it('marks an aggregate faulty when it counted another tally than its child signed, or its ballots do not add up', async () => {
    const api = new FakeObserverNode();
    api.held = [tally('p1', 3), tally('p2', 4), tally('county-01-001', 9, [{ id: 'p1', tallyHash: sha('tally-p1') }, { id: 'p2', tallyHash: sha('forged') }])];
    api.evidenceList = [];
    const url = await serve(api);
    const { body } = await getJSON<HierarchyView>(`${url}/hierarchy`);
    const adams = body.counties[0]!;
    expect(adams.status).toBe('faulty');
    expect(adams.problems).toHaveLength(2);
    expect(adams.problems[0]).toMatch(/counted a tally of p2 .* other than the one p2 signed/);
    expect(adams.problems[1]).toBe("claims 9 ballots; its children's tallies hold 7");
    expect(body.national.counties).toMatchObject({ faulty: 1, verified: 0 });
  });

  it('shows each trustee\'s partial decryption (missing, received, valid, invalid) and the result with option names', async () => {
    const api = new FakeObserverNode();
    api.held.push({ type: 'partial-decryption', sender: 't1', hash: sha('p-t1') }, { type: 'partial-decryption', sender: 't2', hash: sha('p-t2') }, { type: 'partial-decryption', sender: 't3', hash: sha('p-t3') });
    api.held.push(tally('national', 12, [{ id: 'state-01', tallyHash: sha('tally-state-01') }]), { type: 'result', sender: 'national', hash: sha('result'), ballotCount: 12 });
    api.partials = [
      { trusteeId: 't1', trusteeIndex: 1, valid: true },
      { trusteeId: 't2', trusteeIndex: 2, valid: false, reason: 'proof of word 0 does not verify' },
    ];
    api.resultJson = {
      combinerId: 'national',
      tallyHash: sha('tally-national'),
      ballotCount: 12,
      scopes: [{ scopeId: 'national', tallyHash: sha('tally-national'), ballotCount: 12, words: ['30064771079'], contests: [{ contestId: 'measure', counts: [7, 5] }] }],
    };
    api.check = { state: 'done', checks: [{ number: 1, name: 'manifest', title: 'Manifest', status: 'pass', details: [] }], ballots: 0 };
    const url = await serve(api);
    const { body } = await getJSON<HierarchyView>(`${url}/hierarchy`);
    expect(body.trustees.map((t) => [t.id, t.partial, t.reason])).toEqual([
      ['t1', 'valid', undefined],
      ['t2', 'invalid', 'proof of word 0 does not verify'],
      ['t3', 'received', undefined],
    ]);
    expect(body.trustees[0]!.health).toEqual({ connected: false, lastSeen: '2026-11-03T19:00:00.000Z' });
    expect(body.result).toEqual({
      hash: sha('result'),
      combinerId: 'national',
      ballotCount: 12,
      matchesNationalTally: true,
      contests: [{ id: 'measure', title: 'Measure', scopeId: 'national', districtId: 'all', options: [{ name: 'Yes', count: 7 }, { name: 'No', count: 5 }] }],
    });
    expect(body.verification).toMatchObject({ state: 'done', ok: true, threshold: { needed: 2, valid: 1 } });
  });

  it('answers 500 without the internal message when the facade fails', async () => {
    const api = new FakeObserverNode();
    api.failEvidence = true;
    const url = await serve(api);
    const res = await fetch(`${url}/hierarchy`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal-error', message: 'internal server error' });
    expect(text).not.toMatch(/secret|hunter2/);
  });

  it('is not served by a node facade without the observer accessors', async () => {
    const bare = new FakeObserverNode() as Partial<FakeObserverNode>;
    delete (bare as { election?: unknown }).election;
    const api = Object.assign(Object.create(Object.getPrototypeOf(bare) as object) as object, bare, { election: undefined }) as unknown as NodeApi;
    const url = await serve(api);
    for (const path of ['/hierarchy', '/events', '/dashboard']) expect((await fetch(`${url}${path}`)).status).toBe(404);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});

describe('GET /hierarchy/:nodeId', () => {
  it("gives a county's precincts with ballot counts and tally hashes", async () => {
    const url = await serve(new FakeObserverNode());
    const { status, body } = await getJSON<NodeDetailView>(`${url}/hierarchy/county-01-001`);
    expect(status).toBe(200);
    expect(body.node.id).toBe('county-01-001');
    expect(body.children.map((c) => [c.id, c.status, c.ballotCount, c.tallyHash])).toEqual([
      ['p1', 'verified', 3, sha('tally-p1')],
      ['p2', 'verified', 4, sha('tally-p2')],
    ]);
    const p3 = await getJSON<NodeDetailView>(`${url}/hierarchy/p3`);
    expect(p3.body.node).toMatchObject({ status: 'faulty', problems: [expect.stringMatching(/equivocation/)] });
    expect(p3.body.children).toEqual([]);
  });

  it('answers 404 for ids outside the hierarchy and 400 for malformed ids', async () => {
    const url = await serve(new FakeObserverNode());
    const unknown = await getJSON<{ error: string; message: string }>(`${url}/hierarchy/nobody`);
    expect(unknown).toEqual({ status: 404, body: { error: 'unknown-node', message: '"nobody" is not a national, state, county or precinct node of this election' } });
    expect((await getJSON<{ error: string }>(`${url}/hierarchy/t1`)).body.error).toBe('unknown-node');
    for (const bad of ['-leading-dash', 'has%20space', 'x'.repeat(65), '%00']) {
      const res = await getJSON<{ error: string; message: string }>(`${url}/hierarchy/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error).toBe('bad-request');
      expect(res.body.message).toMatch(/params\.nodeId/);
    }
  });
});

describe('GET /events', () => {
  it('sends the hierarchy at once and again when it changes', async () => {
    const api = new FakeObserverNode();
    const url = await serve(api, { eventIntervalMs: 50 });
    const first = await readEvents(`${url}/events`, (events) => events.length >= 1);
    expect(first.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(first.res.headers['cache-control']).toBe('no-store');
    const view = JSON.parse(first.events[0]!.data) as HierarchyView;
    expect(first.events[0]!.event).toBe('hierarchy');
    expect(view.counties[1]!.status).toBe('waiting');

    // The second county reports while a listener is connected: an event follows without asking.
    const stream = readEvents(`${url}/events`, (events) => events.some((e) => (JSON.parse(e.data) as HierarchyView).counties[1]!.status === 'verified'));
    setTimeout(() => api.held.push(tally('county-01-002', 5, [{ id: 'p3', tallyHash: sha('tally-p3') }])), 200);
    const { events } = await stream;
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect((JSON.parse(events[0]!.data) as HierarchyView).counties[1]!.status).toBe('waiting');
  });

  it('refuses listeners beyond the limit with 503, and takes new ones once a listener leaves', async () => {
    const api = new FakeObserverNode();
    const url = await serve(api, { maxEventStreams: 1, eventIntervalMs: 50 });
    const holder = await new Promise<IncomingMessage>((resolve) => get(`${url}/events`, resolve));
    const refused = await fetch(`${url}/events`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: 'too-many-listeners' });
    holder.destroy();
    // The server notices the closed connection; then a new listener is taken.
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      const { res } = await readEvents(`${url}/events`, (events) => events.length >= 1);
      status = res.statusCode ?? 0;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
  });
});

describe('GET /dashboard', () => {
  it('serves the page with a same-origin-only policy, the bundled script, the stylesheet and the atlas', async () => {
    const url = await serve(new FakeObserverNode());
    const page = await fetch(`${url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script defer src="dashboard/app.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);

    const js = await fetch(`${url}/dashboard/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const script = await js.text();
    // d3-geo's projection and the page's own code, in one self-contained bundle.
    expect(script).toContain('hierarchy');
    expect(script).not.toMatch(/\bimport\s*\(|\brequire\(/);
    expect((await fetch(`${url}/dashboard/app.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const atlas = (await (await fetch(`${url}/dashboard/atlas.json`)).json()) as { type: string; objects: Record<string, unknown> };
    expect(atlas.type).toBe('Topology');
    expect(Object.keys(atlas.objects)).toEqual(expect.arrayContaining(['states', 'counties']));

    const slash = await fetch(`${url}/dashboard/`, { redirect: 'manual' });
    expect(slash.status).toBe(302);
    expect(slash.headers.get('location')).toBe('../dashboard');
    expect((await fetch(`${url}/dashboard/nothing-here`)).status).toBe(404);
  });

  it('documents the new routes in the OpenAPI description', async () => {
    const url = await serve(new FakeObserverNode());
    const doc = (await (await fetch(`${url}/docs/json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    for (const path of ['/hierarchy', '/hierarchy/{nodeId}', '/events', '/dashboard']) expect(doc.paths[path]?.get?.tags, path).toEqual(['dashboard']);
    expect(doc.paths['/dashboard/app.js']).toBeUndefined();
  });
});
