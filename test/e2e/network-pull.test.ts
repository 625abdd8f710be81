// The pull protocol between two real libp2p nodes: by content hash, by (type, sender), an
// artifact larger than gossip allows (5 MiB), not-found, and the limits it enforces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { toHex } from '../../crypto/bytes.ts';
import { contentHash } from '../../protocol/artifact.ts';
import { ElectionContext } from '../../protocol/election.ts';
import { PROTOCOL_VERSION } from '../../protocol/manifest.ts';
import { PrecinctTally } from '../../protocol/tally.ts';
import { generateElection, type GeneratedElection } from '../../setup/election-setup.ts';
import type { Envelope } from '../../node/network/envelope.ts';
import { createNetworkHost, type NetworkHost } from '../../node/network/host.ts';
import { PullError, type PullRequest } from '../../node/network/pull-protocol.ts';

let election: GeneratedElection;
let ctx: ElectionContext;
let server: NetworkHost;
let client: NetworkHost;
let tally: PrecinctTally;
let tallyEnvelope: Envelope;
const big: Envelope = { type: 'ballot', bytes: new Uint8Array(randomBytes(5 * 1024 * 1024)) };
const seenRequests: { request: PullRequest; peerId: string }[] = [];
let releaseHanging: () => void = () => undefined;
const hanging = new Promise<void>((resolve) => (releaseHanging = resolve));

const key = (id: string): Uint8Array => election.nodeKeys.get(id)!.secretKey;
const hashOf = (e: Envelope): string => toHex(contentHash(e.type, e.bytes));

beforeAll(async () => {
  election = generateElection({ keyBits: 1024, states: 1, countiesPerState: 1, precinctsPerCounty: 2, trustees: 3, threshold: 2, electionId: 'net-pull' });
  ctx = new ElectionContext(election.manifest);
  tally = PrecinctTally.sign(
    {
      version: PROTOCOL_VERSION,
      electionHash: ctx.hash,
      precinctId: 'precinct-01-001-001',
      groups: ctx.scopes.groupsOf('precinct-01-001-001').map((g) => ({ scopeId: g.scopeId, words: Array.from({ length: g.wordCount }, () => ctx.publicKey.encrypt(0n)) })),
      ballotCount: 3,
      ballotsRoot: new Uint8Array(32),
      logHead: new Uint8Array(32),
    },
    key('precinct-01-001-001'),
  );
  tallyEnvelope = { type: 'precinct-tally', bytes: PrecinctTally.encode(tally) };
  // The storage adapter stand-in: a map by content hash and one by (type, sender).
  const byHash = new Map([tallyEnvelope, big].map((e) => [hashOf(e), e]));
  const bySender = new Map([[`precinct-tally/precinct-01-001-001`, [tallyEnvelope]]]);
  server = await createNetworkHost({
    secretKey: key('county-01-001'),
    ctx,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    lookup: async (request, context) => {
      seenRequests.push({ request, peerId: context.peerId });
      if (request.by === 'hash') {
        if (request.hash === '00'.repeat(32)) return [big]; // a lying server, for the client's hash check
        if (request.hash === 'ff'.repeat(32)) {
          await hanging;
          return [];
        }
        if (request.hash === 'ee'.repeat(32)) throw new Error('storage is down');
        const found = byHash.get(request.hash);
        return found ? [found] : [];
      }
      return bySender.get(`${request.type}/${request.sender}`) ?? [];
    },
  });
  client = await createNetworkHost({ secretKey: key('precinct-01-001-001'), ctx, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [server.addresses()[0]!] });
});

afterAll(async () => {
  releaseHanging();
  await Promise.all([server?.stop(), client?.stop()]);
});

describe('pull protocol', () => {
  it('pulls an artifact by content hash, and the puller can validate it like gossip', async () => {
    const items = await client.pull(server.peerId, { by: 'hash', hash: toHex(PrecinctTally.hash(tally)) });
    expect(items).toHaveLength(1);
    expect(items[0]!.type).toBe('precinct-tally');
    expect(items[0]!.bytes).toEqual(tallyEnvelope.bytes);
    const artifact = client.validate(items[0]!);
    expect(artifact.hash).toEqual(PrecinctTally.hash(tally));
    expect(seenRequests.at(-1)?.peerId).toBe(client.peerId);
  });

  it('pulls by (type, sender)', async () => {
    const items = await client.pull(server.peerId, { by: 'sender', type: 'precinct-tally', sender: 'precinct-01-001-001' });
    expect(items.map((i) => hashOf(i))).toEqual([hashOf(tallyEnvelope)]);
    expect(await client.pull(server.peerId, { by: 'sender', type: 'precinct-tally', sender: 'precinct-01-001-002' })).toEqual([]);
  });

  it('carries an artifact larger than gossip allows (5 MiB)', async () => {
    await expect(client.publish({ kind: 'board' }, big)).rejects.toThrow(/over the gossip limit/);
    const items = await client.pull(server.peerId, { by: 'hash', hash: hashOf(big) });
    expect(items).toHaveLength(1);
    expect(items[0]!.bytes.length).toBe(5 * 1024 * 1024);
    expect(Buffer.from(items[0]!.bytes).equals(Buffer.from(big.bytes))).toBe(true);
  });

  it('answers not-found with an empty list', async () => {
    expect(await client.pull(server.peerId, { by: 'hash', hash: 'ab'.repeat(32) })).toEqual([]);
  });

  it('refuses an answer that does not hash to what was asked', async () => {
    await expect(client.pull(server.peerId, { by: 'hash', hash: '00'.repeat(32) })).rejects.toMatchObject({ code: 'hash-mismatch' });
  });

  it('reports a server-side failure as a remote error', async () => {
    await expect(client.pull(server.peerId, { by: 'hash', hash: 'ee'.repeat(32) })).rejects.toMatchObject({ code: 'remote-error' });
  });

  it('enforces the frame limit and the timeout on the client', async () => {
    const strict = await createNetworkHost({
      secretKey: key('precinct-01-001-002'),
      ctx,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [server.addresses()[0]!],
      options: { pull: { maxFrameBytes: 1024 * 1024, timeoutMs: 1_000 } },
    });
    try {
      await expect(strict.pull(server.peerId, { by: 'hash', hash: hashOf(big) })).rejects.toThrow(/above the limit/);
      const err = await strict.pull(server.peerId, { by: 'hash', hash: 'ff'.repeat(32) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PullError);
      expect((err as PullError).code).toBe('timeout');
      // The small tally still fits.
      expect(await strict.pull(server.peerId, { by: 'hash', hash: hashOf(tallyEnvelope) })).toHaveLength(1);
    } finally {
      await strict.stop();
    }
    const text = server.metrics.render();
    expect(text).toContain('tallymesh_pull_requests_total{side="server",outcome="ok"}');
    expect(text).toContain('tallymesh_pull_requests_total{side="server",outcome="not-found"}');
  });
});

describe('a link whose pulls keep failing', () => {
  it('is closed after maxPullFailures timed-out exchanges in a row, and redialled; an answer resets the count', async () => {
    const resets = (h: NetworkHost): number => Number(/^tallymesh_link_resets_total\{reason="pull-failures"\} (\d+)$/m.exec(h.metrics.render())?.[1] ?? 0);
    const puller = await createNetworkHost({
      secretKey: key('precinct-01-001-002'),
      ctx,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [server.addresses()[0]!],
      options: { pull: { timeoutMs: 500 }, connection: { maxPullFailures: 3, bootstrapIntervalMs: 300 } },
    });
    const stuck: PullRequest = { by: 'hash', hash: 'ff'.repeat(32) };
    try {
      // Two failures, then an answer (not-found): the count starts again.
      for (let i = 0; i < 2; i++) await expect(puller.pull(server.peerId, stuck)).rejects.toThrow(/timeout/);
      expect(await puller.pull(server.peerId, { by: 'hash', hash: '11'.repeat(32) })).toEqual([]);
      for (let i = 0; i < 2; i++) await expect(puller.pull(server.peerId, stuck)).rejects.toThrow(/timeout/);
      expect(resets(puller)).toBe(0);
      // The third in a row closes the link; the bootstrap loop dials the server again.
      await expect(puller.pull(server.peerId, stuck)).rejects.toThrow(/timeout/);
      expect(resets(puller)).toBe(1);
      // Pulls work again over the new connection (the old one may still be closing at first).
      const deadline = Date.now() + 30_000;
      for (;;) {
        const got = await puller.pull(server.peerId, { by: 'hash', hash: hashOf(tallyEnvelope) }).catch(() => undefined);
        if (got) {
          expect(got).toHaveLength(1);
          break;
        }
        if (Date.now() > deadline) throw new Error('timed out waiting for the redial');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await puller.stop();
    }
  });
});
