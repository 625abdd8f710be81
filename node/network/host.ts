// The libp2p host of a TallyMesh node: TCP, Noise, Yamux, Identify, Ping, gossipsub with the
// TallyMesh validators, the roster gater and the pull protocol. Roles never see libp2p: they get
// validated artifacts through one handler per artifact type, publish through publish(), and
// fetch what they missed through pull(). Storage answers pull requests through a lookup function.
// libp2p's dependencies call Promise.withResolvers (Node 22+): every entry point loads
// polyfill.ts first (bin/tallymesh.js, threads/worker-entry.mjs, the test setup).
import { gossipsub, type GossipSub, type GossipsubMessage } from '@chainsafe/libp2p-gossipsub';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { KEEP_ALIVE, StrictNoSign, type Libp2p, type Message } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { ping, type PingService } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { createHash } from 'node:crypto';
import type { ArtifactType } from '../../protocol/artifact.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import type { Role } from '../../protocol/manifest.ts';
import { validateArtifact, type ValidatedArtifact } from '../../protocol/validated-artifact.ts';
import { validateGossipMessage } from './artifact-validators.ts';
import { encodeEnvelope, type Envelope } from './envelope.ts';
import { createRosterGater, type Admission, type GaterOptions } from './gater.ts';
import { GossipValidationError, gossipOutcome, recordOutcome } from './gossip-validation.ts';
import { networkIdentity } from './identity.ts';
import { MetricsRegistry, networkMetrics } from './metrics.ts';
import { resolveNetworkOptions, type NetworkOptions, type NetworkOptionsOverride } from './options.ts';
import { PullError, pullFrom, servePull, type PullLookup, type PullRequest } from './pull-protocol.ts';
import { allElectionTopics, topicString, topicsForNode, type Topic } from './topics.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';

export interface ArtifactMeta {
  topic: Topic;
  /** The peer that forwarded the message to us (not necessarily its author). */
  from: string;
}

/** One handler per artifact type, called after the artifact was accepted. */
export type ArtifactHandlers = {
  [K in ArtifactType]?: (artifact: Extract<ValidatedArtifact, { type: K }>, meta: ArtifactMeta) => void | Promise<void>;
};

export interface NetworkHostInit {
  /** The node's 32-byte Ed25519 secret key: signing key and libp2p identity alike. */
  secretKey: Uint8Array;
  ctx: ElectionContext;
  /** Multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/0. */
  listen: string[];
  /** Multiaddrs (with /p2p/<PeerId>) dialled at start and redialled while not connected. */
  bootstrap?: string[];
  /** Run with a key outside the roster (read-only observer): only the board is subscribed. */
  observer?: boolean;
  gater?: GaterOptions;
  onArtifact?: ArtifactHandlers;
  /** Answers pull requests; without it every request is answered not-found. */
  lookup?: PullLookup;
  /** Topics to subscribe to beyond those of the node's role. */
  extraTopics?: Topic[];
  metrics?: MetricsRegistry;
  options?: NetworkOptionsOverride;
  /** Where the host reports what it cannot throw (bootstrap dial failures, handler errors). */
  log?: (message: string) => void;
}

export interface PeerInfo {
  peerId: string;
  /** Roster id and role; undefined for observers. */
  nodeId: string | undefined;
  role: Role | undefined;
  admission: Admission;
  addresses: string[];
  direction: string[];
  /** Round-trip time measured by libp2p's connection monitor (ping), once measured. */
  latencyMs: number | undefined;
  /** The peer's gossipsub score as this node sees it. */
  score: number;
}

export type PublishStatus = 'sent' | 'no-peers' | 'duplicate';

export interface NetworkHost {
  readonly peerId: string;
  /** Roster id; undefined for an observer. */
  readonly nodeId: string | undefined;
  readonly metrics: MetricsRegistry;
  readonly options: NetworkOptions;
  /** Topics this host subscribed to. */
  readonly topics: readonly Topic[];
  /** The underlying node, for what the host does not wrap. */
  readonly libp2p: Libp2p;
  addresses(): string[];
  topicString(topic: Topic): string;
  /**
   * Publishes an artifact. 'no-peers': nobody subscribes yet, nothing was sent and the same
   * artifact can be published again later; 'duplicate': gossip already carried these bytes on
   * this topic recently (pull serves latecomers).
   */
  publish(topic: Topic, envelope: Envelope): Promise<{ status: PublishStatus; recipients: number }>;
  pull(peerId: string, request: PullRequest, signal?: AbortSignal): Promise<Envelope[]>;
  /** The same checks gossip applies, for artifacts that arrived another way (pull). */
  validate(envelope: Envelope): ValidatedArtifact;
  peers(): PeerInfo[];
  connect(address: string): Promise<void>;
  /** Peers we know to subscribe to a topic. */
  subscribers(topic: Topic): string[];
  score(peerId: string): number;
  ping(peerId: string): Promise<number>;
  stop(): Promise<void>;
}

/** Gossip message ids name content per topic, so the same artifact on two topics travels on both. */
function messageId(msg: Message): Uint8Array {
  return new Uint8Array(createHash('sha256').update(msg.topic).update('\0').update(msg.data).digest());
}

class SeenSet {
  private readonly items = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(key: string): boolean {
    return this.items.has(key);
  }
  add(key: string): void {
    this.items.delete(key);
    this.items.add(key);
    if (this.items.size > this.capacity) this.items.delete(this.items.values().next().value!);
  }
}

export async function createNetworkHost(init: NetworkHostInit): Promise<NetworkHost> {
  const { ctx } = init;
  const options = resolveNetworkOptions(init.options);
  const log = init.log ?? (() => undefined);
  const identity = await networkIdentity(init.secretKey, ctx, init.observer ?? false);
  const registry = init.metrics ?? new MetricsRegistry();
  const metrics = networkMetrics(registry);
  const gater = createRosterGater(ctx, init.gater);
  const rosterByPeerId = new Map(ctx.manifest.roster.map((e) => [e.peerId, e]));
  const name = (topic: Topic): string => topicString(ctx.hashHex, topic, options.topics.electionHashPrefixHex);

  const topics = [...topicsForNode(ctx, identity.entry?.id), ...(init.extraTopics ?? [])].filter(
    (t, i, all) => all.findIndex((u) => name(u) === name(t)) === i,
  );
  const byName = new Map(topics.map((t) => [name(t), t]));
  const allowedTopics = new Set([...allElectionTopics(ctx).map(name), ...byName.keys()]);
  // Parsed before anything starts, so a malformed address fails the call and leaves nothing running.
  const bootstrap: Multiaddr[] = (init.bootstrap ?? []).map((a) => multiaddr(a)).filter((ma) => ma.getPeerId() !== identity.peerId);

  const libp2p = await createLibp2p({
    privateKey: identity.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: gater,
    connectionManager: {
      allow: options.connection.allow,
      maxConnections: options.connection.maxConnections,
      dialTimeout: options.connection.dialTimeoutMs,
    },
    // The connection monitor pings every connection (needs the ping service) and records its RTT.
    connectionMonitor: { pingInterval: options.connection.pingIntervalMs, pingTimeout: { minTimeout: options.connection.pingTimeoutMinMs } },
    services: {
      identify: identify(),
      // The connection monitor's pings and ping() share these per-connection stream limits
      // (libp2p's default of 1 outbound makes an explicit ping collide with the monitor's).
      ping: ping({ maxInboundStreams: 4, maxOutboundStreams: 4 }),
      pubsub: gossipsub({
        // Artifacts carry their own signatures; gossip-level signing would only add bytes, and
        // unsigned messages let ids be content hashes, so re-publications are deduplicated.
        globalSignaturePolicy: StrictNoSign,
        msgIdFn: messageId,
        asyncValidation: true,
        emitSelf: false,
        floodPublish: true,
        doPX: false,
        allowPublishToZeroTopicPeers: false,
        ignoreDuplicatePublishError: false,
        D: options.gossip.D,
        Dlo: options.gossip.Dlo,
        Dhi: options.gossip.Dhi,
        heartbeatInterval: options.gossip.heartbeatIntervalMs,
        seenTTL: options.gossip.seenTTLMs,
        allowedTopics,
        scoreParams: {
          topics: Object.fromEntries([...byName.keys()].map((t) => [t, { ...options.score.topic }])),
          IPColocationFactorWhitelist: new Set(options.score.colocationWhitelist),
        },
        scoreThresholds: options.score.thresholds,
      }),
    },
  });
  // gossipsub() is typed as the generic PubSub interface; the object is the GossipSub class.
  const pubsub = libp2p.services.pubsub as unknown as GossipSub;
  const pingService = libp2p.services.ping as PingService;
  const seen = new SeenSet(options.gossip.seenArtifacts);
  registry.gauge('tallymesh_peers', 'Connected peers, by admission (roster, observer).', () => {
    const counts = { roster: 0, observer: 0 };
    for (const p of libp2p.getPeers()) {
      const admission = gater.admission(p.toString());
      if (admission !== 'denied') counts[admission]++;
    }
    return Object.entries(counts).map(([admission, value]) => ({ labels: { admission }, value }));
  });

  const dispatch = async (artifact: ValidatedArtifact, meta: ArtifactMeta): Promise<void> => {
    const handler = init.onArtifact?.[artifact.type] as ((a: ValidatedArtifact, m: ArtifactMeta) => void | Promise<void>) | undefined;
    if (!handler) return;
    try {
      await handler(artifact, meta);
    } catch (err) {
      metrics.handlerErrors.inc({ type: artifact.type });
      log(`handler for ${artifact.type} ${artifact.hashHex} failed: ${errorMessage(err)}`);
    }
  };

  const onGossip = (event: CustomEvent<GossipsubMessage>): void => {
    const { propagationSource, msgId, msg } = event.detail;
    const topic = byName.get(msg.topic);
    let artifact: ValidatedArtifact | undefined;
    let error: unknown;
    try {
      if (!topic) throw new GossipValidationError('ignore', 'unknown-topic', `not subscribed to ${msg.topic}`);
      // Seen per topic: the same artifact arriving on a tally topic and on the board must be
      // accepted (and so forwarded) on both, or the board would stop at the first parent.
      artifact = validateGossipMessage(ctx, topic, msg.data, { maxMessageBytes: options.gossip.maxMessageBytes, seen: (h) => seen.has(`${msg.topic} ${h}`) });
    } catch (err) {
      error = err ?? new Error('validator threw nothing');
    }
    const outcome = gossipOutcome(artifact ? undefined : error);
    pubsub.reportMessageValidationResult(msgId, propagationSource.toString(), outcome.result);
    recordOutcome(metrics, topic?.kind ?? 'unknown', outcome);
    if (artifact && topic) {
      seen.add(`${msg.topic} ${artifact.hashHex}`);
      void dispatch(artifact, { topic, from: propagationSource.toString() });
    }
  };
  pubsub.addEventListener('gossipsub:message', onGossip);
  for (const t of byName.keys()) pubsub.subscribe(t);

  try {
    await servePull(libp2p, init.lookup ?? (async () => []), options.pull, metrics);
    for (const ma of bootstrap) {
      const id = ma.getPeerId();
      if (id) await libp2p.peerStore.merge(peerIdFromString(id), { tags: { [KEEP_ALIVE]: { value: 1 } } });
    }
  } catch (err) {
    await libp2p.stop();
    throw err;
  }

  // Bootstrap: keep dialling each bootstrap peer that is not connected. KEEP_ALIVE also makes
  // libp2p redial them after a disconnect and spares them when it prunes connections.
  let stopped = false;
  let dialling = false;
  const maintain = async (): Promise<void> => {
    if (dialling || stopped) return;
    dialling = true;
    try {
      await Promise.all(
        bootstrap.map(async (ma) => {
          const id = ma.getPeerId();
          if (id && libp2p.getConnections(peerIdFromString(id)).length > 0) return;
          try {
            await libp2p.dial(ma, { signal: AbortSignal.timeout(options.connection.dialTimeoutMs) });
          } catch (err) {
            if (!stopped) log(`bootstrap dial ${ma.toString()} failed: ${errorMessage(err)}`);
          }
        }),
      );
    } finally {
      dialling = false;
    }
  };
  // Links that carry nothing: closed, so that the side that dials (a child, a trustee) redials and
  // fresh gossipsub and pull streams open. See options.connection.gossipLinkGraceMs.
  const resetLink = (peerId: string, reason: 'no-gossip' | 'pull-failures'): void => {
    metrics.linkResets.inc({ reason });
    log(`closing the connection to ${rosterByPeerId.get(peerId)?.id ?? peerId} (${reason}); it will be redialled`);
    void libp2p.hangUp(peerIdFromString(peerId)).catch(() => undefined);
  };
  const sharedTopics = new Map<string, string[]>();
  const mine = new Set(topics.map(name));
  const checkGossipLinks = (): void => {
    const now = Date.now();
    const oldest = new Map<string, number>();
    for (const conn of libp2p.getConnections()) {
      const id = conn.remotePeer.toString();
      oldest.set(id, Math.min(oldest.get(id) ?? Infinity, conn.timeline.open));
    }
    const subscribers = new Map<string, Set<string>>();
    const subscribes = (topic: string, id: string): boolean => {
      let set = subscribers.get(topic);
      if (!set) subscribers.set(topic, (set = new Set(pubsub.getSubscribers(topic).map((p) => p.toString()))));
      return set.has(id);
    };
    for (const [id, openedAt] of oldest) {
      const entry = rosterByPeerId.get(id);
      if (!entry || now - openedAt < options.connection.gossipLinkGraceMs) continue;
      let shared = sharedTopics.get(id);
      if (!shared) sharedTopics.set(id, (shared = topicsForNode(ctx, entry.id).map(name).filter((t) => mine.has(t))));
      if (shared.length && !shared.some((t) => subscribes(t, id))) resetLink(id, 'no-gossip');
    }
  };
  const pullFailures = new Map<string, number>();
  const pull = async (peerId: string, request: PullRequest, signal?: AbortSignal): Promise<Envelope[]> => {
    try {
      const items = await pullFrom(libp2p, peerIdFromString(peerId), request, options.pull, metrics, signal);
      pullFailures.delete(peerId);
      return items;
    } catch (err) {
      // An answer, even a bad one, shows the link works; a timeout or a broken stream does not.
      const answered = err instanceof PullError && err.code !== 'timeout';
      const count = answered ? 0 : (pullFailures.get(peerId) ?? 0) + 1;
      pullFailures.set(peerId, count);
      if (!stopped && !signal?.aborted && count >= options.connection.maxPullFailures && rosterByPeerId.has(peerId)) {
        pullFailures.delete(peerId);
        resetLink(peerId, 'pull-failures');
      }
      throw err;
    }
  };

  void maintain();
  const timer = setInterval(() => {
    void maintain();
    checkGossipLinks();
  }, options.connection.bootstrapIntervalMs);
  timer.unref();

  return {
    peerId: identity.peerId,
    nodeId: identity.entry?.id,
    metrics: registry,
    options,
    topics,
    libp2p,
    addresses: () => libp2p.getMultiaddrs().map((ma) => ma.toString()),
    topicString: name,
    async publish(topic, envelope) {
      const data = encodeEnvelope(envelope);
      if (data.length > options.gossip.maxMessageBytes) {
        throw new RangeError(`a ${envelope.type} of ${data.length} bytes is over the gossip limit of ${options.gossip.maxMessageBytes}: serve it over pull`);
      }
      try {
        const result = await pubsub.publish(name(topic), data);
        // Subscribers known but no stream to any of them: nothing left this node.
        if (result.recipients.length === 0) return { status: 'no-peers', recipients: 0 };
        metrics.gossipPublished.inc({ topic: topic.kind, type: envelope.type });
        return { status: 'sent', recipients: result.recipients.length };
      } catch (err) {
        const message = err instanceof Error ? err.message : '';
        if (message === 'PublishError.NoPeersSubscribedToTopic') return { status: 'no-peers', recipients: 0 };
        if (message === 'PublishError.Duplicate') return { status: 'duplicate', recipients: 0 };
        throw err;
      }
    },
    pull,
    validate: (envelope) => validateArtifact(ctx, envelope),
    peers() {
      const byPeer = new Map<string, PeerInfo>();
      for (const conn of libp2p.getConnections()) {
        const id = conn.remotePeer.toString();
        let info = byPeer.get(id);
        if (!info) {
          const entry = rosterByPeerId.get(id);
          info = { peerId: id, nodeId: entry?.id, role: entry?.role, admission: gater.admission(id), addresses: [], direction: [], latencyMs: undefined, score: pubsub.getScore(id) };
          byPeer.set(id, info);
        }
        info.addresses.push(conn.remoteAddr.toString());
        info.direction.push(conn.direction);
        if (conn.rtt !== undefined) info.latencyMs = Math.min(info.latencyMs ?? Infinity, conn.rtt);
      }
      return [...byPeer.values()];
    },
    async connect(address) {
      await libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(options.connection.dialTimeoutMs) });
    },
    subscribers: (topic) => pubsub.getSubscribers(name(topic)).map((p) => p.toString()),
    score: (peerId) => pubsub.getScore(peerId),
    ping: (peerId) => pingService.ping(peerIdFromString(peerId)),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      pubsub.removeEventListener('gossipsub:message', onGossip);
      await libp2p.stop();
    },
  };
}
