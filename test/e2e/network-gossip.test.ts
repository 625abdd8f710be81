// Real libp2p nodes on 127.0.0.1: tallies gossiped on a county's topic are validated by the
// county; what no honest node sends is rejected, counted by reason and costs the sender score;
// the gater keeps strangers out unless they are configured observers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { generateSigningKey } from '../../crypto/signature.ts';
import { ElectionContext } from '../../protocol/election.ts';
import { PROTOCOL_VERSION } from '../../protocol/manifest.ts';
import { peerIdFromEd25519 } from '../../protocol/peer-id.ts';
import { PrecinctTally } from '../../protocol/tally.ts';
import { generateElection, type GeneratedElection } from '../../setup/election-setup.ts';
import { createNetworkHost, type NetworkHost, type NetworkHostInit } from '../../node/network/host.ts';
import type { ValidatedArtifact } from '../../protocol/validated-artifact.ts';

const COUNTY = 'county-01-001';
const TOPIC = { kind: 'tallies', parentId: COUNTY } as const;

let election: GeneratedElection;
let ctx: ElectionContext;
const hosts: NetworkHost[] = [];
const key = (id: string): Uint8Array => election.nodeKeys.get(id)!.secretKey;

async function host(init: Omit<NetworkHostInit, 'ctx' | 'listen'>): Promise<NetworkHost> {
  const h = await createNetworkHost({ ctx, listen: ['/ip4/127.0.0.1/tcp/0'], ...init });
  hosts.push(h);
  return h;
}

/** Polls until `check` holds; fails after a generous deadline (no timing is asserted). */
async function eventually(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tally(precinctId: string, signWith = key(precinctId), electionHash = ctx.hash, ballotCount = 0): PrecinctTally {
  return PrecinctTally.sign(
    {
      version: PROTOCOL_VERSION,
      electionHash,
      precinctId,
      groups: ctx.scopes.groupsOf(precinctId).map((g) => ({ scopeId: g.scopeId, words: Array.from({ length: g.wordCount }, () => ctx.publicKey.encrypt(0n)) })),
      ballotCount,
      ballotsRoot: new Uint8Array(32),
      logHead: new Uint8Array(32),
    },
    signWith,
  );
}

const envelope = (t: PrecinctTally) => ({ type: 'precinct-tally' as const, bytes: PrecinctTally.encode(t) });

let county: NetworkHost;
const received: ValidatedArtifact[] = [];
const observerKey = generateSigningKey();
let observerPeerId: string;

/** A roster node connected to the county that has seen the county subscribe to its topic. */
async function childOfNetwork(id: string): Promise<NetworkHost> {
  const h = await host({ secretKey: key(id), bootstrap: [county.addresses()[0]!] });
  await eventually(() => h.subscribers(TOPIC).includes(county.peerId), `${id} to see the county's subscription`);
  return h;
}

const rejected = (reason: string): number => county.metrics.render().includes(`tallymesh_gossip_rejected_total{reason="${reason}"} 1`) ? 1 : 0;

beforeAll(async () => {
  election = generateElection({ keyBits: 1024, states: 1, countiesPerState: 2, precinctsPerCounty: 2, trustees: 3, threshold: 2, electionId: 'net-gossip' });
  ctx = new ElectionContext(election.manifest);
  observerPeerId = peerIdFromEd25519(observerKey.publicKey);
  county = await host({
    secretKey: key(COUNTY),
    gater: { observers: [observerPeerId] },
    options: { connection: { pingIntervalMs: 300 } },
    onArtifact: { 'precinct-tally': (a) => void received.push(a) },
  });
});

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
});

describe('gossip of tallies to a parent', () => {
  it('delivers a child precinct\'s signed tally to its county, which accepts it', async () => {
    const precinct = await childOfNetwork('precinct-01-001-001');
    const t = tally('precinct-01-001-001', undefined, undefined, 7);
    const sent = await precinct.publish(TOPIC, envelope(t));
    expect(sent.status).toBe('sent');
    await eventually(() => received.length === 1, 'the county to accept the tally');
    const got = received[0]!;
    expect(got.type).toBe('precinct-tally');
    if (got.type !== 'precinct-tally') throw new Error('unreachable');
    expect(got.value.precinctId).toBe('precinct-01-001-001');
    expect(got.value.ballotCount).toBe(7);
    expect(got.hash).toEqual(PrecinctTally.hash(t));
    expect(county.metrics.render()).toContain('tallymesh_gossip_messages_total{topic="tallies",result="accept"} 1');
    // Same bytes again: gossip drops the duplicate, nothing new reaches the county's handler.
    expect((await precinct.publish(TOPIC, envelope(t))).status).toBe('duplicate');
    const peer = county.peers().find((p) => p.peerId === precinct.peerId);
    expect(peer).toMatchObject({ nodeId: 'precinct-01-001-001', role: 'precinct', admission: 'roster' });
    expect(peer!.addresses[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/);
    expect(await county.ping(precinct.peerId)).toBeGreaterThanOrEqual(0);
    await eventually(() => county.peers().find((p) => p.peerId === precinct.peerId)?.latencyMs !== undefined, 'the connection monitor to measure latency');
    expect(county.metrics.render()).toMatch(/tallymesh_peers\{admission="roster"\} [1-9]/);
    // libp2p's and gossipsub's own metrics are on the same page; message metrics label topics by
    // kind (only the few per-subscription gauges carry this node's own topic strings).
    const text = county.metrics.render();
    expect(text).toMatch(/^libp2p_\w+(\{[^}]*\})? \d/m);
    expect(text).toMatch(/^gossipsub_\w+(\{[^}]*\})? -?\d/m);
    expect(text).toMatch(/^gossipsub_\w+\{[^}]*topic="tallies"[^}]*\} \d/m);
  });

  it('rejects a tally from a node that is not a child of the topic\'s parent, counted by reason', async () => {
    const stranger = await childOfNetwork('precinct-01-002-001'); // child of county-01-002
    await stranger.publish(TOPIC, envelope(tally('precinct-01-002-001')));
    await eventually(() => rejected('not-child') === 1, 'the not-child rejection');
    await eventually(() => county.score(stranger.peerId) < 0, 'the sender to lose score');
    expect(received).toHaveLength(1);
  });

  it('rejects a tally for another election', async () => {
    const sender = await childOfNetwork('precinct-01-001-002');
    await sender.publish(TOPIC, envelope(tally('precinct-01-001-002', undefined, new Uint8Array(randomBytes(32)))));
    await eventually(() => rejected('wrong-election') === 1, 'the wrong-election rejection');
    expect(received).toHaveLength(1);
  });

  it('rejects a tally whose signature is forged', async () => {
    // A roster node forging its sibling's tally: right precinct id, wrong key.
    const forger = await childOfNetwork('precinct-01-002-002');
    const forged = tally('precinct-01-001-002', key('precinct-01-002-002'));
    await forger.publish(TOPIC, envelope(forged));
    await eventually(() => rejected('bad-signature') === 1, 'the bad-signature rejection');
    await eventually(() => county.score(forger.peerId) < 0, 'the forger to lose score');
    expect(received).toHaveLength(1);
  });
});

describe('connection gater', () => {
  it('keeps a non-roster peer out', async () => {
    const outsider = await host({ secretKey: generateSigningKey().secretKey, observer: true });
    // The dial may even resolve on the outsider's side (its upgrade can finish before the county's
    // gater closes the connection): what matters is that no connection survives.
    await outsider.connect(county.addresses()[0]!).catch(() => undefined);
    await eventually(() => outsider.peers().length === 0, 'the outsider\'s connection to close');
    expect(county.peers().some((p) => p.peerId === outsider.peerId)).toBe(false);
  });

  it('admits a configured observer, whose forged tallies are rejected and cost it score', async () => {
    const observer = await host({ secretKey: observerKey.secretKey, observer: true, bootstrap: [county.addresses()[0]!] });
    await eventually(() => county.peers().some((p) => p.peerId === observerPeerId && p.admission === 'observer'), 'the observer to connect');
    await eventually(() => observer.subscribers(TOPIC).includes(county.peerId), 'the observer to see the county\'s subscription');
    const before = county.metrics.render();
    const accepted = received.length;
    for (let i = 0; i < 3; i++) await observer.publish(TOPIC, envelope(tally('precinct-01-001-001', observerKey.secretKey, undefined, 100 + i)));
    await eventually(() => county.score(observerPeerId) < 0, 'the observer to lose score');
    expect(county.metrics.render()).not.toBe(before);
    expect(received).toHaveLength(accepted);
  });
});

describe('link health', () => {
  const COUNTY_2 = 'county-01-002';
  const CHILD = 'precinct-01-002-001';
  const TOPIC_2 = { kind: 'tallies', parentId: COUNTY_2 } as const;
  const resets = (h: NetworkHost, reason: string): number => {
    const m = new RegExp(`^tallymesh_link_resets_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(h.metrics.render());
    return m ? Number(m[1]) : 0;
  };

  it('closes a connection to a roster peer that shares a topic but carries no gossip, and the child redials', async () => {
    const parent = await host({ secretKey: key(COUNTY_2), options: { connection: { gossipLinkGraceMs: 1500, bootstrapIntervalMs: 300 } } });
    const child = await host({ secretKey: key(CHILD), bootstrap: [parent.addresses()[0]!], options: { connection: { bootstrapIntervalMs: 300 } } });
    await eventually(() => parent.subscribers(TOPIC_2).includes(child.peerId), 'the parent to see the child subscribe');
    // A healthy link is left alone.
    await new Promise((r) => setTimeout(r, 2500));
    expect(resets(parent, 'no-gossip')).toBe(0);
    // The child's gossip stops (as when its gossipsub stream never opened): the parent resets the link.
    const pubsub = (child.libp2p.services as { pubsub: { unsubscribe(topic: string): void; subscribe(topic: string): void } }).pubsub;
    pubsub.unsubscribe(child.topicString(TOPIC_2));
    await eventually(() => resets(parent, 'no-gossip') >= 1, 'the parent to reset the link');
    // The child redials, and once it gossips again the link is kept.
    pubsub.subscribe(child.topicString(TOPIC_2));
    await eventually(() => parent.subscribers(TOPIC_2).includes(child.peerId), 'the child to be back on the topic');
    expect(parent.peers().some((p) => p.peerId === child.peerId)).toBe(true);
  });
});
