// The network layer's pieces without sockets: topics, envelope, identity, gater, metrics, the
// outcome mapping, the per-topic validators and the frame reader.
import { TopicValidatorResult } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../crypto/bytes.ts';
import { generateSigningKey } from '../../../crypto/signature.ts';
import { contentHash } from '../../../protocol/artifact.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { ProtocolError } from '../../../protocol/errors.ts';
import { PROTOCOL_VERSION } from '../../../protocol/manifest.ts';
import { peerIdFromEd25519 } from '../../../protocol/peer-id.ts';
import { PrecinctTally } from '../../../protocol/tally.ts';
import { generateElection, type GeneratedElection } from '../../../setup/election-setup.ts';
import { validateGossipMessage } from '../../../node/network/artifact-validators.ts';
import { decodeEnvelope, encodeEnvelope, EnvelopeError } from '../../../node/network/envelope.ts';
import { FrameError, FrameReader, frame } from '../../../node/network/framing.ts';
import { createRosterGater } from '../../../node/network/gater.ts';
import { GossipValidationError, gossipOutcome, recordOutcome } from '../../../node/network/gossip-validation.ts';
import { networkIdentity } from '../../../node/network/identity.ts';
import { MetricsRegistry, networkMetrics } from '../../../node/network/metrics.ts';
import { connectionLimit, resolveNetworkOptions } from '../../../node/network/options.ts';
import { parsePullRequest, PullError } from '../../../node/network/pull-protocol.ts';
import { parseTopic, topicString, topicsForNode } from '../../../node/network/topics.ts';

let election: GeneratedElection;
let ctx: ElectionContext;
const key = (id: string): Uint8Array => election.nodeKeys.get(id)!.secretKey;

function precinctTally(precinctId: string, signWith = key(precinctId), electionHash = ctx.hash): PrecinctTally {
  return PrecinctTally.sign(
    {
      version: PROTOCOL_VERSION,
      electionHash,
      precinctId,
      groups: ctx.scopes.groupsOf(precinctId).map((g) => ({ scopeId: g.scopeId, words: Array.from({ length: g.wordCount }, () => ctx.publicKey.encrypt(0n)) })),
      ballotCount: 0,
      ballotsRoot: new Uint8Array(32),
      logHead: new Uint8Array(32),
    },
    signWith,
  );
}

const envelopeOf = (t: PrecinctTally): Uint8Array => encodeEnvelope({ type: 'precinct-tally', bytes: PrecinctTally.encode(t) });
const checks = (seen: Set<string> = new Set()) => ({ maxMessageBytes: 3 * 1024 * 1024, seen: (h: string) => seen.has(h) });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

beforeAll(() => {
  election = generateElection({ keyBits: 1024, states: 1, countiesPerState: 2, precinctsPerCounty: 2, trustees: 3, threshold: 2, electionId: 'net-units' });
  ctx = new ElectionContext(election.manifest);
});

describe('topics', () => {
  it('builds and parses tally and board topics', () => {
    const tallies = topicString(ctx.hashHex, { kind: 'tallies', parentId: 'county-01-001' });
    expect(tallies).toBe(`/tallymesh/1/${ctx.hashHex.slice(0, 16)}/tallies/county-01-001`);
    expect(parseTopic(tallies)).toEqual({ version: 1, electionPrefix: ctx.hashHex.slice(0, 16), topic: { kind: 'tallies', parentId: 'county-01-001' } });
    const board = topicString(ctx.hashHex, { kind: 'board' });
    expect(board).toBe(`/tallymesh/1/${ctx.hashHex.slice(0, 16)}/board`);
    expect(parseTopic(board)?.topic).toEqual({ kind: 'board' });
    for (const bad of ['/tallymesh/1/abc/tallies', '/tallymesh/01/abc/board', '/other/1/abc/board', '/tallymesh/1/XYZ/board', '/tallymesh/1/abc/tallies/a/b', '/tallymesh/1/abc/tallies/-x']) {
      expect(parseTopic(bad)).toBeUndefined();
    }
    expect(() => topicString(ctx.hashHex, { kind: 'tallies', parentId: 'a/b' })).toThrow();
  });

  it('subscribes each role to its parent topic, its own topic if it has children, and the board unless it is a precinct', () => {
    expect(topicsForNode(ctx, 'precinct-01-001-001')).toEqual([{ kind: 'tallies', parentId: 'county-01-001' }]);
    expect(topicsForNode(ctx, 'county-01-001')).toEqual([
      { kind: 'tallies', parentId: 'state-01' },
      { kind: 'tallies', parentId: 'county-01-001' },
      { kind: 'board' },
    ]);
    expect(topicsForNode(ctx, 'national')).toEqual([{ kind: 'tallies', parentId: 'national' }, { kind: 'board' }]);
    expect(topicsForNode(ctx, 'trustee-01')).toEqual([{ kind: 'board' }]);
    expect(topicsForNode(ctx, undefined)).toEqual([{ kind: 'board' }]);
  });
});

describe('envelope', () => {
  it('round-trips and refuses unknown versions and types', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const decoded = decodeEnvelope(encodeEnvelope({ type: 'aggregate-tally', bytes }));
    expect(decoded.type).toBe('aggregate-tally');
    expect([...decoded.bytes]).toEqual([1, 2, 3]);
    expect(() => decodeEnvelope(new Uint8Array([2, 0, 1]))).toThrow(EnvelopeError);
    expect(() => decodeEnvelope(new Uint8Array([1, 99, 1]))).toThrow(EnvelopeError);
    expect(() => decodeEnvelope(new Uint8Array([1]))).toThrow(EnvelopeError);
  });
});

describe('identity', () => {
  it('derives from the signing key the PeerId the roster lists', async () => {
    for (const id of ['precinct-01-001-001', 'county-01-002', 'national', 'trustee-02']) {
      const identity = await networkIdentity(key(id), ctx);
      const entry = ctx.index.node(id);
      expect(identity.peerId).toBe(entry.peerId);
      expect(identity.peerId).toBe(peerIdFromEd25519(entry.publicKey));
      expect(identity.entry?.id).toBe(id);
      expect(identity.privateKey.publicKey.raw).toEqual(entry.publicKey);
    }
  });

  it('refuses a key outside the roster unless in observer mode', async () => {
    const { secretKey, publicKey } = generateSigningKey();
    await expect(networkIdentity(secretKey, ctx)).rejects.toThrow(/not in the roster/);
    const observer = await networkIdentity(secretKey, ctx, true);
    expect(observer.entry).toBeUndefined();
    expect(observer.peerId).toBe(peerIdFromEd25519(publicKey));
  });
});

describe('gater', () => {
  it('admits roster peers, listed observers, or anyone when observers are allowed', () => {
    const roster = peerIdFromString(ctx.index.node('county-01-001').peerId);
    const stranger = peerIdFromString(peerIdFromEd25519(generateSigningKey().publicKey));
    const strict = createRosterGater(ctx);
    expect(strict.denyInboundEncryptedConnection!(roster, undefined as never)).toBe(false);
    expect(strict.denyInboundEncryptedConnection!(stranger, undefined as never)).toBe(true);
    expect(strict.denyOutboundEncryptedConnection!(stranger, undefined as never)).toBe(true);
    expect(strict.denyDialPeer!(stranger)).toBe(true);
    const listed = createRosterGater(ctx, { observers: [stranger.toString()] });
    expect(listed.denyInboundEncryptedConnection!(stranger, undefined as never)).toBe(false);
    expect(listed.admission(stranger.toString())).toBe('observer');
    expect(listed.admission(roster.toString())).toBe('roster');
    const open = createRosterGater(ctx, { allowObservers: true });
    expect(open.denyInboundEncryptedConnection!(stranger, undefined as never)).toBe(false);
  });
});

describe('metrics', () => {
  it('renders counters and gauges in the Prometheus text format', () => {
    const registry = new MetricsRegistry();
    const m = networkMetrics(registry);
    m.gossipRejected.inc({ reason: 'not-child' });
    m.gossipRejected.inc({ reason: 'not-child' });
    m.gossipRejected.inc({ reason: 'bad "sig"' });
    registry.gauge('tallymesh_peers', 'Connected peers.', () => 3);
    expect(m.gossipRejected.get({ reason: 'not-child' })).toBe(2);
    expect(m.gossipRejected.total()).toBe(3);
    const text = registry.render();
    expect(text).toContain('# TYPE tallymesh_gossip_rejected_total counter');
    expect(text).toContain('tallymesh_gossip_rejected_total{reason="not-child"} 2');
    expect(text).toContain('tallymesh_gossip_rejected_total{reason="bad \\"sig\\""} 1');
    expect(text).toContain('# TYPE tallymesh_peers gauge\ntallymesh_peers 3');
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('gossip outcome', () => {
  it('maps every validator outcome to one gossipsub verdict', () => {
    expect(gossipOutcome()).toEqual({ result: TopicValidatorResult.Accept, action: 'accept', code: 'ok' });
    expect(gossipOutcome(new GossipValidationError('ignore', 'duplicate', 'x'))).toEqual({ result: TopicValidatorResult.Ignore, action: 'ignore', code: 'duplicate' });
    expect(gossipOutcome(new GossipValidationError('reject', 'not-child', 'x'))).toEqual({ result: TopicValidatorResult.Reject, action: 'reject', code: 'not-child' });
    expect(gossipOutcome(new ProtocolError('bad-signature', 'p', 'x'))).toEqual({ result: TopicValidatorResult.Reject, action: 'reject', code: 'bad-signature' });
    expect(gossipOutcome(new TypeError('bug'))).toEqual({ result: TopicValidatorResult.Ignore, action: 'ignore', code: 'internal-error' });
    const m = networkMetrics(new MetricsRegistry());
    recordOutcome(m, 'tallies', gossipOutcome(new ProtocolError('wrong-election', 'p', 'x')));
    expect(m.gossipRejected.get({ reason: 'wrong-election' })).toBe(1);
    expect(m.gossipMessages.get({ topic: 'tallies', result: 'reject' })).toBe(1);
  });
});

describe('tally topic validation', () => {
  const county = { kind: 'tallies', parentId: 'county-01-001' } as const;
  const code = (data: Uint8Array, seen?: Set<string>) => gossipOutcome(thrown(() => validateGossipMessage(ctx, county, data, checks(seen))));

  it('accepts a child\'s signed tally on its parent\'s topic', () => {
    const tally = precinctTally('precinct-01-001-001');
    const artifact = validateGossipMessage(ctx, county, envelopeOf(tally), checks());
    expect(artifact.type).toBe('precinct-tally');
    expect(artifact.hashHex).toBe(toHex(PrecinctTally.hash(tally)));
  });

  it('rejects what no honest node sends, ignores duplicates', () => {
    expect(code(envelopeOf(precinctTally('precinct-01-002-001')))).toMatchObject({ action: 'reject', code: 'not-child' });
    expect(code(envelopeOf(precinctTally('precinct-01-001-001', key('precinct-01-001-001'), new Uint8Array(randomBytes(32)))))).toMatchObject({ action: 'reject', code: 'wrong-election' });
    expect(code(envelopeOf(precinctTally('precinct-01-001-001', key('precinct-01-001-002'))))).toMatchObject({ action: 'reject', code: 'bad-signature' });
    const stranger = generateSigningKey().secretKey;
    const unknown = precinctTally('precinct-01-001-001', stranger);
    expect(code(envelopeOf({ ...unknown, precinctId: 'precinct-99' }))).toMatchObject({ action: 'reject', code: 'unknown-signer' });
    const bytes = PrecinctTally.encode(precinctTally('precinct-01-001-001'));
    expect(code(encodeEnvelope({ type: 'precinct-tally', bytes: bytes.subarray(0, bytes.length - 1) }))).toMatchObject({ action: 'reject', code: 'truncated' });
    expect(code(encodeEnvelope({ type: 'precinct-tally', bytes: new Uint8Array([...bytes, 0]) }))).toMatchObject({ action: 'reject', code: 'trailing-bytes' });
    expect(code(encodeEnvelope({ type: 'receipt', bytes }))).toMatchObject({ action: 'reject', code: 'wrong-type-for-topic' });
    expect(code(new Uint8Array([7, 2, 0]))).toMatchObject({ action: 'reject', code: 'bad-envelope' });
    const seen = new Set([toHex(contentHash('precinct-tally', bytes))]);
    expect(code(encodeEnvelope({ type: 'precinct-tally', bytes }), seen)).toMatchObject({ action: 'ignore', code: 'duplicate' });
    const big = new Uint8Array(3 * 1024 * 1024 + 1);
    expect(code(big)).toMatchObject({ action: 'reject', code: 'oversize' });
  });

  it('validates board artifacts on their own, without the hierarchy check', () => {
    const tally = precinctTally('precinct-01-002-001');
    expect(validateGossipMessage(ctx, { kind: 'board' }, envelopeOf(tally), checks()).type).toBe('precinct-tally');
    const forged = precinctTally('precinct-01-002-001', key('county-01-001'));
    expect(gossipOutcome(thrown(() => validateGossipMessage(ctx, { kind: 'board' }, envelopeOf(forged), checks())))).toMatchObject({ action: 'reject', code: 'bad-signature' });
  });
});

describe('pull request and framing', () => {
  it('parses requests strictly', () => {
    const hash = 'ab'.repeat(32);
    expect(parsePullRequest({ by: 'hash', hash })).toEqual({ by: 'hash', hash });
    expect(parsePullRequest({ by: 'sender', type: 'precinct-tally', sender: 'precinct-01' })).toEqual({ by: 'sender', type: 'precinct-tally', sender: 'precinct-01' });
    for (const bad of [null, [], { by: 'hash' }, { by: 'hash', hash: 'AB'.repeat(32) }, { by: 'hash', hash, extra: 1 }, { by: 'sender', type: 'nope', sender: 'x' }, { by: 'x' }]) {
      expect(() => parsePullRequest(bad)).toThrow(PullError);
    }
  });

  it('reads frames split across chunks and refuses oversized or truncated ones', async () => {
    async function* chunks(parts: Uint8Array[]) {
      for (const p of parts) yield p;
    }
    const body = new Uint8Array(randomBytes(1000));
    const wire = Buffer.concat([...frame(new Uint8Array([1, 2])), ...frame(body)]);
    const pieces = [wire.subarray(0, 3), wire.subarray(3, 7), wire.subarray(7, 500), wire.subarray(500)].map((b) => new Uint8Array(b));
    const reader = new FrameReader(chunks(pieces), 2000);
    expect([...(await reader.require('first'))]).toEqual([1, 2]);
    expect(await reader.require('second')).toEqual(body);
    expect(await reader.next()).toBeUndefined();
    const announced = new Uint8Array(Buffer.concat([...frame(body)]));
    await expect(new FrameReader(chunks([announced]), 100).next()).rejects.toThrow(/above the limit/);
    await expect(new FrameReader(chunks([announced.subarray(0, 14)]), 2000).next()).rejects.toThrow(/ended inside a frame of 1000/);
    await expect(new FrameReader(chunks([announced.subarray(0, 2)]), 2000).next()).rejects.toThrow(/inside a frame header/);
    expect(() => frame(new Uint8Array(10), 5)).toThrow(FrameError);
  });
});

describe('connectionLimit', () => {
  it('keeps the configured floor for small nodes and grows with a node\'s roster children', () => {
    const options = resolveNetworkOptions();
    expect(connectionLimit(options, 0)).toBe(options.connection.maxConnections);
    expect(connectionLimit(options, 25)).toBe(options.connection.maxConnections);
    // The largest county of the U.S. shape: every precinct keeps a connection to it.
    expect(connectionLimit(options, 2057)).toBe(2057 + options.connection.connectionHeadroom);
    expect(connectionLimit(resolveNetworkOptions({ connection: { maxConnections: 5000 } }), 2057)).toBe(5000);
  });
});
