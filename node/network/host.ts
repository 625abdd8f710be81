// The libp2p host of a TallyMesh node, as the node sees it: one facade over the libp2p node
// (libp2p-node.ts), the gossip service (gossip-service.ts: validation in, publication out), peer
// maintenance (peer-maintenance.ts: bootstrap redial, link resets) and the pull protocol
// (pull-protocol.ts). Roles never see libp2p: the node gets validated artifacts through one
// handler per artifact type, publishes through publish(), and fetches what it missed through
// pull(); storage answers pull requests through a lookup function.
// libp2p's dependencies call Promise.withResolvers (Node 22+): every entry point loads
// polyfill.ts first (bin/tallymesh.js, threads/worker-entry.mjs, the test setup).
import type { Libp2p } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { ElectionContext } from '../../protocol/election.ts';
import type { Role } from '../../protocol/manifest.ts';
import { validateArtifact, type ValidatedArtifact } from '../../protocol/validated-artifact.ts';
import type { Envelope } from './envelope.ts';
import { createRosterGater, type Admission, type GaterOptions } from './gater.ts';
import { GossipService, type ArtifactHandlers, type PublishStatus } from './gossip-service.ts';
import type { GossipValidationError } from './gossip-validation.ts';
import { networkIdentity } from './identity.ts';
import { createLibp2pNode } from './libp2p-node.ts';
import { MetricsRegistry, networkMetrics } from './metrics.ts';
import { connectionLimit, resolveNetworkOptions, type NetworkOptions, type NetworkOptionsOverride } from './options.ts';
import { PeerLiveness } from './peer-liveness.ts';
import { PeerMaintenance } from './peer-maintenance.ts';
import { PullError, pullFrom, servePull, type PullLookup, type PullRequest } from './pull-protocol.ts';
import { allElectionTopics, topicString, topicsForNode, type Topic } from './topics.ts';

export type { ArtifactHandlers, ArtifactMeta, PublishStatus } from './gossip-service.ts';

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
  /** See GossipServiceInit.judge. */
  judge?: (artifact: ValidatedArtifact) => GossipValidationError | undefined;
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
  /** When the peer last answered a liveness ping (peer-liveness.ts), if it has. */
  answeredAt: number | undefined;
  /** The peer's gossipsub score as this node sees it. */
  score: number;
}

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
  /** Publishes an artifact; see PublishStatus (gossip-service.ts) for what comes back. */
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

export async function createNetworkHost(init: NetworkHostInit): Promise<NetworkHost> {
  const { ctx } = init;
  const configured = resolveNetworkOptions(init.options);
  const log = init.log ?? (() => undefined);
  const identity = await networkIdentity(init.secretKey, ctx, init.observer ?? false);
  const children = identity.entry ? ctx.index.childrenOf(identity.entry.id).length : 0;
  const options = { ...configured, connection: { ...configured.connection, maxConnections: connectionLimit(configured, children) } };
  const registry = init.metrics ?? new MetricsRegistry();
  const metrics = networkMetrics(registry);
  const gater = createRosterGater(ctx, init.gater);
  const rosterByPeerId = new Map(ctx.manifest.roster.map((e) => [e.peerId, e]));
  const name = (topic: Topic): string => topicString(ctx.hashHex, topic, options.topics.electionHashPrefixHex);

  const topics = [...topicsForNode(ctx, identity.entry?.id), ...(init.extraTopics ?? [])].filter(
    (t, i, all) => all.findIndex((u) => name(u) === name(t)) === i,
  );
  const byName = new Map(topics.map((t) => [name(t), t]));
  // Parsed before anything starts, so a malformed address fails the call and leaves nothing running.
  const bootstrap: Multiaddr[] = (init.bootstrap ?? []).map((a) => multiaddr(a)).filter((ma) => ma.getPeerId() !== identity.peerId);

  const { libp2p, pubsub, ping } = await createLibp2pNode({
    privateKey: identity.privateKey,
    listen: init.listen,
    gater,
    options,
    registry,
    allowedTopics: new Set([...allElectionTopics(ctx).map(name), ...byName.keys()]),
    subscribed: new Map(topics.map((t) => [name(t), t.kind])),
  });
  registry.gauge('tallymesh_peers', 'Connected peers, by admission (roster, observer).', () => {
    const counts = { roster: 0, observer: 0 };
    for (const p of libp2p.getPeers()) {
      const admission = gater.admission(p.toString());
      if (admission !== 'denied') counts[admission]++;
    }
    return Object.entries(counts).map(([admission, value]) => ({ labels: { admission }, value }));
  });

  const gossip = new GossipService({ ctx, pubsub, topics: byName, name, options, metrics, handlers: init.onArtifact ?? {}, ...(init.judge ? { judge: init.judge } : {}), log });
  const maintenance = new PeerMaintenance({ ctx, libp2p, pubsub, bootstrap, topics, name, options, metrics, log });
  const liveness = new PeerLiveness({ libp2p, ping, isRosterPeer: (id) => rosterByPeerId.has(id), options });
  gossip.start();
  try {
    await servePull(libp2p, init.lookup ?? (async () => []), options.pull, metrics);
    await maintenance.start();
    liveness.start();
  } catch (err) {
    gossip.stop();
    maintenance.stop();
    liveness.stop();
    await libp2p.stop();
    throw err;
  }

  let stopped = false;
  const pull = async (peerId: string, request: PullRequest, signal?: AbortSignal): Promise<Envelope[]> => {
    try {
      const items = await pullFrom(libp2p, peerIdFromString(peerId), request, options.pull, metrics, signal);
      maintenance.pullAnswered(peerId);
      return items;
    } catch (err) {
      // An answer, even a bad one, shows the link works; a timeout or a broken stream does not.
      if (err instanceof PullError && err.code !== 'timeout') maintenance.pullAnswered(peerId);
      else if (!stopped && !signal?.aborted) maintenance.pullFailed(peerId);
      throw err;
    }
  };

  return {
    peerId: identity.peerId,
    nodeId: identity.entry?.id,
    metrics: registry,
    options,
    topics,
    libp2p,
    addresses: () => libp2p.getMultiaddrs().map((ma) => ma.toString()),
    topicString: name,
    publish: (topic, envelope) => gossip.publish(topic, envelope),
    pull,
    validate: (envelope) => validateArtifact(ctx, envelope),
    peers() {
      const byPeer = new Map<string, PeerInfo>();
      for (const conn of libp2p.getConnections()) {
        const id = conn.remotePeer.toString();
        let info = byPeer.get(id);
        if (!info) {
          const entry = rosterByPeerId.get(id);
          info = { peerId: id, nodeId: entry?.id, role: entry?.role, admission: gater.admission(id), addresses: [], direction: [], latencyMs: undefined, answeredAt: liveness.answeredAt(id), score: pubsub.getScore(id) };
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
    subscribers: (topic) => gossip.subscribers(topic),
    score: (peerId) => pubsub.getScore(peerId),
    ping: (peerId) => ping.ping(peerIdFromString(peerId)),
    async stop() {
      if (stopped) return;
      stopped = true;
      maintenance.stop();
      liveness.stop();
      gossip.stop();
      await libp2p.stop();
    },
  };
}
